"""Unit tests for the wire-text scoring helpers in tests/quality/wiremetrics.py."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import pytest

from service.models import CleanArticle, Entity, Mention, Origin
from tests.quality import wiremetrics as wm


def test_field_reads_keys_and_attributes_and_tolerates_absence() -> None:
    """A field comes from a mapping key or an attribute; missing or None gives None."""
    assert wm.field({"title": "T"}, "title") == "T"
    assert wm.field(SimpleNamespace(title="T"), "title") == "T"
    assert wm.field(SimpleNamespace(), "dateline") is None
    assert wm.field(None, "place") is None


def test_gold_mentions_map_types_and_ignore_misc() -> None:
    """Gold mentions become a (type, text) multiset; MISC is not scored."""
    gold = [
        {"text": "Reuters", "type": "ORG"},
        {"text": "Reuters", "type": "ORG"},
        {"text": "English", "type": "MISC"},
        {"text": "Jane Smith", "type": "PER"},
    ]
    assert wm.gold_mentions(gold) == Counter({("ORG", "Reuters"): 2, ("PER", "Jane Smith"): 1})


def test_output_mentions_count_every_mention_of_scored_entities() -> None:
    """Each mention of a PERSON/ORG/LOC entity counts once; MISC entities are ignored."""
    origin = Origin("t", 0, 0)
    article = CleanArticle(
        id="a", url="https://x/", source="x", origin=origin, body="Jane Smith met Smith.",
        entities=(
            Entity("Jane Smith", "PERSON", (Mention("Jane Smith", 0, 10), Mention("Smith", 15, 20)), 1.0),
            Entity("English", "MISC", (Mention("English", 0, 7),), 0.1),
        ),
    )  # fmt: skip
    assert wm.output_mentions(article) == Counter({("PER", "Jane Smith"): 1, ("PER", "Smith"): 1})
    event = {"entities": [{"type": "LOC", "mentions": [{"text": "Oslo", "field": "dateline"}]}]}
    assert wm.output_mentions(event) == Counter({("LOC", "Oslo"): 1})


def test_output_text_joins_fields_including_a_dateline() -> None:
    """The output text holds title, dek, author, body and the dateline text when present."""
    event = {"title": "T", "author": "A", "body": "B", "dateline": {"text": "OSLO, March 4"}}
    assert wm.output_text(event).split("\n") == ["T", "", "A", "B", "OSLO, March 4"]
    assert wm.output_text(SimpleNamespace(title=None, body="B")) == "\n\n\nB"


def test_survival_counts_each_occurrence_case_sensitively() -> None:
    """A string named twice counts twice and is kept as often as it occurs; case matters."""
    assert wm.kept_mentions(["Leeds", "Leeds", "LONDON"], "Leeds 1 Derby 0 London") == (1, 3)
    assert wm.survival([["Leeds"], []], ["Leeds", ""]) == 1.0
    assert wm.survival([[]], [""]) == 1.0


def test_mention_prf_is_micro_averaged_over_documents() -> None:
    """Hits, gold and found mentions are pooled over documents before the ratios."""
    gold = [Counter({("ORG", "Arsenal"): 2}), Counter({("PER", "Ann Lee"): 1, ("LOC", "Rome"): 1})]
    found = [Counter({("ORG", "Arsenal"): 1}), Counter({("PER", "Ann Lee"): 1, ("ORG", "Rome"): 1})]
    precision, recall, f1 = wm.mention_prf(gold, found)
    assert precision == pytest.approx(2 / 3) and recall == pytest.approx(2 / 4)
    assert f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert wm.mention_prf([Counter()], [Counter()]).f1 == 0.0


def test_front_matter_comparisons() -> None:
    """Titles compare after whitespace normalisation; places also ignore case and comma spacing."""
    assert wm.same_text("SOCCER -  RESULTS .", " SOCCER - RESULTS .")
    assert not wm.same_text(None, "x") and not wm.same_text("SOCCER", "Soccer")
    assert wm.same_place({"place": "BRNO , Czech Republic"}, "Brno, Czech Republic")
    assert wm.same_place(SimpleNamespace(place="X", place_canonical="New York"), "NEW YORK")
    assert not wm.same_place(None, "LONDON")
    assert wm.share([True, False, True, True]) == 0.75 and wm.share([]) == 1.0
