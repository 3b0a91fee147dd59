"""Atomic writes: every file written gets the mode `open()` would give it, and no temporary file is left behind."""

from __future__ import annotations

import os
import stat

import pytest
import torch

from cnnlstm import checkpoint

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes and the umask are POSIX")


@pytest.fixture
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)], indirect=["umask"])
def test_written_files_get_the_mode_open_gives(tmp_path, umask, mode):
    """tempfile.mkstemp alone would make every output 0o600, unreadable by the group that shares the runs."""
    checkpoint.atomic_write_bytes(tmp_path / "raw.bin", b"\x00\x01")
    checkpoint.write_json(tmp_path / "run" / "result.json", {"rmse": float("nan")})
    checkpoint.save_weights(tmp_path / "run" / "weights.pt", {"weight": torch.zeros(2)})
    (tmp_path / "opened.txt").write_text("reference")
    for name in ("raw.bin", "run/result.json", "run/weights.pt", "opened.txt"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, name
    assert checkpoint.read_json(tmp_path / "run" / "result.json") == {"rmse": None}
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "result.json"
    checkpoint.write_json(path, {"epoch": 1})

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        checkpoint.write_json(path, {"epoch": 2})
    assert checkpoint.read_json(path) == {"epoch": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]
