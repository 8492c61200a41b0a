# ruff: noqa: RUF001  (Chinese and Japanese chrome lines keep their full-width punctuation)
"""Near-duplicate detection on Chinese, Japanese and Thai news: the stream of bench/dedup.py.

Usage: python bench/dedup_cjk.py [bench/data/cjk_news.jsonl] [--seed 7] [--rounds 5]
       [--no-chrome] [--stored-anchors N] [--bar X]

Articles: ``bench/data/cjk_news.jsonl`` (written for this project: 36 Chinese, 30
Japanese and 14 Thai news articles, ``{"id", "lang", "template", "title", "paragraphs"}``).
Articles that share a ``template`` are different stories told in the same house wording
(two earthquakes, two match reports, two months' price figures): the hard negatives.

The stream is built as in ``bench/dedup.py``: every article is an original from its own
outlet, with that outlet's chrome lines (in the article's language) around it; each gets
1-4 copies from other outlets: verbatim republication, a re-scrape of its URL with
tracking parameters, a new headline and dateline, 2-5 % of the *characters* replaced
(the unit of these scripts), 1-2 paragraphs dropped, the first ~70 % of the paragraphs,
and two of the last four combined. The stream is shuffled (a copy may come first) and
``--rounds`` seeds are run. Printed per round and overall: pair precision/recall/F1 of
the clusters, and whether template pairs were ever merged.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dedup import article, pair_scores, run_ours
from service.clean.learned import InMemoryLineStats
from service.clean.rules import load_rules
from service.clean.stage import Cleaner
from service.dedup.stage import MatchPolicy
from service.models import CleanArticle, RawArticle
from service.stores.embedded.store import EmbeddedStore

DEFAULT = Path(__file__).resolve().parent / "data" / "cjk_news.jsonl"
CHROME = {  # {o}: the outlet's name, as in bench/dedup.py's chrome
    "zh": (["首页", "{o}新闻中心", "分享到微信"], ["{o}所刊登的新闻、信息和各种专题专栏资料，均为本网版权所有，未经协议授权禁止转载。", "扫描二维码关注{o}官方微信公众号，获取更多新闻资讯和独家报道内容。"]),
    "ja": (["トップ", "{o}ニュース一覧", "シェアする"], ["{o}に掲載されている記事・写真・図表などの無断転載を禁じます。著作権は各社に帰属します。", "{o}公式アプリをダウンロードすると、最新ニュースの速報をいち早くお届けします。"]),
    "th": (["หน้าแรก", "ข่าวล่าสุด{o}", "แชร์"], ["ห้ามคัดลอกหรือนำเนื้อหาส่วนใดส่วนหนึ่งของ{o}ไปเผยแพร่โดยไม่ได้รับอนุญาตเป็นลายลักษณ์อักษร", "ติดตามข่าวสารล่าสุดจาก{o}ได้ทุกวันผ่านแอปพลิเคชันและช่องทางโซเชียลมีเดียของเรา"]),
}  # fmt: skip
WITH_CHROME = True  # --no-chrome: bodies alone
DATELINES = {"zh": "新华社北京电", "ja": "【東京共同】", "th": "กรุงเทพฯ"}


def load(path: Path) -> list[dict[str, object]]:
    """Return the articles of a ``cjk_news.jsonl`` file."""
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def with_chrome(lang: str, outlet: str, body: str, rng: random.Random) -> str:
    if not WITH_CHROME:
        return body
    top, bottom = CHROME[lang]
    lines = [*rng.sample(top, 2), body, *bottom, "© {o}"]
    return "\n".join(line.format(o=outlet.split(".")[0]) for line in lines)


def edit_chars(body: str, rng: random.Random, alphabet: list[str]) -> str:
    """Replace 2-5 % of the letters (not spaces or punctuation) with others of the script."""
    rate = rng.uniform(0.02, 0.05)
    return "".join(rng.choice(alphabet) if c.isalnum() and rng.random() < rate else c for c in body)


def transform(
    kind: str, paragraphs: list[str], lang: str, rng: random.Random, alphabet: list[str]
) -> list[str]:
    if kind == "truncate":
        return paragraphs[: max(1, round(len(paragraphs) * 0.7))]
    if kind == "drop" and len(paragraphs) >= 4:
        kept = list(paragraphs)
        for _ in range(rng.choice((1, 2))):
            kept.pop(rng.randrange(len(kept)))
        return kept
    if kind == "edit":
        return [edit_chars(p, rng, alphabet) for p in paragraphs]
    if kind == "headline":
        headline = "".join(rng.sample(alphabet, 14))
        return [headline, f"{DATELINES[lang]} {paragraphs[0]}", *paragraphs[1:]]
    return paragraphs


def build_stream(items: list[dict[str, object]], seed: int) -> list[tuple[CleanArticle, str, str]]:
    """Return (article, true cluster, variant kind) in arrival order."""
    rng = random.Random(seed)
    alphabets: dict[str, list[str]] = {}
    for item in items:
        text = "".join(item["paragraphs"])  # type: ignore[arg-type]
        alphabets.setdefault(str(item["lang"]), []).extend(c for c in text if c.isalpha())
    alphabets = {k: sorted(set(v)) for k, v in alphabets.items()}
    kinds = ["verbatim", "rescrape", "headline", "edit", "drop", "truncate", "mixed"]
    stream = []
    for number, item in enumerate(items):
        aid, lang = str(item["id"]), str(item["lang"])
        paragraphs = [str(p) for p in item["paragraphs"]]  # type: ignore[attr-defined]
        domain = f"{lang}-outlet{number % 9}.example"
        url = f"https://{domain}/news/{aid}"
        original = with_chrome(lang, domain, "\n".join(paragraphs), rng)
        stream.append((article(aid, url, domain, original), aid, "original"))
        for copy in range(rng.randint(1, 4)):
            outlet = f"{lang}-outlet{rng.randrange(9, 40)}.example"
            kind = kinds[(number + copy) % len(kinds)]
            copy_url = f"https://{outlet}/story/{aid}-{copy}"
            text = paragraphs
            if kind == "rescrape":
                copy_url, outlet = f"HTTPS://{domain.upper()}/news/{aid}/?utm_source=x", domain
            elif kind == "mixed":
                for step in rng.sample(["headline", "edit", "drop", "truncate"], 2):
                    text = transform(step, text, lang, rng, alphabets[lang])
            else:
                text = transform(kind, text, lang, rng, alphabets[lang])
            if kind in ("verbatim", "rescrape"):
                body = original
            else:
                body = with_chrome(lang, outlet, "\n".join(text), rng)
            stream.append((article(f"{aid}-{copy}", copy_url, outlet, body), aid, kind))
    rng.shuffle(stream)
    return stream


def cleaned(
    stream: list[tuple[CleanArticle, str, str]],
) -> tuple[list[tuple[CleanArticle, str, str]], int]:
    """Run each article's text through the clean stage, as the service does before dedup;
    return the cleaned stream and how many articles it emptied."""
    cleaner = Cleaner(load_rules(), InMemoryLineStats(), clock=lambda: 1_800_000_000.0)
    out, dropped = [], 0
    for art, story, kind in stream:
        raw = RawArticle(
            id=art.id, url=art.url, source=art.source, origin=art.origin, text=art.body
        )
        result = cleaner(raw)
        if isinstance(result, CleanArticle):
            out.append((result, story, kind))
        else:
            dropped += 1
    return out, dropped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("articles", type=Path, nargs="?", default=DEFAULT)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--no-chrome", action="store_true", help="articles without outlet chrome lines"
    )
    parser.add_argument("--stored-anchors", type=int, default=MatchPolicy().stored_anchors)
    parser.add_argument(
        "--bar", type=float, default=MatchPolicy().min_containment_unspaced,
        help="containment an unspaced article must reach",
    )  # fmt: skip
    args = parser.parse_args()
    policy = MatchPolicy(stored_anchors=args.stored_anchors, min_containment_unspaced=args.bar)
    global WITH_CHROME
    WITH_CHROME = not args.no_chrome
    items = load(args.articles)
    template_of = {str(i["id"]): i.get("template") for i in items}
    print(f"{len(items)} articles: {dict(Counter(str(i['lang']) for i in items))}")
    all_truth: list[str] = []
    all_predicted: list[str] = []
    for round_number in range(args.rounds):
        stream, dropped = cleaned(build_stream(items, args.seed + round_number))
        truth = [cluster for _, cluster, _ in stream]
        ours, micros = run_ours(stream, EmbeddedStore.open(None, policy))
        cluster_ids = [a.dedup.cluster_id if a.dedup else a.id for a in ours]
        predicted = [f"{round_number}:{cluster}" for cluster in cluster_ids]
        truth_tagged = [f"{round_number}:{t}" for t in truth]
        p, r, f = pair_scores(truth_tagged, predicted)
        merged = Counter(zip(predicted, truth, strict=True))
        clusters: dict[str, set[str]] = {}
        for (cluster, story), _ in merged.items():
            clusters.setdefault(cluster, set()).add(story)
        template_merges = sum(
            1
            for stories in clusters.values()
            if len(stories) > 1 and len({template_of[s] for s in stories} - {None}) >= 1
        )
        original = {s: c for (_, s, k), c in zip(stream, predicted, strict=True) if k == "original"}
        missed = Counter(
            kind
            for (_, story, kind), cluster in zip(stream, predicted, strict=True)
            if kind != "original" and cluster != original[story]
        )
        print(
            f"round {round_number} (seed {args.seed + round_number}): {len(stream)} articles "
            f"({dropped} empty after cleaning), "
            f"pairs P={p:.4f} R={r:.4f} F1={f:.4f}, {micros:.0f} us/article; "
            f"clusters merging different stories: {sum(len(s) > 1 for s in clusters.values())} "
            f"(of them with a template story: {template_merges}); copies missed by kind: {dict(missed)}"
        )
        all_truth += truth_tagged
        all_predicted += predicted
    p, r, f = pair_scores(all_truth, all_predicted)
    print(f"all rounds: pairs P={p:.4f} R={r:.4f} F1={f:.4f}")


if __name__ == "__main__":
    main()
