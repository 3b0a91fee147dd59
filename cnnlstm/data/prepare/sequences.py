"""Collections of whole sequences (one label or value each): validation, padding, scaling, stratified splits.

A `SequenceSet` holds N sequences as one right-padded array plus their lengths, so a batch is a set of sequence
numbers sliced out of one array on the device (as windows are for forecasting):

    three sequences of lengths 4, 2, 3 with F=1          X (N=3, T=4, F=1)         lengths
        a0 a1 a2 a3                                     [a0 a1 a2 a3]               4
        b0 b1                                           [b0 b1  0  0]               2
        c0 c1 c2                                        [c0 c1 c2  0]               3

Accepted inputs: an array (N, T) or (N, T, F), or (N, T, C, H, W) for image sequences; a list of (T_i,) or
(T_i, F) arrays (unequal lengths); a wide DataFrame (one row per sequence, one column per step); a long DataFrame
with a `group` column (one row per step, feature columns).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class SequenceSet:
    """N right-padded sequences: X float32 (N, T, F) or (N, T, C, H, W), lengths int64 (N,); `columns`, for data
    read from a DataFrame, the columns read (the steps of a wide table, the features of a long one)."""

    X: np.ndarray
    lengths: np.ndarray
    columns: list[str] | None = None

    def __len__(self) -> int:
        return len(self.X)

    @property
    def equal_length(self) -> bool:
        return bool(len(self.lengths) == 0 or self.lengths.min() == self.X.shape[1])

    @property
    def feature_shape(self) -> tuple[int, ...]:
        """(F,) for series, (C, H, W) for image sequences."""
        return tuple(self.X.shape[2:])

    def subset(self, index) -> "SequenceSet":
        return SequenceSet(self.X[index], self.lengths[index], self.columns)


def _check_finite(X: np.ndarray, lengths: np.ndarray, what: str) -> None:
    bad = ~np.isfinite(X)
    if not bad.any():
        return
    for i in range(len(X)):  # only padding may hold NaN (the .ts reader pads that way); report a real one
        inside = bad[i, : lengths[i]]
        if inside.any():
            step = int(np.argwhere(inside)[0][0])
            raise ValueError(
                f"`{what}` must hold finite numbers. Received: NaN or inf in sequence {i} at step {step}. "
                "Fix: impute or drop the missing values first (e.g. interpolate along time), or drop the sequence."
            )


def pad(sequences: list[np.ndarray], *, what: str = "X") -> SequenceSet:
    """Right-pad a list of (T_i, ...) arrays with zeros into one array, keeping the lengths."""
    if len(sequences) == 0:
        raise ValueError(f"`{what}` must hold at least one sequence. Received: an empty list.")
    arrays = []
    for i, sequence in enumerate(sequences):
        array = np.asarray(sequence)
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim not in (2, 4) or not np.issubdtype(array.dtype, np.number):
            raise ValueError(
                f"`{what}[{i}]` must be a numeric array (T,), (T, F) or (T, C, H, W). Received: "
                f"dtype {array.dtype}, shape {array.shape}. Fix: convert each sequence with np.asarray(..., dtype=float)."
            )
        if len(array) == 0:
            raise ValueError(f"`{what}[{i}]` is empty (0 steps). Fix: drop empty sequences before fitting.")
        if arrays and array.shape[1:] != arrays[0].shape[1:]:
            kind = "frame size" if array.ndim == 4 else "number of features"
            raise ValueError(
                f"Every sequence in `{what}` must have the same {kind}. Received: {what}[0] has shape[1:]="
                f"{arrays[0].shape[1:]} and {what}[{i}] has {array.shape[1:]}. Fix: resize or select the same "
                "channels for every sequence."
            )
        arrays.append(array)
    lengths = np.array([len(a) for a in arrays], dtype=np.int64)
    X = np.zeros((len(arrays), int(lengths.max()), *arrays[0].shape[1:]), dtype=np.float32)
    for i, array in enumerate(arrays):
        X[i, : len(array)] = array
    return SequenceSet(X, lengths)


def as_sequences(X, *, group: str | None = None, columns: list[str] | None = None, what: str = "X") -> SequenceSet:
    """Any accepted input (see the module docstring) as a validated SequenceSet.

    Example:
        >>> as_sequences([np.ones(3), np.ones(5)]).lengths
        array([3, 5])
    """
    if isinstance(X, SequenceSet):
        data = X
    elif isinstance(X, pd.DataFrame):
        data = _from_frame(X, group=group, columns=columns, what=what)
    elif isinstance(X, (list, tuple)):
        data = pad(list(X), what=what)
    elif isinstance(X, np.ndarray) or hasattr(X, "__array__"):
        array = np.asarray(X)
        if array.dtype == object:
            data = pad(list(array), what=what)
        else:
            if array.ndim == 2:
                array = array[:, :, None]  # (N, T) -> (N, T, 1): univariate
            if array.ndim not in (3, 5) or not np.issubdtype(array.dtype, np.number):
                raise ValueError(
                    f"`{what}` must be a numeric array (N, T), (N, T, F) or (N, T, C, H, W). Received: dtype "
                    f"{array.dtype}, shape {array.shape}. Fix: reshape it, or pass a list of (T_i, F) arrays."
                )
            if array.shape[0] == 0 or array.shape[1] == 0:
                raise ValueError(f"`{what}` must hold at least one sequence of at least one step. Received: shape {array.shape}.")
            data = SequenceSet(array.astype(np.float32, copy=False), np.full(len(array), array.shape[1], np.int64))
    else:
        raise TypeError(
            f"`{what}` must be an array, a list of arrays or a DataFrame. Received: {type(X).__name__}. "
            "Fix: pass e.g. an array of shape (N, T, F)."
        )
    _check_finite(data.X, data.lengths, what)
    return data


def numeric_columns(frame: pd.DataFrame, exclude=(), *, what: str = "X") -> list[str]:
    """The columns of `frame` but `exclude` that hold numbers. A column of text (names, dates) is left out with a
    warning; a column of numbers with text among them ('n/a', a typo) is an error, since leaving it out would
    silently shift every step after it.

    Example:
        >>> numeric_columns(pd.DataFrame({"id": ["a", "b"], "t0": [1.0, 2.0]}), exclude=["id"])
        ['t0']
    """
    numeric, text = _column_kinds(frame, [c for c in frame.columns if c not in exclude], what)
    if text:
        warnings.warn(
            f"`{what}` columns {text[:5]} hold text, not numbers: left out of the sequences. Fix: drop them (or pass "
            "target= for a label column) to silence this.", UserWarning, stacklevel=3)
    return numeric


def check_numeric(frame: pd.DataFrame, columns, *, what: str = "X") -> None:
    """Raise unless every one of `columns` (the ones a model was fitted on) holds numbers."""
    text = _column_kinds(frame, list(columns), what)[1]
    if text:
        raise ValueError(
            f"`{what}` column {text[0]!r} must hold numbers, as it did in fit. Received: "
            f"{frame[text[0]].dropna().head(2).tolist() or 'no values'} there. Fix: pass data laid out and typed as in "
            "fit."
        )


def _column_kinds(frame: pd.DataFrame, names: list, what: str) -> tuple[list, list]:
    """(numeric, text) of `names`; a column of numbers with text among them raises."""
    numeric, text = [], []
    for name in names:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            numeric.append(name)
            continue
        parsed = pd.to_numeric(column, errors="coerce") if column.dtype == object else pd.Series(np.nan, column.index)
        not_numbers = (parsed.isna() & column.notna()).to_numpy()
        if not not_numbers.any() or not_numbers[column.notna().to_numpy()].all():
            text.append(name)  # all text, or numbers kept as strings on purpose (labels, ids such as '007')
            continue
        row = int(np.flatnonzero(not_numbers)[0])
        raise ValueError(
            f"`{what}` column {name!r} must hold numbers, and it holds {int((~not_numbers).sum())} numbers with text "
            f"among them. Received: {column.iloc[row]!r} at row {row}. Fix: clean that column (e.g. "
            "pd.to_numeric(column, errors='coerce'), then fill or drop the gaps), or drop it."
        )
    return numeric, text


def _from_frame(frame: pd.DataFrame, *, group: str | None, columns: list[str] | None, what: str) -> SequenceSet:
    if columns:
        check_numeric(frame, columns, what=what)
    if group is None:  # wide: one row per sequence, one column per step
        columns = columns or numeric_columns(frame, what=what)
        values = frame[columns]
        if values.shape[1] == 0:
            raise ValueError(f"`{what}` has no numeric columns. Received columns: {list(frame.columns)[:8]}.")
        return SequenceSet(values.to_numpy(np.float32)[:, :, None], np.full(len(values), values.shape[1], np.int64),
                           list(columns))
    if group not in frame.columns:
        from ..._errors import unknown_name

        raise unknown_name("group", group, frame.columns, "Fix: name the column that identifies each sequence.")
    features = columns or numeric_columns(frame, exclude=(group,), what=what)
    groups = frame.groupby(group, sort=False)[features]
    data = pad([block.to_numpy(np.float32) for _, block in groups], what=what)
    data.columns = list(features)
    return data


def check_labels(y, n: int, *, what: str = "y") -> np.ndarray:
    """Labels as a 1-D array of length n, with no missing entries."""
    labels = np.asarray(y)
    if labels.ndim != 1 or len(labels) != n:
        raise ValueError(
            f"`{what}` must hold one label per sequence: shape ({n},). Received: shape {labels.shape}. "
            "Fix: pass a 1-D array of labels in the order of X."
        )
    missing = pd.isna(labels) | (labels.astype(str) == "")
    if missing.any():
        raise ValueError(
            f"`{what}` has empty labels (None, NaN or '') at positions {np.flatnonzero(missing)[:5].tolist()}. "
            "Fix: drop those sequences or give them a label."
        )
    return labels


def stratified_split(labels: np.ndarray, val_size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and validation positions, the validation part drawn per class (stratified) with a seeded generator.

    Each class gives round(val_size * count) sequences, but always keeps at least one in train, so a class with a
    single example stays trainable.
    """
    rng = np.random.default_rng(seed)
    val = []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        val.extend(members[: min(len(members) - 1, int(round(val_size * len(members))))])
    val = np.sort(np.asarray(val, dtype=np.int64))
    return np.setdiff1d(np.arange(len(labels)), val), val


