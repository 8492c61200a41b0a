# ruff: noqa: RUF001  (full-width punctuation in Chinese and Japanese lines)
"""Tests for service.clean.rules: loading, validation and matching of boilerplate rules."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from service.clean.rules import (
    DEFAULT_RULES_PATH,
    load_rules,
    needs_non_ascii,
    site_names,
    without_captures,
)
from service.errors import ConfigError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_rules_load() -> None:
    """The shipped default rules file loads and drops a typical share line."""
    rules = load_rules(DEFAULT_RULES_PATH).for_source("any")
    assert rules.drops("Share this article")
    assert rules.drops("Copyright 2024 Example Media. All rights reserved.")
    assert not rules.drops("The minister said the talks would resume on Monday.")


def test_shipped_block_starts() -> None:
    """Also-read and related headings open a trailing block; body sentences do not."""
    rules = load_rules().for_source("any")
    assert rules.starts_block("also read")
    assert rules.starts_block("Related Stories:")
    assert not rules.starts_block("Read more about how the talks went wrong in the report.")


def test_source_rules_add_to_defaults(tmp_path: Path) -> None:
    """A source's own phrases apply to it only, on top of the defaults."""
    path = _write(
        tmp_path,
        '[defaults]\ndrop_lines = ["^advert$"]\n'
        '[sources."example.com"]\ndrop_phrases = ["Visit the Example shop"]\n',
    )
    rules = load_rules(path)
    own = rules.for_source("example.com")
    other = rules.for_source("other.org")
    assert own.drops("Please visit the example shop today")
    assert own.drops("Advert")
    assert not other.drops("Please visit the example shop today")
    assert other.drops("advert")


def test_drop_buttons_match_whole_short_lines(tmp_path: Path) -> None:
    """drop_buttons match a whole line of at most 40 characters, in any case."""
    path = _write(tmp_path, '[defaults]\ndrop_buttons = ["book now", "Get A Quote"]\n')
    rules = load_rules(path).for_source("any")
    assert rules.is_button("Book Now")
    assert rules.is_button("get a quote")
    assert not rules.is_button("Book now and save 10 percent on ferry tickets this week")
    assert not rules.drops("Book now")
    assert not load_rules(_write(tmp_path, "[defaults]\n")).for_source("x").is_button("Book now")


def test_bad_regex_names_file_and_rule(tmp_path: Path) -> None:
    """A bad regex raises ConfigError naming the file, the table and the rule."""
    path = _write(tmp_path, '[sources."x.com"]\ndrop_lines = ["(unclosed"]\n')
    with pytest.raises(ConfigError, match=r'rules\.toml: \[sources\."x\.com"\]\.drop_lines') as err:
        load_rules(path)
    assert "(unclosed" in str(err.value)


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    """An unknown key raises ConfigError listing the allowed keys."""
    path = _write(tmp_path, '[defaults]\ndrop_line = ["x"]\n')
    with pytest.raises(ConfigError, match="unknown key 'drop_line'"):
        load_rules(path)


def test_wrong_type_is_rejected(tmp_path: Path) -> None:
    """A rule list that is not a list of strings raises ConfigError."""
    path = _write(tmp_path, "[defaults]\nblock_starts = 'also read'\n")
    with pytest.raises(ConfigError, match="must be a list of strings"):
        load_rules(path)


def test_unknown_top_level_and_bad_toml(tmp_path: Path) -> None:
    """Unknown top-level tables and invalid TOML raise ConfigError."""
    with pytest.raises(ConfigError, match="unknown top-level"):
        load_rules(_write(tmp_path, "[extra]\na = 1\n"))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_rules(_write(tmp_path, "[defaults\n"))


def test_missing_file(tmp_path: Path) -> None:
    """A missing rules file raises ConfigError, not OSError."""
    with pytest.raises(ConfigError, match="cannot read"):
        load_rules(tmp_path / "nope.toml")


