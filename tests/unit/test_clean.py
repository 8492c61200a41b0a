"""Tests for service.clean.stage: the Cleaner stage over text and HTML articles."""

from __future__ import annotations

import re

import pytest

from service.clean.html import MAX_TAG_DEPTH, shallow_html
from service.clean.learned import InMemoryLineStats
from service.clean.rules import load_rules
from service.clean.stage import Cleaner, event_time
from service.models import CleanArticle, Drop, Origin, RawArticle

ORIGIN = Origin("raw", 0, 7)
CITIES = ["Moscow", "Paris", "Lagos", "Lima", "Oslo", "Delhi", "Quito", "Hanoi", "Accra", "Riga"]
TOPICS = ["harbour", "tram line", "grain export", "teachers' pay", "hospital wing"]

HEADER = [
    "Home",
    "World",
    "Business",
    "The Springfield Courier - independent local journalism since 1898",
]
FOOTER = [
    "The Springfield Courier is published by Courier Media Group, 12 Main Street, "
    "Springfield, and is a member of the regional press standards council.",
    "Courier Media Group offices: Springfield, Shelbyville and Capital City.",
]


def _body(n: int) -> list[str]:
    city, topic = CITIES[n % len(CITIES)], TOPICS[n % len(TOPICS)]
    return [
        f"{city}: The council voted {n} to {n + 3} on Tuesday to fund the {topic} plan, "
        f"ending a dispute that had stalled work for {n + 2} months.",
        f'"We waited {n + 4} years for this," said resident number {n}, who has campaigned '
        f"for the {topic} since the first proposal was published in the local paper.",
        f"Officials said construction of the {topic} would begin within {n + 5} weeks and "
        f"employ around {10 * n + 40} people from the surrounding district.",
    ]


def _raw(text: str | None = None, html: str | None = None, n: int = 0) -> RawArticle:
    return RawArticle(
        id=f"a{n}",
        url=f"https://courier.example/{n}",
        source="courier.example",
        origin=ORIGIN,
        text=text,
        html=html,
        fetched_at=f"2026-11-{1 + n % 28:02d}T10:00:00Z",
    )


def test_learned_header_and_footer_are_stripped() -> None:
    """Fifty articles sharing header/footer lines lose those lines but no body sentence."""
    cleaner = Cleaner(load_rules(), InMemoryLineStats(min_articles=3))
    for n in range(50):
        body = _body(n)
        out = cleaner(_raw("\n".join([*HEADER, *body, *FOOTER]), n=n))
        assert isinstance(out, CleanArticle)
        for sentence in body:  # a lead's dateline ("Lagos: ...") is lifted into its field
            lead = out.dateline.text + " " if out.dateline else ""
            assert sentence.removeprefix(lead) in out.body
        if n >= 2:
            for line in HEADER + FOOTER:
                assert line not in out.body
    assert cleaner.stats.lines_learned >= len(FOOTER)
    assert cleaner.stats.learned_lines_stripped > 0


STANDFIRST = "Talks on the grain corridor resumed after a two-week pause, officials said."
PARAGRAPHS = [
    "Moscow: Russia and Ukraine resumed talks on Monday about reopening the grain corridor "
    "through the Black Sea, the foreign ministry said in a statement.",
    '"We are ready to discuss practical steps," deputy minister Sergei Vershinin told '
    "reporters after the first session, adding that guarantees were still needed.",
    "The corridor carried more than 30 million tonnes of grain before it was suspended "
    "in July, according to United Nations figures.",
    "Shipping insurers said premiums for vessels bound for Odesa had fallen slightly on "
    "news of the talks but remained well above pre-war levels.",
    '"Nobody expects a breakthrough this week," said Anna Petrova, an analyst at a '
    'Moscow consultancy. "But the fact that they are talking matters."',
    "Turkey, which brokered the original deal, said it would host a further round in "
    "Istanbul if both sides agreed to it.",
    "Wheat futures in Chicago fell 2 percent after the announcement, traders said.",
    "Farm groups in Ukraine said silos were nearly full and warned that the harvest "
    "could rot without an export route.",
    "The European Union has expanded rail links through Poland, but they carry only a "
    "fraction of what ships can.",
    "Both delegations are expected to report back to their governments by Friday.",
]
PROMO = (
    "For the latest gadget reviews and prices, check out our Tech section, where our "
    "experts compare the newest phones, laptops and smartwatches every week."
)
RELATED = [
    "also read",
    "Pavel Durov hails new Telegram feature",
    "The messaging app's founder said the update would reach a billion users by spring.",
    "Gazprom posts record quarterly loss",
    "The gas company blamed lower European demand and a weaker rouble for the result.",
    "Elon Musk teases Starship launch date",
    "SpaceX's chief executive said the rocket could fly again within a month.",
]


