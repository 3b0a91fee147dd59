"""Saving and loading without pickles: weights through ``torch.load(weights_only=True)``, the rest as JSON.

Every file is written atomically (a temporary file in the same folder, then ``os.replace``), so a crash mid-write
leaves the previous file intact. Files get the mode ``open()`` would give them (0o666 less the umask: 0o644 under the
usual 0o022), so a run's outputs are as readable as any other tool's.
"""

from __future__ import annotations

import io
import json
import math
import os
import secrets
from pathlib import Path


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder; the folder is created when missing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    # Not tempfile.mkstemp: its files are 0o600. Mode 0o666 lets the kernel apply the umask (and any default ACL)
    # as open() does, without reading the process-wide umask; O_EXCL refuses a name that already exists.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    handle = os.open(temporary, flags, 0o666)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def json_safe(value):
    """JSON has no NaN or infinity: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:  # NumPy scalars
        return json_safe(value.item())
    return value


def write_json(path: str | os.PathLike, obj) -> None:
    atomic_write_text(path, json.dumps(json_safe(obj), indent=2, default=str) + "\n")


def read_json(path: str | os.PathLike):
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def save_weights(path: str | os.PathLike, state_dict: dict) -> None:
    import torch  # here, not at the top: data/ writes files through this module without loading torch

    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in state_dict.items()}, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_weights(path: str | os.PathLike) -> dict:
    import torch

    # weights_only=True refuses anything but tensors and plain containers: no arbitrary code runs on load
    return torch.load(path, map_location="cpu", weights_only=True)
