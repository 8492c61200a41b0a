"""Synthesise realistic raw article events for the throughput, latency and soak benchmarks.

Usage: python bench/events.py [--events 2000] [--html-share 0.3] [--dup-share 0.2] [--seed 7]
       [--out FILE]   (JSON lines; default: print a size/mix summary only)

Text events carry 3-8 KB of text with the site chrome still in it (nav line, share line,
related headlines, footer); HTML events are 20-60 KB pages with a head, inline script and
style, a nav bar, breadcrumbs, the article, a related-links block, a comment teaser and a
footer. Bodies mention people, organisations and places, so the entity tagger has work.
``--dup-share`` of the events are copies of an earlier original: half exact (the same
story republished by another outlet, or a re-scrape of the same URL), half near (2-5 % of
words replaced, a new dateline). Deterministic for a given seed. ``meta.sent_at`` is left
for the producer to set at send time (see :func:`stamp`).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import orjson

PEOPLE = ["Angela Merkel", "Emmanuel Macron", "Olaf Scholz", "Ursula von der Leyen", "Joe Biden", "Rishi Sunak", "Keir Starmer", "Giorgia Meloni", "Pedro Sanchez", "Jacinda Ardern", "Narendra Modi", "Xi Jinping", "Dmitry Peskov", "Antonio Guterres", "Christine Lagarde", "Jerome Powell", "Tedros Adhanom Ghebreyesus", "Maria Hernandez", "John Carter", "Sarah Mitchell", "David Okafor", "Laura Jensen", "Tom Becker", "Amina Diallo", "Kenji Watanabe", "Elena Petrova"]  # fmt: skip
ORGS = ["the European Commission", "the World Health Organization", "the United Nations", "the Federal Reserve", "the European Central Bank", "Siemens", "Volkswagen", "Apple", "Microsoft", "Reuters", "the International Monetary Fund", "NATO", "the Bank of England", "Airbus", "Shell", "Deutsche Bahn", "the Red Cross", "Greenpeace", "Oxford University", "the Supreme Court"]  # fmt: skip
PLACES = ["Berlin", "Paris", "London", "Brussels", "Geneva", "Washington", "New York", "Madrid", "Rome", "Tokyo", "Beijing", "Moscow", "Kyiv", "Nairobi", "Lagos", "Sydney", "Toronto", "Mumbai", "Sao Paulo", "Cairo", "Germany", "France", "Spain", "Italy", "Japan", "Kenya", "Brazil", "India", "Canada"]  # fmt: skip
VERBS = ["said", "announced", "warned", "confirmed", "denied", "told reporters", "argued", "insisted", "suggested", "acknowledged"]  # fmt: skip
NOUNS = ["budget", "election", "report", "inflation", "interest rates", "energy prices", "the harbour project", "the rail strike", "the vaccine rollout", "emissions targets", "the trade deal", "pension reform", "the flood defences", "the housing market", "the new stadium", "wage talks", "the court ruling", "the tax plan", "the ceasefire talks", "the climate summit"]  # fmt: skip
ADJ = ["difficult", "useful", "unexpected", "modest", "sharp", "long-awaited", "controversial", "historic", "cautious", "significant"]  # fmt: skip
TEMPLATES = [
    "{p} {v} on {day} that {n} would be {a} for {pl} and its neighbours.",
    "Officials at {o} {v} that {n} had become {a} after weeks of negotiations in {pl}.",
    '"We are ready to keep working on {n} as long as it takes," {p} {v} in {pl}.',
    "According to figures published by {o}, {n} rose by {k} per cent in {pl} last year.",
    "{p}, who has led the talks since {y}, {v} that the outcome remained {a}.",
    "Critics in {pl} {v} that {o} had moved too slowly on {n}, a charge {p} rejected.",
    "The decision follows a {a} meeting between {p} and representatives of {o} in {pl} on {day}.",
    "Analysts expect {n} to dominate the agenda when ministers meet in {pl} next month.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SECTIONS = ["world", "politics", "business", "health", "science", "sport", "culture", "climate"]
SOURCES = [f"outlet{i}.example" for i in range(16)]


def _sentence(rng: random.Random) -> str:
    return rng.choice(TEMPLATES).format(
        p=rng.choice(PEOPLE), o=rng.choice(ORGS), pl=rng.choice(PLACES), v=rng.choice(VERBS),
        n=rng.choice(NOUNS), a=rng.choice(ADJ), day=rng.choice(DAYS), k=rng.randint(2, 40),
        y=rng.randint(2005, 2024),
    )  # fmt: skip


def _paragraphs(rng: random.Random, target_bytes: int) -> list[str]:
    paras: list[str] = []
    size = 0
    while size < target_bytes:
        p = " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))
        paras.append(p)
        size += len(p) + 1
    return paras


def _headline(rng: random.Random) -> str:
    return f"{rng.choice(PEOPLE)} {rng.choice(VERBS)} {rng.choice(NOUNS)} {rng.choice(ADJ)}"[:90]


def _chrome_text(rng: random.Random, source: str) -> tuple[list[str], list[str]]:
    head = [
        " | ".join(s.capitalize() for s in SECTIONS),
        f"Subscribe to {source} | Sign in | Newsletters",
        "Share on Facebook  Share on X  Email  Print",
    ]
    foot = ["Related stories"] + [_headline(rng) for _ in range(rng.randint(3, 6))]
    foot += [
        f"(c) 2025 {source}. All rights reserved.",
        "Contact us | Privacy policy | Cookie settings | Terms of use | Advertise with us",
    ]
    return head, foot


def _text_event(rng: random.Random, title: str, paras: list[str], source: str) -> str:
    head, foot = _chrome_text(rng, source)
    return "\n".join([title, *head, *paras, *foot])


def _links(rng: random.Random, n: int, source: str, cls: str) -> str:
    items = []
    for _ in range(n):
        sec = rng.choice(SECTIONS)
        slug = _headline(rng).lower().replace(" ", "-")
        items.append(
            f'<li class="{cls}__item"><a class="{cls}__link" data-track="{cls}-{sec}" '
            f'href="https://{source}/{sec}/{slug}">{_headline(rng)}</a></li>'
        )
    return "\n".join(items)


def _html_event(
    rng: random.Random, title: str, paras: list[str], source: str, url: str, target_bytes: int
) -> str:
    nav = "".join(
        f'<li class="nav__item"><a class="nav__link" href="https://{source}/{s}">{s.capitalize()}</a></li>'
        for s in SECTIONS
    )
    body = "\n".join(f'<p class="article__paragraph">{p}</p>' for p in paras)
    style = "".join(
        f".c{i}{{margin:{i % 7}px;padding:{i % 5}px;color:#{i * 99991 % 0xFFFFFF:06x}}}"
        for i in range(rng.randint(40, 120))
    )
    script = (
        "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
        f"gtag('js',new Date());gtag('config','G-{rng.randint(10**9, 10**10)}');"
    )
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{title} | {source}</title>",
        f'<meta name="description" content="{paras[0][:150]}">',
        f'<meta property="og:title" content="{title}"><link rel="canonical" href="{url}">',
        f"<style>{style}</style><script>{script}</script></head><body>",
        f'<header class="site-header"><a class="logo" href="https://{source}/">{source}</a>',
        f'<nav class="nav"><ul class="nav__list">{nav}</ul></nav>',
        '<form class="search" action="/search"><input name="q" placeholder="Search"></form></header>',
        f'<div class="cookie-banner">We use cookies to improve your experience on {source}. <button>Accept all</button></div>',
        '<main><ol class="breadcrumbs"><li><a href="/">Home</a></li>'
        f'<li><a href="/{rng.choice(SECTIONS)}">Section</a></li></ol>',
        f'<article class="article"><h1 class="article__title">{title}</h1>',
        f'<p class="article__byline">By {rng.choice(PEOPLE)} <time>2025-03-10</time></p>',
        '<div class="share"><a href="#">Facebook</a> <a href="#">X</a> <a href="#">Email</a></div>',
        f'<div class="article__body">{body}</div></article>',
        '<aside class="newsletter">Get the morning briefing in your inbox. <a href="/newsletters">Sign up</a></aside>',
        '<section class="comments"><h2>Comments</h2><p>Join the conversation. <a href="/login">Log in</a> to comment.</p></section>',
        '<aside class="related"><h2>Related stories</h2><ul class="related__list">',
    ]
    html = "\n".join(parts)
    footer = (
        '</ul></aside></main><footer class="site-footer"><ul class="footer__links">'
        '<li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li>'
        '<li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms</a></li></ul>'
        f"<p>(c) 2025 {source}. All rights reserved.</p></footer></body></html>"
    )
    links: list[str] = []
    size = len(html) + len(footer)
    while size < target_bytes:
        block = _links(rng, 10, source, rng.choice(["related", "most-read", "promo", "more"]))
        links.append(block)
        size += len(block) + 1
    return html + "\n" + "\n".join(links) + "\n" + footer


def _near(rng: random.Random, paras: list[str]) -> list[str]:
    """Replace 2-5 % of words and prepend a dateline."""
    out = []
    rate = rng.uniform(0.02, 0.05)
    for p in paras:
        words = p.split()
        for i in range(len(words)):
            if rng.random() < rate:
                words[i] = rng.choice(["reportedly", "officially", "again", "now", "still"])
        out.append(" ".join(words))
    out[0] = f"{rng.choice(PLACES).upper()} ({rng.choice(['AP', 'AFP', 'Reuters'])}) - " + out[0]
    return out


@dataclass(frozen=True)
class Mix:
    """Event count and mix: share of HTML events and of duplicate copies."""

    events: int = 2000
    html_share: float = 0.3
    dup_share: float = 0.2
    seed: int = 7


def generate(mix: Mix) -> Iterator[dict[str, object]]:
    """Yield ``mix.events`` raw events (dicts); copies follow their originals."""
    rng = random.Random(mix.seed)
    originals: list[tuple[str, list[str], str, str]] = []
    for i in range(mix.events):
        html = rng.random() < mix.html_share
        source = rng.choice(SOURCES)
        section = rng.choice(SECTIONS)
        if originals and rng.random() < mix.dup_share:
            title, paras, osource, ourl = rng.choice(originals[-500:])
            kind = rng.choice(["exact", "rescrape", "near"])
            if kind == "rescrape":
                source, url = osource, ourl + "?utm_source=rss"
            else:
                url = f"https://{source}/{section}/{i}-{title.lower().replace(' ', '-')[:40]}"
            if kind == "near":
                paras = _near(rng, paras)
        else:
            title = _headline(rng)
            paras = _paragraphs(
                rng, rng.randint(2400, 6200) if not html else rng.randint(3000, 8000)
            )
            url = f"https://{source}/{section}/{i}-{title.lower().replace(' ', '-')[:40]}"
            originals.append((title, paras, source, url))
        event: dict[str, object] = {
            "id": hashlib.sha256(f"{mix.seed}-{i}".encode()).hexdigest()[:32],
            "url": url,
            "source": source,
            "fetched_at": "2025-03-10T10:00:00Z",
            "language": "en",
            "meta": {"bench_seq": i},
        }
        if html:
            event["html"] = _html_event(rng, title, paras, source, url, rng.randint(20_000, 56_000))
        else:
            event["title"] = title
            event["text"] = _text_event(rng, title, paras, source)
        yield event


def stamp(event: dict[str, object]) -> bytes:
    """Encode ``event`` with ``meta.sent_at`` = now (epoch seconds), for latency measurement."""
    meta = dict(event["meta"])  # type: ignore[call-overload]
    meta["sent_at"] = time.time()
    return orjson.dumps({**event, "meta": meta})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--html-share", type=float, default=0.3)
    ap.add_argument("--dup-share", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    mix = Mix(args.events, args.html_share, args.dup_share, args.seed)
    sizes = {"html": [], "text": []}  # type: dict[str, list[int]]
    out = open(args.out, "wb") if args.out else None  # noqa: SIM115
    for ev in generate(mix):
        data = orjson.dumps(ev)
        sizes["html" if "html" in ev else "text"].append(len(data))
        if out:
            out.write(data + b"\n")
    if out:
        out.close()
    for kind, s in sizes.items():
        if s:
            print(f"{kind}: {len(s)} events, {min(s) / 1e3:.1f}-{max(s) / 1e3:.1f} KB, "
                  f"mean {sum(s) / len(s) / 1e3:.1f} KB", file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
