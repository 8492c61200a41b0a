"""``cleanwire run | process | topics | replay | dlq redrive``: arguments → Settings → app.

Exit codes: 0 success, 1 runtime failure (infrastructure), 2 bad configuration or usage.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence

from service.errors import ConfigError
from service.settings import Settings, add_arguments, load
from service.shell import logs

DESCRIPTION = (
    "Streaming news-article ingestion: parse, strip boilerplate, deduplicate, tag entities, "
    "publish. Every option can also be set by the environment variable shown in its help."
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cleanwire", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser(
        "run",
        help="consume the raw topic and publish clean, duplicate and DLQ records (exactly once by default)",
        description="Consume the raw Kafka topic in a consumer group, run the pipeline and "
        "publish clean articles, duplicates and dead letters; commit offsets only with "
        "durably published output. SIGTERM finishes the batches in flight and exits 0.",
    )
    add_arguments(run, "run")
    process = sub.add_parser(
        "process",
        help="run the same pipeline over JSON lines (file or stdin) without Kafka",
        description="Read raw events as JSON lines from INPUT (or stdin), write clean events "
        "to --output (or stdout) in input order, duplicates to --duplicates, invalid lines "
        "to --dlq. State lives in memory unless --state-dir is given.",
    )
    process.add_argument(
        "input",
        nargs="?",
        default=None,
        metavar="INPUT",
        help="JSON lines file; '-' or absent = stdin",
    )
    process.add_argument(
        "--output", "-o", default=None, help="clean events (JSON lines); default stdout"
    )
    process.add_argument(
        "--duplicates", default=None, help="duplicate articles (JSON lines); default: discarded"
    )
    process.add_argument(
        "--dlq",
        default=None,
        help="invalid lines with their reason (JSON lines); default: discarded",
    )
    process.add_argument(
        "--state", dest="state_dir_alias", default=None, metavar="DIR", help="same as --state-dir"
    )
    add_arguments(process, "process")
    topics = sub.add_parser(
        "topics",
        help="create the raw, clean, duplicates and DLQ topics if they do not exist",
        description="Create the four topics named by the settings, if missing.",
    )
    topics.add_argument(
        "--partitions", type=int, default=4, help="partitions per topic (default 4)"
    )
    topics.add_argument(
        "--replication-factor",
        type=int,
        default=None,
        help="replicas per partition (default: 3, or the number of brokers if fewer)",
    )
    topics.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="topic config for all four topics, repeatable (e.g. retention.ms=604800000); "
        "default min.insync.replicas=2 with 3 or more replicas, else 1",
    )
    add_arguments(topics, "topics")
    replay = sub.add_parser(
        "replay",
        help="move the consumer group's offsets on the raw topic (the service must be stopped)",
        description="Move the consumer group's committed offsets on the raw topic, so records "
        "are processed again (or skipped). Refuses while the group has members. Prints the "
        "plan per partition and changes nothing without --execute.",
    )
    where = replay.add_mutually_exclusive_group(required=True)
    where.add_argument("--to-earliest", action="store_true", help="the first retained record")
    where.add_argument("--to-latest", action="store_true", help="the end: skip the backlog")
    where.add_argument(
        "--from-offset", type=int, metavar="N", help="offset N on every partition (clamped)"
    )
    where.add_argument(
        "--from-time",
        metavar="TIME",
        help="the first record at or after TIME (RFC 3339 with a zone, or epoch ms)",
    )
    replay.add_argument("--execute", action="store_true", help="commit the new offsets")
    add_arguments(replay, "replay")
    dlq = sub.add_parser("dlq", help="dead-letter topic tools", description="Dead-letter tools.")
    dlq_sub = dlq.add_subparsers(dest="dlq_command", required=True, metavar="ACTION")
    redrive = dlq_sub.add_parser(
        "redrive",
        help="re-produce dead letters to the raw topic, exactly once",
        description="Re-produce dead letters (all, or those with --reason) to the raw topic "
        "with their original key, value and headers and a cleanwire.redrive header, in "
        "transactions with the redrive's progress: a record is never sent twice. Counts "
        "only, without --execute.",
    )
    redrive.add_argument(
        "--reason", default=None, help="only dead letters with this reason code (e.g. too_large)"
    )
    redrive.add_argument("--execute", action="store_true", help="re-produce them")
    add_arguments(redrive, "dlq")
    return parser


def _version() -> str:
    from service.shell.run import service_version

    return service_version()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "run":
        signal.signal(signal.SIGTERM, _exit_quietly)  # until the event loop's handler is in
    flags = vars(args)
    if flags.get("state_dir_alias"):
        flags["state_dir"] = flags["state_dir_alias"]
    try:
        settings = load(flags)
    except ConfigError as exc:
        print(f"cleanwire: configuration error: {exc}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level)
    try:
        if args.command == "run":
            return _run(settings, list(argv) if argv is not None else sys.argv[1:])
        if args.command == "topics":
            from service.shell.topics import create_topics, parse_configs

            configs = parse_configs(args.config)
            return asyncio.run(
                create_topics(settings, args.partitions, args.replication_factor, configs)
            )
        if args.command == "replay":
            from service.shell.replay import Target, parse_time, reset_offsets

            if args.from_offset is not None:
                target = Target("offset", args.from_offset)
            elif args.from_time is not None:
                target = Target("time", parse_time(args.from_time))
            else:
                target = Target("earliest" if args.to_earliest else "latest")
            return asyncio.run(reset_offsets(settings, target, args.execute))
        if args.command == "dlq":
            from service.shell.redrive import redrive

            return asyncio.run(redrive(settings, args.reason, args.execute))
        return _process(settings, args)
    except ConfigError as exc:
        print(f"cleanwire: configuration error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # infrastructure failure: report it plainly; the orchestrator restarts
        logs.get("cleanwire").exception("fatal_error", error=repr(exc))
        print(f"cleanwire: fatal: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _exit_quietly(signum: int, _frame: object) -> None:
    raise SystemExit(0)  # stopped while starting: nothing consumed, nothing to commit


def _run(settings: Settings, argv: list[str]) -> int:
    if settings.workers > 1 and settings.worker_index < 0:
        from service.shell.workers import run_workers

        return run_workers(settings, argv)
    from service.shell.run import run_service

    if settings.event_loop == "uvloop":
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(run_service(settings))
    return asyncio.run(run_service(settings))


def _process(settings: Settings, args: argparse.Namespace) -> int:
    from service.shell.filemode import Stopped, StopSignal, check_paths, run_files

    check_paths(args.input, (args.output, args.duplicates, args.dlq))
    stop = StopSignal()
    stop.install()
    try:
        from service.shell.run import build

        built = build(settings)
    except Stopped as exc:
        print(f"cleanwire: stopped by {exc} while loading; no output written", file=sys.stderr)
        return stop.exit_code
    try:
        counts = run_files(
            args.input, args.output, args.duplicates, args.dlq, built.run, built.provenance, stop
        )
    except Stopped as exc:
        print(f"cleanwire: stopped by {exc} before the first record", file=sys.stderr)
        return stop.exit_code
    finally:
        stop.busy = True
        built.close()
    print(counts.summary(), file=sys.stderr)
    return stop.exit_code
