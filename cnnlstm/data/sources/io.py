"""Reading tables: CSV (also .gz), Parquet, a pandas DataFrame or a NumPy array, all into one DataFrame.

Nothing here knows about models or windows; validation of the values happens in `cnnlstm.data.prepare`.
Parquet needs pyarrow, an optional extra (``pip install 'cnnlstm[parquet]'``); `require_parquet` says so clearly.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import os
import warnings
import zlib
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
    if path.is_dir():
        raise ValueError(
            f"`{what}` must be a file, and {str(path)!r} is a folder. Received: {what}={str(path)!r}. Fix: pass the "
            "CSV or Parquet file inside it (a folder of .ts files or of frames is whole sequences: task classify "
            "or regress; a folder of .parquet files is read as a panel of long-format series)."
        )
    denied = PermissionError(
        f"`{what}` cannot be read: permission denied. Received: {what}={str(path)!r}. Fix: give yourself read "
        f"permission (e.g. chmod u+r {str(path)!r}), or copy the file somewhere readable."
    )
    if not os.access(path, os.R_OK):
        raise denied
    try:
        return _read_readable(path, what)
    except PermissionError:  # os.access said yes, yet the read was refused (an ACL, a root-squashed share)
        raise denied from None


def _read_readable(path: Path, what: str) -> pd.DataFrame:
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
        options = {"sep": None, "engine": "python"} if suffixes[-1] == ".tsv" else {}
        try:
            frame = pd.read_csv(path, **options)
        except pd.errors.EmptyDataError:
            raise ValueError(
                f"`{what}` has no columns to read. Received: {what}={str(path)!r}. "
                "Fix: pass a CSV with a header row and at least one row of values."
            ) from None
        except pd.errors.ParserError as error:
            raise ValueError(
                f"`{what}` is not a well-formed table: {str(error).strip()}. Received: {what}={str(path)!r}. "
                "Fix: correct that line (quote any field that holds the separator) or remove it."
            ) from None
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:  # a cut-off or damaged .gz
            raise ValueError(
                f"`{what}` is a damaged or truncated compressed file ({error}). Received: {what}={str(path)!r}. "
                "Fix: download or write the file again."
            ) from None
        if frame.shape[1] == 1 and not options:
            frame, options = _other_separator(frame, path, what)
        if _incomplete_last_line(frame, path, what):
            frame = pd.read_csv(path, nrows=len(frame) - 1, **options)  # again: the cut row set the column types
        return frame
    raise ValueError(
        f"`{what}` must be a .csv, .csv.gz, .txt or .parquet file. Received: {what}={str(path)!r}. "
        "Fix: convert the file, or load it yourself with pandas and pass the DataFrame."
    )


def _other_separator(frame: pd.DataFrame, path: Path, what: str) -> tuple[pd.DataFrame, dict]:
    """A CSV read as one column whose header holds ';' or a tab (a spreadsheet's export in many locales): read
    again with that separator, and say so; anything else stays as read."""
    header = str(frame.columns[0])
    sep = next((s for s in (";", "\t", "|") if s in header), None)
    if sep is None:
        return frame, {}
    options = {"sep": sep}
    try:
        again = pd.read_csv(path, **options)
    except pd.errors.ParserError:  # not a table in that separator either: the column stays as read
        return frame, {}
    warnings.warn(
        f"`{what}` is separated by {sep!r}, not commas: read with sep={sep!r} into the columns "
        f"{list(again.columns)[:6]}. Received: {what}={str(path)!r}. Fix: save it with commas to silence this "
        "(a decimal comma, as in '1,5', must become '1.5' either way).",
        UserWarning, stacklevel=4,
    )
    return again, options


def _incomplete_last_line(frame: pd.DataFrame, path: Path, what: str) -> bool:
    """Whether the file was cut off mid-row: no line break at its end, and fewer fields than the header. pandas
    would read that row with missing values, or with a number cut short; a warning says it is left out."""
    if path.suffix.lower() not in (".csv", ".txt", ".tsv") or frame.shape[1] < 2 or len(frame) == 0:
        return False  # a .gz cut short fails to decompress instead; one column has no field count to check
    with open(path, "rb") as file:
        sep = "\t" if b"\t" in file.readline() else ","
        file.seek(max(0, path.stat().st_size - 65536))
        tail = file.read()
    if tail.endswith((b"\n", b"\r")):
        return False
    last = tail.rsplit(b"\n", 1)[-1].decode("utf-8", errors="replace")
    fields = next(csv.reader([last], delimiter=sep), [])
    if len(fields) >= frame.shape[1]:
        return False
    warnings.warn(
        f"`{what}` ends in an incomplete line ({len(fields)} of {frame.shape[1]} fields, no line break): "
        f"{last[:60]!r}. The file looks cut off; that row was left out, {len(frame) - 1} rows were read. "
        f"Received: {what}={str(path)!r}. Fix: download or write the file again.",
        UserWarning, stacklevel=4,
    )
    return True


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
