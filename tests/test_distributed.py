"""Data-parallel training under torchrun (`cnnlstm.distributed`): two gloo ranks on the CPU train a Forecaster and a
Classifier and the CLI with no code change, each on its own slice of every batch, and agree with one process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import cnnlstm
from cnnlstm import datasets, distributed
from cnnlstm.train import DeviceWindows, TrainConfig, fit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import ddp_worker  # noqa: E402

LAUNCH_ENV = ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


def torchrun(out: Path, processes: int, device: str = "cpu") -> list[dict]:
    """Run tests/ddp_worker.py under torchrun; each rank's record."""
    env = {k: v for k, v in os.environ.items() if k not in LAUNCH_ENV}
    env.update(OMP_NUM_THREADS="1", CNNLSTM_THREADS="1")
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes),
               str(HERE / "ddp_worker.py"), str(out), device]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return [json.loads((out / f"rank{r}.json").read_text()) for r in range(processes)]


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory) -> tuple[list[dict], Path]:
    out = tmp_path_factory.mktemp("ddp")
    return torchrun(out, 2), out


@pytest.fixture(scope="module")
def one_process(tmp_path_factory) -> dict:
    assert not distributed.launched()
    return ddp_worker.run(tmp_path_factory.mktemp("single"))


@pytest.mark.parametrize("name", ["forecaster", "classifier"])
def test_ranks_draw_disjoint_halves_of_the_one_process_batches(two_ranks, one_process, name):
    (rank0, rank1), _ = two_ranks
    assert (rank0["world_size"], rank1["world_size"]) == (2, 2)
    mine, theirs, single = rank0[name]["seen"], rank1[name]["seen"], one_process[name]["seen"]
    assert len(mine) == len(theirs) == len(single) > 0  # the same steps as one process
    for a, b, batch in zip(mine, theirs, single):
        assert len(a) == len(b) == len(batch) // 2
        assert a + b == batch  # rank 0 the first half of the global batch, rank 1 the second
    steps = 5  # per epoch (80 windows in batches of 16; 40 sequences in batches of 8): no window drawn twice
    for epoch in range(len(mine) // steps):
        part = slice(epoch * steps, (epoch + 1) * steps)
        seen0 = [n for batch in mine[part] for n in batch]
        seen1 = [n for batch in theirs[part] for n in batch]
        assert not set(seen0) & set(seen1)
        assert sorted(seen0 + seen1) == list(range(len(seen0) + len(seen1)))


@pytest.mark.parametrize("name", ["forecaster", "classifier"])
def test_ranks_stop_at_the_same_epoch_on_the_same_validation_loss(two_ranks, name):
    (rank0, rank1), _ = two_ranks
    assert rank0[name]["val_loss"] == rank1[name]["val_loss"]  # all-reduced: the very same numbers
    assert rank0[name]["epochs_run"] == rank1[name]["epochs_run"]
    assert rank0[name]["best_epoch"] == rank1[name]["best_epoch"]


def test_validation_loss_matches_one_process(two_ranks, one_process):
    (rank0, _), _ = two_ranks
    # without batch norm or dropout the two processes take the one process's steps, to rounding
    np.testing.assert_allclose(rank0["forecaster"]["val_loss"], one_process["forecaster"]["val_loss"], rtol=1e-3)
    # with them (each rank normalises by its own half batch) the best validation loss stays within 5 %
    best = min(rank0["classifier"]["val_loss"])
    assert abs(best - min(one_process["classifier"]["val_loss"])) <= 0.05 * best


def test_only_rank_0_writes_and_the_saved_models_predict(two_ranks):
    _, out = two_ranks
    assert sorted(p.name for p in out.iterdir()) == ["classifier_rank0", "cli_run", "forecaster_rank0",
                                                     "rank0.json", "rank1.json"]
    airline = datasets.load("airline")
    forecast = cnnlstm.load(out / "forecaster_rank0").predict(airline)
    assert forecast.shape == (5, 2) and np.isfinite(forecast["Passengers"]).all()
    X, y = datasets.load("GunPoint", split="test")
    labels = cnnlstm.load(out / "classifier_rank0").predict(X)
    assert labels.shape == (len(y),) and set(labels) <= set(y)
    run = out / "cli_run"
    assert {"config.json", "model.pt", "metrics.json", "history.csv"} <= {p.name for p in run.iterdir()}
    assert len(cnnlstm.load(run).predict(airline)) == 6


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU: run on a CUDA machine")
def test_torchrun_cuda_graph(tmp_path):
    """nccl ranks (one per GPU, up to 2; one GPU still runs the DDP path) replaying each step as a CUDA graph."""
    out = tmp_path / "ranks"
    out.mkdir()
    ranks = torchrun(out, min(2, torch.cuda.device_count()), "cuda")
    single = ddp_worker.run(tmp_path, "cuda")
    for name in ("forecaster", "classifier"):
        assert len({r[name]["epochs_run"] for r in ranks}) == 1
        best = min(ranks[0][name]["val_loss"])
        assert abs(best - min(single[name]["val_loss"])) <= 0.05 * best
    assert len(cnnlstm.load(out / "forecaster_rank0").predict(datasets.load("airline"))) == 5


# ---------------------------------------------------------------------------------------------- the helpers


def test_without_a_launch_every_helper_is_a_no_op():
    model = torch.nn.Linear(2, 1)
    numbers = torch.arange(8)
    assert not distributed.launched() and distributed.rank() == 0 and distributed.world_size() == 1
    assert distributed.wrap(model, torch.device("cpu")) is model
    assert distributed.shard(numbers) is numbers
    assert distributed.split_batch(17, 100) == (17, 17)
    assert distributed.shard_range(10) == (0, 10)
    loss = torch.tensor(0.5)
    assert distributed.mean_over_ranks(loss, 3) is loss
    windows = DeviceWindows.from_rows(torch.arange(5))
    assert windows.shard() is windows


def test_the_rank_layout_of_one_batch(monkeypatch):
    """The table in cnnlstm/distributed.py's docstring, read from torchrun's variables before any process group."""
    batch = torch.tensor([17, 3, 40, 8, 21, 5, 33, 12])
    monkeypatch.setenv("WORLD_SIZE", "2")
    for rank, expected in ((0, [17, 3, 40, 8]), (1, [21, 5, 33, 12])):
        monkeypatch.setenv("RANK", str(rank))
        assert distributed.shard(batch).tolist() == expected
    assert distributed.shard_range(5) == (2, 5)  # rank 1 of 2: the second part of 5 validation windows
    assert distributed.split_batch(17, 100) == (18, 9)  # rounded up to a multiple of the 2 processes
    with pytest.raises(ValueError, match=r"There are 1 training windows for 2 processes: each process needs at "
                                         r"least one\. Fix: launch at most 1 processes"):
        distributed.split_batch(1, 1)


def test_fit_is_unchanged_without_a_launch():
    """No process group: the one-process loop, and nothing of DDP's left on the model."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 1))
    values = torch.randn(40, 4)
    gather = lambda rows: (values[rows].unsqueeze(1), values[rows, :1])  # noqa: E731
    history = fit(model, gather=gather, train_windows=torch.arange(30), val_windows=torch.arange(30, 40),
                  loss_fn=torch.nn.functional.mse_loss, config=TrainConfig(epochs=2, batch_size=8, progress=False))
    assert len(history) == 2 and not torch.distributed.is_initialized()
    assert type(model) is torch.nn.Sequential
