"""The command line's default thread count (cnnlstm/cpu.py): the free cores, at least one."""

import os
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


def test_the_user_choice_wins():
    assert cpu.default_threads_for({"OMP_NUM_THREADS": "3"}) is None
    assert 1 <= cpu.default_threads_for({}) <= cpu.usable_cores()


def test_the_command_line_sets_torch_threads_when_a_command_works(tmp_path):
    code = ("import os, sys; from cnnlstm.cli import main\n"
            "sys.argv = ['cnnlstm', 'train', '--dataset', 'airline', '--dry-run', '--out', %r]\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "import torch; print('threads', torch.get_num_threads(), file=sys.stderr)"
            % str(tmp_path / "run"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMP_")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    word, threads = result.stderr.strip().splitlines()[-1].split()
    assert word == "threads" and 1 <= int(threads) <= cpu.usable_cores()
