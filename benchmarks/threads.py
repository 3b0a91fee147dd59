"""Wall time of `cnnlstm train` under each CPU thread count, on an idle machine and on a busy one (issue 12).

Each case runs the CLI exactly as a user would (`cnnlstm [--threads N] train ...`, two epochs), once per thread
setting: `--threads 1`, `--threads 2`, ... up to the machine's cores; no `--threads` at all (the library's
default, cnnlstm/cpu.py); and "before", the default until issue 12 (torch's own count, every core, with
libgomp's spinning waits). "busy" runs the same commands while one other process keeps one core fully busy.
Each setting runs `--repeats` times, interleaved, and the fastest is kept; the 1-minute load average seen during
the case is recorded beside it. The ratio column is each setting's time over the best setting's time in the same
case and load: issue 12's target is the default at most 1.3 x the best.

    python benchmarks/threads.py --repeats 2
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

CASES = {
    # name: train arguments (two epochs each)
    "sunspots cnn_lstm": ["--dataset", "sunspots", "--model", "cnn_lstm", "--epochs", "2"],
    "etth1 cnn_lstm": ["--dataset", "etth1", "--model", "cnn_lstm", "--epochs", "2", "--max-steps-per-epoch", "60"],
    "etth1 cnn_lstm large": ["--dataset", "etth1", "--model", "cnn_lstm", "--epochs", "2",
                             "--max-steps-per-epoch", "20", "--set", "filters=128",
                             "--set", "hidden_size=256", "--batch-size", "256"],
}


def _busy() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def _run(threads: int | None, arguments: list[str], data_dir: str, environment: dict) -> float:
    with tempfile.TemporaryDirectory() as out:
        command = [str(Path(sys.executable).with_name("cnnlstm"))]
        if threads is not None:
            command += ["--threads", str(threads)]
        command += ["train", *arguments, "--data-dir", data_dir, "--out", str(Path(out) / "run")]
        env = {k: v for k, v in os.environ.items() if k not in ("CNNLSTM_THREADS", "OMP_NUM_THREADS")}
        env.update(environment)
        start = time.perf_counter()
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--loads", default="idle,busy")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--dry-run", action="store_true", help="the sunspots case, idle, one repeat")
    args = parser.parse_args()
    data_dir = str(_common.data_dir(args.data_dir))
    cores = os.cpu_count() or 1
    # (label, --threads, extra environment). "before" is the old default: torch's own thread count (every core
    # here) with libgomp's own wait policy (spin, then sleep); an empty OMP_WAIT_POLICY leaves libgomp's default.
    settings = [("default", None, {}), *((str(n), n, {}) for n in range(1, cores + 1)),
                ("before", cores, {"OMP_WAIT_POLICY": ""})]
    cases, loads, repeats = args.cases.split(","), args.loads.split(","), args.repeats
    if args.dry_run:
        cases, loads, repeats, settings = ["sunspots cnn_lstm"], ["idle"], 1, settings[:2]
    rows = []
    for load in loads:
        burner = _busy() if load == "busy" else None
        try:
            for case in cases:
                seconds: dict[str, list[float]] = {}
                loads_seen = [os.getloadavg()[0]]
                for _ in range(repeats):
                    for label, threads, environment in settings:
                        arguments = CASES[case] + (["--max-steps-per-epoch", "5"] if args.dry_run else [])
                        seconds.setdefault(label, []).append(_run(threads, arguments, data_dir, environment))
                        loads_seen.append(os.getloadavg()[0])
                best = min(min(v) for v in seconds.values())
                for label, values in seconds.items():
                    rows.append({"case": case, "load": load, "threads": label, "seconds": round(min(values), 2),
                                 "vs_best": round(min(values) / best, 2), "all": [round(v, 2) for v in values],
                                 "loadavg": f"{min(loads_seen):.1f}-{max(loads_seen):.1f}"})
                    print(rows[-1], flush=True)
        finally:
            if burner is not None:
                burner.kill()
    _common.print_table(rows, ["case", "load", "threads", "seconds", "vs_best", "loadavg"])
    path = _common.write_json("threads", {"protocol": {"cores": cores, "repeats": repeats, "estimator": "fastest",
                                                       "busy": "one other process spinning on one core",
                                                       "loadavg": "1-minute load average seen during the case"},
                                          "rows": rows}, dry_run=args.dry_run)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
