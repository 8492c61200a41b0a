"""Seeded generators of raw events: valid articles, their copies, and broken input.

Every generated :class:`Event` carries its ``kind`` (for the summary and reproducers) and,
where the outcome is certain, ``expect``: the labels it may end under (``clean``,
``duplicates``, or a DLQ reason code). ``None`` means any accounted-for outcome is right
(a random mutation may or may not still be a valid article). Deterministic for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

VALID = frozenset({"clean", "duplicates"})
BOM = b"\xef\xbb\xbf"
ZW = ("\u200d", "\u200c", "\ufeff", "\u200b", "\u200f", "\u202b", "\u2066", "\u2069")

WORDS = [
    "government",
    "minister",
    "election",
    "council",
    "report",
    "police",
    "city",
    "market",
    "company",
    "shares",
    "bank",
    "court",
    "judge",
    "trial",
    "officials",
    "said",
    "would",
    "could",
    "after",
    "before",
    "during",
    "since",
    "while",
    "health",
    "hospital",
    "doctors",
    "patients",
    "vaccine",
    "climate",
    "energy",
    "prices",
    "oil",
    "gas",
    "water",
    "river",
    "flood",
    "storm",
    "school",
    "students",
    "teachers",
    "university",
    "research",
    "study",
    "scientists",
    "data",
    "results",
    "record",
    "season",
    "team",
    "coach",
    "players",
    "match",
    "goal",
    "final",
    "league",
    "cup",
    "club",
    "transfer",
    "injury",
    "fans",
    "budget",
    "tax",
    "spending",
    "deficit",
    "growth",
    "inflation",
    "rates",
    "jobs",
    "workers",
    "union",
    "strike",
    "talks",
    "border",
    "security",
    "military",
    "troops",
    "attack",
    "defence",
    "peace",
    "agreement",
    "treaty",
    "summit",
    "leaders",
    "president",
    "prime",
    "party",
    "vote",
    "parliament",
    "senate",
    "bill",
    "law",
    "reform",
    "protest",
    "crowd",
    "streets",
    "village",
    "farmers",
    "harvest",
    "drought",
    "wildfire",
    "evacuation",
    "rescue",
    "emergency",
    "services",
    "airport",
    "flights",
    "train",
    "rail",
    "road",
    "bridge",
    "construction",
    "project",
    "contract",
    "billion",
    "million",
    "percent",
    "quarter",
    "annual",
    "profit",
    "loss",
    "revenue",
    "customers",
    "online",
    "digital",
    "software",
    "network",
    "internet",
]
NAMES = [
    "Angela Merkel",
    "Joe Biden",
    "Emmanuel Macron",
    "Narendra Modi",
    "Jacinda Ardern",
    "Olaf Scholz",
    "Reuters",
    "Associated Press",
    "United Nations",
    "European Union",
    "World Health Organization",
    "Geneva",
    "New York",
    "London",
    "Tokyo",
    "Nairobi",
    "Buenos Aires",
    "Toronto",
    "Sydney",
    "Cairo",
    "Jerusalem",
]
ARABIC = [
    "الحكومة",
    "وزير",
    "الانتخابات",
    "المدينة",
    "الشرطة",
    "السوق",
    "الشركة",
    "قال",
    "المسؤولون",
    "الصحة",
    "المستشفى",
]
HEBREW = [
    "הממשלה",
    "שר",
    "הבחירות",
    "העיר",
    "המשטרה",
    "השוק",
    "החברה",
    "אמר",
    "הרשמיים",
    "הבריאות",
    "בית",
    "החולים",
]
OUTLETS = [f"outlet{i}.example" for i in range(8)] + ["news.example.co.uk", "xn--mgbh0fb.example"]
NAVIGATION = [
    "Home",
    "Sign in",
    "Subscribe",
    "Menu",
    "Search",
    "Skip to content",
    "Back to top",
    "Contact us",
    "Privacy policy",
    "Cookie settings",
    "Share",
    "Print",
    "Advertisement",
    "Read more",
    "All rights reserved",
]
WRONG_VALUES: tuple[Any, ...] = (7, -1.5, ["x"], {"a": "b"}, None, True, False, [], {})
TYPED_FIELDS = ("id", "url", "title", "text", "html", "published_at", "language")
OPTIONAL_FIELDS = ("source", "fetched_at", "meta")


@dataclass(frozen=True, slots=True)
class Event:
    """One raw record value and what it may become."""

    kind: str
    value: bytes
    expect: frozenset[str] | None = None


@dataclass
class Generator:
    """Produce events; keeps a pool of recent valid articles to copy and mutate."""

    seed: int
    rng: random.Random = field(init=False)
    pool: list[dict[str, Any]] = field(default_factory=list)
    serial: int = 0
    wrong_cycle: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    # -- text ---------------------------------------------------------------------------

    def words(self, n: int, script: str = "latin") -> list[str]:
        rng = self.rng
        if script == "arabic":
            return [rng.choice(ARABIC) for _ in range(n)]
        if script == "hebrew":
            return [rng.choice(HEBREW) for _ in range(n)]
        return [rng.choice(NAMES) if rng.random() < 0.06 else rng.choice(WORDS) for _ in range(n)]

    def sentence(self, script: str = "latin") -> str:
        words = self.words(self.rng.randint(8, 22), script)
        if script == "latin":
            return " ".join(words).capitalize() + "."
        if self.rng.random() < 0.5:  # zero-width joiners and directional marks inside words
            i = self.rng.randrange(len(words))
            w = words[i]
            cut = self.rng.randint(0, len(w))
            words[i] = w[:cut] + self.rng.choice(ZW) + w[cut:]
        return " ".join(words) + "."

    def paragraphs(self, n: int, script: str = "latin") -> list[str]:
        return [
            " ".join(self.sentence(script) for _ in range(self.rng.randint(2, 4))) for _ in range(n)
        ]

    # -- valid articles ---------------------------------------------------------------------

    def _base(self) -> dict[str, Any]:
        rng = self.rng
        self.serial += 1
        outlet = rng.choice(OUTLETS)
        event: dict[str, Any] = {
            "url": f"https://{outlet}/news/{self.serial}-{rng.randrange(10**6)}"
        }
        if rng.random() < 0.7:
            event["id"] = f"fz-{self.seed}-{self.serial}"
        if rng.random() < 0.5:
            event["source"] = outlet
        if rng.random() < 0.6:
            event["published_at"] = f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T08:00:00Z"
        if rng.random() < 0.4:
            event["language"] = rng.choice(["en", "en-GB", "ar", "he", "fr"])
        if rng.random() < 0.03:  # odd but well-typed values of the optional fields
            name = rng.choice(["source", "language", "published_at", "fetched_at", "title"])
            event[name] = rng.choice(
                ["", " ", "\u200d", "x" * 5000, "zz-Latn-u-ca-x-1234", "2026-13-45T99:99:99Z",
                 "0000-00-00", "-1", "NaN", "مثال", "\x00", "<b>tag</b>", "OUTLET.EXAMPLE."]
            )  # fmt: skip
        if rng.random() < 0.3:
            event["meta"] = {"feed": rng.choice(["rss", "sitemap"]), "rank": rng.randint(0, 99)}
        return event

    def html_article(self, script: str = "latin") -> dict[str, Any]:
        rng = self.rng
        event = self._base()
        title = " ".join(self.words(rng.randint(4, 10), script)).title()
        paras = self.paragraphs(rng.randint(3, 8), script)
        body = "".join(f"<p>{p}</p>\n" for p in paras)
        nav = "".join(f'<li><a href="/{i}">{n}</a></li>' for i, n in enumerate(NAVIGATION[:6]))
        template = rng.randrange(3)
        direction = ' dir="rtl"' if script != "latin" else ""
        if template == 0:
            html = (
                f"<!DOCTYPE html><html{direction}><head><title>{title} | Outlet</title>"
                f'<meta property="og:title" content="{title}">'
                "<script>window.ads = [1, 2, 3];</script><style>p{margin:0}</style></head>"
                f"<body><header><nav><ul>{nav}</ul></nav></header><main><article>"
                f"<h1>{title}</h1><p class='byline'>By {rng.choice(NAMES)}</p>{body}</article>"
                "<aside>Read more: related stories</aside></main>"
                "<footer>All rights reserved</footer></body></html>"
            )
        elif template == 1:
            html = f"<html><body><div class='post'><h2>{title}</h2>{body}</div></body></html>"
        else:
            html = f"<h1>{title}</h1>\n{body}"
        event["html"] = html
        if rng.random() < 0.5:
            event["title"] = title
        return event

    def text_article(self, script: str = "latin") -> dict[str, Any]:
        rng = self.rng
        event = self._base()
        lines: list[str] = []
        if rng.random() < 0.5:
            lines += rng.sample(NAVIGATION, 3)
        lines.append(" ".join(self.words(rng.randint(4, 10), script)).title())
        if rng.random() < 0.5:
            lines.append(f"By {rng.choice(NAMES)}")
        paras = self.paragraphs(rng.randint(3, 8), script)
        if rng.random() < 0.4:
            paras[0] = f"{rng.choice(['GENEVA', 'LONDON', 'NEW YORK'])} (Wirepress) - {paras[0]}"
        lines += paras
        if rng.random() < 0.5:
            lines += ["Share", "Advertisement", "All rights reserved"]
        event["text"] = "\n".join(lines)
        return event

    def valid(self) -> Event:
        """A valid article from a template; kept in the pool for copies and mutations."""
        roll = self.rng.random()
        if roll < 0.45:
            kind, event = "valid_html", self.html_article()
        elif roll < 0.85:
            kind, event = "valid_text", self.text_article()
        else:
            script = self.rng.choice(["arabic", "hebrew"])
            make = self.html_article if roll < 0.92 else self.text_article
            kind, event = f"rtl_{script}", make(script)
        self.pool.append(dict(event))
        del self.pool[:-500]
        return Event(kind, orjson.dumps(event), VALID)

    def copy(self) -> Event:
        """A copy of an earlier article: verbatim, re-scraped URL, republished, lightly edited."""
        rng = self.rng
        if not self.pool:
            return self.valid()
        source = dict(rng.choice(self.pool[-300:]))
        roll = rng.random()
        if roll < 0.25:
            return Event("copy_verbatim", orjson.dumps(source), VALID)
        self.serial += 1
        copy = dict(source)
        copy.pop("id", None)
        if roll < 0.45:
            copy["url"] = source["url"] + f"?utm_source=feed{self.serial}"
            kind = "copy_url"
        else:
            copy["url"] = f"https://{rng.choice(OUTLETS)}/wire/{self.serial}"
            kind = "copy_republished"
            if roll > 0.7:
                key = "html" if "html" in copy else "text"
                words = copy[key].split(" ")
                plain = [i for i, w in enumerate(words) if w.isalpha()]  # not inside a tag
                for _ in range(rng.randint(1, 4)):
                    words[rng.choice(plain)] = rng.choice(WORDS)
                copy[key] = " ".join(words)
                kind = "copy_edited"
        return Event(kind, orjson.dumps(copy), VALID)

    # -- broken input -------------------------------------------------------------------------

    def invalid_utf8(self) -> Event:
        rng = self.rng
        value = bytearray(orjson.dumps(self.text_article()))
        bad = rng.choice(
            [b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
             b"\xe2\x82", b"\x80", b"\xf0\x9f\x98"]
        )  # fmt: skip
        if rng.random() < 0.3:  # a truncated multi-byte sequence at the very end
            return Event("invalid_utf8", bytes(value) + bad, frozenset({"invalid_utf8"}))
        at = rng.randrange(1, len(value))
        value[at:at] = bad
        return Event("invalid_utf8", bytes(value), frozenset({"invalid_utf8"}))

    def lone_surrogate(self) -> Event:
        rng = self.rng
        event = self.text_article()
        esc = rng.choice(["\\ud800", "\\udc00", "\\udbff\\ud800", "\\ud83d", "\\udfff x"])
        key = rng.choice(["text", "title", "url", "id"])
        value = orjson.dumps({**event, key: "SURROGATE"}).replace(b"SURROGATE", esc.encode())
        return Event("lone_surrogate", value, frozenset({"not_json"}))

    def nul(self) -> Event:
        rng = self.rng
        event = self.text_article()
        if rng.random() < 0.5:  # a raw NUL byte: never JSON
            value = bytearray(orjson.dumps(event))
            value.insert(rng.randrange(len(value) + 1), 0)
            return Event("nul_raw", bytes(value), frozenset({"not_json"}))
        key = rng.choice(["text", "title", "id", "url", "source", "language"])
        event[key] = rng.choice(["\x00", "a\x00b", event.get(key) or "x", "\x00" * 50]) + "\x00"
        return Event(f"nul_escaped_{key}", orjson.dumps(event), None)

    def deep(self, depth: int | None = None) -> Event:
        rng = self.rng
        depth = depth or rng.choice([31, 32, 33, 40, 100, 1023, 1024, 1025, 1100, 5000])
        event = self.text_article()
        # meta is level 2: nesting ``depth - 1`` containers under it reaches ``depth``
        opener, closer = rng.choice([(b"[", b"]"), (b'{"k":', b"}")])
        nested = opener * (depth - 1) + b"1" + closer * (depth - 1)
        key = rng.choice(["meta", "extra"])
        if key == "meta" and opener == b"[":
            nested = b'{"k":' + opener * (depth - 2) + b"1" + closer * (depth - 2) + b"}"
        value = orjson.dumps({**event, key: "DEEP"}).replace(b'"DEEP"', nested)
        expect = frozenset({"too_deep"}) if depth > 32 else VALID
        if rng.random() < 0.2:  # a deep top-level array: not an object, or too deep to parse
            value = b"[" * depth + b"]" * depth
            expect = frozenset({"too_deep"}) if depth > 1024 else frozenset({"not_object"})
        return Event(f"deep_{depth}", value, expect)

    def huge_number(self) -> Event:
        rng = self.rng
        event = self.text_article()
        number = rng.choice([b"1e400", b"-1e400", str(10**400).encode(), b"1" + b"0" * 5000])
        key = rng.choice(["meta", "extra", "id", "url", "title"])
        value = orjson.dumps({**event, key: "NUM"}).replace(b'"NUM"', number)
        return Event("huge_number", value, frozenset({"not_json"}))

    def odd_number(self) -> Event:
        """Numbers JSON allows that stay finite: tiny, negative zero, big but below 1e308."""
        event = self.text_article()
        number = self.rng.choice([b"1e-400", b"-0", b"-0.0", b"1e308", b"18446744073709551616"])
        value = orjson.dumps({**event, "meta": {"n": "NUM"}}).replace(b'"NUM"', number)
        return Event("odd_number", value, VALID)

    def wrong_type(self) -> Event:
        """Cycle through every (field, wrong value) pair so each appears."""
        fields = TYPED_FIELDS + OPTIONAL_FIELDS
        name = fields[self.wrong_cycle % len(fields)]
        wrong = WRONG_VALUES[(self.wrong_cycle // len(fields)) % len(WRONG_VALUES)]
        self.wrong_cycle += 1
        event = self.html_article() if self.rng.random() < 0.5 else self.text_article()
        event[name] = wrong
        expect: frozenset[str] | None = frozenset({"wrong_type"})
        if name == "meta" and isinstance(wrong, dict):
            expect = VALID  # an object is meta's right type
        elif wrong is None:
            expect = frozenset({"wrong_type"}) if name == "url" else None  # null = absent
        return Event(f"wrong_type_{name}", orjson.dumps(event), expect)

    def bad_field(self) -> Event:
        """Field values of the right type that the parser still refuses."""
        rng = self.rng
        event = self.text_article()
        roll = rng.randrange(9)
        if roll == 0:
            del event["url"]
            return Event("missing_url", orjson.dumps(event), frozenset({"missing_field"}))
        if roll == 1:
            event["text"] = rng.choice(["", "   ", "\n\t", "\u3000"])
            return Event("blank_text", orjson.dumps(event), None)
        if roll == 2:
            event["id"] = rng.choice(["", "x" * 513])
            return Event("bad_id", orjson.dumps(event), frozenset({"wrong_type"}))
        if roll == 3:
            event["url"] = "https://x.example/" + "a" * 9000
            return Event("long_url", orjson.dumps(event), frozenset({"invalid_url"}))
        if roll == 4:
            event["url"] = rng.choice(
                ["ftp://x.example/a", "javascript:alert(1)", "", "http://", "//x.example/a",
                 "http://[::1/a", "x.example/a", "https://", " \t "]
            )  # fmt: skip
            return Event("bad_url", orjson.dumps(event), frozenset({"invalid_url"}))
        if roll == 5:
            event["url"] = rng.choice(
                ["https://مثال.إختبار/خبر", "https://ex\u200dample.org/a", "http://[::1]:8080/a",
                 "HTTPS://X.EXAMPLE", "https://user:pw@x.example:99/a?b#c", "https://x.example:/a",
                 "  https://x.example/a  ", "https://x.example:99999/a", "https://x.example/%zz",
                 "https://[::1]:99999/", "https://x.example/a?utm_source=1&utm_source=2#utm",
                 "https://x.example/a?%80=1", "http://x.example\\evil", "https://xn--/a",
                 "https://.example/", "https://x..example/", "https://a:b:c@x.example/",
                 "https://x.example/\u202e", "https://ü.example/ä?ö=ü#ß", "http://999.1.1.1/",
                 "https://x.example/" + "a/" * 2000, "https://x.example/?" + "a=1&" * 1000]
            )  # fmt: skip
            return Event("odd_url", orjson.dumps(event), None)
        if roll == 6:
            event["id"] = rng.choice(["\u202eevil", "\ufeff", "🙂" * 100, " ", "a/b\\c"])
            return Event("odd_id", orjson.dumps(event), VALID)
        if roll == 7:
            event.pop("text")
            event["title"] = "Only a title"
            return Event("no_content", orjson.dumps(event), frozenset({"no_content"}))
        text = event["text"]
        controls = ["\x0b", "\x0c", "\u2028", "\u2029", "\x85", "\u0301" * 20, "👩\u200d👩\u200d👧"]
        for _ in range(rng.randint(1, 10)):
            at = rng.randint(0, len(text))
            text = text[:at] + rng.choice(controls) + text[at:]
        event["text"] = text
        return Event("control_chars", orjson.dumps(event), None)

    def script_only_html(self) -> Event:
        rng = self.rng
        event = self._base()
        code = " ".join(self.words(rng.randint(5, 60)))
        event["html"] = rng.choice(
            [f"<script>var s = '{code}';</script>", f"<style>/* {code} */ body {{}}</style>",
             f"<html><head><script>{code}</script></head><body><script>{code}</script></body></html>",
             f"<html><body><style>{code}</style><noscript></noscript></body></html>"]
        )  # fmt: skip
        return Event("script_only_html", orjson.dumps(event), frozenset({"empty_after_cleaning"}))

    def html_edge(self) -> Event:
        """Odd HTML: XML declarations, deep or unclosed tags, bad entities, control bytes."""
        rng = self.rng
        event = self._base()
        p = f"<p>{self.sentence()}</p>"
        depth = rng.choice([100, 500, 2000, 5000, 50_000])
        event["html"] = rng.choice(
            [f'<?xml version="1.0" encoding="{rng.choice(["utf-8", "iso-8859-1", "utf-16"])}"?>{p}',
             "<div>" * depth + p + "</div>" * depth,
             "<div><p><b><i>" * rng.randint(1, 300) + p,
             "<!-- c -->" * rng.randint(1, 100), f"<![CDATA[{p}]]>", "<!DOCTYPE html>",
             "<p>" + "&#0; &#xD800; &#1114112; &#x110000; &#65279; &bogus; &#x202E;" * 5 + "</p>",
             p.replace(" ", rng.choice(["\x00", "\x0c", "\x0b", "\u2028", "\u200b"])),
             f"<svg><text>{p}</text></svg>{p}", "<table>" + "<tr><td>a</td></tr>" * 500,
             f"<link rel=canonical href='{rng.choice(['http://[::1', '', 'javascript:x'])}'>{p}",
             f"<meta property='article:published_time' content='{'9' * 500}'>{p}",
             f"<p>{'e' + chr(0x301) * 50}</p>{p}", "<p>x</p>\n" * rng.randint(1, 10000),
             f"<html><body>{p}" + "</body></html>" * 3, f"<p title='{'x' * 10000}'>{p}</p>"]
        )  # fmt: skip
        return Event("html_edge", orjson.dumps(event), None)

    def text_edge(self) -> Event:
        """Odd text: only a dateline, byline or title; tables, control and symbol runs."""
        rng = self.rng
        event = self._base()
        event["text"] = rng.choice(
            ["\u200b", "\ufeff", "a" * rng.randint(1, 100_000), "\n" * 10_000 + "word",
             "GENEVA (Wirepress) -", "By Jane Roe", "Headline", "\t\tx\t",
             "one\u2028two\u2029three", "".join(chr(i) for i in range(1, 32)) + "word",
             "\U0001f600" * 500, "\n".join("a | b | c" for _ in range(500)), "|" * 1000,
             "-" * 5000, " ".join(str(i) for i in range(5000)), "\u202eevil\u202c text " * 50]
        )  # fmt: skip
        if rng.random() < 0.5:
            event["title"] = rng.choice(["", " ", event["text"][:300], "\u200d"])
        return Event("text_edge", orjson.dumps(event), None)

    def navigation_only(self) -> Event:
        event = self._base()
        event["text"] = "\n".join(self.rng.sample(NAVIGATION, self.rng.randint(3, 8)))
        return Event("navigation_only", orjson.dumps(event), frozenset({"empty_after_cleaning"}))

    def non_object(self) -> Event:
        rng = self.rng
        value = rng.choice(
            [b"[]", b"[1, 2]", b'"a string"', b"42", b"-3.5e2", b"true", b"false", b"null",
             b'[{"url": "https://x.example/a", "text": "in a list"}]', b'""', b"0"]
        )  # fmt: skip
        return Event("non_object", value, frozenset({"not_object"}))

    def duplicate_keys(self) -> Event:
        rng = self.rng
        event = self.text_article()
        key = rng.choice(["url", "text", "id", "title"])
        event.setdefault(key, "the value that counts")
        first = orjson.dumps(rng.choice([5, None, "https://x.example/first", "first", ["x"]]))
        body = orjson.dumps(event)  # the last occurrence wins: the event as generated
        value = b'{"' + key.encode() + b'":' + first + b"," + body[1:]
        return Event("duplicate_keys", value, VALID)

    def bom(self) -> Event:
        rng = self.rng
        event = orjson.dumps(self.text_article())
        roll = rng.random()
        if roll < 0.6:
            return Event("bom_start", BOM + event, VALID)
        if roll < 0.8:
            return Event("bom_twice", BOM + BOM + event, frozenset({"not_json"}))
        return Event("bom_inside", event[:1] + BOM + event[1:], frozenset({"not_json"}))

    def blank(self) -> Event:
        value = self.rng.choice([b"", b" ", b"\t", b"  \t ", b"\r"])
        return Event("blank", value, frozenset({"not_json"}))  # file mode skips these lines

    def junk(self) -> Event:
        rng = self.rng
        n = rng.randint(1, 300)
        if rng.random() < 0.5:
            value = bytes(rng.randrange(256) for _ in range(n))
        else:
            alphabet = b'{}[]":,0123456789.eE+-tfnrulase \\/u'
            value = bytes(rng.choice(alphabet) for _ in range(n))
        return Event("junk", value, None)

    def mutated(self) -> Event:
        """Byte-level mutations of a valid event: flips, inserts, deletes, splices."""
        rng = self.rng
        base = self.rng.choice(self.pool[-200:]) if self.pool else self.text_article()
        value = bytearray(orjson.dumps(base))
        tokens = [b"\x00", b"\xff", b"\xef\xbb\xbf", b"\\ud800", b"\\u0000", b'"', b"{", b"[",
                  b"]", b"}", b",", b":", b"\\", b"\n", b"\r", "\u200d".encode(), b"1e400",
                  b"<script>", b"</p>", b"null", b"\xed\xa0\x80", "مثال".encode()]  # fmt: skip
        ops = []
        for _ in range(rng.choice([1, 1, 1, 2, 3, 8, 30])):
            op = rng.randrange(8)
            ops.append(op)
            if not value:
                value.append(rng.randrange(256))
            at = rng.randrange(len(value))
            if op == 0:
                value[at] ^= 1 << rng.randrange(8)
            elif op == 1:
                value.insert(at, rng.randrange(256))
            elif op == 2:
                del value[at : at + rng.randint(1, 8)]
            elif op == 3:
                value[at] = rng.randrange(256)
            elif op == 4:
                value[at:at] = rng.choice(tokens)
            elif op == 5:
                end = min(len(value), at + rng.randint(1, 64))
                value[at:at] = value[at:end]
            elif op == 6:
                del value[at:]
            else:
                other = orjson.dumps(rng.choice(self.pool[-50:])) if self.pool else b"{}"
                cut = rng.randrange(len(other) + 1)
                value[at:] = other[cut:]
        return Event("mutated", bytes(value), None)

    def mutated_structure(self) -> Event:
        """A field of a valid event replaced by a random JSON value."""
        rng = self.rng
        event = dict(rng.choice(self.pool[-200:])) if self.pool else self.text_article()
        key = rng.choice([*event, "meta", "extra"])
        event[key] = self.json_value(rng.randint(0, 4))
        return Event("mutated_structure", orjson.dumps(event), None)

    def json_value(self, depth: int) -> Any:
        rng = self.rng
        roll = rng.randrange(8 if depth > 0 else 6)
        if roll == 0:
            return None
        if roll == 1:
            return rng.random() < 0.5
        if roll == 2:
            return rng.choice([0, -1, 2**63 - 1, -(2**63), 2**64 - 1, 1.5, -0.0, 1e308])
        if roll in (3, 4):
            return rng.choice(["", " ", "x", "\u200d", "<p>p</p>", "https://x.example/a", "\x00"])
        if roll == 5:
            return " ".join(self.words(rng.randint(1, 30)))
        if roll == 6:
            return [self.json_value(depth - 1) for _ in range(rng.randint(0, 4))]
        return {rng.choice(WORDS): self.json_value(depth - 1) for _ in range(rng.randint(0, 4))}

    # -- heavy cases ----------------------------------------------------------------------------

    def big_field(self, size: int, key: str = "text") -> dict[str, Any]:
        event = self._base()
        event.pop("meta", None)
        chunk = " ".join(self.paragraphs(6)) + "\n"
        repeated = (chunk * (size // len(chunk) + 1))[:size]
        event[key] = repeated
        return event

    def big_field_event(self, size: int) -> Event:
        """A large article below the record limit: cleaned, deduplicated."""
        key = self.rng.choice(["text", "html"])
        event = self.big_field(size, key)
        if key == "html":
            event["html"] = "<html><body><p>" + event["html"].replace("\n", "</p><p>") + "</p>"
        return Event(f"big_{key}", orjson.dumps(event), VALID)

    def field_5mb(self) -> Event:
        key = self.rng.choice(["text", "html", "title", "meta"])
        event = self.big_field(5 * 1024**2, key if key != "meta" else "text")
        if key == "meta":
            event["meta"] = {"blob": event.pop("text")}
        if key in ("meta", "title"):  # the large field is not the content: add a body
            event["text"] = " ".join(self.paragraphs(2))
        return Event(f"field_5mb_{key}", orjson.dumps(event), frozenset({"too_large"}))

    def at_limit(self, limit: int, over: int) -> Event:
        """A record of exactly ``limit + over`` bytes (over <= 0: accepted)."""
        event = self.big_field(limit)
        event["text"] = event["text"].replace("\n", " ")  # one JSON byte per character
        raw = orjson.dumps(event)
        excess = len(raw) - (limit + over)
        event["text"] = event["text"][: len(event["text"]) - excess]
        value = orjson.dumps(event)
        assert len(value) == limit + over, (len(value), limit + over)
        expect = frozenset({"too_large"}) if over > 0 else VALID
        return Event(f"size_limit{over:+d}", value, expect)

    def long_article(self, words: int = 200_000) -> Event:
        event = self._base()
        paras, count = [], 0
        while count < words:
            paragraph = self.paragraphs(1)[0]
            paras.append(paragraph)
            count += paragraph.count(" ") + 1
        event["title"] = "A very long report"
        event["text"] = "\n".join(paras)
        return Event("words_200k", orjson.dumps(event), VALID)


Mix = list[tuple[float, Callable[[Generator], Event]]]
MIX: Mix = [
    (30.0, Generator.valid),
    (10.0, Generator.copy),
    (16.0, Generator.mutated),
    (5.0, Generator.mutated_structure),
    (5.0, Generator.wrong_type),
    (4.0, Generator.bad_field),
    (3.0, Generator.invalid_utf8),
    (2.0, Generator.lone_surrogate),
    (2.0, Generator.nul),
    (2.0, Generator.deep),
    (2.0, Generator.huge_number),
    (1.0, Generator.odd_number),
    (2.0, Generator.script_only_html),
    (1.5, Generator.navigation_only),
    (2.0, Generator.non_object),
    (2.0, Generator.duplicate_keys),
    (2.0, Generator.bom),
    (1.5, Generator.blank),
    (3.0, Generator.junk),
    (2.0, Generator.html_edge),
    (2.0, Generator.text_edge),
]


def draw(gen: Generator) -> Event:
    """One event from the weighted mix."""
    weights = [w for w, _ in MIX]
    (make,) = gen.rng.choices([m for _, m in MIX], weights=weights)
    return make(gen)
