"""Scalers fitted on the training part of each series only, per series and per column.

They follow the scikit-learn contract (``__init__`` stores arguments, ``fit`` returns self, learned state ends in
``_``) and save to a JSON-able dict, so loading a model never unpickles anything.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from ..._errors import NotFittedError, unknown_name

__all__ = ["NotFittedError", "SeriesScaler", "SCALERS"]
SCALERS = ("standard", "minmax", "none")


class SeriesScaler:
    """An affine per-series, per-column scaler: ``scaled = (x - offset_[s]) / scale_[s]``.

    Args:
        kind: "standard" (z-score), "minmax" (to [0, 1]) or "none".

    Example:
        >>> values = np.array([[1.0], [3.0], [10.0], [30.0]])
        >>> s = SeriesScaler("standard").fit(values, starts=[0, 2], train_ends=[2, 4])
        >>> s.transform(values, series=[0, 0, 1, 1]).ravel().tolist()
        [-1.0, 1.0, -1.0, 1.0]
    """

    def __init__(self, kind: str = "standard"):
        self.kind = kind

    def fit(self, values: np.ndarray, starts, train_ends) -> "SeriesScaler":
        """Fit on rows ``values[starts[s] : train_ends[s]]`` of each series s (absolute row numbers)."""
        if self.kind not in SCALERS:
            raise unknown_name("scaler", self.kind, SCALERS)
        num_series, num_columns = len(starts), values.shape[1]
        self.offset_ = np.zeros((num_series, num_columns))
        self.scale_ = np.ones((num_series, num_columns))
        for s, (begin, end) in enumerate(zip(starts, train_ends)):
            part = values[begin:end].astype(np.float64)
            if self.kind == "standard":
                self.offset_[s], self.scale_[s] = part.mean(axis=0), part.std(axis=0)
            elif self.kind == "minmax":
                self.offset_[s], self.scale_[s] = part.min(axis=0), part.max(axis=0) - part.min(axis=0)
        # A column constant over a series' training part keeps scale 1 rather than dividing by zero.
        self.scale_[self.scale_ < 1e-12] = 1.0
        return self

    def _check(self):
        if not hasattr(self, "scale_"):
            raise NotFittedError("This SeriesScaler is not fitted yet. Call `fit` before `transform`.")

    def transform(self, values: np.ndarray, series) -> np.ndarray:
        """Scale rows of `values`; `series[i]` is the series number of row i (an int broadcasts)."""
        self._check()
        series = np.asarray(series)
        return ((values - self.offset_[series]) / self.scale_[series]).astype(values.dtype, copy=False)

    def transform_series(self, values: np.ndarray, starts, lengths, series=None) -> np.ndarray:
        """Scale stacked series into a new float32 array, one series at a time (no per-row temporaries).

        Rows ``starts[i] : starts[i] + lengths[i]`` belong to series ``series[i]`` (default: series i). Memory-mapped
        `values` (a panel larger than memory, `cnnlstm.data.panels`) are scaled into a memory-mapped
        temporary file, so that host memory never holds either array whole.
        """
        self._check()
        out = _scratch(values) if isinstance(values, np.memmap) else np.empty(values.shape, dtype=np.float32)
        for i, (begin, length) in enumerate(zip(starts, lengths)):
            s = i if series is None else series[i]
            rows = slice(begin, begin + length)
            np.subtract(values[rows], self.offset_[s].astype(np.float32), out=out[rows])
            out[rows] /= self.scale_[s].astype(np.float32)
        return out

    def inverse_transform(self, values: np.ndarray, series, columns=slice(None)) -> np.ndarray:
        """Undo `transform` on `values` (..., C) whose last axis holds `columns`.

        `series` holds series numbers and broadcasts against ``values.shape[:-1]``, e.g. (N, 1) for (N, H, C).
        """
        self._check()
        series = np.asarray(series)
        offset = self.offset_[:, columns][series]
        scale = self.scale_[:, columns][series]
        return values * scale + offset

    def state_dict(self) -> dict:
        self._check()
        return {"kind": self.kind, "offset": self.offset_.tolist(), "scale": self.scale_.tolist()}

    @classmethod
    def from_state_dict(cls, state: dict) -> "SeriesScaler":
        scaler = cls(state["kind"])
        scaler.offset_ = np.asarray(state["offset"], dtype=np.float64)
        scaler.scale_ = np.asarray(state["scale"], dtype=np.float64)
        return scaler


def _scratch(values: np.memmap) -> np.memmap:
    """A float32 array shaped like `values`, in a memory-mapped temporary file beside `values`' file (or in the
    system's temporary folder when that folder is read-only). The file has no name on POSIX: it is gone when the
    array is."""
    folder = Path(values.filename).parent if values.filename else None
    if folder is not None and not os.access(folder, os.W_OK):
        folder = None
    return np.memmap(tempfile.TemporaryFile(dir=folder), dtype=np.float32, mode="w+", shape=values.shape)
