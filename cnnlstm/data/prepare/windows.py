"""Windows as start indices into one contiguous array: nothing is copied until a batch is gathered.

All series are stacked into one array ``values`` of shape (N, F). A window that starts at row ``r`` reads the input
``values[r : r + window]`` and the target ``values[r + window : r + window + horizon]``. The target range always
lies inside one part (train, validation or test) of one series; the input may reach back into earlier parts of the
same series (that past is observed), never forward and never into another series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WindowIndex:
    """Windows of several series as one compact table: series s holds ``counts[s]`` windows whose start rows are
    ``first[s], first[s] + stride, ...``. Window number k (0 <= k < len) counts through series 0, then 1, ...

    The table has one entry per series, not per window, so it stays small however long the data are.

    >>> index = window_index([0, 10], [0, 0], [10, 10], window=3, horizon=2)
    >>> len(index), index.first.tolist(), index.counts.tolist()
    (12, [0, 10], [6, 6])
    >>> index.rows(np.array([0, 5, 6, 11])).tolist()
    [0, 5, 10, 15]
    """

    first: np.ndarray
    counts: np.ndarray
    stride: int = 1

    def __len__(self) -> int:
        return int(self.counts.sum())

    @property
    def offsets(self) -> np.ndarray:
        """(S + 1,) window number of each series' first window, and the total."""
        return np.concatenate([[0], np.cumsum(self.counts)]).astype(np.int64)

    def rows(self, k: np.ndarray) -> np.ndarray:
        """Start rows of windows number `k`."""
        offsets = self.offsets
        series = np.searchsorted(offsets, k, side="right") - 1
        return self.first[series] + (k - offsets[series]) * self.stride

    def starts(self) -> np.ndarray:
        """Every start row, materialised (one int64 per window)."""
        return self.rows(np.arange(len(self), dtype=np.int64)) if len(self) else np.zeros(0, dtype=np.int64)


def window_index(series_starts, part_begins, part_ends, *, window: int, horizon: int, stride: int = 1) -> WindowIndex:
    """The windows whose target lies in ``[part_begins[s], part_ends[s])`` of each series s, as a WindowIndex.

    `part_begins` and `part_ends` are row numbers relative to each series' first row ``series_starts[s]``.
    """
    first, counts = [], []
    for start, begin, end in zip(series_starts, part_begins, part_ends):
        first_target = max(int(begin), window)  # the input needs `window` rows before the target
        last_target = int(end) - horizon  # the target needs `horizon` rows inside the part
        count = (last_target - first_target) // stride + 1 if last_target >= first_target else 0
        if count > 0:
            first.append(int(start) + first_target - window)
            counts.append(count)
    return WindowIndex(np.array(first, dtype=np.int64), np.array(counts, dtype=np.int64), stride)


def window_starts(
    series_starts, part_begins, part_ends, *, window: int, horizon: int, stride: int = 1
) -> np.ndarray:
    """Start rows of every window whose target lies in ``[part_begins[s], part_ends[s])`` of series s.

    `part_begins` and `part_ends` are row numbers relative to each series' first row ``series_starts[s]``.

    Example, one series of 10 rows, window 3, horizon 2, test part = rows 6..9:

    >>> window_starts([0], [6], [10], window=3, horizon=2).tolist()
    [3, 4, 5]

    =====  ============  =============
    start  input rows    target rows
    =====  ============  =============
    3      3, 4, 5       6, 7
    4      4, 5, 6       7, 8
    5      5, 6, 7       8, 9
    =====  ============  =============

    The training part (rows 0..5) holds windows starting at 0 and 1 (targets 3-4 and 4-5):

    >>> window_starts([0], [0], [6], window=3, horizon=2).tolist()
    [0, 1]
    """
    return window_index(series_starts, part_begins, part_ends, window=window, horizon=horizon, stride=stride).starts()
