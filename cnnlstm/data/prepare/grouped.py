"""Many units' multivariate series in one array, and windows that end at every row: sequence-to-one regression.

Remaining useful life is the example: each engine (unit) is a series of cycles, and a window of the last W cycles
predicts the target at its last cycle. Rows of all units sit in one (R, F) array, unit by unit, and a window is
its first row. A unit shorter than W gives one short window, padded and masked by its length.

Toy case, two units of 4 and 2 rows, W = 3:

    row      0   1   2   3 | 4   5          training windows (first row, length, target row)
    unit     a   a   a   a | b   b              (0, 3, 2)  (1, 3, 3)  (4, 2, 5)
    last windows, one per unit:                 (1, 3, 3)  (4, 2, 5)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class GroupedSeries:
    """Rows of every unit, contiguous and in order: values (R, F), target (R,) or None, unit bounds."""

    values: np.ndarray  # float32 (R, F)
    target: np.ndarray | None  # float32 (R,)
    units: np.ndarray  # (U,) unit ids, in order of appearance
    starts: np.ndarray  # int64 (U,): first row of each unit
    ends: np.ndarray  # int64 (U,): one past its last row

    @property
    def unit_end(self) -> np.ndarray:
        """int64 (R,): one past the last row of the unit each row belongs to."""
        return np.repeat(self.ends, self.ends - self.starts)

    def window_rows(self, window: int, units: np.ndarray | None = None) -> np.ndarray:
        """First rows of every window (stride 1) of the selected units (positions into `units`; default all)."""
        chosen = np.arange(len(self.units)) if units is None else np.asarray(units)
        rows = []
        for u in chosen:
            start, end = int(self.starts[u]), int(self.ends[u])
            rows.append(np.arange(start, max(start + 1, end - window + 1)))  # a short unit: one padded window
        return np.concatenate(rows).astype(np.int64) if rows else np.zeros(0, np.int64)

    def last_rows(self, window: int) -> np.ndarray:
        """First row of each unit's last window (the one ending at its last row)."""
        return np.maximum(self.starts, self.ends - window).astype(np.int64)

    def lengths(self, rows: np.ndarray, window: int) -> np.ndarray:
        """Valid steps of the windows starting at `rows` (W, or fewer at the end of a short unit)."""
        return np.minimum(window, self.unit_end[rows] - rows)


def group_frame(frame: pd.DataFrame, *, group: str, features: list[str], target: str | None,
                sort_by: str | None = None) -> GroupedSeries:
    """A long DataFrame (one row per unit and step) as a GroupedSeries; rows are sorted by unit, then `sort_by`."""
    for name, column in (("group", group), ("target", target), ("sort_by", sort_by)):
        if column is not None and column not in frame.columns:
            from ..._errors import unknown_name

            raise unknown_name(name, column, frame.columns, f"Fix: pass the name of an existing column as {name}=.")
    if len(frame) == 0:
        raise ValueError("`data` has no rows. Fix: pass a frame with at least one row per unit.")
    order = [group] + ([sort_by] if sort_by else [])
    frame = frame.sort_values(order, kind="stable") if sort_by else frame.sort_values(group, kind="stable")
    values = frame[features].to_numpy(np.float32, copy=True)
    bad = ~np.isfinite(values)
    if bad.any():
        row, column = np.argwhere(bad)[0]
        raise ValueError(
            f"`data` must hold finite numbers in its feature columns. Received: NaN or inf in column "
            f"{features[column]!r} (unit {frame[group].iloc[row]!r}). Fix: impute or drop those rows first."
        )
    ids = frame[group].to_numpy()
    change = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    starts = np.concatenate([[0], change]).astype(np.int64)
    ends = np.concatenate([change, [len(ids)]]).astype(np.int64)
    y = None
    if target is not None:
        y = frame[target].to_numpy(np.float32, copy=True)
        if not np.isfinite(y).all():
            raise ValueError(f"`target` column {target!r} must be finite. Fix: drop the rows without a target.")
    return GroupedSeries(values, y, ids[starts], starts, ends)
