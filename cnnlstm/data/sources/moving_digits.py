"""Moving digits: a small image-sequence data set made on the spot from scikit-learn's real handwritten digits.

Each sequence puts one 8x8 digit of `sklearn.datasets.load_digits` (1797 real scans, values 0..16, scaled to
[0, 1]) on a black canvas x canvas image and moves it in a straight line, one pixel per frame, in one of 8
directions. Two labels per sequence: which digit (0-9), and which direction (0-7). `next_frame` is the frame that
follows the last one, for next-frame prediction.

The digit never leaves the canvas and never bounces: the start position is drawn among those from which all
num_frames + 1 positions (the frames and next_frame) fit, so a step between two frames is always exactly one
pixel in the stated direction. That needs canvas >= num_frames + 8.

Directions, in image coordinates (row grows downwards, column to the right), index: name (d_row, d_col):

    0: N (-1, 0)   1: NE (-1, +1)   2: E (0, +1)   3: SE (+1, +1)
    4: S (+1, 0)   5: SW (+1, -1)   6: W (0, -1)   7: NW (-1, -1)

Frame t of a sequence shows the digit with its top-left corner at start + t * (d_row, d_col).

Train and test digits: `digits="train"` draws only from sklearn's images 0..1199, `digits="test"` only from
1200..1796 (a fixed split by position; sklearn's file interleaves writers and classes, so both parts hold every
digit), `digits="all"` from all 1797. Build a training set with "train" and a test set with "test" (any seeds) and
no digit image is shared between them.

Example:
    >>> train = make_moving_digits(1000, digits="train", seed=0)
    >>> test = make_moving_digits(300, digits="test", seed=1)
    >>> train.X.shape, train.digit[:5], [train.direction_names[d] for d in train.direction[:3]]  # doctest: +SKIP
    ((1000, 10, 1, 24, 24), array([9, 7, 4, 6, 2]), ['S', 'N', 'NE'])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DIRECTION_NAMES = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
DIRECTION_STEPS = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))  # (d_row, d_col)
DIGIT_SIZE = 8
NUM_IMAGES = 1797  # sklearn's load_digits
TRAIN_IMAGES = 1200  # images [0, 1200) are "train", [1200, 1797) are "test"
DIGIT_POOLS = {"train": (0, TRAIN_IMAGES), "test": (TRAIN_IMAGES, NUM_IMAGES), "all": (0, NUM_IMAGES)}


@dataclass
class MovingDigits:
    """Moving-digit sequences.

    X: float32 (N, T, 1, canvas, canvas), values in [0, 1].
    digit: int64 (N,), the digit shown (0-9).
    direction: int64 (N,), index into `direction_names` (0-7).
    direction_names: ("N", "NE", "E", "SE", "S", "SW", "W", "NW").
    next_frame: float32 (N, 1, canvas, canvas), the frame that follows X[:, -1].
    image_index: int64 (N,), which of sklearn's 1797 digit images each sequence shows.
    start: int64 (N, 2), (row, col) of the digit's top-left corner in frame 0.
    """

    X: np.ndarray
    digit: np.ndarray
    direction: np.ndarray
    direction_names: tuple[str, ...]
    next_frame: np.ndarray
    image_index: np.ndarray
    start: np.ndarray


def make_moving_digits(
    num_sequences: int = 1000,
    *,
    num_frames: int = 10,
    canvas: int = 24,
    seed: int = 0,
    digits: str = "all",
) -> MovingDigits:
    """Make `num_sequences` sequences of one real handwritten digit moving one pixel per frame.

    Args:
        num_sequences: N.
        num_frames: T, frames per sequence (next_frame is one more).
        canvas: side of the square frames; at least num_frames + 8 so the digit never leaves the canvas.
        seed: seeds the one numpy Generator that picks the images, directions and start positions.
        digits: "train" (sklearn images 0..1199), "test" (1200..1796) or "all"; see the module docstring.

    Example:
        >>> data = make_moving_digits(4, num_frames=3, canvas=12, seed=0)
        >>> data.X.shape, data.next_frame.shape
        ((4, 3, 1, 12, 12), (4, 1, 12, 12))
    """
    for name, value in (("num_sequences", num_sequences), ("num_frames", num_frames), ("canvas", canvas)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"`{name}` must be a positive int. Received: {name}={value!r}. Fix: pass e.g. {name}=10.")
    if canvas < num_frames + DIGIT_SIZE:
        raise ValueError(
            f"`canvas` must be at least num_frames + 8 = {num_frames + DIGIT_SIZE}, so the 8x8 digit can move "
            f"num_frames pixels without leaving it. Received: canvas={canvas}, num_frames={num_frames}. "
            f"Fix: pass canvas={num_frames + DIGIT_SIZE} or more, or fewer frames."
        )
    if digits not in DIGIT_POOLS:
        raise ValueError(
            f"`digits` must be one of 'train', 'test', 'all'. Received: digits={digits!r}. "
            "Fix: pass digits='train' for a training set and digits='test' for its test set."
        )
    from sklearn.datasets import load_digits  # bundled with scikit-learn: no download

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)  # (1797, 8, 8) in [0, 1]

    rng = np.random.default_rng(seed)
    low, high = DIGIT_POOLS[digits]
    image_index = rng.integers(low, high, size=num_sequences)
    direction = rng.integers(0, len(DIRECTION_NAMES), size=num_sequences)
    steps = np.array(DIRECTION_STEPS)[direction]  # (N, 2) (d_row, d_col)
    # a start from which all num_frames + 1 positions fit: [0, room - T] moving +1, [T, room] moving -1, [0, room]
    room = canvas - DIGIT_SIZE
    first = np.where(steps < 0, num_frames, 0)  # (N, 2)
    last = np.where(steps > 0, room - num_frames, room)  # (N, 2)
    start = rng.integers(first, last + 1)  # (N, 2), inclusive of `last`

    frames = np.zeros((num_sequences, num_frames + 1, 1, canvas, canvas), dtype=np.float32)
    for i in range(num_sequences):
        for t in range(num_frames + 1):
            row, col = start[i] + t * steps[i]
            frames[i, t, 0, row : row + DIGIT_SIZE, col : col + DIGIT_SIZE] = images[image_index[i]]
    return MovingDigits(
        X=np.ascontiguousarray(frames[:, :num_frames]),
        digit=bunch.target[image_index].astype(np.int64),
        direction=direction.astype(np.int64),
        direction_names=DIRECTION_NAMES,
        next_frame=np.ascontiguousarray(frames[:, num_frames]),
        image_index=image_index.astype(np.int64),
        start=start.astype(np.int64),
    )
