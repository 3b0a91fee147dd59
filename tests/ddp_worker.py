"""What each process does in tests/test_distributed.py: fit a tiny Forecaster (airline) and Classifier (GunPoint),
save them, train once through the CLI, and write what it saw to <out>/rank<R>.json.

    python -m torch.distributed.run --standalone --nproc_per_node 2 tests/ddp_worker.py OUT     # two CPU ranks
    python tests/ddp_worker.py OUT                                                                # one process
    python -m torch.distributed.run --standalone --nproc_per_node 1 tests/ddp_worker.py OUT cuda # GPU, CUDA graphs

The estimators are the user's code unchanged; the only addition is a recorder around `cnnlstm.distributed.shard`,
which keeps the window numbers each training step of this rank drew.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import torch

from cnnlstm import Classifier, Forecaster, datasets, distributed

SMALL = dict(amp=False, progress=False, seed=0, epochs=3, patience=1, lr=1e-2)
# 96 training rows - (12 + 5) + 1 = 80 windows: 5 batches of 16, no top-up, so every window is drawn exactly once.
# No batch norm and no dropout: the two-process run then computes the one-process run's very steps
FORECASTER = dict(model="cnn_lstm", window=12, horizon=5, split=(96, 30, 18), batch_size=16, filters=8,
                  hidden_size=8, batch_norm=False, dropout=0.0, **SMALL)
# GunPoint's 50 training series, 40 of them trained on (val_size 0.2): 5 batches of 8. The model's defaults (batch
# norm, dropout): each rank normalises by its own half batch, so the runs differ a little
CLASSIFIER = dict(model="cnn", val_size=0.2, batch_size=8, filters=8, **SMALL)
CLI = ["--threads", "1", "train", "--dataset", "airline", "--model", "cnn", "--set", "filters=8", "--window", "12",
       "--horizon", "6", "--epochs", "1"]


@contextlib.contextmanager
def recording(seen: list):
    """Append the window numbers of each training step of this rank to `seen`."""
    original = distributed.shard

    def shard(numbers: torch.Tensor) -> torch.Tensor:
        mine = original(numbers)
        seen.append(mine.tolist())
        return mine

    distributed.shard = shard
    try:
        yield
    finally:
        distributed.shard = original


def summary(estimator, seen: list) -> dict:
    history = estimator.history_
    return {"seen": seen, "epochs_run": len(history), "val_loss": history["val_loss"].tolist(),
            "best_epoch": int(history["val_loss"].idxmin()) + 1}


def run(out: Path, device: str = "cpu") -> dict:
    """Fit both estimators, save each to out/<name>_rank<R> (only rank 0 should write), return what was seen.
    On "cuda", every step replays as a CUDA graph."""
    result = {}
    on = dict(device=device, cuda_graph=device == "cuda")
    for name, make, data in (("forecaster", lambda: Forecaster(**FORECASTER, **on), (datasets.load("airline"),)),
                             ("classifier", lambda: Classifier(**CLASSIFIER, **on), datasets.load("GunPoint"))):
        seen: list = []
        with recording(seen):
            estimator = make().fit(*data)
        estimator.save(out / f"{name}_rank{distributed.rank()}")
        result[name] = summary(estimator, seen)
    return result


def main(out: str, device: str = "cpu") -> None:
    from cnnlstm.cli import main as cli

    torch.set_num_threads(1)
    out = Path(out)
    result = {"rank": distributed.rank(), "world_size": distributed.world_size(), **run(out, device)}
    graph = ["--cuda-graph"] if device == "cuda" else []
    cli([*CLI, "--device", device, *graph, "--out", str(out / "cli_run")], standalone_mode=False)
    (out / f"rank{distributed.rank()}.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:])
