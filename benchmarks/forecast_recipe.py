"""How a forecasting model's recipe is chosen: one fit per candidate on an ETT dataset (window 96, the ETT split,
all 7 channels, no calendar), each printed with its best validation MSE, which is what the choice is made on; the
test MSE is printed beside for the record, and is never used to choose. What is not set is the library's default
for the model (`cnnlstm models`).

    python benchmarks/forecast_recipe.py --model seg_lstm --horizon 96 --set lr=0.0003
    python benchmarks/forecast_recipe.py --model seg_lstm --horizon 96 --set hidden_size=256
    python benchmarks/forecast_recipe.py --model cnn_lstm --horizon 96 --set channel_independent=true \
        --set revin=last --set head=segments

Each prints one line per epoch (the training record) and a RESULT line; results go to
benchmarks/results/<model>_recipe.json, one run appended per call.
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
from ett_accuracy import ETT_SPLITS  # noqa: E402

from cnnlstm import Forecaster, datasets  # noqa: E402
from cnnlstm.config import parse_assignments  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="seg_lstm")
    parser.add_argument("--dataset", default="etth1", choices=sorted(ETT_SPLITS))
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
    frame = datasets.load(args.dataset, data_dir=_common.data_dir(args.data_dir), download=False)
    split, window, horizon = ETT_SPLITS[args.dataset], 96, args.horizon
    if args.dry_run:
        frame, split, window, horizon = frame.iloc[:700], (400, 150, 150), 48, 24
        settings = {"epochs": 1, "hidden_size": 16, **settings}
    began = time.perf_counter()

    def progress(record: dict) -> None:
        print(json.dumps({k: round(v, 5) if isinstance(v, float) else v for k, v in record.items()}), flush=True)

    forecaster = Forecaster(args.model, window=window, horizon=horizon, split=split, calendar=None, seed=args.seed,
                            progress=progress, **settings).fit(frame)
    fit_seconds = time.perf_counter() - began
    metrics = forecaster.evaluate(frame)
    run = {"dataset": args.dataset, "model": args.model, "horizon": horizon, "seed": args.seed, "settings": settings,
           "best_val_mse": float(forecaster.history_["val_loss"].min()), "test_scaled_mse": metrics["scaled_mse"],
           "test_scaled_mae": metrics["scaled_mae"], "epochs_run": len(forecaster.history_), "fit_seconds": fit_seconds}
    print("RESULT", json.dumps(run), flush=True)
    name = f"{args.model}_recipe"
    previous = _common.RESULTS / (f"{name}.dry-run.json" if args.dry_run else f"{name}.json")
    runs = json.loads(previous.read_text())["runs"] if previous.exists() and not args.dry_run else []
    path = _common.write_json(name, {"protocol": {"window": window, "splits": ETT_SPLITS,
                                                  "threads": torch.get_num_threads()},
                                     "runs": [*runs, run]}, dry_run=args.dry_run)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
