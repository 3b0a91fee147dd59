"""`compare(..., jobs=N)`: runs in worker processes give the serial table, a killed parallel comparison resumes, and
a run another process has claimed is not computed twice (a dead claimer's run is taken over)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cnnlstm
from cnnlstm.comparison.forecast import ForecastProblem
from cnnlstm.comparison.store import RunStore

TINY = {"filters": 8, "hidden_size": 8, "num_conv_layers": 1}
AIRLINE = dict(models=["cnn", "lstm"], baselines=["naive", "seasonal_naive"], seeds=2, epochs=2, progress=False,
               report=False, **TINY)
TIMES = ["train_s", "predict_s"]


def _same_results(first, second) -> None:
    pd.testing.assert_frame_equal(first.table.drop(columns=TIMES), second.table.drop(columns=TIMES), check_exact=True)
    assert first.runs.keys() == second.runs.keys()
    for contender, runs in first.runs.items():
        for (_, arrays), (_, other) in zip(runs, second.runs[contender], strict=True):
            assert arrays.keys() == other.keys()
            assert all(np.array_equal(arrays[k], other[k]) for k in arrays), contender


def _files(folder: Path) -> dict:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted((folder / "results").iterdir())}


@pytest.fixture(autouse=True)
def one_thread():
    """Every job on one thread, as with --jobs 2 on two cores: the same numbers need the same thread count in
    every process (a sum split over two threads rounds differently)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_two_jobs_give_the_table_of_one(tmp_path, monkeypatch):
    serial = cnnlstm.compare("airline", out=tmp_path / "serial", jobs=1, **AIRLINE)
    original, here = ForecastProblem.run_neural, []

    def recorded(self, model, kwargs, seed, progress):  # runs in this process; the worker's are not seen here
        here.append((model, seed))
        return original(self, model, kwargs, seed, progress)

    monkeypatch.setattr(ForecastProblem, "run_neural", recorded)
    parallel = cnnlstm.compare("airline", out=tmp_path / "parallel", jobs=2, **AIRLINE)
    assert ("cnn", 0) in here and len(here) <= 2  # the reference run here, at least two of four in the worker
    _same_results(serial, parallel)
    assert {"cnn", "lstm", "naive", "seasonal_naive", "stacked", "mean(cnn,lstm)"} == set(parallel.table.index)
    assert sorted(os.listdir(tmp_path / "parallel" / "results")) == sorted(os.listdir(tmp_path / "serial" / "results"))
    assert not list((tmp_path / "parallel" / "claims").iterdir())  # every claim let go once its result landed
    again = cnnlstm.compare("airline", out=tmp_path / "parallel", jobs=2, **AIRLINE)  # all stored: nothing to run
    _same_results(serial, again)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its parent's reaping is left


def test_a_killed_parallel_comparison_resumes(tmp_path):
    """A real SIGKILL of `cnnlstm compare --jobs 2`: its workers stop too, and the rerun keeps what finished."""
    out = tmp_path / "run"
    command = [sys.executable, "-m", "cnnlstm.cli", "--threads", "1", "compare", "--jobs", "2", "--models",
               "cnn,lstm", "--baselines", "naive,seasonal_naive", "--seeds", "2", "--epochs", "2", "--set",
               "filters=8", "--set", "hidden_size=8", "--set", "num_conv_layers=1", "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (out / "results" / "cnn@0.json").exists():
        assert process.poll() is None and time.monotonic() < deadline, "the comparison ended before it was killed"
        time.sleep(0.02)
    children = [int(p) for p in subprocess.run(["ps", "-o", "pid=", "--ppid", str(process.pid)], capture_output=True,
                                               text=True).stdout.split()]
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert children  # the worker (and multiprocessing's resource tracker)
    gone_by = time.monotonic() + 30
    while any(_alive(pid) for pid in children):
        assert time.monotonic() < gone_by, "a worker outlived its killed comparison"
        time.sleep(0.1)
    before = _files(out)
    assert not (out / "table.csv").exists() and "cnn@0.json" in before

    resumed = cnnlstm.compare("airline", out=out, jobs=1, **AIRLINE)  # as a serial one resumes
    after = _files(out)
    assert all(after[name] == before[name] for name in before if name.endswith(".json"))  # not recomputed
    _same_results(resumed, cnnlstm.compare("airline", jobs=1, **AIRLINE))  # as if never interrupted


HOLDER = """
import os, sys, time
from cnnlstm.comparison.store import RunStore
out, done = RunStore(sys.argv[1]), RunStore(sys.argv[2])
claims = {key: out.claim(*key) for key in [("cnn", 1), ("lstm", 0)]}
print("held" if all(claims.values()) else "refused", flush=True)
deadline = time.monotonic() + 120
while not all(out.get(*key) for key in [("cnn", 0), ("lstm", 1), ("naive", None), ("seasonal_naive", None)]):
    if time.monotonic() > deadline:
        os._exit(1)
    time.sleep(0.05)
out.put("cnn", 1, *done.get("cnn", 1))  # this process "computed" cnn@1: it lands as a finished run does
claims["cnn", 1].release(done=True)
os._exit(0)  # killed, as it were, while it held lstm@0: the kernel drops the claim, its run is left undone
"""


def test_a_claimed_run_is_not_redone_and_a_dead_claimers_run_is_taken_over(tmp_path, monkeypatch):
    fresh = cnnlstm.compare("airline", out=tmp_path / "fresh", **AIRLINE)
    out = tmp_path / "shared"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(out), str(tmp_path / "fresh")],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    assert RunStore(out).claim("cnn", 1) is None  # held by the other process

    original, ran = ForecastProblem.run_neural, []

    def recorded(self, model, kwargs, seed, progress):
        ran.append((model, seed))
        return original(self, model, kwargs, seed, progress)

    monkeypatch.setattr(ForecastProblem, "run_neural", recorded)
    shared = cnnlstm.compare("airline", out=out, **AIRLINE)
    assert holder.wait(timeout=60) == 0
    assert sorted(ran) == [("cnn", 0), ("lstm", 0), ("lstm", 1)]  # cnn@1 came from the other process
    _same_results(fresh, shared)
    assert not list((out / "claims").iterdir())


@pytest.mark.parametrize("jobs", [0, -2, 1.5, True, "2", None])
def test_bad_jobs_values_are_refused(jobs):
    with pytest.raises(ValueError, match=r"`jobs` must be a positive integer: the runs trained at once, each in its "
                                         rf"own process\. Received: jobs={jobs!r}\. Fix: pass jobs=1"):
        cnnlstm.compare("airline", jobs=jobs, **AIRLINE)


def test_the_command_line_refuses_a_bad_jobs_value():
    from click.testing import CliRunner

    from cnnlstm.cli import main

    result = CliRunner().invoke(main, ["compare", "--jobs", "0", "--dry-run"])
    assert result.exit_code != 0
    assert "`jobs` must be a positive integer" in result.output and "Received: jobs=0" in result.output
