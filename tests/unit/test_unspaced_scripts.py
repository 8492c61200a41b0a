# ruff: noqa: RUF001  (the full-width punctuation of Chinese and Japanese text is the point)
"""Chinese, Japanese and Thai: text events keep their story, and dedup shingles characters."""

from __future__ import annotations

from service.clean.rules import load_rules
from service.clean.stage import Cleaner
from service.clean.text_lines import word_count
from service.dedup.fingerprint import fingerprint_body
from service.dedup.stage import Deduplicator
from service.models import CleanArticle, Drop, Origin, RawArticle
from service.stores.embedded.store import EmbeddedStore

ZH = [
    "新华社北京12月4日电 中国人民银行4日宣布，决定于12月15日下调金融机构存款准备金率0.5个百分点，"
    "此次下调后，金融机构加权平均存款准备金率约为6.6%。",
    "央行有关负责人表示，此次降准共计释放长期流动性约1万亿元，将有效增加金融机构长期稳定资金来源，"
    "增强信贷投放能力。",
    "分析人士认为，降准有利于稳定市场预期，支持实体经济发展，预计明年上半年货币政策仍将保持稳健的基调。",
]
ZH_OTHER = [
    "新华社上海12月5日电 上海市气象台5日发布寒潮蓝色预警，预计未来三天本市最低气温将下降8至10摄氏度，"
    "郊区可能出现冰冻。",
    "气象部门提醒市民注意防寒保暖，交通部门将加强道路巡查，确保早晚高峰期间出行安全。",
    "据介绍，这是今年入冬以来影响本市的最强一次冷空气过程，周末后气温将逐步回升。",
]
JA = [
    "東京証券取引所で4日、日経平均株価は前日比300円高の3万9000円台で取引を終えた。",
    "半導体関連株への買いが相場を押し上げ、市場関係者は来週の日銀会合に注目している。",
    "円相場は1ドル=150円前後で推移し、輸出関連企業の業績への影響が引き続き焦点となっている。",
]
TH = [
    "กรุงเทพฯ 4 ธ.ค. นายกรัฐมนตรีกล่าวว่ารัฐบาลจะเร่งแก้ปัญหาค่าครองชีพของประชาชนในปีหน้า",
    "โดยจะมีมาตรการลดค่าไฟฟ้าและค่าน้ำมันสำหรับครัวเรือนรายได้น้อยทั่วประเทศ",
    "นักเศรษฐศาสตร์คาดว่าเศรษฐกิจไทยจะขยายตัวร้อยละ 3 ในปี 2568 จากการท่องเที่ยวและการส่งออก",
]
CHROME_ZH_BEFORE = ["首页", "新闻", "国际", "财经", "体育", "登录", "注册"]
CHROME_ZH_AFTER = [
    "分享到微信",
    "分享到微博",
    "相关新闻",
    "央行：保持流动性合理充裕",
    "人民币汇率小幅上涨",
]


def raw(aid: str, lines: list[str], language: str | None = None) -> RawArticle:
    return RawArticle(
        id=aid, url=f"https://news.example/{aid}", source="news.example",
        origin=Origin("raw", 0, 0), text="\n".join(lines), language=language,
    )  # fmt: skip


def cleaned(aid: str, lines: list[str]) -> CleanArticle:
    out = Cleaner(load_rules())(raw(aid, lines))
    assert isinstance(out, CleanArticle), out
    return out


def test_word_count_counts_characters_in_unspaced_scripts() -> None:
    """Two Han or kana characters, or three Thai letters, count as a word; spaced text as before."""
    assert word_count("The minister said so") == 4
    assert word_count("Der Minister sagte es") == 4
    assert word_count("中国人民银行宣布") == 1 + 8 // 2
    assert word_count("東京証券取引所で4日") == 1 + 9 // 2  # the digit is not counted twice
    assert word_count("นายกรัฐมนตรีกล่าว") == 1 + 12 // 3  # vowel and tone marks are not letters


def test_chinese_japanese_and_thai_text_events_keep_every_paragraph() -> None:
    """Paragraphs without spaces are prose, not short chrome: nothing is dropped as empty."""
    for aid, lines in (("zh", ZH), ("ja", JA), ("th", TH)):
        assert cleaned(aid, lines).body.split("\n\n") == lines


def test_chinese_page_text_loses_its_chrome_not_its_story() -> None:
    """Navigation, share lines and a related-headlines list around a Chinese story go."""
    out = cleaned("zh-page", [*CHROME_ZH_BEFORE, *ZH, *CHROME_ZH_AFTER])
    assert out.body.split("\n\n") == ZH


def test_cjk_bodies_are_shingled_by_characters() -> None:
    """A CJK paragraph is many shingles (three characters each), not one space-free word."""
    fingerprint = fingerprint_body("\n\n".join(ZH))
    assert fingerprint.shingles > 100 and len(fingerprint.sketch) == 64
    assert fingerprint_body("\n\n".join(JA)).shingles > 60


def test_edited_chinese_copy_is_a_near_duplicate_and_another_story_is_not() -> None:
    """A republished copy with a changed figure and a dropped paragraph joins the original's
    cluster; a different story in the same house style does not."""
    dedup = Deduplicator(EmbeddedStore.open(None), lambda: 1_700_000_000.0)
    original = dedup(cleaned("zh-a", ZH))
    edited = [ZH[0].replace("6.6%", "6.2%").replace("4日", "周三"), ZH[1]]
    copy = dedup(cleaned("zh-b", edited))
    other = dedup(cleaned("zh-c", ZH_OTHER))
    assert original.dedup is not None and not original.is_duplicate
    assert copy.dedup is not None and copy.dedup.duplicate_of == "zh-a"
    assert copy.dedup.match == "near"
    assert not other.is_duplicate


def test_thai_copy_with_a_changed_number_is_a_near_duplicate() -> None:
    """Thai letters are words of their own too, so an edited Thai copy is caught."""
    dedup = Deduplicator(EmbeddedStore.open(None), lambda: 1_700_000_000.0)
    dedup(cleaned("th-a", TH))
    copy = dedup(cleaned("th-b", [TH[0], TH[1], TH[2].replace("ร้อยละ 3", "ร้อยละ 2.8")]))
    assert copy.dedup is not None and copy.dedup.duplicate_of == "th-a"


def test_a_text_event_is_dropped_only_when_nothing_readable_is_left() -> None:
    """Chinese navigation alone is still chrome: empty after cleaning."""
    out = Cleaner(load_rules())(raw("zh-nav", CHROME_ZH_BEFORE))
    assert isinstance(out, Drop)
