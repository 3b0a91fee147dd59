"""`compare --jobs 2` against `--jobs 1`: the README's airline comparison (`cnnlstm --threads 1 compare`, every
model, ensemble and baseline over 3 seeds), each in a fresh process and a fresh run folder; wall seconds, their
ratio, and whether the two tables hold the same numbers (every column but the timings).

Target (issue 14): the same table in at most 0.6 x the wall time of --jobs 1 on 2 cores.

    python benchmarks/compare_jobs.py                 # writes benchmarks/results/compare_jobs.json (minutes)
    python benchmarks/compare_jobs.py --dry-run       # cnn and lstm, one seed, one epoch, the naive baselines
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

TIMES = ["train_s", "predict_s"]
DRY = ["--models", "cnn,lstm", "--baselines", "naive,seasonal_naive", "--seeds", "1", "--epochs", "1"]


def run(jobs: int, out: Path, extra: list[str]) -> dict:
    """Wall and CPU seconds of `cnnlstm --threads 1 compare --out OUT --jobs JOBS` in a fresh process (CPU: of it
    and its worker, user + system)."""
    cli = shutil.which("cnnlstm", path=str(Path(sys.executable).parent)) or "cnnlstm"
    command = [cli, "--threads", "1", "compare", "--out", str(out), "--jobs", str(jobs), *extra]
    before, began = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "CNNLSTM_THREADS": "1"})
    wall, after = time.perf_counter() - began, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"jobs": jobs, "wall_s": wall, "cpu_s": cpu, "cores_used": cpu / wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2, help="the parallel run's --jobs (against --jobs 1)")
    parser.add_argument("--dry-run", action="store_true", help="a miniature comparison, for the tests")
    args = parser.parse_args()
    import pandas as pd

    extra = DRY if args.dry_run else []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        serial_out, parallel_out = Path(folder) / "jobs1", Path(folder) / f"jobs{args.jobs}"
        rows = [run(1, serial_out, extra), run(args.jobs, parallel_out, extra)]
        tables = [pd.read_csv(out / "table.csv", index_col="contender").drop(columns=TIMES)
                  for out in (serial_out, parallel_out)]
    same = tables[0].equals(tables[1])
    ratio = rows[1]["wall_s"] / rows[0]["wall_s"]
    rows[1]["ratio"] = ratio
    _common.print_table(rows, ["jobs", "wall_s", "cpu_s", "cores_used", "ratio"])
    print(f"same table (every column but {', '.join(TIMES)}): {same}; target ratio <= 0.6: {ratio <= 0.6}")
    # On a shared machine the kernel's autogroup scheduler gives each session an equal share of the CPU, however
    # many processes it runs: cores_used shows what each run got, and the ratio holds only where both were free.
    path = _common.write_json("compare_jobs", {
        "compare_command": f"cnnlstm --threads 1 compare --jobs N {' '.join(extra)}".strip(), "rows": rows, "ratio": ratio,
        "same_table": same, "contenders": len(tables[0]), "target_met": bool(same and ratio <= 0.6),
        "load_average_before": load_before, "load_average_after": os.getloadavg()[0]}, dry_run=args.dry_run)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
