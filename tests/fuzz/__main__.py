"""`python -m tests.fuzz [--events N] [--seed S]`: run the fuzz harness, print one summary."""

from __future__ import annotations

import argparse
import sys

from tests.fuzz.harness import run_fuzz


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    p.add_argument("--events", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--enrich-share",
        type=float,
        default=0.03,
        help="share of events run with stages clean,dedup,enrich (spaCy is slow); "
        "the rest run with clean,dedup",
    )
    p.add_argument("--round-size", type=int, default=500, help="events per round (one file)")
    p.add_argument(
        "--heavy", type=int, default=3, help="how many of each heavy case (5 MB, 200k words)"
    )
    p.add_argument("--workdir", default=None, help="where round files and reproducers go")
    p.add_argument("--no-cli", action="store_true", help="skip the `cleanwire process` check")
    p.add_argument("--progress", action="store_true", help="a line per round on stderr")
    args = p.parse_args(argv)
    report = run_fuzz(
        args.events,
        args.seed,
        enrich_share=args.enrich_share,
        round_size=args.round_size,
        heavy=args.heavy,
        workdir=args.workdir,
        cli=not args.no_cli,
        progress=args.progress,
    )
    print(report.summary())
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
