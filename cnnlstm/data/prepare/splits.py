"""Chronological train / validation / test boundaries, per series.

A split is given as
- fractions ``(0.7, 0.1, 0.2)``: of each series' length, in order; they may sum to less than 1, the rest is unused;
- row counts ``(8640, 2880, 2880)``: the ETT convention; rows after the last part are unused;
- timestamps ``("2017-06-01", "2017-10-01")``: train is before the first, validation before the second, test the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Bounds:
    """Row boundaries of one series: train is [0, train_end), validation [train_end, val_end), test [val_end, test_end)."""

    train_end: int
    val_end: int
    test_end: int


def check_split(split) -> tuple:
    """Validate the `split` argument and return it as a tuple."""
    fix = (
        "Fix: pass three fractions such as (0.7, 0.1, 0.2), three row counts such as (8640, 2880, 2880), "
        "or two timestamps such as ('2017-06-01', '2017-10-01')."
    )
    if isinstance(split, (str, bytes)) or not hasattr(split, "__len__"):
        raise TypeError(f"`split` must be a tuple. Received: split={split!r}. {fix}")
    split = tuple(split)
    if len(split) == 2 and all(isinstance(s, (str, pd.Timestamp)) for s in split):
        try:
            first, second = (pd.Timestamp(s) for s in split)
        except ValueError:
            raise ValueError(f"`split` timestamps must parse as dates. Received: split={split!r}. {fix}") from None
        if not first < second:
            raise ValueError(f"`split` timestamps must increase. Received: split={split!r}. {fix}")
        return (first, second)
    if len(split) != 3:
        raise ValueError(f"`split` must have three parts (train, validation, test). Received: split={split!r}. {fix}")
    if all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in split):
        if split[0] <= 0 or min(split) < 0:
            raise ValueError(f"`split` row counts must be positive (train > 0). Received: split={split!r}. {fix}")
        return tuple(int(s) for s in split)
    if all(isinstance(s, (int, float, np.floating)) and not isinstance(s, bool) for s in split):
        if not (0 < split[0] and min(split) >= 0 and sum(split) <= 1 + 1e-9):
            raise ValueError(
                f"`split` fractions must be non-negative, train > 0, and sum to at most 1. Received: split={split!r}. {fix}"
            )
        return tuple(float(s) for s in split)
    raise TypeError(f"`split` must hold all fractions, all row counts or two timestamps. Received: split={split!r}. {fix}")


def split_bounds(length: int, split: tuple, timestamps: pd.Index | None = None) -> Bounds:
    """Boundaries of a series of `length` rows.

    Example:
        >>> split_bounds(100, (0.7, 0.1, 0.2))
        Bounds(train_end=70, val_end=80, test_end=100)
        >>> split_bounds(17420, (8640, 2880, 2880))
        Bounds(train_end=8640, val_end=11520, test_end=14400)
    """
    if len(split) == 2:
        if timestamps is None or not isinstance(timestamps, pd.DatetimeIndex):
            raise ValueError(
                f"`split` by timestamps needs a time column. Received: split={split!r} for data without timestamps. "
                "Fix: pass fractions or row counts instead."
            )
        train_end = int(np.searchsorted(timestamps, split[0]))
        val_end = int(np.searchsorted(timestamps, split[1]))
        return Bounds(train_end, val_end, length)
    if isinstance(split[0], int):
        train_end = min(split[0], length)
        val_end = min(train_end + split[1], length)
        return Bounds(train_end, val_end, min(val_end + split[2], length))
    # rounded before flooring: 0.7 + 0.1 is 0.7999999999999999 in floats, which would put 7 of 10 rows before val_end
    train_end = int(round(length * split[0], 6))
    val_end = int(round(length * (split[0] + split[1]), 6))
    total = split[0] + split[1] + split[2]
    test_end = length if total >= 1 - 1e-9 else int(round(length * total, 6))
    return Bounds(train_end, val_end, test_end)
