"""The compiled greedy entity loop finds exactly the entities spaCy's own loop finds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from service.enrich.greedy import GreedyDecoder
from service.enrich.ner import SpacyTagger

DATA = Path(__file__).resolve().parents[1] / "data"


def _wire_texts() -> list[str]:
    lines = (DATA / "wiretext" / "wire-docs.jsonl").read_bytes().splitlines()
    return [orjson.loads(line)["text"] for line in lines if line.strip()]


def _page_texts() -> list[str]:
    pages = sorted((DATA / "wcxb" / "ground-truth").glob("*.json"))
    return [json.loads(page.read_text())["ground_truth"]["main_content"] for page in pages]


@pytest.fixture(scope="module")
def english() -> Any:
    return SpacyTagger()._nlp


def _spacy_entities(nlp: Any, doc: Any) -> list[tuple[int, int, str]]:
    nlp.get_pipe("ner")(doc)
    return [(ent.start, ent.end, ent.label_) for ent in doc.ents]


def test_news_texts_get_spacys_entities(english: Any) -> None:
    """Wire stories, article pages, shouted copies and blank lines: the same entities."""
    texts = _wire_texts() + _page_texts()
    texts += [texts[0].upper(), "", "\n\n", "Paris", "  Angela Merkel  \n\n  met Macron. "]
    decoder = GreedyDecoder.build(english.get_pipe("ner"))
    assert decoder is not None
    docs = [english.make_doc(text) for text in texts]
    found = []
    for first in range(0, len(docs), 3):  # several docs a call: token offsets across docs
        found += decoder(docs[first : first + 3])
    expected = [_spacy_entities(english, english.make_doc(text)) for text in texts]
    assert found == expected
    assert sum(map(len, expected)) > 500


def test_preset_entities_and_sentence_starts_are_respected(english: Any) -> None:
    """Preset, blocked and missing tokens and sentence starts constrain moves as in spaCy."""
    from spacy.tokens import Span

    text = _wire_texts()[1]
    free = _spacy_entities(english, english.make_doc(text))
    # a sentence starting inside an entity the model finds unconstrained: second or third token
    splits = [start + 1 + i % 2 for i, (start, end, _) in enumerate(free) if end - start > 2]
    assert len(splits) >= 3

    def prepared() -> Any:
        doc = english.make_doc(text)
        preset = [Span(doc, 3, 5, "ORG"), Span(doc, 20, 21, "PERSON")]
        doc.set_ents(preset, blocked=[Span(doc, 10, 12)], default="missing")
        for index in splits:
            doc[index].is_sent_start = True
        return doc

    decoder = GreedyDecoder.build(english.get_pipe("ner"))
    assert decoder is not None
    [found] = decoder([prepared()])
    expected = _spacy_entities(english, prepared())
    assert found == expected
    assert (3, 5, "ORG") in found and (20, 21, "PERSON") in found
    assert not any(start < 12 and end > 10 for start, end, _ in found)
    assert not any(start < index < end for start, end, _ in found for index in splits)


def test_french_model_gets_spacys_entities() -> None:
    """The French model has the same shape: its entities match too."""
    nlp = SpacyTagger(language="fr")._nlp
    decoder = GreedyDecoder.build(nlp.get_pipe("ner"))
    assert decoder is not None
    lines = (DATA / "multilingual_articles.jsonl").read_bytes().splitlines()
    texts = [row["text"] for row in map(orjson.loads, lines) if row["lang"] == "fr"]
    found = decoder([nlp.make_doc(text) for text in texts])
    expected = [_spacy_entities(nlp, nlp.make_doc(text)) for text in texts]
    assert found == expected
    assert all(expected)


def test_a_beam_model_is_left_to_spacy() -> None:
    """A recogniser that searches a beam is not the loop the decoder implements."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("beam_ner").add_label("ORG")
    nlp.initialize()
    assert GreedyDecoder.build(nlp.get_pipe("beam_ner")) is None


def test_tagger_spans_are_the_same_with_either_loop() -> None:
    """SpacyTagger gives the same spans through the compiled loop and through spaCy's."""
    texts = _wire_texts()[:6]
    compiled = SpacyTagger(gazetteer=[("Leeds", "ORG")])
    plain = SpacyTagger(gazetteer=[("Leeds", "ORG")], greedy_loop=False)
    assert compiled._decoder is not None and plain._decoder is None
    assert compiled.tag(texts) == plain.tag(texts)
