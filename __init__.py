"""claimscreen: unemployment insurance fraud screening for state workforce agencies.

The repository root is this package: ``data`` (schema, ingest, lake, generator),
``features``, ``models``, ``flows`` (Prefect flows and the command line) and,
later, ``review`` (the investigators' application).
"""

__version__ = "0.1.0"
