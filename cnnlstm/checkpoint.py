"""Saving and loading without pickles: weights through ``torch.load(weights_only=True)``, the rest as JSON.

Every file is written atomically (a temporary file in the same folder, then ``os.replace``), so a crash mid-write
leaves the previous file intact.
"""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
from pathlib import Path

import torch


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
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
    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in state_dict.items()}, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_weights(path: str | os.PathLike) -> dict:
    # weights_only=True refuses anything but tensors and plain containers: no arbitrary code runs on load
    return torch.load(path, map_location="cpu", weights_only=True)
