"""Reading image-sequence data sets: NumPy files or a folder of frame images, into one padded float32 array.

Three sources, one result (`FrameData`):

    clips.npy                    array (N, T, H, W) or (N, T, C, H, W); no labels
    clips.npz                    X as above; optionally labels under `label_key` ("y") and `lengths`
    root/                        one folder per label, one folder per sequence, frames sorted in natural order:
      walk/                        root/walk/seq1/frame2.png comes before root/walk/seq1/frame10.png
        seq1/frame1.png ...
        seq2/frame1.png ...
      run/
        seq1/frame1.png ...

Dimension letters: N sequences, T frames (the longest sequence), C channels, H height, W width.
Sequences of different lengths are right-padded with zeros to the longest one, and `lengths` (N,) holds the
valid frames of each, the contract of the frames models: `model(torch.as_tensor(X), torch.as_tensor(lengths))`.

Images are read with matplotlib (Pillow underneath): PNG gives values in [0, 1], 8-bit formats are divided by
255, so every frame is float32 in [0, 1]. Files whose suffix is not an image's (a notes.txt, a .DS_Store) are
left out of a sequence folder; everything else that cannot be read is an error naming the file.

Example:
    >>> data = read_frames("gestures/", channels=1)                                  # doctest: +SKIP
    >>> data.X.shape, data.lengths[:3], data.y[:3]                                   # doctest: +SKIP
    ((120, 32, 1, 64, 64), array([32, 27, 30]), array(['run', 'run', 'run'], dtype='<U4'))
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
CHANNELS = (None, 1, 3)
LAYOUT = "<path>/<label>/<sequence>/<frame files>"


@dataclass
class FrameData:
    """An image-sequence data set.

    X: float32 (N, T, C, H, W), right-padded with zeros after each sequence's last frame.
    y: (N,) labels (strings for a folder, as stored for a .npz), or None when the source has none.
    lengths: int64 (N,), the valid frames of each sequence (all T when none is padded).
    """

    X: np.ndarray
    y: np.ndarray | None
    lengths: np.ndarray


def read_frames(path: str | os.PathLike, *, label_key: str = "y", channels: int | None = None) -> FrameData:
    """Read a .npy or .npz file, or a folder of frame images laid out root/<label>/<sequence>/<frames>.

    Args:
        path: the file or folder (see the module docstring for the layouts).
        label_key: the name of the labels inside a .npz; a file without it gives y=None.
        channels: None keeps the channels the images have (a PNG saved by matplotlib is RGBA: 4); 1 converts to
            grayscale (ITU-R 601 luma, alpha dropped), 3 to RGB. For arrays it is checked against C.

    Example:
        >>> np.save("clips.npy", np.zeros((2, 5, 8, 8)))                                # doctest: +SKIP
        >>> read_frames("clips.npy").X.shape                                            # doctest: +SKIP
        (2, 5, 1, 8, 8)
    """
    if channels not in CHANNELS:
        raise ValueError(
            f"`channels` must be None, 1 or 3. Received: channels={channels!r}. "
            "Fix: pass channels=1 for grayscale, 3 for RGB, or None to keep what the images hold."
        )
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"`path` must be a .npy or .npz file or a folder of frame images. Received: path={str(path)!r}, which "
            "does not exist. Fix: check the path."
        )
    if path.is_dir():
        data = _read_folder(path, channels)
    elif path.suffix.lower() in (".npy", ".npz"):
        data = _read_arrays(path, label_key)
    else:
        raise ValueError(
            f"`path` must be a .npy or .npz file or a folder laid out {LAYOUT}. Received: path={str(path)!r}. "
            "Fix: save the array with np.save / np.savez, or pass the folder."
        )
    if channels is not None and data.X.shape[2] != channels:
        raise ValueError(
            f"`channels` must match the C of the array in {path}. Received: channels={channels}, "
            f"X.shape={data.X.shape}. Fix: pass channels=None, or convert the array before saving it."
        )
    return data


def pad_sequences(sequences: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Stack sequences of different lengths, right-padded with zeros: [(T_i, C, H, W)] -> X (N, T, C, H, W), lengths.

    T = max T_i; X[i, lengths[i]:] is zero. `lengths` is int64 (N,).

    Example:
        >>> X, lengths = pad_sequences([np.ones((3, 1, 4, 4)), np.ones((1, 1, 4, 4))])
        >>> X.shape, lengths.tolist(), float(X[1, 1:].sum())
        ((2, 3, 1, 4, 4), [3, 1], 0.0)
    """
    if isinstance(sequences, np.ndarray) or not isinstance(sequences, (list, tuple)) or not sequences:
        received = f"an empty {type(sequences).__name__}" if isinstance(sequences, (list, tuple)) else (
            f"sequences of type {type(sequences).__name__}")
        raise ValueError(
            f"`sequences` must be a non-empty list of (T_i, C, H, W) arrays. Received: {received}. "
            "Fix: pass a list with one array per sequence; an array already stacked needs no padding."
        )
    arrays = [np.asarray(s) for s in sequences]
    for i, a in enumerate(arrays):
        if a.ndim != 4 or a.shape[0] == 0:
            raise ValueError(
                f"`sequences` must hold (T_i, C, H, W) arrays with T_i >= 1. Received: sequences[{i}].shape="
                f"{a.shape}. Fix: add the channel axis to grayscale frames (a[:, None]) and drop empty sequences."
            )
        if a.shape[1:] != arrays[0].shape[1:]:
            raise ValueError(
                f"`sequences` must share one frame size (C, H, W). Received: sequences[0] has {arrays[0].shape[1:]}, "
                f"sequences[{i}] has {a.shape[1:]}. Fix: resize or crop the frames to one size."
            )
    lengths = np.array([len(a) for a in arrays], dtype=np.int64)
    X = np.zeros((len(arrays), int(lengths.max()), *arrays[0].shape[1:]), dtype=np.float32)
    for i, a in enumerate(arrays):
        X[i, : len(a)] = a
    return X, lengths


