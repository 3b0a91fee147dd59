"""Every benchmark script runs end to end in its --dry-run miniature, so none of them rots unnoticed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = {
    "throughput.py": ["--dry-run"],
    "memory.py": ["--dry-run"],
    "ett_accuracy.py": ["--dry-run", "--models", "linear,cnn_lstm"],
    "ett_tuning.py": ["--dry-run"],
    "darts_compare.py": ["--dry-run", "--cnnlstm-only"],  # Darts itself needs its own venv and the network
    "tsc_accuracy.py": ["--dry-run"],
    "cmapss_rul.py": ["--dry-run"],
    "moving_digits.py": ["--dry-run"],
    "compare_suite.py": ["--dry-run"],
    "startup.py": ["--dry-run"],
    "epoch_seconds.py": ["--dry-run"],
    "forecast_recipe.py": ["--dry-run"],
    "install_size.py": ["--dry-run"],  # the real run builds two fresh venvs from the package index
    # our side only: tsai lives in its own venv, absent in CI (a missing path keeps this test the same everywhere)
    "tsai_compare.py": ["--dry-run", "--venv", "/nonexistent/tsai-venv"],
    "threads.py": ["--dry-run"],
    "latency.py": ["--dry-run"],
    "serve_load.py": ["--dry-run"],
    "panel_memory.py": ["--dry-run"],
    "ddp_cpu.py": ["--dry-run"],
    "compare_jobs.py": ["--dry-run"],
    "intervals.py": ["--dry-run"],
    "tsc_verdicts.py": ["--dry-run"],  # reads stored results only
    "rul_verdicts.py": ["--dry-run"],
    "training_curve.py": ["--dry-run"],  # gradient boosting on 20 engines against the stored network runs
    "tune_workers.py": ["--dry-run"],  # two tune workers on one SQLite study, one killed and restarted
    "amp_cpu.py": ["--dry-run"],  # float32 against bf16 autocast on the CPU, small slices
}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_benchmark_dry_run(script):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *SCRIPTS[script]], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    written = [line for line in result.stdout.splitlines() if line.startswith("wrote ")]
    assert written, result.stdout[-2000:]
    path = Path(written[-1].split(" ", 1)[1])
    assert path.name.endswith(".dry-run.json")
    assert json.loads(path.read_text())["dry_run"] is True
