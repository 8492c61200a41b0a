"""The same pipeline over JSON lines: files or stdin in, files or stdout out.

Contract (outside tools rely on it): one raw event per input line; blank lines are
skipped; clean events go to the output in input order, duplicates to ``--duplicates``,
invalid lines and articles empty after cleaning (reason ``empty_after_cleaning``) to
``--dlq`` as dlq-record.v1 objects, each as one JSON line: every line read ends in exactly
one of the three. Line numbers (from 1) are the offsets in ``provenance`` and in DLQ
origins.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from types import FrameType
from typing import IO

from service.errors import ConfigError
from service.models import Origin
from service.pipeline import Duplicate, Outcome, Published, Record, Rejected
from service.shell.client import utc_now
from service.shell.events import Provenance, clean_event, dead_letter, dlq_line, encode, route

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
    last_line: int = 0  # the input line the three outputs are complete up to
    stopped_by: str | None = None  # the signal that stopped the run early

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
        stopped = (
            f"; stopped by {self.stopped_by}, outputs complete to input line {self.last_line}"
            if self.stopped_by
            else ""
        )
        return (
            f"cleanwire: {self.read} read, {self.published} published, "
            f"{self.duplicates} duplicates, {dlq} to the DLQ ({', '.join(parts)}){stopped}"
        )


class Stopped(Exception):
    """SIGINT or SIGTERM arrived while no chunk was being written."""


@dataclass
class StopSignal:
    """SIGINT/SIGTERM handling for file mode: finish the chunk under way, then stop.

    While a chunk is run and written (``busy``) a signal only marks the run stopped, so
    all three outputs end on the same input line; otherwise (loading, reading input) it
    raises :class:`Stopped` at once.
    """

    signum: int | None = None
    busy: bool = False

    def install(self) -> None:
        """Handle SIGINT and SIGTERM with :meth:`handle` from now on."""
        signal.signal(signal.SIGINT, self.handle)
        signal.signal(signal.SIGTERM, self.handle)

    def handle(self, signum: int, _frame: FrameType | None) -> None:
        self.signum = signum
        if not self.busy:
            raise Stopped(signal.Signals(signum).name)

    @property
    def name(self) -> str | None:
        return signal.Signals(self.signum).name if self.signum is not None else None

    @property
    def exit_code(self) -> int:
        """128 + the signal number (130 for SIGINT, 143 for SIGTERM), or 0."""
        return 128 + self.signum if self.signum is not None else 0


def check_paths(input_path: str | None, outputs: Sequence[str | None]) -> None:
    """Raise ConfigError unless the input is readable and every output can be written.

    Called before anything is loaded or any output opened, so a wrong path costs no
    model load and truncates nothing. ``None`` and ``-`` are stdin/stdout.
    """
    named = [p for p in outputs if p not in (None, "-")]
    if input_path not in (None, "-"):
        assert input_path is not None
        if not os.path.isfile(input_path) or not os.access(input_path, os.R_OK):
            raise ConfigError(f"input {input_path!r} is not a readable file")
        named_input = os.path.realpath(input_path)
        if any(os.path.realpath(p) == named_input for p in named if p):
            raise ConfigError(f"an output is the input file {input_path!r}")
    real = [os.path.realpath(p) for p in named if p]
    if len(set(real)) < len(real):
        raise ConfigError("two outputs name the same file")
    for path in named:
        assert path is not None
        folder = os.path.dirname(os.path.abspath(path))
        if os.path.isdir(path):
            raise ConfigError(f"output {path!r} is a directory")
        if not os.path.isdir(folder):
            raise ConfigError(f"output {path!r}: directory {folder!r} does not exist")
        if os.path.exists(path) and not os.access(path, os.W_OK):
            raise ConfigError(f"output {path!r} is not writable")
        if not os.path.exists(path) and not os.access(folder, os.W_OK | os.X_OK):
            raise ConfigError(f"output {path!r}: directory {folder!r} is not writable")


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
    stop: StopSignal | None = None,
) -> Counts:
    """Run every line through ``run`` and write the outcomes; see module docstring.

    After each chunk the outputs are flushed. With ``stop``, a signal ends the run after
    the chunk under way (or at once while input is read); ``Counts.stopped_by`` says so.
    """
    counts = Counts()
    sinks = [sink for sink in (output, duplicates, dlq) if sink is not None]
    stop = stop or StopSignal()
    chunks = _chunks(read_records(lines, name), CHUNK)
    while True:
        try:
            chunk = None if stop.signum is not None else next(chunks, None)
            stop.busy = True  # from here to the end of the chunk a signal only marks
        except Stopped:
            break
        if chunk is None:
            break
        _write_chunk(chunk, run(chunk), counts, provenance, output, duplicates, dlq)
        for sink in sinks:
            sink.flush()
        counts.last_line = chunk[-1][1].offset
        progress(len(chunk))
        stop.busy = False
    stop.busy = True  # finishing: a late signal changes nothing
    counts.stopped_by = stop.name
    return counts


def _write_chunk(
    chunk: Sequence[Record],
    outcomes: Sequence[Outcome],
    counts: Counts,
    provenance: Provenance,
    output: IO[bytes],
    duplicates: IO[bytes] | None,
    dlq: IO[bytes] | None,
) -> None:
    stamp = utc_now()
    sinks = {"clean": output, "duplicates": duplicates, "dlq": dlq}
    for (value, _), outcome in zip(chunk, outcomes, strict=True):
        counts.add(outcome)
        sink = sinks[route(outcome)]
        if sink is None:
            continue
        if isinstance(outcome, Published | Duplicate):
            sink.write(encode(clean_event(outcome.article, provenance, stamp)) + b"\n")
        else:
            dead = dlq_line(dead_letter(outcome), outcome.origin, value or b"")
            sink.write(encode(dead) + b"\n")


def run_files(
    input_path: str | None,
    output_path: str | None,
    duplicates_path: str | None,
    dlq_path: str | None,
    run: Callable[[Sequence[Record]], list[Outcome]],
    provenance: Provenance,
    stop: StopSignal | None = None,
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
            stop,
        )
        out.flush()
        return counts


def _progress_bar(stack: ExitStack) -> Callable[[int], None]:
    if not sys.stderr.isatty():
        return lambda n: None
    from tqdm import tqdm

    bar = stack.enter_context(tqdm(unit=" records", file=sys.stderr, dynamic_ncols=True))
    return lambda n: bar.update(n) and None