SELF_PROMO = [
    ("gadgethub.com", "Find the latest smartphones on GadgetHub. Get gadget reviews & ratings."),
    ("www.gadgethub.com", "Compare prices and specs of the newest laptops only on Gadget Hub."),
    ("xyznews.com", "Download the XYZ News app for the latest news on the go."),
    ("travelnoire.com", "Subscribe to Travel Noire, a free daily newsletter on travel."),
    ("hindustantimes.com", "The best of Hindustan Times, delivered to your inbox every morning"),
    ("any", "Sign up for our Morning Briefing newsletter to get the day's top stories."),
    ("any", "Looking for a new phone? Our gadget reviews compare the latest smartphones."),
    ("any", "Want more stories like this? Sign up for our weekly newsletter."),
    ("any", "Like this article? Subscribe to our blog and get insights in your inbox."),
    ("any", "🚀 Sign up for The Replay newsletter"),
    ("any", "Join Our Newsletter"),
    ("any", "Join 50,000+ subscribers who read our morning email."),
    ("any", "Get the best of Creative Boom delivered to your inbox weekly"),
    ("any", "Thanks for reading Infinite Faculty! Subscribe for free to receive new posts."),
    ("any", "Never miss a story: get our free app on iOS and Android."),
    ("any", "Get breaking news alerts on your phone: download our app today."),
    ("any", "Wear the change you want to see. Download our app to discover ethical brands."),
    ("any", "Stay informed with our latest updates."),
    ("any", "There's plenty more on our sister site, Electronic Specifier!"),
    ("any", "Listen to our Daily Briefing podcast on Spotify or wherever you get your podcasts."),
    ("any", "Enter your email address below to join our mailing list."),
    ("any", "Support our journalism: subscribe today."),
    ("any", "Was this newsletter forwarded to you? Sign up to get it in your inbox."),
]
STORIES = [
    "The company said its app had 2 million downloads.",
    "The newsletter, which launched in 2019, now has 500,000 subscribers, the company said.",
    "Substack said its paid newsletters now earn writers more than $300 million a year.",
    "He writes a weekly newsletter about local politics.",
    "Passengers were told to download the app before boarding, the airline said.",
    "Residents can sign up for emergency alerts on the county website.",
    "Readers complained that the newsletter arrived late in their inboxes.",
    "The app lets users compare prices across supermarkets, its founder said.",
    "Sign-ups for the service rose 40% after the newsletter was relaunched.",
    "Meta's new Threads app drew 100 million sign-ups within a week.",
    "Download speeds on the new network averaged 300 Mbps in tests.",
    "Monday newsletters always feature a list of the ten best ferry routes.",
]


@pytest.mark.parametrize(("source", "line"), SELF_PROMO)
def test_self_promotion_is_dropped_on_first_sight(source: str, line: str) -> None:
    """The site advertising its newsletter, app, podcast or sister site is dropped."""
    assert load_rules().for_source(source).drops(line)


@pytest.mark.parametrize("line", STORIES)
@pytest.mark.parametrize("source", ["any", "gadgethub.com", "timesofindia.indiatimes.com"])
def test_stories_about_apps_and_newsletters_stay(source: str, line: str) -> None:
    """A sentence that merely mentions an app, a download or a newsletter is story."""
    assert not load_rules().for_source(source).drops(line)