# -----------------------------------------------------------------------------
# arrays


def _read_arrays(path: Path, label_key: str) -> FrameData:
    try:
        loaded = np.load(path, allow_pickle=False)
    except Exception as exc:  # a truncated file, an object array, not NumPy at all
        raise _unreadable(path, exc, "save it again with np.save / np.savez (arrays of numbers, no objects)") from exc
    y = lengths = None
    if isinstance(loaded, np.lib.npyio.NpzFile):
        with loaded:
            if "X" not in loaded.files:
                raise ValueError(
                    f"`path` must be a .npz holding the frames under the key 'X' (labels optionally under "
                    f"{label_key!r}, valid frames under 'lengths'). Received: keys {loaded.files} in {path}. "
                    f"Fix: save it with np.savez(path, X=frames, {label_key}=labels)."
                )
            X = _check_array(loaded["X"], f"{path}['X']")
            if label_key in loaded.files:
                y = loaded[label_key]
                if y.shape != (len(X),):
                    raise ValueError(
                        f"`{label_key}` in {path} must hold one label per sequence, shape ({len(X)},). Received: "
                        f"shape {y.shape}. Fix: save one label per sequence of X."
                    )
            if "lengths" in loaded.files:
                lengths = _check_lengths(loaded["lengths"], X.shape, path)
    else:
        X = _check_array(loaded, str(path))
    if lengths is None:
        lengths = np.full(len(X), X.shape[1], dtype=np.int64)
    return FrameData(X, y, lengths)


def _check_array(array: np.ndarray, where: str) -> np.ndarray:
    """(N, T, H, W) or (N, T, C, H, W) of numbers, all finite -> float32 (N, T, C, H, W)."""
    if array.ndim not in (4, 5) or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(
            f"{where} must be an array of numbers of rank 4 (N, T, H, W) or 5 (N, T, C, H, W): sequences, frames, "
            f"(channels,) height, width. Received: shape {array.shape}, dtype {array.dtype}. "
            "Fix: a single sequence (T, H, W) needs a leading axis, array[None]."
        )
    _check_finite(array, where)
    X = array.astype(np.float32, copy=False)
    return X[:, :, None] if X.ndim == 4 else X


def _check_finite(array: np.ndarray, where: str) -> None:
    if np.issubdtype(array.dtype, np.floating) and not np.isfinite(array).all():
        bad = ~np.isfinite(array)
        index = np.unravel_index(int(np.argmax(bad)), array.shape)
        count = int(bad.sum())
        raise ValueError(
            f"{where} must hold finite values. Received: {array[index]} at index {tuple(int(i) for i in index)}"
            f"{f' and {count - 1} more non-finite values' if count > 1 else ''}. "
            "Fix: fill or drop the missing frames before reading."
        )


