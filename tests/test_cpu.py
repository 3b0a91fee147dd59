"""The command line's default thread count (cnnlstm/cpu.py): the free cores, at least one, sleeping waits."""

import subprocess
import sys

import pytest

from cnnlstm import cpu


@pytest.mark.parametrize("cores, physical, busy, expected", [
    (2, 2, 0.0, 2),   # idle: every core
    (2, 2, 0.4, 2),   # a little background work leaves the core free
    (2, 2, 0.6, 1),   # another job on one core: one thread
    (2, 2, 9.7, 1),   # overloaded: never fewer than one
    (16, 8, 0.0, 8),  # hyper-threads: at most the physical cores
    (16, None, 3.0, 13),  # topology unknown: the usable cores bound it
])
def test_default_threads_takes_the_free_cores(cores, physical, busy, expected, monkeypatch):
    monkeypatch.setattr(cpu, "physical_cores", lambda: physical)
    assert cpu.default_threads(cores=cores, busy=busy) == expected


def test_the_user_choice_wins_and_waits_sleep():
    environ = {"OMP_NUM_THREADS": "3", "OMP_WAIT_POLICY": "ACTIVE"}
    assert cpu.set_default_threads(environ) is None
    assert environ == {"OMP_NUM_THREADS": "3", "OMP_WAIT_POLICY": "ACTIVE"}
    environ = {}
    chosen = cpu.set_default_threads(environ)
    assert environ == {"OMP_NUM_THREADS": str(chosen), "OMP_WAIT_POLICY": "PASSIVE"}
    assert 1 <= chosen <= cpu.usable_cores()


def test_the_command_line_sets_torch_threads_before_torch_loads():
    code = ("import os, sys; from cnnlstm.cli import main; sys.argv = ['cnnlstm', 'models']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "import torch; print(os.environ['OMP_WAIT_POLICY'], os.environ['OMP_NUM_THREADS'], torch.get_num_threads(),"
            " file=sys.stderr)")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("OMP_")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    policy, variable, threads = result.stderr.strip().splitlines()[-1].split()
    assert policy == "PASSIVE" and variable == threads and 1 <= int(threads) <= cpu.usable_cores()
