"""The embedded seen-store: an append-only log with numba-compiled postings."""
