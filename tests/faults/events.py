"""Generate raw events with known expected outcomes for the fault-injection suite.

Every valid event belongs to a story cluster: a unique article is a cluster of one; a
story's copies (URL re-scrapes, verbatim republications, lightly edited reprints) share
its cluster. The oracle expects exactly one member of each cluster on the clean topic and
every other member exactly once on the duplicates topic. Invalid records are expected
exactly once on the DLQ. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import orjson

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


@dataclass
class Expected:
    """What the oracle must find: clusters of article ids, and dead-letter keys."""

    clusters: dict[str, list[str]] = field(default_factory=dict)
    invalid_keys: list[str] = field(default_factory=list)
    events: int = 0


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


INVALID = [
    b"not json at all",
    b"\xff\xfe\xfd invalid utf-8",
    b"[1, 2, 3]",
    b'{"url": "https://x.example/no-content", "title": "no body"}',
    b'{"url": "https://x.example/wrong", "text": ["list"]}',
    b'{"text": "no url"}',
]


def generate(
    n: int, seed: int, dup_share: float = 0.3
) -> tuple[list[tuple[bytes, bytes]], Expected]:
    """Return ``n`` shuffled (key, value) raw events and what the oracle expects."""
    rng = random.Random(seed)
    exp = Expected()
    out: list[tuple[bytes, bytes]] = []
    story = 0
    while len(out) < n:
        story += 1
        roll = rng.random()
        if roll < 0.08:
            key = f"bad-{story % 17}"
            value = rng.choice(INVALID) + b" " * 0
            out.append((key.encode(), value))
            exp.invalid_keys.append(key)
            continue
        source = rng.choice(SOURCES)
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
    out = out[:n]
    kept = {k.decode() for k, _ in out}
    exp.clusters = {c: [m for m in ms if m in kept] for c, ms in exp.clusters.items()}
    exp.clusters = {c: ms for c, ms in exp.clusters.items() if ms}
    exp.invalid_keys = [k for k in exp.invalid_keys if k in kept]
    rng.shuffle(out)
    exp.events = len(out)
    return out, exp
