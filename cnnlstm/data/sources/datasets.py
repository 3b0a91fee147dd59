"""Load any named dataset: `load(name)` for the forecasting series and, through `archives`, for the UCR/UEA and
C-MAPSS sets; this is the module users know as ``cnnlstm.datasets``.

A forecasting set comes as one wide DataFrame: a parsed ``date`` column first, then float64 value columns, sorted by
time. Its file is looked for in this order, and the first hit is read:

1. the copy shipped inside the package (only ``airline``);
2. the ``data_dir=`` argument;
3. ``$CNNLSTM_DATA_DIR``;
4. the cache, ``$CNNLSTM_CACHE`` or ``~/.cache/cnnlstm``;
5. a download into the cache, checked against the pinned checksum.

Folders 2-4 share one layout, that of the project's offline mirror: ``<dir>/ETT/ETTh1.csv``,
``<dir>/classic/monthly-sunspots.csv``, ... Each `DatasetInfo.mirror_paths` lists the relative paths tried, in
order; a ``.gz`` file is read as transparently as a plain one. A download is saved under ``mirror_paths[0]``, so the
cache is itself a valid data folder. What each dataset is lives in `catalogue`; folders and downloads in `store`.

Every problem of the UCR (128) and UEA (30) archives loads by its archive name (``load("Coffee", split="test")``),
and so does any folder holding ``<Name>_TRAIN.ts`` / ``<Name>_TEST.ts`` (``load("path/to/Coffee")``).

Example:
    >>> from cnnlstm import datasets
    >>> frame = datasets.load("airline")
    >>> frame.shape, list(frame.columns)
    ((144, 2), ['date', 'Passengers'])
"""

from __future__ import annotations

import http.client
import os
from pathlib import Path

import pandas as pd

from .archives import load_archive, load_folder
from .catalogue import (
    ARCHIVE_DATASETS,
    DATASETS,
    TASKS,
    TIME_COL,
    ArchiveInfo,
    DatasetInfo,
    archive_info,
    find,
    info,
    info_table,
    list_archives,
    list_datasets,
    locate,
)
from .store import (
    ChecksumMismatchError,
    DatasetUnavailableError,
    cache_dir,
    download_to,
    file_hashes,
    searched_text,
)

__all__ = [
    "load", "load_folder", "read_file", "info", "info_table", "list_datasets", "locate", "cache_dir", "file_hashes",
    "DatasetInfo", "DATASETS", "ArchiveInfo", "ARCHIVE_DATASETS", "archive_info", "list_archives", "TASKS",
    "DatasetUnavailableError", "ChecksumMismatchError",
]


# --------------------------------------------------------------------------------------------------------------
# Reading: one small function per source format, each returning ``date`` + value columns
# --------------------------------------------------------------------------------------------------------------


def _read_ett(path: Path, spec: DatasetInfo) -> pd.DataFrame:
    """ETDataset CSV: ``date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT``."""
    frame = pd.read_csv(path)
    frame[TIME_COL] = pd.to_datetime(frame[TIME_COL], format="%Y-%m-%d %H:%M:%S")
    return frame


def _read_lstnet(path: Path, spec: DatasetInfo) -> pd.DataFrame:
    """LSTNet text: comma-separated numbers, no header, no timestamps; the index is synthetic (see notes)."""
    values = pd.read_csv(path, header=None, dtype="float64")
    values.columns = [f"x{i}" for i in range(values.shape[1])]
    dates = pd.date_range(spec.start, periods=len(values), freq=spec.freq, name=TIME_COL)
    return pd.concat([pd.Series(dates, name=TIME_COL), values], axis=1)


def _read_monthly(path: Path, spec: DatasetInfo) -> pd.DataFrame:
    """Two-column monthly CSV whose first column reads ``1949-01`` (airline, sunspots)."""
    frame = pd.read_csv(path)
    first = frame.columns[0]
    frame[first] = pd.to_datetime(frame[first], format="%Y-%m")
    return frame.rename(columns={first: TIME_COL})


# Brownlee's tutorial layout -> the UCI names.
_PM25_TUTORIAL_NAMES = {
    "pollution": "pm2.5", "dew": "DEWP", "temp": "TEMP", "press": "PRES", "wnd_dir": "cbwd", "wnd_spd": "Iws",
    "snow": "Is", "rain": "Ir",
}
_PM25_WIND = ("NE", "NW", "SE", "cv")


def _read_pm25(path: Path, spec: DatasetInfo) -> pd.DataFrame:
    """Beijing PM2.5, UCI layout (No,year,month,day,hour,pm2.5,...) or tutorial layout (date,pollution,...)."""
    frame = pd.read_csv(path, na_values=["NA"])
    if "year" in frame.columns:
        dates = pd.to_datetime(frame[["year", "month", "day", "hour"]])
        frame = frame.drop(columns=["No", "year", "month", "day", "hour"], errors="ignore")
    else:
        frame = frame.rename(columns=_PM25_TUTORIAL_NAMES)
        dates = pd.to_datetime(frame.pop(TIME_COL))
    frame.insert(0, TIME_COL, dates)
    # Fixed categories keep the same columns whatever rows a file holds.
    wind = pd.Categorical(frame.pop("cbwd"), categories=list(_PM25_WIND))
    for direction in _PM25_WIND:
        frame[f"cbwd_{direction}"] = (wind == direction).astype("float64")
    return frame


