"""How seg_lstm's recipe was chosen: one fit per candidate on ETTh1 (window 96, the ETT split, all 7 channels, no
calendar), each printed with its best validation MSE, which is what the choice is made on; the test MSE is printed
beside for the record, and is never used to choose.

    python benchmarks/seg_lstm_recipe.py --horizon 96 --set lr=0.0003
    python benchmarks/seg_lstm_recipe.py --horizon 96 --set lr=0.001
    python benchmarks/seg_lstm_recipe.py --horizon 96 --set lr=0.001 --set batch_size=256
    python benchmarks/seg_lstm_recipe.py --horizon 96 --set lr=0.001 --set cell=gru

Each prints one line per epoch (the training record) and a RESULT line; results go to
benchmarks/results/seg_lstm_recipe.json, one run appended per call.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

from cnnlstm import Forecaster, datasets  # noqa: E402
from cnnlstm.config import parse_assignments  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--horizon", type=int, default=96)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                        help="a Forecaster setting or seg_lstm hyperparameter, repeatable")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dry-run", action="store_true", help="a few hundred rows, one epoch")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    settings = parse_assignments(args.assignments, option="--set")
    frame = datasets.load("etth1", data_dir=_common.data_dir(args.data_dir), download=False)
    split, window, horizon = (8640, 2880, 2880), 96, args.horizon
    if args.dry_run:
        frame, split, window, horizon = frame.iloc[:700], (400, 150, 150), 48, 24
        settings = {"epochs": 1, "hidden_size": 16, **settings}
    began = time.perf_counter()

    def progress(record: dict) -> None:
        print(json.dumps({k: round(v, 5) if isinstance(v, float) else v for k, v in record.items()}), flush=True)

    forecaster = Forecaster("seg_lstm", window=window, horizon=horizon, split=split, calendar=None, seed=args.seed,
                            progress=progress, **settings).fit(frame)
    fit_seconds = time.perf_counter() - began
    metrics = forecaster.evaluate(frame)
    run = {"horizon": horizon, "seed": args.seed, "settings": settings,
           "best_val_mse": float(forecaster.history_["val_loss"].min()), "test_scaled_mse": metrics["scaled_mse"],
           "test_scaled_mae": metrics["scaled_mae"], "epochs_run": len(forecaster.history_), "fit_seconds": fit_seconds}
    print("RESULT", json.dumps(run), flush=True)
    name = "seg_lstm_recipe"
    previous = _common.RESULTS / (f"{name}.dry-run.json" if args.dry_run else f"{name}.json")
    runs = json.loads(previous.read_text())["runs"] if previous.exists() and not args.dry_run else []
    path = _common.write_json(name, {"protocol": {"dataset": "etth1", "window": window, "split": split,
                                                  "threads": torch.get_num_threads()},
                                     "runs": [*runs, run]}, dry_run=args.dry_run)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
