"""Reading tables: CSV (also .gz), Parquet, a pandas DataFrame or a NumPy array, all into one DataFrame.

Nothing here knows about models or windows; validation of the values happens in `cnnlstm.data.prepare`.
Parquet needs pyarrow, an optional extra (``pip install 'cnnlstm[parquet]'``); `require_parquet` says so clearly.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pandas as pd

TableLike = "str | os.PathLike | pd.DataFrame | np.ndarray"


PARQUET_SUFFIXES = (".parquet", ".pq")


def require_parquet(action: str = "Reading") -> None:
    """Raise ImportError naming the extra when pyarrow is missing; call it before pandas reads or writes Parquet.

    Example:
        >>> require_parquet("Writing")                                              # doctest: +SKIP
    """
    if importlib.util.find_spec("pyarrow") is None:
        raise ImportError(
            f"{action} Parquet needs pyarrow: pip install 'cnnlstm[parquet]' (or pip install pyarrow). "
            "Fix: install it, or use CSV instead."
        )


def read_table(source, *, what: str = "data") -> pd.DataFrame:
    """Read `source` into a DataFrame.

    Args:
        source: a path to a CSV (``.csv``, ``.csv.gz``, ``.txt``) or Parquet (``.parquet``, ``.pq``) file, a
            DataFrame (a DatetimeIndex becomes a ``date`` column), or an array: ``(T,)`` gives one column ``y``,
            ``(T, F)`` gives columns ``x0 .. x{F-1}``, ``(S, T, F)`` gives S series in long layout with a
            ``series`` column.
        what: the argument's name, used in error messages.

    Example:
        >>> read_table(np.arange(3.0)).columns.tolist()
        ['y']
    """
    if isinstance(source, pd.DataFrame):
        frame = source.copy(deep=False)  # new labels only: the caller's values are neither copied nor changed
        if isinstance(frame.index, pd.DatetimeIndex):
            name = frame.index.name or "date"
            frame = frame.reset_index(names=name)
    elif isinstance(source, pd.Series):
        frame = source.to_frame(name=source.name or "y")
        if isinstance(frame.index, pd.DatetimeIndex):
            frame = frame.reset_index(names=frame.index.name or "date")
    elif isinstance(source, np.ndarray):
        frame = _frame_from_array(source, what)
    elif isinstance(source, (str, os.PathLike)):
        frame = _read_file(Path(source), what)
    else:
        raise TypeError(
            f"`{what}` must be a path to a CSV or Parquet file, a pandas DataFrame or a NumPy array. "
            f"Received: {what} of type {type(source).__name__}."
        )
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise ValueError(
            f"`{what}` is empty: it has {frame.shape[0]} rows and {frame.shape[1]} columns. "
            "Fix: pass a table with a header row and at least one row of values."
        )
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _read_file(path: Path, what: str) -> pd.DataFrame:
    if not path.exists():
        raise FileNotFoundError(f"`{what}` points at a file that does not exist. Received: {what}={str(path)!r}.")
    if path.stat().st_size == 0:
        raise ValueError(
            f"`{what}` is an empty file (0 bytes). Received: {what}={str(path)!r}. "
            "Fix: pass a CSV with a header row and at least one row of values."
        )
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in PARQUET_SUFFIXES:
        require_parquet("Reading")
        return pd.read_parquet(path)
    if suffixes and suffixes[-1] in (".csv", ".txt", ".tsv") or suffixes[-2:-1] in ([".csv"], [".txt"]):
        try:
            return pd.read_csv(path, sep=None, engine="python") if suffixes[-1] == ".tsv" else pd.read_csv(path)
        except pd.errors.EmptyDataError:
            raise ValueError(
                f"`{what}` has no columns to read. Received: {what}={str(path)!r}. "
                "Fix: pass a CSV with a header row and at least one row of values."
            ) from None
    raise ValueError(
        f"`{what}` must be a .csv, .csv.gz, .txt or .parquet file. Received: {what}={str(path)!r}. "
        "Fix: convert the file, or load it yourself with pandas and pass the DataFrame."
    )


def _frame_from_array(array: np.ndarray, what: str) -> pd.DataFrame:
    if array.ndim == 1:
        return pd.DataFrame({"y": array})
    if array.ndim == 2:
        return pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])
    if array.ndim == 3:
        num_series, length, num_features = array.shape
        frame = pd.DataFrame(array.reshape(-1, num_features), columns=[f"x{i}" for i in range(num_features)])
        frame.insert(0, "series", np.repeat(np.arange(num_series), length))
        return frame
    raise ValueError(
        f"`{what}` as an array must have shape (T,), (T, F) or (S, T, F). Received: {what} with shape {array.shape}."
    )
