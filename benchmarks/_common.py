"""Helpers shared by the benchmark scripts: result files, tables, threads, the machine's description.

Nothing here trains anything: the benchmarks call the public API (`cnnlstm.Forecaster`) as a user would.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_DATA_DIR = "/work/shared/data"  # the offline mirror; $CNNLSTM_DATA_DIR wins when set


def data_dir(cli_value: str | None) -> str | None:
    """Where ETTh1 is read from: --data-dir, else $CNNLSTM_DATA_DIR, else the shared mirror if it exists."""
    if cli_value:
        return cli_value
    if os.environ.get("CNNLSTM_DATA_DIR"):
        return os.environ["CNNLSTM_DATA_DIR"]
    return DEFAULT_DATA_DIR if Path(DEFAULT_DATA_DIR).exists() else None


def machine() -> dict:
    import torch

    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cuda": torch.cuda.is_available(),
    }
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def write_json(name: str, payload: dict, *, dry_run: bool) -> Path:
    """Write benchmarks/results/<name>.json atomically (a dry run writes <name>.dry-run.json instead)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / (f"{name}.dry-run.json" if dry_run else f"{name}.json")
    payload = {"benchmark": name, "dry_run": dry_run, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
               "command": " ".join([Path(sys.executable).name, *sys.argv]), "machine": machine(), **payload}
    from cnnlstm.checkpoint import atomic_write_text  # the library's one atomic writer

    atomic_write_text(path, json.dumps(payload, indent=2, default=float) + "\n")
    return path


def print_table(rows: list[dict], columns: list[str] | None = None) -> None:
    if not rows:
        return
    columns = columns or list(rows[0])
    text = [[_fmt(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(t[i]) for t in text)) for i, c in enumerate(columns)]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for t in text:
        print("  ".join(v.rjust(w) for v, w in zip(t, widths)))


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e5 else f"{value:.0f}"
    return str(value)


def median(values) -> float:
    return float(statistics.median(values))


def paired_verdict(ours, theirs, *, higher_is_better: bool) -> tuple[float, str]:
    """`compare`'s verdict for `ours` against one rival over the same seeds: (two-sided p-value, "best" | "tie" |
    "worse"), with the library's own test and rule (`cnnlstm.comparison.significance`): the side with the better
    mean is "best", the other is "worse" only where p < 0.05."""
    from cnnlstm.comparison.significance import paired_test, verdicts

    mean_ours, mean_theirs = statistics.mean(ours), statistics.mean(theirs)
    ahead = mean_ours >= mean_theirs if higher_is_better else mean_ours <= mean_theirs
    p = paired_test(ours, theirs)
    nan = float("nan")
    p_values = {"ours": nan if ahead else p, "theirs": p if ahead else nan}
    return p, verdicts(p_values, "ours" if ahead else "theirs")["ours"]
