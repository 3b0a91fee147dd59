"""A small hyperparameter look for `cnn_lstm` (and `parallel`) on ETTh1, selected on validation loss only.

Same protocol as ett_accuracy.py (split (8640, 2880, 2880), z-score on train, window 96, horizon 96, 7 channels,
no calendar unless a row adds it, 10 epochs, patience 3, seed 0, one thread). Each row prints the validation
MSE (what selection may use) beside the test MSE (reported only): pick by the first column, never the second.

    python benchmarks/ett_tuning.py [--dry-run]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

from cnnlstm import Forecaster, datasets  # noqa: E402

CONFIGS = [
    ("cnn_lstm", {}),
    ("cnn_lstm", {"lr": 3e-4}),
    ("cnn_lstm", {"lr": 1e-4}),
    ("cnn_lstm", {"lr": 3e-4, "dropout": 0.3}),
    ("cnn_lstm", {"lr": 3e-4, "hidden_size": 64, "filters": 32}),
    ("cnn_lstm", {"lr": 3e-4, "calendar": "auto"}),
    ("parallel", {"lr": 3e-4}),
]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="a seconds-long miniature")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    frame = datasets.load("etth1", data_dir=_common.data_dir(args.data_dir), download=False)
    settings = dict(window=96, horizon=96, split=(8640, 2880, 2880), calendar=None, epochs=10, batch_size=32,
                    patience=3, progress=False, seed=0)
    configs = CONFIGS
    if args.dry_run:
        frame = frame.iloc[:1000].reset_index(drop=True)
        settings.update(window=48, horizon=24, split=(600, 200, 200), epochs=1)
        configs = CONFIGS[:2]
    rows = []
    for model, extra in configs:
        began = time.perf_counter()
        forecaster = Forecaster(model, **{**settings, **extra}).fit(frame)
        validation = forecaster.backtest(frame, part="validation").metrics.loc["model", "scaled_mse"]
        test = forecaster.evaluate(frame)["scaled_mse"]
        rows.append({"model": model, "settings": str(extra or "defaults"), "validation_mse": float(validation),
                     "test_mse": float(test), "epochs_run": len(forecaster.history_),
                     "best_epoch": int(forecaster.history_["val_loss"].idxmin()) + 1,
                     "seconds": time.perf_counter() - began})
        print(rows[-1], flush=True)
        path = _common.write_json("ett_tuning", {"protocol": settings, "rows": rows}, dry_run=args.dry_run)
    _common.print_table(rows, ["model", "settings", "validation_mse", "test_mse", "epochs_run", "best_epoch"])
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