LIFTED = [PARAGRAPHS[0].removeprefix("Moscow: "), *PARAGRAPHS[1:]]  # the dateline is a field


def test_news_text_structure() -> None:
    """The promo and the also-read block go; the date, headline and ten paragraphs stay."""
    text = "\n".join(
        [
            "date 2020-11-09 Grain corridor talks resume in Moscow",
            STANDFIRST,
            *PARAGRAPHS,
            PROMO,
            *RELATED,
        ]
    )
    out = Cleaner(load_rules())(_raw(text))
    assert isinstance(out, CleanArticle)
    assert out.title == "Grain corridor talks resume in Moscow"
    assert out.published_at == "2020-11-09T00:00:00Z"
    assert out.published_at_raw == "2020-11-09"
    assert out.dek == STANDFIRST
    assert out.body.split("\n\n") == LIFTED
    assert out.dateline is not None and out.dateline.place == "Moscow"
    for gone in ["gadget", "also read", "Durov", "Gazprom", "Musk", "SpaceX", "Telegram"]:
        assert gone not in out.body
    assert out.stripped_bytes == out.input_bytes - len(out.body.encode())


def test_chrome_lines_dropped_short_paragraphs_kept() -> None:
    """Share, cookie, copyright and photo-credit lines go; a short quote paragraph stays."""
    lines = [
        "Share on Facebook",
        PARAGRAPHS[0],
        "Photo: Reuters/Maxim Shemetov",
        PARAGRAPHS[1],
        '"It is a start," he said.',
        PARAGRAPHS[2],
        "We use cookies to improve your experience on our site.",
        "Copyright 2020 Example News Ltd. All rights reserved.",
        "Sign up for our daily newsletter",
    ]
    out = Cleaner(load_rules())(_raw("\n".join(lines)))
    assert isinstance(out, CleanArticle)
    assert out.body.split("\n\n") == [
        LIFTED[0],
        PARAGRAPHS[1],
        '"It is a start," he said.',
        PARAGRAPHS[2],
    ]


def test_empty_after_cleaning_is_a_drop() -> None:
    """An article with only chrome is dropped with reason empty_after_cleaning."""
    out = Cleaner(load_rules())(_raw("Home\nWorld\nShare on Facebook\nSubscribe"))
    assert out == Drop("empty_after_cleaning", "a0")


HTML = """<!doctype html><html lang="en-GB"><head>
<title>Grain talks resume | Example News</title>
<meta property="og:title" content="Grain corridor talks resume">
<meta name="description" content="Talks resumed after a two-week pause.">
<meta name="author" content="Jane Roe">
<meta property="article:published_time" content="2020-11-09T08:30:00Z">
<link rel="canonical" href="https://news.example/grain-talks">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/tech">Tech</a></nav>
<article><h1>Grain corridor talks resume</h1>
{paragraphs}
</article>
<footer><p>Copyright 2020 Example News. All rights reserved.</p></footer>
</body></html>"""


def test_html_keeps_paragraphs_and_metadata() -> None:
    """The HTML path keeps paragraph breaks and fills title, dek, author, date, URL, language."""
    html = HTML.format(paragraphs="\n".join(f"<p>{p}</p>" for p in PARAGRAPHS))
    out = Cleaner(load_rules())(_raw(html=html, text="ignored text"))
    assert isinstance(out, CleanArticle)
    assert out.body.split("\n\n") == LIFTED  # the h1 repeating the title is not body
    assert "Copyright" not in out.body
    assert out.title == "Grain corridor talks resume"
    assert out.dek == "Talks resumed after a two-week pause."
    assert out.author == "Jane Roe"
    assert out.published_at == "2020-11-09T08:30:00Z"
    assert out.published_at_raw == "2020-11-09T08:30:00Z"
    assert out.canonical_url == "https://news.example/grain-talks"
    assert out.language == "en"