NOTICES_IN_OTHER_LANGUAGES = [
    "Lire aussi | La BCE maintient ses taux directeurs",
    "À lire aussi : Airbus recrute 2 000 personnes à Toulouse",
    "Lesen Sie auch: Die Bahn streicht Verbindungen",
    "Mehr zum Thema",
    "Lee también: El Gobierno aprueba los presupuestos",
    "Leggi anche - Il governo approva la manovra",
    "Leia também: Inflação recua em março",
    "Читайте также: ЦБ сохранил ставку",
    "Partager sur Facebook",
    "Teilen",
    "Compartir en Twitter",
    "Abonnez-vous à notre newsletter",
    "Jetzt abonnieren und keine Nachricht verpassen",
    "Suscríbete a nuestro boletín",
    "Publicité",
    "Anzeige",
    "Le Monde - Tous droits réservés",
    "© Süddeutsche Zeitung GmbH, München. Alle Rechte vorbehalten.",
    "El País. Todos los derechos reservados.",
    "Все права защищены. Перепечатка запрещена",
    "本网站所刊登的新闻、信息和各种专题专栏资料，均为本网版权所有，未经协议授权，禁止下载使用。",
    "凡本网注明来源的作品，未经本网授权不得转载、摘编或利用其它方式使用。",
    "转载请注明出处",
    "版權所有 © 2024 聯合新聞網",
    "記事・写真の無断転載を禁じます。",
    "掲載記事の無断転載禁止",
    "<저작권자 © 연합뉴스, 무단 전재 및 재배포 금지>",
    "สงวนลิขสิทธิ์ พ.ศ. 2567 บริษัท ข่าวสด จำกัด",
    "ห้ามทำซ้ำหรือดัดแปลงบทความในเว็บไซต์นี้โดยไม่ได้รับอนุญาต",
    "扫描二维码关注我们的微信公众号",
    "下载澎湃新闻客户端",
    "ニュースアプリなら最新の記事をプッシュ通知でお届けします",
    "ติดตามข่าวสารได้ทางเฟซบุ๊กและไลน์ของเรา",
    "分享到微博",
    "首頁",
    "责任编辑：王磊",
    "シェアする",
    "แชร์",
]
STORIES_IN_OTHER_LANGUAGES = [
    "Les lecteurs peuvent lire aussi le rapport complet publié par la Cour des comptes.",
    "Teilen sich die Parteien die Ministerien, bleibt die Koalition stabil, sagte er.",
    "Compartir datos entre hospitales salvó vidas durante la pandemia, según el estudio.",
    "La publicité en ligne a progressé de 8 % l'an dernier, selon le syndicat du secteur.",
    "Werbung für Zigaretten ist seit 2021 auf Plakaten verboten.",
    "法院认定，被告未经许可使用原告作品，判决其版权所有人获赔50万元。",
    "分享经济迎来新机遇",
    "警方提醒，骗子常以扫描二维码领取补贴为由实施诈骗，市民切勿轻信。",
    "同市は災害時に備え、防災アプリをダウンロードするよう呼びかけている。",
    "写真を無断で転載したとして、著作権法違反の疑いで男が逮捕された。",
    "ตำรวจเตือนประชาชนอย่าดาวน์โหลดแอปพลิเคชันที่ไม่รู้จัก",
    "Le tribunal a jugé que tous droits réservés ne protégeait pas les titres de presse, "
    "selon l'arrêt rendu mardi par la cour d'appel de Paris après deux ans de procédure.",
]


@pytest.mark.parametrize("line", NOTICES_IN_OTHER_LANGUAGES)
def test_notices_and_share_lines_in_other_languages_are_dropped(line: str) -> None:
    """Copyright notices, app and account promos, share and navigation labels, any script."""
    assert load_rules().for_source("news.example").drops(line)


@pytest.mark.parametrize("line", STORIES_IN_OTHER_LANGUAGES)
def test_stories_mentioning_copyright_apps_or_sharing_stay(line: str) -> None:
    """A story sentence about copyright, an app, a QR code or sharing is not a notice."""
    assert not load_rules().for_source("news.example").drops(line)


def test_site_rules_need_the_sources_own_name() -> None:
    """A {site} rule fires for the outlet itself, not for a story naming another outlet."""
    rules = load_rules()
    line = "Find the newest phones and tablets on GadgetHub."
    assert rules.for_source("gadgethub.com").drops(line)
    assert not rules.for_source("herald.example").drops(line)
    assert not rules.for_source("x").drops(line)  # no usable name: the rule is off
    promo = "The best of Travel Noire, delivered every Friday"
    assert rules.for_source("travelnoire.com").drops(promo)
    assert not rules.for_source("herald.example").drops(promo)


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("www.gadgethub.com", ["gadgethub"]),
        ("timesofindia.indiatimes.com", ["timesofindia", "indiatimes"]),
        ("news.bbc.co.uk", ["bbc"]),
        ("https://m.example-news.com/world", ["examplenews"]),
        ("Daily Sample News", ["dailysamplenews"]),
        ("x", []),
        ("10.0.0.1", []),
    ],
)
def test_site_names(source: str, names: list[str]) -> None:
    """A host gives its own labels (no www, TLD or co.uk); an outlet name gives itself."""
    assert site_names(source) == names


def test_site_pattern_matches_spaced_and_dotted_spellings(tmp_path: Path) -> None:
    """{site} matches the name with spaces, dots or hyphens, as a whole word."""
    path = _write(tmp_path, "[defaults]\ndrop_lines = ['^visit {site}$']\n")
    rules = load_rules(path).for_source("timesofindia.indiatimes.com")
    assert rules.drops("Visit Times of India")
    assert rules.drops("visit TimesOfIndia")
    assert rules.drops("Visit Times-of-India")
    assert not rules.drops("Visit Times of Indiana")


