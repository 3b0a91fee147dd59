"""Preparing units' rows by operating condition (the NASA C-MAPSS protocol): the capped RUL target, the sensors to
drop, the operating conditions of FD002/FD004 and a z-score per condition, every one fitted on training rows only.

Pure functions, plus `ConditionScaler`, the same z-score as a fitted object that `units.UnitFeatures` saves as
plain lists. The readers of the files are in `cnnlstm.data.sources.cmapss`; the PHM08 challenge score is
`cnnlstm.metrics.phm08_score`.

Example:
    >>> piecewise_linear_rul(np.array([300, 60]), cap=125).tolist()
    [125, 60]
"""

from __future__ import annotations

import numpy as np
import pandas as pd


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
            "Fix: pass e.g. cmapss.SETTINGS + cmapss.SENSORS (cnnlstm.data.sources.cmapss)."
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