@pytest.mark.parametrize("html", ["", "<html>", "<p></p>", "\x00\x00", "<<<>>>"])
def test_html_garbage_is_a_drop(html: str) -> None:
    """Markup with no text is dropped as empty, never raised."""
    out = Cleaner(load_rules())(_raw(html=html or None, text=None if html else ""))
    assert out == Drop("empty_after_cleaning", "a0")


def test_event_time_prefers_fetched_at() -> None:
    """The learned-line clock is the event's fetch time, else the injected clock."""
    assert event_time(_raw("x", n=0), lambda: 5.0) == 1_793_527_200.0
    naive = RawArticle("b", "https://x/", "s", ORIGIN, text="x", fetched_at="2026-11-01T10:00:00")
    assert event_time(naive, lambda: 5.0) == 1_793_527_200.0
    assert event_time(RawArticle("c", "https://x/", "s", ORIGIN, text="x"), lambda: 5.0) == 5.0
    bad = RawArticle("d", "https://x/", "s", ORIGIN, text="x", fetched_at="yesterday")
    assert event_time(bad, lambda: 7.0) == 7.0


def test_a_block_rendered_twice_is_kept_once() -> None:
    """Three or more paragraphs repeated in order (a layout shown twice) are kept once."""
    from service.clean.html import without_repeated_runs

    block = ["Alpha para one.", "Beta para two.", "Gamma para three."]
    assert without_repeated_runs(["Intro.", *block, "Middle.", *block, "End."]) == [
        "Intro.",
        *block,
        "Middle.",
        "End.",
    ]
    items = ["- Step one", "Text.", "- Step one", "More text.", "- Step one"]
    assert without_repeated_runs(items) == items  # a repeated single line is the story's own


def _depth(html: str) -> int:
    depth = deepest = 0
    for tag in re.findall(r"</?div\b[^>]*>", html):
        depth += -1 if tag.startswith("</") else 1
        deepest = max(deepest, depth)
    return deepest


def test_tags_nested_deeper_than_browsers_allow_are_flattened_and_their_text_kept() -> None:
    """50,000 nested divs (a page that took seconds to parse) keep their story."""
    story = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = "<html><body>" + "<div>" * 50_000 + story + "</div>" * 50_000 + "</body></html>"
    flat = shallow_html(html)
    assert _depth(flat) == MAX_TAG_DEPTH - 2  # under <html> and <body>
    assert re.sub(r"<[^>]*>", "", flat) == re.sub(r"<[^>]*>", "", html)  # all text kept
    out = Cleaner(load_rules())(_raw(html=html))
    assert isinstance(out, CleanArticle)
    assert out.body.split("\n\n") == LIFTED


def test_pages_within_the_depth_limit_are_left_as_they_are() -> None:
    """A big page nesting no deeper than the limit, and unclosed paragraphs, are untouched."""
    wide = "<html><body>" + "<div><p>item</p><br><img src=x></div>" * 5_000 + "</body></html>"
    unclosed = "<html><body><div>" + "<p>line <li>entry <td>cell" * 5_000 + "</div></body></html>"
    deep = "<div>" * MAX_TAG_DEPTH + "<br>" * 5_000 + "</div>" * MAX_TAG_DEPTH
    for html in (wide, unclosed, deep, "<div>" * 4_000):
        assert shallow_html(html) is html


def test_a_read_also_line_inside_a_french_story_goes_and_the_story_after_it_stays() -> None:
    """Le Monde sets "Lire aussi | ..." between paragraphs: the line goes, never the rest."""
    story = [
        "La Banque centrale européenne a décidé jeudi de maintenir ses taux directeurs "
        "inchangés, invoquant une inflation encore supérieure à son objectif.",
        "Lors d'une conférence de presse à Francfort, sa présidente a estimé que la prudence "
        "restait de mise face aux incertitudes sur les prix de l'énergie.",
        "À Paris, le ministère de l'Économie a salué une décision responsable, tout en "
        "appelant à une baisse des taux dès le printemps prochain.",
        "Les marchés ont peu réagi à l'annonce, la Bourse de Paris terminant la séance en "
        "légère hausse de 0,3 % en fin de journée.",
        "Les économistes interrogés s'attendent désormais à une première baisse en juin, si la "
        "hausse des salaires continue de ralentir.",
    ]
    lines = [*story[:3], "Lire aussi | Inflation : les prix ont ralenti en mars", *story[3:]]
    out = Cleaner(load_rules())(_raw(text="\n".join(lines)))
    assert isinstance(out, CleanArticle)
    assert out.body.split("\n\n") == story
