"""Fuzzing at scale: `python -m tests.fuzz --events 100000 --seed 1` (or `make fuzz`).

Generated and mutated raw events (see ``generators``) go through the pure pipeline and
through file mode (``harness``); the run prints one summary and exits 1 on any crash,
unaccounted input, schema failure, unexpected outcome or disagreement between the modes.
"""
