"""Run generated events through the pipeline and through file mode, and check every output.

Each round of events goes (a) through ``Built.run`` in chunks, as the Kafka service calls
it, every outcome encoded as the service would publish it, and (b) through
:func:`service.shell.filemode.run_files` as a JSON-lines file, with real output files.
Checks: nothing raises; every input ends in exactly one output with a known reason;
every output line validates against ``schemas/``; the file-mode counts add up; and, where
the generator knows it, the outcome is the expected one.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from jsonschema import Draft202012Validator, FormatChecker

from service.errors import REASONS
from service.models import Origin
from service.pipeline import Duplicate, Outcome, Published
from service.settings import load
from service.shell.events import clean_event, dead_letter, dlq_line, encode, kafka_output
from service.shell.filemode import run_files
from service.shell.run import Built, build
from tests.fuzz.generators import VALID, Event

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
CHUNK = 64  # records per Built.run call, as file mode does
EXAMPLES = 5  # reproducers kept per finding kind
TOPICS = {"clean": "clean", "duplicates": "duplicates", "dlq": "dlq"}


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text())
    return Draft202012Validator(schema, format_checker=FormatChecker())


CLEAN = _validator("clean-article.v1.2.json")
DLQ = _validator("dlq-record.v1.json")


def peak_rss_mib() -> float:
    """The process's peak resident set (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def label(outcome: Outcome) -> str:
    """``clean``, ``duplicates``, or the DLQ reason."""
    if isinstance(outcome, Published):
        return "clean"
    if isinstance(outcome, Duplicate):
        return "duplicates"
    return dead_letter(outcome).reason


def file_lines(value: bytes) -> list[bytes]:
    """The lines file mode reads for one event written with a trailing newline."""
    return [part + b"\n" for part in value.split(b"\n")]  # files split on \n alone


def _blank(line: bytes) -> bool:
    return not line.rstrip(b"\r\n").strip()


@dataclass
class Report:
    """Everything counted over a run; ``failed`` decides the exit code."""

    events: int = 0
    by_stages: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    pipeline: Counter[str] = field(default_factory=Counter)
    file_mode: Counter[str] = field(default_factory=Counter)
    file_lines: int = 0
    blank_lines: int = 0
    crashes: int = 0
    unaccounted: int = 0
    schema_failures: int = 0
    stage_errors: int = 0
    unexpected: int = 0  # outcome outside the generator's expectation
    mode_disagreements: int = 0  # same line, different outcome in file mode and pipeline
    cli_checked: bool = False
    raised_limit: Counter[str] = field(default_factory=Counter)  # 5 MB fields under 8 MiB
    examples: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0
    artifacts: str = ""

    @property
    def failed(self) -> bool:
        """A crash, lost or doubled input, invalid output, or an outcome known to be wrong."""
        return any(
            (
                self.crashes,
                self.unaccounted,
                self.schema_failures,
                self.unexpected,
                self.mode_disagreements,
            )
        )

    def note(self, finding: str, text: str) -> None:
        kept = self.examples.setdefault(finding, [])
        if len(kept) < EXAMPLES:
            kept.append(text)

    def summary(self) -> str:
        def outcomes(counts: Counter[str]) -> str:
            dlq = {k: n for k, n in counts.items() if k not in ("clean", "duplicates")}
            reasons = ", ".join(f"{k} {n}" for k, n in sorted(dlq.items()))
            return (
                f"clean {counts['clean']}, duplicates {counts['duplicates']}, "
                f"dlq {sum(dlq.values())} ({reasons})"
            )

        stages = ", ".join(f"{n} with {s}" for s, n in sorted(self.by_stages.items()))
        rate = self.events / self.seconds if self.seconds else 0.0
        kinds: Counter[str] = Counter()
        for kind, n in self.by_kind.items():  # wrong_type_url, deep_40, ... as one family
            family = kind.split("@")[0]
            for prefix in ("wrong_type", "deep", "nul_escaped", "rtl", "copy", "field_5mb"):
                family = prefix if family.startswith(prefix) else family
            kinds[family] += n
        lines = [
            f"fuzz: {self.events} events ({stages}); each through the pipeline and file mode",
            "inputs: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()),
            f"pipeline: {outcomes(self.pipeline)}",
            f"file mode: {self.file_lines} lines, {self.blank_lines} blank (skipped); "
            f"{outcomes(self.file_mode)}; summary identity and output line counts checked"
            + ("; CLI checked" if self.cli_checked else ""),
            f"5 MB fields again with --max-record-bytes 8M: {dict(self.raised_limit)}",
            f"crashes {self.crashes}, unaccounted {self.unaccounted}, "
            f"schema failures {self.schema_failures}, stage_errors {self.stage_errors}, "
            f"unexpected outcomes {self.unexpected}, mode disagreements {self.mode_disagreements}",
            f"{rate:.0f} events/s ({self.seconds:.0f} s wall), peak RSS {peak_rss_mib():.0f} MiB",
        ]
        for finding, texts in sorted(self.examples.items()):
            lines.append(f"  {finding}:")
            lines += [f"    {t}" for t in texts]
        if self.artifacts and self.examples:
            lines.append(f"  reproducers: {self.artifacts}")
        lines.append("FAIL" if self.failed else "OK")
        return "\n".join(lines)


