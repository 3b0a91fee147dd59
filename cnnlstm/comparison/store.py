"""The run folder of a comparison: one result per contender and seed, each written atomically.

    out/
      settings.json              what every result depends on; a resume with other settings is refused
      results/<contender>@<seed>.npz   the predictions (test, and validation for the stacked ensemble)
      results/<contender>@<seed>.json  metrics, times, parameter count, learning curve; written last, so its
                                       presence marks the result complete
      claims/<contender>@<seed>.lock   held (flock) by the process computing that result; removed once it landed

A killed comparison leaves at most a temporary file behind (ignored); finished results are never rewritten.

Several processes may share one folder (`compare --jobs`, or two `compare` commands): a result is computed only by
the process that holds its claim, an exclusive `flock` that the kernel drops when the process ends, however it
ends, so a killed process never blocks a resume. Whoever takes a claim looks for the result first: it may have
landed while they waited. A claim file is deleted only after its result is written, so a process that locked a
deleted claim file always finds the result. (Without `fcntl`, on Windows, claims always succeed: run one
`compare` per folder there.)
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np

from .. import checkpoint

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


def result_key(contender: str, seed: int | None) -> str:
    """The file stem of one result: `cnn@0`, or `autoets@-` for a deterministic baseline."""
    return f"{contender}@{'-' if seed is None else seed}"


class RunStore:
    """Finished results of one comparison, on disk under `folder` (or only in memory when folder is None)."""

    def __init__(self, folder: str | os.PathLike | None):
        self.folder = Path(folder) if folder is not None else None
        self._memory: dict[str, tuple[dict, dict]] = {}

    def check_settings(self, settings: dict) -> None:
        """Record `settings`, or refuse them when the folder holds results of a comparison with other settings."""
        if self.folder is None:
            return
        path = self.folder / "settings.json"
        clean = json.loads(json.dumps(checkpoint.json_safe(settings), default=str))
        if path.exists():
            before = checkpoint.read_json(path)
            changed = sorted(k for k in set(before) | set(clean) if before.get(k) != clean.get(k))
            if changed:
                shown = ", ".join(f"{k}: {before.get(k)!r} -> {clean.get(k)!r}" for k in changed[:5])
                raise ValueError(
                    f"`out` ({self.folder}) holds a comparison with other settings ({shown}), so its results cannot "
                    "be resumed. Fix: pass another out folder, or delete this one to start over."
                )
            return
        checkpoint.write_json(path, clean)

    def claim(self, contender: str, seed: int | None, *, wait: bool = False) -> "Claim | None":
        """The right to compute one result: a `Claim`, or None when another process holds it (with `wait`, block
        until that process lets go, finished or dead). Look the result up again once you hold the claim."""
        if self.folder is None or fcntl is None:
            return Claim(None, None)
        path = self.folder / "claims" / f"{result_key(contender, seed)}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            return None
        except BaseException:
            os.close(handle)
            raise
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()}\n".encode())  # for a person looking: who computes this result
        return Claim(handle, path)

    def get(self, contender: str, seed: int | None) -> tuple[dict, dict[str, np.ndarray]] | None:
        key = result_key(contender, seed)
        if self.folder is None:
            return self._memory.get(key)
        record_path = self.folder / "results" / f"{key}.json"
        if not record_path.exists():
            return None
        with np.load(self.folder / "results" / f"{key}.npz", allow_pickle=False) as arrays:
            return checkpoint.read_json(record_path), {name: arrays[name] for name in arrays.files}

    def put(self, contender: str, seed: int | None, record: dict, arrays: dict[str, np.ndarray]) -> None:
        key = result_key(contender, seed)
        if self.folder is None:
            self._memory[key] = (record, arrays)
            return
        buffer = io.BytesIO()
        np.savez(buffer, **{name: np.asarray(value) for name, value in arrays.items()})
        checkpoint.atomic_write_bytes(self.folder / "results" / f"{key}.npz", buffer.getvalue())
        checkpoint.write_json(self.folder / "results" / f"{key}.json", record)  # last: marks the result complete


class Claim:
    """A held claim on one result (see `RunStore.claim`); `release` it, with `done=True` once the result is stored."""

    def __init__(self, handle: int | None, path: Path | None):
        self.handle, self.path = handle, path

    def release(self, *, done: bool = False) -> None:
        if self.handle is None:
            return
        if done:  # while still held: whoever locks the deleted file next finds the result and moves on
            self.path.unlink(missing_ok=True)
        os.close(self.handle)  # closing the only descriptor drops the flock
        self.handle = None
