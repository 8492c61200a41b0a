"""Generate raw events with known expected outcomes for the fault-injection suite.

Every valid event belongs to a story cluster: a unique article is a cluster of one; a
story's copies (URL re-scrapes, verbatim republications, lightly edited reprints) share
its cluster. The oracle expects exactly one member of each cluster on the clean topic and
every other member exactly once on the duplicates topic. Invalid records, and pages of
navigation only (empty after cleaning), are expected exactly once on the DLQ with their
reason code. Deterministic for a given seed.

That expectation is only fair if it holds in every arrival order, so every edited copy is
one the dedup store catches against each other member of its story whichever it sees first
(:func:`caught_both_ways`). A random edit can leave a copy the detector misses, as it may:
seed 29 drew 14 changed words of 266 for one copy, which still shares 85 % of its shingles
with the story but was estimated at 9/16 = 0.56 < 0.6 by the 16 stored anchors, so the copy
was a new original in every order and the run failed without any delivery fault. Such a
copy is drawn again from a generator of its own, so the rest of the stream is unchanged.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import orjson

from service.dedup.stage import MatchPolicy, Probe, make_probe
from service.models import CleanArticle, Origin
from service.stores.embedded.store import EmbeddedStore

_SYLLABLES = [
    "ba",
    "be",
    "bi",
    "bo",
    "bu",
    "da",
    "de",
    "di",
    "do",
    "du",
    "ka",
    "ke",
    "ki",
    "ko",
    "ku",
    "la",
    "le",
    "li",
    "lo",
    "lu",
    "ma",
    "me",
    "mi",
    "mo",
    "mu",
    "na",
    "ne",
    "ni",
    "no",
    "nu",
    "ra",
    "re",
    "ri",
    "ro",
    "ru",
    "sa",
    "se",
    "si",
    "so",
    "su",
    "ta",
    "te",
    "ti",
    "to",
    "tu",
    "va",
    "ve",
    "vi",
    "vo",
    "vu",
]
# 4,000 pseudo-words: a vocabulary large enough that unrelated synthetic articles share
# almost no word 3-grams. With a hundred real words they do, and then the near-duplicate
# detector's common-shingle guard, not delivery, decides some of what the oracle sees.
WORDS = sorted({a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in _SYLLABLES[:2]})[:4000]
SOURCES = [f"outlet{i}.example" for i in range(12)]


EMPTY_REASON = "empty_after_cleaning"


@dataclass
class Expected:
    """What the oracle must find: clusters of article ids, and dead letters.

    ``dead_letters`` holds one ``(key, reason)`` per record expected on the DLQ (keys of
    invalid records repeat; the reason is the ``__cleanwire.errors.reason`` header).
    """

    clusters: dict[str, list[str]] = field(default_factory=dict)
    dead_letters: list[tuple[str, str]] = field(default_factory=list)
    events: int = 0

    def dead_letter_count(self, reason: str | None = None) -> int:
        """Return how many dead letters are expected, of ``reason`` or of any reason."""
        return sum(1 for _, r in self.dead_letters if reason in (None, r))


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 20))]
    return " ".join(words).capitalize() + "."


def _body(rng: random.Random, paragraphs: int) -> list[str]:
    return [" ".join(_sentence(rng) for _ in range(3)) for _ in range(paragraphs)]


def _edit(rng: random.Random, paragraph: str, rate: float) -> str:
    words = paragraph.split()
    for i in range(len(words)):
        if rng.random() < rate:
            words[i] = rng.choice(WORDS)
    return " ".join(words)


INVALID = [  # (value, the reason the parser gives it)
    (b"not json at all", "not_json"),
    (b"\xff\xfe\xfd invalid utf-8", "invalid_utf8"),
    (b"[1, 2, 3]", "not_object"),
    (b'{"url": "https://x.example/no-content", "title": "no body"}', "no_content"),
    (b'{"url": "https://x.example/wrong", "text": ["list"]}', "wrong_type"),
    (b'{"text": "no url"}', "missing_field"),
]
# Site chrome: lines the clean stage's rules drop one by one, wherever they stand, so a
# page made only of them is empty after cleaning in every state of the learned-boilerplate
# store and must reach the DLQ. Section names ("World", "Opinion") are left out on purpose:
# they go only as part of a navigation run, and once learned lines are stripped around
# one, a lone "Opinion" can survive as a body.
NAVIGATION = [
    "Home", "Sign in", "Sign up", "Log in", "Register", "Subscribe", "Subscribe now",
    "Newsletters", "Menu", "Open menu", "Toggle navigation", "Search", "Skip to content",
    "Skip to main content", "Back to top", "Contact us", "About us", "Privacy policy",
    "Cookie policy", "Cookie settings", "Manage cookies", "Accept cookies", "Terms of use",
    "Share", "Share on Facebook", "Share on Twitter", "Follow us", "Print", "Email",
    "Comments", "Advertisement", "Read more", "All rights reserved",
]  # fmt: skip


def navigation_page(rng: random.Random) -> str:
    """Return the text of a page that is only navigation: empty after cleaning."""
    return "\n".join(rng.sample(NAVIGATION, rng.randint(4, 12)))


def check_navigation_is_chrome() -> None:
    """Raise ``AssertionError`` unless the default rules drop every navigation line for every source.

    Run before a fault run, so that a change to the rules shows up as this message rather
    than as navigation pages on the clean topic.
    """
    from service.clean.rules import load_rules

    rules = load_rules()
    kept = sorted(
        {line for s in SOURCES for line in NAVIGATION if not rules.for_source(s).drops(line)}
    )
    assert not kept, f"the clean rules no longer drop these navigation lines: {kept}"


def _probe(paragraphs: list[str], number: int) -> Probe:
    """Return the dedup probe of a story body (the clean stage keeps a story's paragraphs as
    they are and drops its title line: ``tests/unit/test_fault_events.py`` checks that)."""
    body = "\n\n".join(paragraphs)
    article = CleanArticle(
        f"probe{number}", f"https://probe.example/{number}", "probe.example",
        Origin("probe", 0, number), body,
    )  # fmt: skip
    return make_probe(article)


def caught_both_ways(bodies: list[list[str]], candidate: list[str]) -> bool:
    """Return True when the dedup store calls ``candidate`` a duplicate of each body alone,
    and each body a duplicate of ``candidate`` alone (whichever one it sees first)."""
    new = _probe(candidate, 0)
    for number, body in enumerate(bodies, 1):
        old = _probe(body, number)
        for first, second in ((old, new), (new, old)):
            store = EmbeddedStore(MatchPolicy(max_entries=4))
            store.check_and_insert(first, 0.0)
            if store.check_and_insert(second, 1.0).match == "unique":
                return False
    return True


def generate(
    n: int, seed: int, dup_share: float = 0.3, empty_share: float = 0.03
) -> tuple[list[tuple[bytes, bytes]], Expected]:
    """Return ``n`` shuffled (key, value) raw events and what the oracle expects.

    About 8 % are invalid and ``empty_share`` are navigation-only pages (pass 0 when the
    service runs without its clean stage: then nothing is empty).
    """
    rng = random.Random(seed)
    exp = Expected()
    out: list[tuple[bytes, bytes]] = []
    story = 0
    while len(out) < n:
        story += 1
        roll = rng.random()
        if roll < 0.08:
            key = f"bad-{story % 17}"
            value, reason = rng.choice(INVALID)
            out.append((key.encode(), value))
            exp.dead_letters.append((key, reason))
            continue
        source = rng.choice(SOURCES)
        if roll < 0.08 + empty_share:
            aid = f"empty-{story}"
            page = {"id": aid, "url": f"https://{source}/section/{story}", "source": source,
                    "text": navigation_page(rng)}  # fmt: skip
            out.append((aid.encode(), orjson.dumps(page)))
            exp.dead_letters.append((aid, EMPTY_REASON))
            continue
        paras = _body(rng, rng.randint(4, 7))
        cid = f"s{story}"
        url = f"https://{source}/news/{story}"
        members = [(cid, url, source, paras)]
        if roll > 1.0 - dup_share:  # a story with copies
            for c in range(rng.randint(1, 3)):
                kind = rng.random()
                if kind < 0.3:
                    members.append((f"{cid}-u{c}", f"{url}/?utm_source=feed{c}", source, paras))
                elif kind < 0.6:
                    other = rng.choice(SOURCES)
                    members.append(
                        (f"{cid}-r{c}", f"https://{other}/wire/{story}-{c}", other, paras)
                    )
                else:
                    other = rng.choice(SOURCES)
                    edited = [_edit(rng, p, 0.02) for p in paras]
                    bodies = [paras, *(m[3] for m in members if "-e" in m[0])]
                    redraws = 0
                    while not caught_both_ways(bodies, edited):  # rare: seed 29 has one
                        redraws += 1
                        redraw = random.Random(f"{seed}/{cid}-e{c}/{redraws}")
                        edited = [_edit(redraw, p, 0.02) for p in paras]
                    members.append(
                        (f"{cid}-e{c}", f"https://{other}/world/{story}-{c}", other, edited)
                    )
        exp.clusters[cid] = [m[0] for m in members]
        for aid, murl, msource, mparas in members:
            title = " ".join(rng.choice(WORDS) for _ in range(6)).capitalize()
            text = "\n".join([title, *mparas])
            event = {
                "id": aid,
                "url": murl,
                "source": msource,
                "text": text,
                "meta": {"cluster": cid},
            }
            out.append((aid.encode(), orjson.dumps(event)))
    out = out[:n]  # cuts only the last story's copies: a dead letter adds one event below n
    kept = {k.decode() for k, _ in out}
    exp.clusters = {c: [m for m in ms if m in kept] for c, ms in exp.clusters.items()}
    exp.clusters = {c: ms for c, ms in exp.clusters.items() if ms}
    rng.shuffle(out)
    exp.events = len(out)
    return out, exp
