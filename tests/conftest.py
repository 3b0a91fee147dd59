"""Shared fixtures: the real-data mirror, a small thread count, and small real series."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("CNNLSTM_DATA_DIR") or ROOT.parent / "shared" / "data")
os.environ.setdefault("CNNLSTM_DATA_DIR", str(DATA_DIR))

# Two cores in CI: one thread per test process keeps tiny models fast and timings steady.
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def airline() -> pd.DataFrame:
    from cnnlstm import datasets

    return datasets.load("airline")


@pytest.fixture(scope="session")
def etth1() -> pd.DataFrame:
    from cnnlstm import datasets

    return datasets.load("etth1")