def _check_lengths(lengths: np.ndarray, shape: tuple, path: Path) -> np.ndarray:
    N, T = shape[:2]
    if lengths.shape != (N,) or not np.issubdtype(lengths.dtype, np.integer) or (
            N and (lengths.min() < 1 or lengths.max() > T)):
        raise ValueError(
            f"`lengths` in {path} must be integers in [1, T={T}], one per sequence, shape ({N},). Received: "
            f"shape {lengths.shape}, dtype {lengths.dtype}"
            f"{f', values {lengths.min()} to {lengths.max()}' if lengths.size else ''}. "
            "Fix: save the valid frame count of each sequence, or leave 'lengths' out when none is padded."
        )
    return lengths.astype(np.int64)


# -----------------------------------------------------------------------------
# a folder of images


def _natural_key(path: Path) -> list:
    """'frame10' after 'frame2': digit runs compare as numbers."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def _subfolders(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), key=_natural_key)


def _read_folder(root: Path, channels: int | None) -> FrameData:
    labels = _subfolders(root)
    if not labels:
        raise ValueError(
            f"`path` must be a folder laid out {LAYOUT}. Received: {root} holds no label folders. "
            "Fix: put each class's sequences in a folder named after the class."
        )
    sequences, y = [], []
    first: tuple[tuple, Path] | None = None  # the frame size every frame must have, and where it was seen
    for label in labels:
        folders = _subfolders(label)
        if not folders:
            raise ValueError(
                f"`path` must be a folder laid out {LAYOUT}, every label folder holding sequence folders. "
                f"Received: the label folder {label} holds no sequence folder. "
                f"Fix: put each sequence's frames in its own folder, {label}/<sequence>/<frame files>, "
                "or remove the label folder."
            )
        for folder in folders:
            files = sorted(
                (f for f in folder.iterdir() if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES), key=_natural_key
            )
            if not files:
                raise ValueError(
                    f"`path` must be a folder laid out {LAYOUT}. Received: the sequence folder {folder} holds no "
                    f"image file ({', '.join(IMAGE_SUFFIXES)}). Fix: add its frames, or remove the folder."
                )
            frames = []
            for index, file in enumerate(files):
                frame = _read_image(file, channels)  # (C, H, W)
                if first is None:
                    first = (frame.shape, file)
                elif frame.shape != first[0]:
                    raise ValueError(
                        f"`path`: every frame must have the size of the first one, (C, H, W)={first[0]} in "
                        f"{first[1]}. Received: (C, H, W)={frame.shape} in {file} (sequence "
                        f"{label.name}/{folder.name}, frame {index}). Fix: resize the frames to one size; when only "
                        "C differs, pass channels=1 or channels=3."
                    )
                frames.append(frame)
            sequences.append(np.stack(frames))  # (T_i, C, H, W)
            y.append(label.name)
    X, lengths = pad_sequences(sequences)
    return FrameData(X, np.array(y), lengths)


def _read_image(file: Path, channels: int | None) -> np.ndarray:
    """One image file -> float32 (C, H, W) in [0, 1], converted to `channels` when given."""
    import matplotlib.image  # here, not at the top: only folders need it

    try:
        image = np.asarray(matplotlib.image.imread(file))
    except Exception as exc:  # Pillow's UnidentifiedImageError, a truncated file, ...
        raise _unreadable(file, exc, "replace or remove the file") from exc
    if np.issubdtype(image.dtype, np.integer):
        image = image.astype(np.float32) / np.iinfo(image.dtype).max
    image = image.astype(np.float32, copy=False)
    image = image[None] if image.ndim == 2 else image.transpose(2, 0, 1)  # (H, W[, C]) -> (C, H, W)
    _check_finite(image, str(file))
    if channels is None or image.shape[0] == channels:
        return image
    color = image[:3] if image.shape[0] >= 3 else image[:1]  # alpha dropped
    if channels == 1:
        return color if len(color) == 1 else np.tensordot(np.float32([0.299, 0.587, 0.114]), color, axes=1)[None]
    return np.repeat(color, 3, axis=0) if len(color) == 1 else color


def _unreadable(path: Path, exc: Exception, fix: str) -> ValueError:
    return ValueError(f"`path`: could not read {path}. Received: {type(exc).__name__}: {exc}. Fix: {fix}.")
