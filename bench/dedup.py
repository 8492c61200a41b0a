"""Dedup quality, speed and memory: cleanwire's Deduplicator vs datasketch MinHashLSH.

Usage: python bench/dedup.py PATH/wcxb-dev-articles [--index-size 1000000] [--seed 7]
       [--redis-url redis://127.0.0.1:6390/15]

Stream: every WCXB gold text (``ground_truth.main_content``) is an article from its
domain; each domain gets its own outlet chrome lines, which are added to *all* its
articles (so unrelated articles of one outlet share them). Texts of >= 80 words become
originals with 1-4 copies, each from another outlet: verbatim republication (new URL),
a re-scrape of the same URL with tracking parameters, new headline + dateline + chrome,
2-5 % of words replaced, 1-2 paragraphs dropped, truncation to the first ~70 % of
paragraphs, and combinations of the last four. The stream is shuffled, so a copy may
arrive before its original. Scores are pair precision/recall/F1 over "same cluster"
pairs (exact and near separately), as in clustering evaluation.

Baseline: datasketch MinHashLSH (128 permutations, threshold 0.8) on the same word
3-gram shingles of the whole body; an article joins the cluster of its first LSH hit.
Scale (in a fresh subprocess with NUMPY_MADVISE_HUGEPAGE=0): ``--index-size``
synthetic originals (random 16-anchor sketches, 32-hex-digit ids, 12 partitions) are
inserted into an in-memory EmbeddedStore; the RSS growth per indexed article is
printed, then fingerprint and lookup+insert time per article of the real stream.
``--redis-url`` also runs the stream on RedisStore (FLUSHDB first!), counting commands
sent: round trips per article, and verdict agreement with the embedded store.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import redis
from datasketch import MinHash, MinHashLSH  # type: ignore[import-untyped]

from service.dedup.stage import Deduplicator, MatchPolicy, SeenStore, StoredEntry, make_probe
from service.models import CleanArticle, Origin
from service.stores.embedded.store import EmbeddedStore
from service.stores.redis.store import RedisStore

CHROME_SHORT = ["Advertisement", "Follow us on {o}", "Share this article", "Read more", "© {o}"]
CHROME_LONG = [
    "Sign up for the {o} daily newsletter to get the most important stories of the day "
    "delivered straight to your inbox every single morning.",
    "{o} is supported by its readers. When you buy through links on our site we may earn "
    "an affiliate commission at no extra cost to you.",
]
WORD = re.compile(r"\w+")
ROUNDS = 5  # timing rounds of the fingerprint and the reference (lookup/insert runs once)


def load(folder: Path) -> list[tuple[str, str, str]]:
    """Return (id, domain, body) for every gold text."""
    domains = json.loads((folder / "index.json").read_text())
    out: list[tuple[str, str, str]] = []
    seen_grams: set[str] = set()
    for path in sorted((folder / "ground-truth").glob("*.json")):
        body = json.loads(path.read_text())["ground_truth"].get("main_content") or ""
        words = WORD.findall(body.lower())
        grams = {" ".join(words[i : i + 8]) for i in range(max(len(words) - 7, 1))}
        if body.strip() and len(grams & seen_grams) <= 0.2 * len(grams):
            out.append((path.stem, domains.get(path.stem, {}).get("domain", "x"), body))
            seen_grams |= grams
    return out


def chrome(outlet: str, body: str, rng: random.Random) -> str:
    top = [line.format(o=outlet) for line in rng.sample(CHROME_SHORT, 2)]
    bottom = [line.format(o=outlet) for line in CHROME_LONG]
    return "\n\n".join([*top, body, *bottom])


def edit_words(body: str, rng: random.Random, vocab: list[str]) -> str:
    rate = rng.uniform(0.02, 0.05)
    words = re.split(r"(\s+)", body)
    for i in range(0, len(words), 2):
        if words[i] and rng.random() < rate:
            words[i] = rng.choice(vocab)
    return "".join(words)


def transform(kind: str, body: str, rng: random.Random, vocab: list[str], outlet: str) -> str:
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    if kind == "truncate":
        if len(paragraphs) >= 3:
            return "\n\n".join(paragraphs[: max(1, round(len(paragraphs) * 0.7))])
        words = body.split(" ")
        return " ".join(words[: int(len(words) * 0.7)])
    if kind == "drop" and len(paragraphs) >= 4:
        for _ in range(rng.choice((1, 2))):
            paragraphs.pop(rng.randrange(len(paragraphs)))
        return "\n\n".join(paragraphs)
    if kind == "edit":
        return edit_words(body, rng, vocab)
    if kind == "headline":
        headline = " ".join(rng.sample(vocab, 7)).capitalize()
        return f"{headline}\n\n{rng.choice(['LONDON', 'NEW YORK', 'PARIS'])} ({outlet}) - {body}"
    return body


def build_stream(
    texts: list[tuple[str, str, str]], seed: int
) -> list[tuple[CleanArticle, str, str]]:
    """Return (article, true cluster, variant kind) in arrival order."""
    rng = random.Random(seed)
    vocab = sorted({w for _, _, b in texts for w in WORD.findall(b.lower())})
    stream = []
    for number, (tid, domain, body) in enumerate(texts):
        url = f"https://{domain}/news/{tid}"
        original_text = chrome(domain, body, rng)
        stream.append((article(tid, url, domain, original_text), tid, "original"))
        if len(WORD.findall(body)) < 80:
            continue
        for copy in range(rng.randint(1, 4)):
            outlet = f"outlet{rng.randrange(40)}.example"
            kind = ["verbatim", "rescrape", "headline", "edit", "drop", "truncate", "mixed"][
                (number + copy) % 7
            ]
            text, copy_url = body, f"https://{outlet}/story/{tid}-{copy}"
            if kind == "rescrape":
                copy_url, outlet = (
                    f"HTTPS://{domain.upper()}/news/{tid}/?utm_source=x&fbclid=y",
                    domain,
                )
            elif kind == "mixed":
                for step in rng.sample(["headline", "edit", "drop", "truncate"], 2):
                    text = transform(step, text, rng, vocab, outlet)
            else:
                text = transform(kind, text, rng, vocab, outlet)
            exact_copy = kind in ("verbatim", "rescrape")
            text = original_text if exact_copy else chrome(outlet, text, rng)
            stream.append((article(f"{tid}-{copy}", copy_url, outlet, text), tid, kind))
    rng.shuffle(stream)
    return stream


def article(aid: str, url: str, source: str, body: str) -> CleanArticle:
    return CleanArticle(id=aid, url=url, source=source, origin=Origin("raw", 0, 0), body=body)


def pair_scores(truth: list[str], predicted: list[str]) -> tuple[float, float, float]:
    """Return pair precision, recall, F1 of a predicted clustering."""

    def pairs(counts: Counter[object]) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    both = pairs(Counter(zip(truth, predicted, strict=True)))
    pred, true = pairs(Counter(predicted)), pairs(Counter(truth))
    precision, recall = both / max(pred, 1), both / max(true, 1)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-9)


def shingle_set(body: str) -> set[bytes]:
    words = WORD.findall(body.lower())
    return {" ".join(words[i : i + 3]).encode() for i in range(max(len(words) - 2, 1))}


def run_datasketch(stream: list[tuple[CleanArticle, str, str]]) -> tuple[list[str], float]:
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    clusters: dict[str, str] = {}
    out: list[str] = []
    start = time.perf_counter()
    for art, _, _ in stream:
        signature = MinHash(num_perm=128)
        signature.update_batch(shingle_set(art.body))
        hits = lsh.query(signature)
        clusters[art.id] = clusters[min(hits)] if hits else art.id
        if not hits:
            lsh.insert(art.id, signature)
        out.append(clusters[art.id])
    return out, (time.perf_counter() - start) / len(stream) * 1e6


def run_ours(
    stream: list[tuple[CleanArticle, str, str]], store: SeenStore
) -> tuple[list[CleanArticle], float]:
    dedup = Deduplicator(store, clock=lambda: 1_800_000_000.0)
    start = time.perf_counter()
    out = [dedup(art) for art, _, _ in stream]
    return out, (time.perf_counter() - start) / len(stream) * 1e6


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def fill(store: EmbeddedStore, count: int, seed: int) -> None:
    """Index ``count`` synthetic originals: random sketches, 32-hex-digit ids."""
    rng = random.Random(seed)
    for i in range(count):
        anchors = tuple(sorted(rng.getrandbits(28) for _ in range(16)))
        entry = StoredEntry(
            f"{rng.getrandbits(128):032x}",
            Origin("raw", i % 12, i),
            rng.getrandbits(64),
            rng.getrandbits(64),
            anchors,
            800,
            1_700_000_000.0 + i * 0.01,
        )
        store.insert(entry)


def datasketch_bytes(count: int, seed: int) -> float:
    """Return RSS growth per signature indexed in MinHashLSH (128 perm., 0.8)."""
    import numpy as np

    generator = np.random.default_rng(seed)
    lsh, template = MinHashLSH(threshold=0.8, num_perm=128), MinHash(num_perm=128)
    before = rss_bytes()
    for number in range(count):
        signature = template.copy()
        signature.hashvalues = generator.integers(0, 2**32, size=128, dtype=np.uint64)
        lsh.insert(f"{number:032x}", signature)
    return (rss_bytes() - before) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--index-size", type=int, default=0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--redis-url", help="also run the stream on this (flushed!) Redis db")
    parser.add_argument("--scale-only", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    texts = load(args.folder)
    if args.scale_only:
        scale(build_stream(texts, args.seed), args.scale_only, args.seed)
        return
    print(
        f"{len(texts)} distinct gold texts (a text sharing >20% of its word 8-grams with an earlier one is skipped)"
    )
    stream = build_stream(texts, args.seed)
    truth = [cluster for _, cluster, _ in stream]
    kind_of = [kind for _, _, kind in stream]
    kinds = Counter(kind_of)
    print(f"stream: {len(stream)} articles, {len(set(truth))} stories, variants {dict(kinds)}")
    ours, ours_us = run_ours(stream, EmbeddedStore.open(None))
    ours_clusters = [a.dedup.cluster_id if a.dedup else a.id for a in ours]
    theirs, theirs_us = run_datasketch(stream)
    for name, predicted, micros in (
        ("cleanwire", ours_clusters, ours_us),
        ("datasketch", theirs, theirs_us),
    ):
        p, r, f = pair_scores(truth, predicted)
        print(f"{name:10s} pairs P={p:.4f} R={r:.4f} F1={f:.4f}  {micros:8.1f} us/article")
        original_cluster = {
            truth[i]: predicted[i] for i, k in enumerate(kind_of) if k == "original"
        }
        for kind in sorted(kinds):
            chosen = [i for i, k in enumerate(kind_of) if k == kind]
            caught = sum(predicted[i] == original_cluster[truth[i]] for i in chosen)
            print(f"    {kind:9s} in its original's cluster: {caught}/{len(chosen)}")
    exact = [i for i, k in enumerate(kind_of) if k in ("verbatim", "rescrape")]
    first = {truth[i]: ours_clusters[i] for i, k in enumerate(kind_of) if k == "original"}
    caught = sum(ours_clusters[i] == first[truth[i]] for i in exact)
    wrong = sum(
        bool(
            a.dedup and a.dedup.match in ("url", "exact") and a.dedup.cluster_id.split("-")[0] != c
        )
        for a, c in zip(ours, truth, strict=True)
    )
    print(
        f"cleanwire exact copies in their original's cluster {caught}/{len(exact)}; "
        f"url/exact false merges {wrong}"
    )
    if args.redis_url:
        redis_run(stream, ours, args.redis_url)
    if args.index_size:
        # A fresh process: RSS unaffected by the runs above; numpy's transparent huge
        # pages off, since a 2 MiB page per column would swamp per-article growth.
        environment = {**os.environ, "NUMPY_MADVISE_HUGEPAGE": "0"}
        command = [sys.executable, __file__, str(args.folder), "--seed", str(args.seed)]
        command += ["--scale-only", str(args.index_size)]
        subprocess.run(command, env=environment, check=True)


def redis_run(
    stream: list[tuple[CleanArticle, str, str]], embedded: list[CleanArticle], url: str
) -> None:
    """Run the stream on RedisStore; print round trips and agreement with embedded."""
    sent = [0]

    class CountingRedis(redis.Redis):
        def execute_command(self, *args: Any, **options: Any) -> Any:
            sent[0] += 1
            return super().execute_command(*args, **options)  # type: ignore[no-untyped-call]

    client = CountingRedis(connection_pool=redis.ConnectionPool.from_url(url))
    client.flushdb()
    store = RedisStore(client)
    before = sent[0]
    results, micros = run_ours(stream, store)
    same = sum(a.dedup == b.dedup for a, b in zip(results, embedded, strict=True))
    trips = (sent[0] - before) / len(stream)
    print(
        f"redis      {micros:8.1f} us/article, {trips:.3f} round trips/article, "
        f"verdicts equal to embedded: {same}/{len(stream)}"
    )
    client.flushdb()
    store.close()


def scale(stream: list[tuple[CleanArticle, str, str]], size: int, seed: int) -> None:
    before = rss_bytes()
    store = EmbeddedStore.open(None, MatchPolicy(max_entries=2 * size))
    start = time.perf_counter()
    fill(store, size, seed)
    fill_us = (time.perf_counter() - start) / size * 1e6
    store.merge_recent()
    grown = rss_bytes() - before
    print(f"indexed {store.entries()} synthetic originals ({fill_us:.1f} us each, insert only)")
    print(
        f"embedded RSS growth {grown / size:.1f} bytes/article; arrays {store.size_bytes() / size:.1f}"
    )
    probes = [make_probe(a) for a, _, _ in stream]
    # Best of ROUNDS interleaved rounds: on a shared machine one pass can be twice as slow.
    split_us = fp_us = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for art, _, _ in stream:
            art.body.lower().split()
        split_us = min(split_us, (time.perf_counter() - start) / len(stream) * 1e6)
        start = time.perf_counter()
        for art, _, _ in stream:
            make_probe(art)
        fp_us = min(fp_us, (time.perf_counter() - start) / len(stream) * 1e6)
    print(
        f"machine-speed reference: body.lower().split() {split_us:.1f} us/article "
        f"(best of {ROUNDS}, interleaved with the fingerprint)"
    )
    start = time.perf_counter()
    now = 1_700_000_000.0 + size * 0.01 + 1  # just after the last synthetic insert
    for probe in probes:
        store.check_and_insert(probe, now)
    lookup_us = (time.perf_counter() - start) / len(stream) * 1e6
    print(f"index holds {store.entries()} entries after the stream")
    ds_count = 50_000
    print(
        f"datasketch MinHashLSH RSS growth {datasketch_bytes(ds_count, seed):.1f} bytes/article"
        f" ({ds_count} synthetic signatures)"
    )
    print(
        f"at {size} indexed: fingerprint {fp_us:.1f} + lookup/insert {lookup_us:.1f} = {fp_us + lookup_us:.1f} us/article"
    )


if __name__ == "__main__":
    main()
