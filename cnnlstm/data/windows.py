"""Windows as start indices into one contiguous array: nothing is copied until a batch is gathered.

All series are stacked into one array ``values`` of shape (N, F). A window that starts at row ``r`` reads the input
``values[r : r + window]`` and the target ``values[r + window : r + window + horizon]``. The target range always
lies inside one part (train, validation or test) of one series; the input may reach back into earlier parts of the
same series (that past is observed), never forward and never into another series.
"""

from __future__ import annotations

import numpy as np


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
    chunks = []
    for start, begin, end in zip(series_starts, part_begins, part_ends):
        first_target = max(int(begin), window)  # the input needs `window` rows before the target
        last_target = int(end) - horizon  # the target needs `horizon` rows inside the part
        if last_target >= first_target:
            chunks.append(int(start) + np.arange(first_target, last_target + 1, stride) - window)
    return np.concatenate(chunks).astype(np.int64) if chunks else np.zeros(0, dtype=np.int64)
