"""claimscreen: unemployment insurance fraud screening for state workforce agencies.

The repository root is this package: ``data`` (schema, ingest, lake, generator),
``features``, ``models``, ``flows`` (Prefect flows and the command line) and
``review`` (the investigators' application).
"""

import os

# Arrow's allocator (mimalloc) keeps freed memory for a while before handing it back; the
# features stage frees and allocates gigabytes in turn, so a large night's peak RSS was
# 12.6-12.7 GB with the default and 11.7 GB with no delay, in the same time (80-83 s against
# 82-93 s for the stage, bench/nightly.py lake). Read once, when pyarrow first loads: so set
# here, before any claimscreen module imports it. An operator's own setting wins.
os.environ.setdefault("MIMALLOC_PURGE_DELAY", "0")

__version__ = "0.1.0"
