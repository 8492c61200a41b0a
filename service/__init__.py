"""cleanwire: consume raw news articles, clean, deduplicate and enrich them, publish clean events."""

import os

# One BLAS thread per process: the service runs one single-threaded worker per core
# (``--workers``). Read by OpenBLAS when numpy loads; set OPENBLAS_NUM_THREADS to override.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
