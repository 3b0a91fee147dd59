"""NASA C-MAPSS turbofan run-to-failure data: reading the files and labelling every row with its remaining useful life.

Each subset FD001..FD004 has three files: ``train_FD00x.txt`` (whole run-to-failure trajectories),
``test_FD00x.txt`` (trajectories cut before failure) and ``RUL_FD00x.txt`` (the true RUL after the last test cycle,
one line per test unit, in unit order). The data files are whitespace-separated with no header: unit, cycle, 3
operational settings, 21 sensors.

The usual preparation (the capped target, the sensors to drop, the operating conditions of FD002/FD004, a z-score
per condition fitted on train only) is in `cnnlstm.data.prepare.conditions`; the PHM08 challenge score is
`cnnlstm.metrics.phm08_score`.

Example:
    >>> train = load_cmapss("FD001", "train")                                       # doctest: +SKIP
    >>> train.shape, train.groupby("unit")["rul"].min().eq(0).all()                 # doctest: +SKIP
    ((20631, 27), True)
"""

from __future__ import annotations

import gzip
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..._errors import unknown_name
from .catalogue import CMAPSS_SUBSETS as SUBSETS
from .catalogue import CMAPSS_URL, SPLITS, cmapss_files
from .store import DatasetUnavailableError, find_file, search_dirs

SETTINGS = ("setting1", "setting2", "setting3")
SENSORS = tuple(f"s{i}" for i in range(1, 22))
COLUMNS = ("unit", "cycle", *SETTINGS, *SENSORS)


# --------------------------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------------------------


