"""`cnnlstm.compare` on four real problems: ETTh1 forecasting, GunPoint and BasicMotions classification, and
C-MAPSS FD001 remaining useful life. Every contender, both ensembles and every classical baseline, over 3 seeds.

Settings (the library's defaults unless listed):

* etth1: horizon 96, window 96 (the usual long-horizon setting), the ETT split 8640/2880/2880, target OT
  (the dataset's customary target), test origins every 24 hours (`--stride 24`: 117 origins) so the classical
  models, run forward over each origin's full history, stay affordable; 20 epochs, patience 5, batch 64.
* GunPoint, BasicMotions: the official TRAIN/TEST splits, 100 epochs, validation = a stratified fifth of TRAIN.
* cmapss-fd001: the RUL protocol (cap 125, per-condition scaling, windows of 30 cycles), 30 epochs.

    python benchmarks/compare_suite.py [--problems etth1,gunpoint,basicmotions,fd001] [--seeds 3] [--threads 1]
        [--dry-run]

Each problem's run folder (runs/bench-compare/<problem>) keeps finished results, so a rerun resumes. The tables
go to benchmarks/results/compare_suite.json and are printed as markdown; `fit_and_predict_seconds` sums every
stored run's training and prediction time, so it stays true when a rerun reused stored results.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

import cnnlstm  # noqa: E402

PROBLEMS = {
    "etth1": dict(data="etth1", horizon=96, window=96, stride=24, epochs=20, patience=5, batch_size=64),
    "gunpoint": dict(data="GunPoint"),
    "basicmotions": dict(data="BasicMotions"),
    "fd001": dict(data="cmapss-fd001", epochs=30),
}
DRY = {  # seconds-long miniatures of the same calls, for CI
    "etth1": dict(epochs=1, max_steps_per_epoch=2, stride=480, baselines=["naive", "seasonal_naive"],
                  models=["cnn", "linear"]),
    "gunpoint": dict(epochs=1, models=["cnn", "lstm"], baselines=[]),
    "basicmotions": dict(epochs=1, models=["cnn", "lstm"], baselines=[]),
    "fd001": dict(epochs=1, models=["cnn"], baselines=["mean", "ridge"]),
}


def markdown(table, metric_columns) -> str:
    header = ["rank", "contender", "kind", *metric_columns, "train_s", "parameters", "p_value", "verdict"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in table:
        lines.append("| " + " | ".join("" if row.get(c) is None else str(row.get(c)) for c in header) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="runs/bench-compare")
    parser.add_argument("--dry-run", action="store_true", help="a seconds-long miniature, for CI")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    results = {}
    for name in args.problems.split(","):
        settings = dict(PROBLEMS[name])
        data = settings.pop("data")
        if args.dry_run:
            settings.update(DRY[name])
        began = time.perf_counter()
        with tempfile.TemporaryDirectory() as scratch:  # a dry run starts afresh and leaves nothing behind
            out = Path(scratch if args.dry_run else args.out) / name
            result = cnnlstm.compare(data, seeds=1 if args.dry_run else args.seeds, out=out, progress=False,
                                     **settings)
        payload = result.payload
        metrics = [c for c in payload["columns"] if c not in
                   ("rank", "contender", "kind", "train_s", "predict_s", "parameters", "p_value", "verdict")]
        fitted = [record for runs in result.runs.values() for record, _ in runs if record["kind"] != "ensemble"]
        results[name] = {"data": data, "settings": payload["settings"], "notes": payload["notes"],
                         "wall_seconds": time.perf_counter() - began,  # small when the run folder already held results
                         "fit_and_predict_seconds": sum(r["train_s"] + r["predict_s"] for r in fitted),
                         "table": payload["table"],
                         "metric": payload["metric"], "summary": payload["data"]["summary"]}
        print(f"\n### {name} ({data}), ranked by {payload['metric']}, {time.perf_counter() - began:.0f} s\n")
        print(markdown(payload["table"], metrics))
    path = _common.write_json("compare_suite", {"threads": args.threads, "seeds": args.seeds, "problems": results},
                              dry_run=args.dry_run)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
