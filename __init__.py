"""claimscreen: unemployment insurance fraud screening for state workforce agencies.

The repository root is this package: ``data`` (schema, ingest, lake, generator),
``features``, ``models``, ``flows`` (Prefect flows and the command line) and
``review`` (the investigators' application).
"""

import os
import sys

# Read once, when pyarrow first loads: so set here, before any claimscreen module imports it.
# An operator's own setting wins.
#
# Arrow allocates from the jemalloc pool that ships inside pyarrow (Linux wheels), not its
# default mimalloc. The nightly flow frees and allocates gigabytes column after column:
# jemalloc reuses the freed pages, where mimalloc (told below to hand them back at once) had
# the kernel clear fresh ones. On the 1,000,000-claim night against 10,000,000 history
# (bench/nightly.py, in turn on one lake): the features stage alone 73.5 and 77.4 s against
# 80.9 and 82.1 s in two pairs (76.6-84.4 s in four later runs without a pair), its system CPU
# 35-38 s against 47-49 s and its peak RSS 9.6-10.1 GB against 11.1-11.2 GB; the whole night in three pairs
# 143.9, 162.0 and 156.9 s against 162.7, 166.9 and 153.5 s, peaking 1.2 GB lower each time
# (the read 8-10 s faster, coding and identity resolution 1-6 s slower).
if sys.platform.startswith("linux"):
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")
# Should an operator choose mimalloc: it keeps freed memory for a while before handing it
# back; with no delay a large night's peak RSS was 11.7 GB against 12.6-12.7 GB.
os.environ.setdefault("MIMALLOC_PURGE_DELAY", "0")

__version__ = "0.1.0"