def article_invariants(outcome: Published | Duplicate) -> list[str]:
    """What the models promise beyond the schema: a body, mention offsets that slice."""
    article = outcome.article
    errors = []
    if not article.body.strip():
        errors.append("published with an empty body")
    if isinstance(outcome, Duplicate) and article.entities:
        errors.append("a duplicate was enriched")
    for entity in article.entities:
        for m in entity.mentions:
            if m.field == "dateline":
                text = article.dateline.text if article.dateline else None
            else:
                text = getattr(article, m.field)
            if text is None or text[m.start : m.end] != m.text:
                errors.append(f"mention {m.text!r} [{m.start}:{m.end}] does not slice {m.field}")
    return errors


def _short(value: bytes, limit: int = 160) -> str:
    text = repr(value[:limit])
    return text + (f"... ({len(value)} bytes)" if len(value) > limit else "")


@dataclass
class Harness:
    """The two builds per stage set (one per mode: each keeps its own dedup state)."""

    report: Report
    workdir: Path
    builds: dict[tuple[str, str], Built] = field(default_factory=dict)
    round_no: int = 0
    cli_done: bool = False

    def built(self, mode: str, stages: str, max_record_bytes: str | None = None) -> Built:
        key = (mode, stages)
        if key not in self.builds:
            flags = {"stages": stages, "max_record_bytes": max_record_bytes}
            self.builds[key] = build(load(flags, {}))
        return self.builds[key]

    def run_raised_limit(self, events: list[Event]) -> None:
        """Records above the default limit, run where the limit is raised to 8 MiB."""
        built = self.built("pipeline-8MiB", "clean,dedup", "8M")
        stamp = "2026-01-01T00:00:00.000Z"
        for i, event in enumerate(events):
            origin = Origin("fuzz-8MiB", self.round_no, i)
            try:
                (outcome,) = built.run([(event.value, origin)])
            except Exception as exc:
                self.report.crashes += 1
                self.save("crash", event, "".join(traceback.format_exception_only(exc)))
                continue
            got = label(outcome)
            self.report.raised_limit[got] += 1
            self._expectation(Event(event.kind + "@8MiB", event.value, VALID), got)
            self._check_outcome(event, origin, outcome, stamp)

    def close(self) -> None:
        for built in self.builds.values():
            built.close()

    def save(self, finding: str, event: Event, detail: str) -> None:
        """Keep a reproducer file and an example line for the summary."""
        self.report.note(finding, f"{event.kind}: {detail[:300]} <- {_short(event.value)}")
        folder = self.workdir / "reproducers" / finding
        folder.mkdir(parents=True, exist_ok=True)
        if len(list(folder.iterdir())) < 20:
            (folder / f"{self.round_no}-{event.kind}.bin").write_bytes(event.value)
        self.report.artifacts = str(self.workdir / "reproducers")

    # -- a round ------------------------------------------------------------------------------

    def run_round(self, events: list[Event], stages: str, cli: bool = False) -> None:
        self.round_no += 1
        self.report.events += len(events)
        self.report.by_stages[stages] += len(events)
        for event in events:
            self.report.by_kind[event.kind] += 1
        labels = self._pipeline(events, stages)
        self.run_raised_limit([e for e in events if e.kind.startswith("field_5mb")])
        self._file_mode(events, stages, labels, cli)

    def _expectation(self, event: Event, got: str) -> None:
        if got not in ("clean", "duplicates") and got not in REASONS:
            self.report.unaccounted += 1
            self.save("unknown_reason", event, got)
        if got == "stage_error":
            self.report.stage_errors += 1
        elif event.expect is not None and got not in event.expect:
            self.report.unexpected += 1
            self.save("unexpected", event, f"got {got}, expected {sorted(event.expect)}")

    def _pipeline(self, events: list[Event], stages: str) -> list[str | None]:
        built = self.built("pipeline", stages)
        labels: list[str | None] = [None] * len(events)
        stamp = "2026-01-01T00:00:00.000Z"
        for start in range(0, len(events), CHUNK):
            chunk = events[start : start + CHUNK]
            records = [
                (e.value, Origin("fuzz", self.round_no, start + i)) for i, e in enumerate(chunk)
            ]
            try:
                outcomes = built.run(records)
            except Exception as exc:
                self._bisect(built, chunk, records, exc)
                continue
            if len(outcomes) != len(records):
                self.report.unaccounted += abs(len(records) - len(outcomes))
                self.report.note("unaccounted", f"{len(records)} in, {len(outcomes)} out")
            for i, (event, (_, origin), outcome) in enumerate(
                zip(chunk, records, outcomes, strict=False)
            ):
                got = label(outcome)
                labels[start + i] = got
                self.report.pipeline[got] += 1
                self._expectation(event, got)
                self._check_outcome(event, origin, outcome, stamp)
        return labels

    def _bisect(self, built: Built, chunk: list[Event], records: list[Any], exc: Exception) -> None:
        """A chunk raised: find which records raise alone; all of them count as crashes."""
        found = False
        for event, record in zip(chunk, records, strict=True):
            try:
                built.run([record])
            except Exception as single:
                found = True
                self.report.crashes += 1
                self.save("crash", event, "".join(traceback.format_exception_only(single)))
        if not found:
            self.report.crashes += len(chunk)
            self.report.note("crash", f"chunk of {len(chunk)} raised {exc!r}; no record alone")

    def _check_outcome(self, event: Event, origin: Origin, outcome: Outcome, stamp: str) -> None:
        if isinstance(outcome, Published | Duplicate):
            got_origin = outcome.article.origin
            obj = orjson.loads(encode(clean_event(outcome.article, self.provenance, stamp)))
            errors = [e.message for e in CLEAN.iter_errors(obj)]
            dup = obj["dedup"] is not None and obj["dedup"]["duplicate_of"] is not None
            if dup != isinstance(outcome, Duplicate):
                errors.append("dedup.duplicate_of does not match the outcome")
            errors += article_invariants(outcome)
        else:
            got_origin = outcome.origin
            obj = orjson.loads(encode(dlq_line(dead_letter(outcome), origin, event.value)))
            errors = [e.message for e in DLQ.iter_errors(obj)]
            _, key, value, headers = kafka_output(
                outcome, b"k", event.value, [], TOPICS, self.provenance, stamp
            )
            names = dict(headers)
            if value != event.value or key != b"k":
                errors.append("dead letter does not keep the original key and value")
            if names.get("__cleanwire.errors.reason", b"").decode() not in REASONS:
                errors.append("dead letter has no known reason header")
        if got_origin != origin:
            self.report.unaccounted += 1
            self.save("unaccounted", event, f"outcome origin {got_origin} for input {origin}")
        if errors:
            self.report.schema_failures += 1
            self.save("schema", event, "; ".join(errors[:3]))

    @property
    def provenance(self) -> Any:
        return next(iter(self.builds.values())).provenance

    def _file_mode(
        self, events: list[Event], stages: str, labels: list[str | None], cli: bool
    ) -> None:
        built = self.built("file", stages)
        folder = self.workdir / f"round-{self.round_no}"
        folder.mkdir()
        paths = {name: folder / f"{name}.jsonl" for name in ("in", "clean", "dups", "dlq")}
        # line number -> (event index, line bytes); blank lines are skipped by file mode
        lines: dict[int, tuple[int, bytes]] = {}
        number = 0
        with paths["in"].open("wb") as out:
            for index, event in enumerate(events):
                for line in file_lines(event.value):
                    out.write(line)
                    number += 1
                    self.report.file_lines += 1
                    if _blank(line):
                        self.report.blank_lines += 1
                    else:
                        lines[number] = (index, line.rstrip(b"\r\n"))
        try:
            counts = run_files(
                str(paths["in"]), str(paths["clean"]), str(paths["dups"]), str(paths["dlq"]),
                built.run, built.provenance,
            )  # fmt: skip
        except Exception as exc:
            self.report.crashes += 1
            self.report.note("crash", f"file mode round {self.round_no}: {exc!r}")
            return
        seen: dict[int, list[str]] = {}
        name = f"file:{paths['in']}"
        outputs = {k: paths[k].read_bytes().splitlines() for k in ("clean", "dups", "dlq")}
        for kind, raw_lines in outputs.items():
            for raw in raw_lines:
                self._file_line(kind, raw, name, lines, seen, events)
        dropped = sum(counts.dropped.values())
        identity = [
            counts.read == counts.published + counts.duplicates + counts.invalid + dropped,
            counts.read == len(lines),
            len(outputs["clean"]) == counts.published,
            len(outputs["dups"]) == counts.duplicates,
            len(outputs["dlq"]) == counts.invalid + dropped,
        ]
        if not all(identity):
            self.report.unaccounted += 1
            self.report.note("unaccounted", f"round {self.round_no}: {counts.summary()}")
        for number, (index, _) in lines.items():
            got = seen.get(number, [])
            if len(got) != 1:
                self.report.unaccounted += 1
                self.save("unaccounted", events[index], f"line {number} written {got}")
                continue
            self.report.file_mode[got[0]] += 1
            event = events[index]
            single_line = b"\n" not in event.value and not _blank(event.value)
            if single_line and not event.value.endswith(b"\r") and labels[index] != got[0]:
                self.report.mode_disagreements += 1
                self.save("mode_disagreement", event, f"pipeline {labels[index]}, file {got[0]}")
        if cli and not self.cli_done:
            self.cli_done = True
            self._cli(paths["in"], stages, counts.summary(), folder)

    def _file_line(
        self,
        kind: str,
        raw: bytes,
        name: str,
        lines: dict[int, tuple[int, bytes]],
        seen: dict[int, list[str]],
        events: list[Event],
    ) -> None:
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            self.report.schema_failures += 1
            self.report.note("schema", f"{kind} line is not JSON: {exc}: {_short(raw)}")
            return
        if kind == "dlq":
            errors = [e.message for e in DLQ.iter_errors(obj)]
            number, got = obj.get("origin", {}).get("offset"), obj.get("reason")
            topic = obj.get("origin", {}).get("topic")
        else:
            errors = [e.message for e in CLEAN.iter_errors(obj)]
            number = obj.get("provenance", {}).get("source_offset")
            topic = obj.get("provenance", {}).get("source_topic")
            got = "clean" if kind == "clean" else "duplicates"
        if number not in lines or topic != name:
            self.report.unaccounted += 1
            self.report.note("unaccounted", f"{kind} line for unknown input {topic}:{number}")
            return
        seen.setdefault(number, []).append(str(got))
        index, original = lines[number]
        if kind == "dlq" and not errors:
            kept = obj.get("value")
            kept_bytes = (
                kept.encode("utf-8") if kept is not None else base64.b64decode(obj["value_base64"])
            )
            if kept_bytes != original:
                errors.append("dead letter does not keep the original line")
        if errors:
            self.report.schema_failures += 1
            self.save("schema", events[index], f"{kind}: " + "; ".join(errors[:3]))

    def _cli(self, input_path: Path, stages: str, expected: str, folder: Path) -> None:
        """``cleanwire process`` on the same file prints the same summary, and its files agree."""
        outs = [folder / f"cli-{n}.jsonl" for n in ("clean", "dups", "dlq")]
        cmd = [sys.executable, "-m", "service", "process", str(input_path), "-o", str(outs[0]),
               "--duplicates", str(outs[1]), "--dlq", str(outs[2]), "--stages", stages]  # fmt: skip
        root = SCHEMAS.parent
        proc = subprocess.run(cmd, capture_output=True, timeout=600, check=False, cwd=root)
        summary = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        self.report.cli_checked = True
        last = summary[-1] if summary else ""
        ok = proc.returncode == 0 and last == expected
        if ok:
            words = last.removeprefix("cleanwire: ").split()
            read, published, dups, dlq = (int(words[i]) for i in (0, 2, 4, 6))
            sizes = [len(p.read_bytes().splitlines()) for p in outs]
            ok = read == published + dups + dlq and sizes == [published, dups, dlq]
        if not ok:
            self.report.unaccounted += 1
            self.report.note("cli", f"exit {proc.returncode}, {last!r}; in-process: {expected!r}")