def read_cmapss(path: str | os.PathLike) -> pd.DataFrame:
    """Read one ``train_FD00x.txt`` or ``test_FD00x.txt`` (also ``.txt.gz``) into 26 named columns.

    ``unit`` and ``cycle`` are int64, the settings and sensors float64. A line with another number of columns, or a
    non-numeric value, is a ValueError naming the file and the line.

    Example:
        >>> frame = read_cmapss("CMAPSS/train_FD001.txt")                           # doctest: +SKIP
        >>> list(frame.columns[:6])                                                 # doctest: +SKIP
        ['unit', 'cycle', 'setting1', 'setting2', 'setting3', 's1']
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path, sep=r"\s+", header=None)
    except pd.errors.EmptyDataError:
        raise ValueError(
            f"{path}: a C-MAPSS file must hold at least one row of {len(COLUMNS)} columns. Received: an empty "
            "file. Fix: download the file again."
        ) from None
    except pd.errors.ParserError:  # a later line has more fields than the first; _bad_line finds which
        raise _bad_line(path) from None
    numeric = all(kind in "if" for kind in frame.dtypes.map(lambda dtype: dtype.kind))
    if frame.shape[1] != len(COLUMNS) or not numeric or frame.isna().to_numpy().any():
        raise _bad_line(path)
    frame.columns = list(COLUMNS)
    if frame["unit"].dtype.kind != "i" or frame["cycle"].dtype.kind != "i":
        raise ValueError(
            f"{path}: the first two columns (unit, cycle) must hold integers. Received: dtypes "
            f"{frame['unit'].dtype}, {frame['cycle'].dtype}. Fix: check that this is a C-MAPSS data file."
        )
    return frame.astype({name: "float64" for name in COLUMNS[2:]})


def _open_text(path: Path):
    return gzip.open(path, "rt") if path.suffix == ".gz" else open(path)


def _bad_line(path: Path) -> ValueError:
    """The error for the first line that does not hold 26 finite numbers (the slow scan, run only on failure)."""
    with _open_text(path) as handle:
        for line_number, line in enumerate(handle, start=1):
            tokens = line.split()
            if not tokens:
                continue
            if len(tokens) != len(COLUMNS):
                return ValueError(
                    f"{path}, line {line_number}: every line must hold {len(COLUMNS)} whitespace-separated values "
                    f"(unit, cycle, 3 settings, 21 sensors). Received: {len(tokens)} values. "
                    "Fix: download the file again; it may be truncated or from another dataset."
                )
            for position, token in enumerate(tokens, start=1):
                try:
                    finite = math.isfinite(float(token))
                except ValueError:
                    finite = False
                if not finite:
                    return ValueError(
                        f"{path}, line {line_number}: every value must be a finite number. "
                        f"Received: {token!r} in column {position}. Fix: download the file again."
                    )
    raise AssertionError(f"{path}: pandas rejected the file but every line holds {len(COLUMNS)} numbers")


def read_rul(path: str | os.PathLike) -> np.ndarray:
    """Read ``RUL_FD00x.txt``: one non-negative integer per test unit, in unit order, as an int64 array.

    Example:
        >>> read_rul("CMAPSS/RUL_FD001.txt")[:3]                                    # doctest: +SKIP
        array([112,  98,  69])
    """
    path = Path(path)
    values = []
    with _open_text(path) as handle:
        for line_number, line in enumerate(handle, start=1):
            text = line.strip()
            if not text:
                continue
            if not text.isdigit():
                raise ValueError(
                    f"{path}, line {line_number}: every line of an RUL file must hold one non-negative integer. "
                    f"Received: {text!r}. Fix: check that this is a C-MAPSS RUL_FD00x.txt file."
                )
            values.append(int(text))
    if not values:
        raise ValueError(f"{path}: an RUL file must hold one line per test unit. Received: an empty file. "
                         "Fix: download the file again.")
    return np.array(values, dtype=np.int64)


def add_rul(frame: pd.DataFrame, final_rul: np.ndarray | None = None) -> pd.DataFrame:
    """A copy of `frame` with an int64 ``rul`` column: the true remaining useful life of every row (uncapped).

    Train data run to failure, so a row's RUL is the cycles left to its unit's last cycle. Test data stop early:
    `final_rul` (the RUL file, one value per unit in increasing unit order) is added to that.

    Example:
        >>> frame = pd.DataFrame({"unit": [1, 1, 1, 2, 2], "cycle": [1, 2, 3, 1, 2]})
        >>> add_rul(frame)["rul"].tolist()
        [2, 1, 0, 1, 0]
        >>> add_rul(frame, final_rul=np.array([10, 5]))["rul"].tolist()
        [12, 11, 10, 6, 5]
    """
    rul = frame.groupby("unit")["cycle"].transform("max") - frame["cycle"]
    if final_rul is not None:
        units = np.sort(frame["unit"].unique())
        final_rul = np.asarray(final_rul)
        if final_rul.shape != units.shape:
            raise ValueError(
                f"`final_rul` must hold one value per unit ({len(units)} units). Received: {final_rul.shape[0]} "
                "values. Fix: pass the RUL file of the same subset as the test file."
            )
        rul = rul + frame["unit"].map(pd.Series(final_rul, index=units))
    out = frame.copy()
    out["rul"] = rul.astype("int64")
    return out


def locate_cmapss(
    subset: str, split: str, data_dir: str | os.PathLike | None = None
) -> dict[str, Path | None]:
    """Where each file of `cmapss_files(subset, split)` is: the first ``CMAPSS/<stem>.txt`` or ``.txt.gz`` in
    `data_dir`, ``$CNNLSTM_DATA_DIR`` and the cache, in that order; None where none has it."""
    found: dict[str, Path | None] = {}
    for stem in cmapss_files(subset, split):
        hit = find_file((f"CMAPSS/{stem}.txt", f"CMAPSS/{stem}.txt.gz"), data_dir)
        found[stem] = None if hit is None else hit[1]
    return found


def load_cmapss(subset: str, split: str, *, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """One split of one subset from local files, with the true RUL of every row (see `add_rul`).

    Files are looked for as ``CMAPSS/train_FD001.txt`` or ``.txt.gz`` in `data_dir`, ``$CNNLSTM_DATA_DIR`` and the
    cache; this function never downloads (``cnnlstm.datasets.load("cmapss-fd001")`` does).

    Args:
        subset: "FD001" .. "FD004" (case-insensitive).
        split: "train" or "test".
        data_dir: a folder laid out like the offline mirror.

    Example:
        >>> test = load_cmapss("fd001", "test")                                     # doctest: +SKIP
        >>> test.groupby("unit")["rul"].min().iloc[0]                               # doctest: +SKIP
        112
    """
    found = locate_cmapss(subset, split, data_dir)
    missing = [stem for stem, path in found.items() if path is None]
    if missing:
        searched = ", ".join(f"{label} ({folder})" for label, folder in search_dirs(data_dir))
        raise DatasetUnavailableError(
            f"C-MAPSS {_check_subset(subset)} {split}: no local copy of CMAPSS/{missing[0]}.txt (or .txt.gz). "
            f"Searched: {searched}. URL: {CMAPSS_URL}. Fix: put the files under <dir>/CMAPSS/ and set "
            f"CNNLSTM_DATA_DIR=<dir> or pass data_dir=<dir>, or call "
            f"cnnlstm.datasets.load('cmapss-{_check_subset(subset).lower()}') to download them."
        )
    frame = read_cmapss(found[f"{_check_split(split)}_{_check_subset(subset)}"])
    if split == "train":
        return add_rul(frame)
    return add_rul(frame, read_rul(found[f"RUL_{_check_subset(subset)}"]))


def _check_subset(subset: str) -> str:
    if not isinstance(subset, str) or subset.upper() not in SUBSETS:
        raise unknown_name("subset", subset, SUBSETS)
    return subset.upper()


def _check_split(split: str) -> str:
    if split not in SPLITS:
        raise unknown_name("split", split, SPLITS)
    return split