_READERS = {"ett": _read_ett, "lstnet": _read_lstnet, "monthly": _read_monthly, "pm25": _read_pm25}


def read_file(name: str, path: str | os.PathLike) -> pd.DataFrame:
    """Read one local file of forecasting dataset `name` into the frame `load` returns (``.gz`` is read
    transparently)."""
    spec = info(name)
    if not isinstance(spec, DatasetInfo):
        raise ValueError(
            f"`name` must be a forecasting dataset ({', '.join(map(repr, list_datasets('forecast')))}). Received: "
            f"name={name!r}, a {spec.task} dataset. Fix: read its files with cnnlstm.data.sources.ts.read_ts "
            "or cnnlstm.data.sources.cmapss.read_cmapss, or load it by name with load()."
        )
    frame = _READERS[spec.reader](Path(path), spec)
    values = [c for c in frame.columns if c != TIME_COL]
    frame[values] = frame[values].astype("float64")
    return frame.sort_values(TIME_COL, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------------------
# The entry point
# --------------------------------------------------------------------------------------------------------------


def load(
    name: str | os.PathLike, *, data_dir: str | os.PathLike | None = None, download: bool = True,
    split: str | None = None,
):
    """Load a named dataset of any task, or the UCR/UEA-style problem in a folder.

    Forecasting sets (`DATASETS`) come as one wide DataFrame: ``date`` first, then float64 value columns,
    sorted by time. Classification and RUL sets (`ARCHIVE_DATASETS`: every UCR/UEA problem by its archive name,
    such as "GunPoint" or "Coffee", and "cmapss-fd001" .. "cmapss-fd004") take `split` ("train" or "test"): UCR/UEA
    give ``(X, y)``, C-MAPSS a DataFrame with a ``rul`` column (see `archives.load_archive`). A folder holding
    ``<Name>_TRAIN.ts`` / ``<Name>_TEST.ts`` gives ``(X, y)`` too (see `archives.load_folder`); a string is read as a
    name first, then as a folder.

    Args:
        name: a name of `list_datasets()` (case-insensitive), or a folder (a path).
        split: for classification and RUL sets and folders only: "train" (None's meaning there) or "test".
        data_dir: a folder laid out like the offline mirror (``<dir>/ETT/ETTh1.csv``), searched before
            ``$CNNLSTM_DATA_DIR`` and the cache.
        download: whether a dataset found nowhere on disk may be downloaded into the cache.

    Raises:
        ValueError: `name` is unknown, or a folder without exactly one problem.
        DatasetUnavailableError: the file is on no searched folder and could not be downloaded.
        ChecksumMismatchError: the download does not match the pinned checksum (nothing is kept).

    Example:
        >>> frame = load("airline")
        >>> frame["Passengers"].iloc[[0, -1]].tolist()
        [112.0, 432.0]
    """
    if _is_folder(name):
        return load_folder(name, split=split or "train")
    spec = info(name)
    if isinstance(spec, ArchiveInfo):
        return load_archive(spec.name, split=split or "train", data_dir=data_dir, download=download)
    if split is not None:
        customary = f" (its customary split is {spec.split})" if spec.split else ""
        raise ValueError(
            f"`split` applies to classification and RUL sets, which ship as train and test files. Received: "
            f"split={split!r} for {spec.name!r}, a forecasting series, which loads whole. Fix: leave split out, and "
            f"choose the parts with Forecaster(split=...){customary}."
        )
    found = find(spec, data_dir)
    if found is not None:
        return read_file(spec.name, found[1])
    reason = "was disabled (download=False)"
    if download:
        target = cache_dir() / spec.mirror_paths[0]
        try:
            download_to(spec.url, target, sha256=spec.sha256, md5=spec.md5, what=f"Dataset {spec.name!r}")
        except (OSError, http.client.HTTPException) as error:  # URLError and timeouts are OSErrors
            reason = f"failed: {error}"
        else:
            return read_file(spec.name, target)
    raise DatasetUnavailableError(_unavailable_message(spec, data_dir, reason))


def _is_folder(name) -> bool:
    """Whether `load` reads `name` as a folder: any path object; a string only when it names no dataset and is a
    path (it exists, or holds a separator)."""
    if isinstance(name, os.PathLike):
        return True
    if not isinstance(name, str) or name.lower() in {n.lower() for n in list_datasets()}:
        return False
    return os.path.exists(name) or "/" in name or os.sep in name


def _unavailable_message(spec: DatasetInfo, data_dir: str | os.PathLike | None, reason: str) -> str:
    paths = ", ".join(spec.mirror_paths)
    return (
        f"Dataset {spec.name!r} is not available: no local copy was found and the download {reason}.\n"
        f"URL: {spec.url}\n"
        f"Looked for {paths} in:\n{searched_text(data_dir)}\n"
        f"Fix: download {spec.url} into a folder laid out like <dir>/{spec.mirror_paths[0]}, then set "
        f"CNNLSTM_DATA_DIR=<dir> or pass data_dir=<dir>; or allow the download (download=True) on a machine "
        "with network access."
    )