def fold_ids(n: int, folds: int, seed: int, labels: np.ndarray | None = None) -> np.ndarray:
    """The fold (0 .. folds-1) of each of n positions, drawn with a seeded generator; with `labels`, stratified:
    each class is dealt round-robin over the folds, so every fold holds about the same share of each class."""
    rng = np.random.default_rng(seed)
    ids = np.empty(n, dtype=np.int64)
    groups = [np.arange(n)] if labels is None else [np.flatnonzero(labels == c) for c in np.unique(labels)]
    start = 0
    for members in groups:
        ids[rng.permutation(members)] = (start + np.arange(len(members))) % folds
        start += len(members)  # the next class starts where this one stopped: fold sizes stay within one
    return ids


class ChannelScaler:
    """Standard scaling per channel, fitted on the valid (unpadded) steps of the training sequences only."""

    def fit(self, data: SequenceSet) -> "ChannelScaler":
        X = data.X.reshape(len(data), data.X.shape[1], -1) if data.X.ndim == 5 else data.X
        valid = np.arange(X.shape[1])[None, :] < data.lengths[:, None]  # (N, T)
        steps = X[valid]  # (valid steps, F) or (valid steps, C*H*W)
        if data.X.ndim == 5:  # one statistic per image channel
            steps = steps.reshape(len(steps), data.X.shape[2], -1).transpose(0, 2, 1).reshape(-1, data.X.shape[2])
        self.mean_ = steps.mean(axis=0).astype(np.float32)
        std = steps.std(axis=0)
        self.std_ = np.where(std > 1e-8, std, 1.0).astype(np.float32)  # a constant channel is only centred
        return self

    def transform(self, data: SequenceSet) -> SequenceSet:
        shape = (1, 1, -1) + (1, 1) * (data.X.ndim == 5)
        X = (data.X - self.mean_.reshape(shape)) / self.std_.reshape(shape)
        X[np.arange(X.shape[1])[None, :] >= data.lengths[:, None]] = 0.0  # padding stays zero
        return SequenceSet(X.astype(np.float32), data.lengths)

    def state_dict(self) -> dict:
        return {"mean": self.mean_.tolist(), "std": self.std_.tolist()}

    @classmethod
    def from_state_dict(cls, state: dict) -> "ChannelScaler":
        scaler = cls()
        scaler.mean_ = np.asarray(state["mean"], np.float32)
        scaler.std_ = np.asarray(state["std"], np.float32)
        return scaler
