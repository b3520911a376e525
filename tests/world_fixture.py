"""The featured world the model tests share (built in tests/models/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class FeaturedWorld:
    home: Path
    truth: pd.DataFrame
    nights: list
    dispositions_file: Path
