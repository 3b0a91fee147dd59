"""NASA C-MAPSS turbofan run-to-failure data: the files, their remaining-useful-life labels, and the usual protocol.

Each subset FD001..FD004 has three files: ``train_FD00x.txt`` (whole run-to-failure trajectories),
``test_FD00x.txt`` (trajectories cut before failure) and ``RUL_FD00x.txt`` (the true RUL after the last test cycle,
one line per test unit, in unit order). The data files are whitespace-separated with no header: unit, cycle, 3
operational settings, 21 sensors.

The protocol helpers at the end are pure functions: the capped target (`piecewise_linear_rul`), the sensors to drop
(`constant_columns`), the operating conditions of FD002/FD004 (`operating_conditions`), a z-score per condition
fitted on train only (`normalise_per_condition`) and the PHM08 challenge score (`phm08_score`).

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

from .._errors import unknown_name
from .datasets import DatasetUnavailableError, _search_dirs

SETTINGS = ("setting1", "setting2", "setting3")
SENSORS = tuple(f"s{i}" for i in range(1, 22))
COLUMNS = ("unit", "cycle", *SETTINGS, *SENSORS)
SUBSETS = ("FD001", "FD002", "FD003", "FD004")
SPLITS = ("train", "test")

# NASA's PCoE data repository page links item 6, "Turbofan Engine Degradation Simulation Data Set", to this zip;
# it holds CMAPSSData.zip, which holds the twelve .txt files. See `cnnlstm.data.archives` for the download.
CMAPSS_URL = "https://phm-datasets.s3.amazonaws.com/NASA/6.+Turbofan+Engine+Degradation+Simulation+Data+Set.zip"


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


def cmapss_files(subset: str, split: str) -> tuple[str, ...]:
    """The file stems one split needs: ``('train_FD001',)`` or ``('test_FD001', 'RUL_FD001')``."""
    subset, split = _check_subset(subset), _check_split(split)
    return (f"train_{subset}",) if split == "train" else (f"test_{subset}", f"RUL_{subset}")


def locate_cmapss(
    subset: str, split: str, data_dir: str | os.PathLike | None = None
) -> dict[str, Path | None]:
    """Where each file of `cmapss_files(subset, split)` is: the first ``CMAPSS/<stem>.txt`` or ``.txt.gz`` in
    `data_dir`, ``$CNNLSTM_DATA_DIR`` and the cache, in that order; None where none has it."""
    found: dict[str, Path | None] = {}
    for stem in cmapss_files(subset, split):
        found[stem] = next(
            (
                folder / "CMAPSS" / f"{stem}{suffix}"
                for _, folder in _search_dirs(data_dir)
                for suffix in (".txt", ".txt.gz")
                if (folder / "CMAPSS" / f"{stem}{suffix}").is_file()
            ),
            None,
        )
    return found


def load_cmapss(subset: str, split: str, *, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """One split of one subset from local files, with the true RUL of every row (see `add_rul`).

    Files are looked for as ``CMAPSS/train_FD001.txt`` or ``.txt.gz`` in `data_dir`, ``$CNNLSTM_DATA_DIR`` and the
    cache; this function never downloads (``cnnlstm.data.archives.load_archive("cmapss-fd001")`` does).

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
        searched = ", ".join(f"{label} ({folder})" for label, folder in _search_dirs(data_dir))
        raise DatasetUnavailableError(
            f"C-MAPSS {_check_subset(subset)} {split}: no local copy of CMAPSS/{missing[0]}.txt (or .txt.gz). "
            f"Searched: {searched}. URL: {CMAPSS_URL}. Fix: put the files under <dir>/CMAPSS/ and set "
            f"CNNLSTM_DATA_DIR=<dir> or pass data_dir=<dir>, or call "
            f"cnnlstm.data.archives.load_archive('cmapss-{_check_subset(subset).lower()}') to download them."
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


# --------------------------------------------------------------------------------------------------------------
# The protocol
# --------------------------------------------------------------------------------------------------------------


def piecewise_linear_rul(rul, cap: float = 125):
    """The usual training target: the RUL capped at `cap` (early life counts as healthy, not as far from failure).

    Example:
        >>> piecewise_linear_rul(np.array([300, 125, 60, 0])).tolist()
        [125, 125, 60, 0]
    """
    if not cap > 0:
        raise ValueError(f"`cap` must be positive (125 or 130 are usual). Received: cap={cap!r}. Fix: pass cap=125.")
    return np.minimum(rul, cap)


def constant_columns(frame: pd.DataFrame, columns, tol: float = 1e-8) -> list[str]:
    """The `columns` whose range (max - min) over `frame` is at most `tol`: the sensors to drop. Pass the training
    data only.

    Example:
        >>> frame = pd.DataFrame({"s1": [518.67, 518.67], "s2": [641.8, 642.2]})
        >>> constant_columns(frame, ["s1", "s2"])
        ['s1']
    """
    columns = list(columns)
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise ValueError(
            f"`columns` must be columns of `frame`. Received: {absent} not among {list(frame.columns)}. "
            "Fix: pass e.g. cmapss.SETTINGS + cmapss.SENSORS."
        )
    spread = frame[columns].max() - frame[columns].min()
    return [c for c in columns if spread[c] <= tol]


def operating_conditions(train_settings, test_settings=None, n_conditions: int = 6):
    """Label each row with its operating condition by clustering the operational settings, fitted on train only.

    FD002 and FD004 fly six conditions (altitude, Mach, throttle) whose settings sit in six tight, far-apart
    clusters. KMeans with a fixed seed and 10 initialisations finds them whatever the noise scale (rounding the
    settings also works on these files, but only because of how their noise happens to be scaled). Labels are
    renumbered by sorting the cluster centres, so condition 0 is the one with the smallest first setting.

    Args:
        train_settings: array-like (N, S), e.g. ``train[list(SETTINGS)]``.
        test_settings: optional array-like (M, S), labelled with the centres fitted on train.
        n_conditions: number of clusters (6 for FD002/FD004, 1 for FD001/FD003).

    Returns:
        int64 labels (N,), or a tuple (train labels (N,), test labels (M,)) when `test_settings` is given.

    Example:
        >>> settings = np.array([[0.0, 0.0], [0.1, 0.0], [42.0, 0.84], [42.1, 0.84]])
        >>> operating_conditions(settings, n_conditions=2).tolist()
        [0, 0, 1, 1]
    """
    from sklearn.cluster import KMeans  # here, so reading files does not pay scikit-learn's import time

    train = _settings_array(train_settings, "train_settings")
    if not isinstance(n_conditions, int) or not 1 <= n_conditions <= len(train):
        raise ValueError(
            f"`n_conditions` must be an integer from 1 to the number of rows ({len(train)}). "
            f"Received: n_conditions={n_conditions!r}. Fix: pass 6 for FD002/FD004, 1 for FD001/FD003."
        )
    kmeans = KMeans(n_clusters=n_conditions, n_init=10, random_state=0).fit(train)
    # new label of each KMeans cluster: its rank when the centres are sorted by setting1, then setting2, ...
    rank = np.empty(n_conditions, dtype=np.int64)
    rank[np.lexsort(kmeans.cluster_centers_.T[::-1])] = np.arange(n_conditions)
    train_labels = rank[kmeans.labels_]
    if test_settings is None:
        return train_labels
    test = _settings_array(test_settings, "test_settings")
    if test.shape[1] != train.shape[1]:
        raise ValueError(
            f"`test_settings` must have the {train.shape[1]} columns of `train_settings`. "
            f"Received: {test.shape[1]} columns. Fix: select the same setting columns from both frames."
        )
    return train_labels, rank[kmeans.predict(test)]


def _settings_array(settings, name: str) -> np.ndarray:
    array = np.asarray(settings, dtype=np.float64)
    if array.ndim != 2 or len(array) == 0 or not np.isfinite(array).all():
        raise ValueError(
            f"`{name}` must be a non-empty 2-D array of finite numbers (rows x settings). Received: shape "
            f"{array.shape}. Fix: pass frame[list(cmapss.SETTINGS)]."
        )
    return array


def normalise_per_condition(
    train: pd.DataFrame, test: pd.DataFrame, columns, conditions_train, conditions_test
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Z-score `columns` within each operating condition, with means and standard deviations from train only.

    A column that is constant within a condition (standard deviation 0) is only centred there. Returns new frames;
    the inputs are unchanged.

    Example:
        >>> train = pd.DataFrame({"s": [1.0, 3.0, 10.0, 14.0]})
        >>> test = pd.DataFrame({"s": [2.0, 12.0]})
        >>> a, b = normalise_per_condition(train, test, ["s"], [0, 0, 1, 1], [0, 1])
        >>> a["s"].tolist(), b["s"].tolist()
        ([-1.0, 1.0, -1.0, 1.0], [0.0, 0.0])
    """
    columns = list(columns)
    conditions_train = np.asarray(conditions_train)
    conditions_test = np.asarray(conditions_test)
    for name, frame, conditions in (("train", train, conditions_train), ("test", test, conditions_test)):
        if conditions.shape != (len(frame),):
            raise ValueError(
                f"`conditions_{name}` must hold one label per row of `{name}` ({len(frame)}). Received: shape "
                f"{conditions.shape}. Fix: pass the labels operating_conditions returned for `{name}`."
            )
    unseen = sorted(set(conditions_test.tolist()) - set(conditions_train.tolist()))
    if unseen:
        raise ValueError(
            f"`conditions_test` must only hold conditions seen in train. Received: {unseen}. "
            "Fix: label test rows with the centres fitted on train (operating_conditions(train, test))."
        )
    grouped = train[columns].groupby(conditions_train)
    mean, std = grouped.mean(), grouped.std(ddof=0).replace(0.0, 1.0)
    out = []
    for frame, conditions in ((train, conditions_train), (test, conditions_test)):
        scaled = frame.copy()
        scaled[columns] = (frame[columns].to_numpy() - mean.loc[conditions].to_numpy()) / std.loc[
            conditions
        ].to_numpy()
        out.append(scaled)
    return out[0], out[1]


def phm08_score(y_true, y_pred) -> float:
    """The PHM08 challenge score: with d = predicted - true, the sum of exp(-d/13) - 1 for d < 0 and
    exp(d/10) - 1 for d >= 0. Late predictions (d > 0) cost more than early ones; lower is better, 0 is perfect.

    Example:
        >>> round(phm08_score([100, 50, 20], [90, 60, 20]), 4)                 # exp(10/13) - 1 + exp(1) - 1 + 0
        2.8764
    """
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"`y_pred` must have the shape of `y_true`. Received: {y_pred.shape} and {y_true.shape}. "
            "Fix: score one prediction per test unit (its last cycle)."
        )
    d = y_pred - y_true
    return float(np.sum(np.where(d < 0, np.exp(-d / 13.0) - 1.0, np.exp(d / 10.0) - 1.0)))


def count_conditions(settings) -> int:
    """How many operating conditions the settings show: distinct rows once rounded to whole numbers.

    FD001/FD003 fly one condition (settings are noise around it), FD002/FD004 six: (0, 0, 100), (10, 0.25, 100),
    (20, 0.7, 100), (25, 0.62, 60), (35, 0.84, 100), (42, 0.84, 100) round to six distinct rows.
    """
    return int(len(np.unique(np.round(_settings_array(settings, "settings")), axis=0)))


class ConditionScaler:
    """`normalise_per_condition` as a fitted object: conditions clustered from the settings and per-condition
    means and standard deviations, all from the training rows; `transform` labels new rows by the nearest
    centre. Its state is plain lists (saved as JSON, no pickle)."""

    def __init__(self, n_conditions: int = 1):
        self.n_conditions = n_conditions

    def fit(self, settings, values) -> "ConditionScaler":
        settings = _settings_array(settings, "settings")
        values = np.asarray(values, dtype=np.float64)
        if self.n_conditions > 1:
            from sklearn.cluster import KMeans

            kmeans = KMeans(n_clusters=self.n_conditions, n_init=10, random_state=0).fit(settings)
            self.centres_ = kmeans.cluster_centers_
        else:
            self.centres_ = settings.mean(axis=0, keepdims=True)
        labels = self._label(settings)
        self.mean_ = np.stack([values[labels == k].mean(axis=0) for k in range(len(self.centres_))])
        std = np.stack([values[labels == k].std(axis=0) for k in range(len(self.centres_))])
        self.std_ = np.where(std > 1e-8, std, 1.0)  # constant within a condition: only centred
        return self

    def _label(self, settings: np.ndarray) -> np.ndarray:
        distances = ((settings[:, None, :] - self.centres_[None]) ** 2).sum(-1)  # (N, K)
        return distances.argmin(axis=1)

    def transform(self, settings, values) -> np.ndarray:
        labels = self._label(_settings_array(settings, "settings"))
        return ((np.asarray(values, dtype=np.float64) - self.mean_[labels]) / self.std_[labels]).astype(np.float32)

    def state_dict(self) -> dict:
        return {"centres": self.centres_.tolist(), "mean": self.mean_.tolist(), "std": self.std_.tolist()}

    @classmethod
    def from_state_dict(cls, state: dict) -> "ConditionScaler":
        scaler = cls(len(state["centres"]))
        scaler.centres_, scaler.mean_, scaler.std_ = (np.asarray(state[k]) for k in ("centres", "mean", "std"))
        return scaler