def test_site_placeholder_only_in_drop_lines(tmp_path: Path) -> None:
    """{site} in another key is a configuration error, not a literal."""
    path = _write(tmp_path, "[defaults]\nblock_starts = ['more from {site}']\n")
    with pytest.raises(ConfigError, match="drop_lines only"):
        load_rules(path)


def test_drop_openers_match_at_the_start_of_the_first_sentences(tmp_path: Path) -> None:
    """An opener matches at the line's start or at its second or third sentence, when
    the sentences before are short; never in the middle of a sentence."""
    path = _write(tmp_path, "[defaults]\ndrop_openers = ['sign up (for|to) our\\b']\n")
    rules = load_rules(path).for_source("any")
    assert rules.drops("Sign up for our briefing")
    assert rules.drops("🚀 Sign up for our briefing")
    assert rules.drops("Want more? Sign up to our briefing.")
    assert rules.drops("One. Two: sign up for our briefing")
    assert not rules.drops("One. Two. Three. Sign up for our briefing")
    long_first = (
        "A first sentence that runs on and on for well over eighty characters before it ends."
    )
    assert not rules.drops(f"{long_first} More of the same. Sign up for our briefing")
    assert not rules.drops("Readers can sign up for our briefing on the website.")


def test_drop_openers_reject_anchors(tmp_path: Path) -> None:
    """Openers are anchored by the loader: a ^ is a configuration error."""
    with pytest.raises(ConfigError, match="anchored already"):
        load_rules(_write(tmp_path, "[defaults]\ndrop_openers = ['^sign up']\n"))


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"^(a|b)\(c\)[(x]", r"^(?:a|b)\(c\)[(x]"),
        (r"[]()](a)[^]()](b)", r"[]()](?:a)[^]()](?:b)"),
        (r"[^^](z)[[](y)", r"[^^](?:z)[[](?:y)"),
        (r"(?:x)(?=y)(?<=z)(?P<n>q)(e)", r"(?:x)(?=y)(?<=z)(?P<n>q)(?:e)"),
        (r"\\(x)[\]](y)", r"\\(?:x)[\]](?:y)"),
        (r"(a)\1", r"(a)\1"),
    ],
)
def test_without_captures(pattern: str, expected: str) -> None:
    """Capturing groups become non-capturing; escapes, sets and backreferences are kept."""
    assert without_captures(pattern) == expected


def test_shipped_rules_match_the_same_without_captures() -> None:
    """Every shipped regex matches the same lines with its groups made non-capturing."""
    lines = [*STORIES, *(line for _, line in SELF_PROMO), "Share this article", "(c) 2024"]
    document = tomllib.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    for key in ("drop_lines", "drop_openers", "block_starts", "drop_buttons"):
        for rule in document["defaults"].get(key, []):
            plain = rule.replace("{site}", "gadgethub")
            before, after = re.compile(plain, re.I), re.compile(without_captures(plain), re.I)
            for line in lines:
                assert bool(before.search(line)) == bool(after.search(line)), (rule, line)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("版权所有(?=.{0,80}$)", True),
        ("\\btous droits réservés\\b", True),
        ("^(分享到|分享至)[:：]?.{0,12}$|^分享$", True),
        ("^(首页|home)$", False),
        ("^(分享)?x$", False),
        ("^分?x$", False),
        ("^(分享到|x)y$", False),
        ("\\bclick here\\b", False),
        ("^(©|\\(c\\)|copyright\\b).{0,200}$", False),
        ("版权|copyright", False),
    ],
)
def test_needs_non_ascii(pattern: str, expected: bool) -> None:
    """A rule is kept off ASCII lines only when no ASCII line can match it."""
    assert needs_non_ascii(pattern) is expected


def test_rules_for_other_scripts_skip_ascii_lines_and_ascii_rules_still_run_on_others(
    tmp_path: Path,
) -> None:
    rules = load_rules(
        _write(
            tmp_path,
            "[defaults]\ndrop_lines = ['^分享$', '版权所有', '^share$', 'all rights reserved']\n",
        )
    ).for_source("any")
    assert rules.drop_at_start_non_ascii is not None and rules.drop_anywhere_non_ascii
    assert rules.drops("分享") and rules.drops("本网版权所有")
    assert rules.drops("Share") and rules.drops("© 2024 Le Monde — all rights reserved")
    assert not rules.drops("The share price rose")