def make_workdir(path: str | None) -> Path:
    """A fresh folder for round files and reproducers."""
    if path:
        Path(path).mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="cleanwire-fuzz-", dir=path or None))


def run_fuzz(
    events: int,
    seed: int,
    enrich_share: float = 0.03,
    round_size: int = 500,
    heavy: int = 3,
    workdir: str | None = None,
    cli: bool = True,
    progress: bool = False,
) -> Report:
    """Generate ``events`` events and run them all; see the module docstring."""
    from tests.fuzz.generators import Generator, draw

    report = Report()
    folder = make_workdir(workdir)
    harness = Harness(report, folder)
    gen = Generator(seed)
    rounds = max(1, -(-events // round_size))
    enriched = 0 if enrich_share <= 0 else max(1, round(rounds * enrich_share))
    enrich_rounds = {(i * rounds) // enriched + rounds // (2 * enriched) for i in range(enriched)}
    limit = load({}, {}).max_record_bytes
    heavy_makers: list[Any] = []
    for _ in range(heavy):
        heavy_makers += [
            gen.field_5mb,
            gen.long_article,
            lambda: gen.big_field_event(3 * limit // 4),
        ]
    heavy_makers += [lambda: gen.at_limit(limit, 0), lambda: gen.at_limit(limit, 1)]
    plain_rounds = [i for i in range(rounds) if i not in enrich_rounds]
    start = time.monotonic()
    try:
        for i in range(rounds):
            size = min(round_size, events - i * round_size)
            stages = "clean,dedup,enrich" if i in enrich_rounds else "clean,dedup"
            batch = []
            if stages == "clean,dedup" and heavy_makers:
                # spread the heavy cases over the plain rounds, a few per round
                share = -(-len(heavy_makers) // max(1, len(plain_rounds)))
                batch = [heavy_makers.pop()() for _ in range(min(share, len(heavy_makers), size))]
            elif i == min(enrich_rounds, default=-1) and heavy:
                batch = [gen.long_article()]  # one 200,000-word article is enriched (skipped)
            batch += [draw(gen) for _ in range(size - len(batch))]
            gen.rng.shuffle(batch)
            harness.run_round(batch, stages, cli=cli and stages == "clean,dedup")
            shutil.rmtree(folder / f"round-{harness.round_no}", ignore_errors=True)
            if progress:
                print(
                    f"round {i + 1}/{rounds} ({stages}): {report.events} events, "
                    f"{report.events / elapsed(start):.0f}/s, crashes {report.crashes}, "
                    f"unaccounted {report.unaccounted}, schema {report.schema_failures}, "
                    f"stage_errors {report.stage_errors}, unexpected {report.unexpected}",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        harness.close()
    report.seconds = elapsed(start)
    if not (folder / "reproducers").exists():
        shutil.rmtree(folder, ignore_errors=True)
        report.artifacts = ""
    return report


def elapsed(start: float) -> float:
    return time.monotonic() - start
