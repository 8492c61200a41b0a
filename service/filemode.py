"""The same pipeline over JSON lines: files or stdin in, files or stdout out.

Contract (outside tools rely on it): one raw event per input line; blank lines are
skipped; clean events go to the output in input order, duplicates to ``--duplicates``,
invalid lines and articles empty after cleaning (reason ``empty_after_cleaning``) to
``--dlq`` as dlq-record.v1 objects, each as one JSON line: every line read ends in exactly
one of the three. Line numbers (from 1) are the offsets in ``provenance`` and in DLQ
origins.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import IO

from service.events import Provenance, clean_event, dead_letter, dlq_line, encode
from service.models import Origin
from service.pipeline import Duplicate, Outcome, Published, Record, Rejected
from service.shellutil import utc_now

CHUNK = 64


@dataclass
class Counts:
    """What a file-mode run did: ``read == published + duplicates + invalid + dropped``.

    ``dropped`` counts articles empty after cleaning by reason; like ``invalid`` ones they
    went to the DLQ.
    """

    read: int = 0
    published: int = 0
    duplicates: int = 0
    invalid: int = 0
    dropped: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: Outcome) -> None:
        """Count one outcome under its kind."""
        self.read += 1
        if isinstance(outcome, Published):
            self.published += 1
        elif isinstance(outcome, Duplicate):
            self.duplicates += 1
        elif isinstance(outcome, Rejected):
            self.invalid += 1
        else:
            self.dropped[outcome.drop.reason] = self.dropped.get(outcome.drop.reason, 0) + 1

    def summary(self) -> str:
        """Return the one-line run summary; its counts add up to the lines read."""
        dlq = self.invalid + sum(self.dropped.values())
        parts = [f"{self.invalid} invalid"] + [f"{n} {r}" for r, n in sorted(self.dropped.items())]
        return (
            f"cleanwire: {self.read} read, {self.published} published, "
            f"{self.duplicates} duplicates, {dlq} to the DLQ ({', '.join(parts)})"
        )


def read_records(lines: Iterable[bytes], name: str) -> Iterator[Record]:
    """Yield (value, origin) for every non-blank line, numbering lines from 1."""
    for number, line in enumerate(lines, start=1):
        value = line.rstrip(b"\r\n")
        if value.strip():
            yield value, Origin(f"file:{name}", 0, number)


def _chunks(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def process_stream(
    lines: Iterable[bytes],
    name: str,
    run: Callable[[Sequence[Record]], list[Outcome]],
    provenance: Provenance,
    output: IO[bytes],
    duplicates: IO[bytes] | None,
    dlq: IO[bytes] | None,
    progress: Callable[[int], None] = lambda n: None,
) -> Counts:
    """Run every line through ``run`` and write the outcomes; see module docstring."""
    counts = Counts()
    for chunk in _chunks(read_records(lines, name), CHUNK):
        stamp = utc_now()
        for (value, _), outcome in zip(chunk, run(chunk), strict=True):
            counts.add(outcome)
            if isinstance(outcome, Published | Duplicate):
                sink = output if isinstance(outcome, Published) else duplicates
                if sink is not None:
                    sink.write(encode(clean_event(outcome.article, provenance, stamp)) + b"\n")
            elif dlq is not None:
                dead = dlq_line(dead_letter(outcome), outcome.origin, value or b"")
                dlq.write(encode(dead) + b"\n")
        progress(len(chunk))
    return counts


def run_files(
    input_path: str | None,
    output_path: str | None,
    duplicates_path: str | None,
    dlq_path: str | None,
    run: Callable[[Sequence[Record]], list[Outcome]],
    provenance: Provenance,
) -> Counts:
    """Open the named files ('-' or None = stdin/stdout) and process them."""
    with ExitStack() as stack:
        source = (
            sys.stdin.buffer
            if input_path in (None, "-")
            else stack.enter_context(open(input_path, "rb"))
        )
        out = (
            sys.stdout.buffer
            if output_path in (None, "-")
            else stack.enter_context(open(output_path, "wb"))
        )

        def sink(path: str | None) -> IO[bytes] | None:
            return None if path is None else stack.enter_context(open(path, "wb"))

        bar = _progress_bar(stack)
        counts = process_stream(
            source,
            input_path or "-",
            run,
            provenance,
            out,
            sink(duplicates_path),
            sink(dlq_path),
            bar,
        )
        out.flush()
        return counts


def _progress_bar(stack: ExitStack) -> Callable[[int], None]:
    if not sys.stderr.isatty():
        return lambda n: None
    from tqdm import tqdm

    bar = stack.enter_context(tqdm(unit=" records", file=sys.stderr, dynamic_ncols=True))
    return lambda n: bar.update(n) and None
