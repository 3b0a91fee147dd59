"""ETTh1 long-horizon accuracy under the usual protocol, for every registry model.

Protocol: train/validation/test = 12/4/4 months (split=(8640, 2880, 2880) rows), z-score fitted on the training
part (scaler="standard"), input window 96, horizons 96/192/336/720, all 7 channels as targets, no calendar
features unless --calendar is given. Metrics: MSE and MAE on the scaled data over every test origin (stride 1),
i.e. `Forecaster.evaluate(...)["scaled_mse"]` and `["scaled_mae"]`. Each (model, horizon) runs --seeds seeds and is
reported as mean +- std. Early stopping uses the validation part only (Forecaster's patience).

At horizon 96 the table shows beside our numbers the figures published for other models under this protocol
(quoted, not measured here): DLinear 0.386 / 0.400, iTransformer 0.386 / 0.405, PatchTST 0.414 / 0.419 (MSE / MAE).

    python benchmarks/ett_accuracy.py [--dry-run] [--models linear,cnn] [--horizons 96] [--seeds 3] [--epochs 10]
        [--channel-independent] [--calendar] [--batch-size 32] [--threads 2]

With --defaults every setting but the protocol's (window, horizon, split, scaler, no calendar) is the library's
default, as `Forecaster(model=..., window=96, horizon=H)` gives it (the model's own channel independence,
normalisation and recipe included): what issue 10's targets are measured with. --dataset ettm1 takes ETTm1 with
its split (34560, 11520, 11520). The published SegRNN figures (window 96; quoted, not measured here) are printed
beside.

    python benchmarks/ett_accuracy.py --defaults --models seg_lstm --horizons 96 --seeds 3 --threads 1

Results are written after every fit, so a run cut short keeps what it finished.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

from cnnlstm import Forecaster, datasets, list_models  # noqa: E402

ETT_SPLITS = {"etth1": (8640, 2880, 2880), "etth2": (8640, 2880, 2880), "ettm1": (34560, 11520, 11520),
              "ettm2": (34560, 11520, 11520)}
PUBLISHED_H96 = {"DLinear": (0.386, 0.400), "iTransformer": (0.386, 0.405), "PatchTST": (0.414, 0.419)}
# SegRNN (Lin et al. 2023, arXiv 2308.11200, the authors' table for window 96 after their 2024 fix): MSE by horizon
PUBLISHED_SEGRNN = {"etth1": {96: 0.368, 192: 0.408, 336: 0.444, 720: 0.446},
                    "etth2": {96: 0.278, 192: 0.359, 336: 0.421, 720: 0.432},
                    "ettm1": {96: 0.330, 192: 0.369, 336: 0.399, 720: 0.454}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="a seconds-long miniature, for CI")
    parser.add_argument("--models", default=",".join(list_models("series")), help="registry names, comma-separated")
    parser.add_argument("--horizons", default="96,192,336,720")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0, help="seeds run: first-seed .. first-seed + seeds - 1")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--window", type=int, default=96)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--patience", type=int, default=3, help="early stopping on validation loss (0: off)")
    parser.add_argument("--channel-independent", action="store_true",
                        help="forecast each channel from its own history with shared weights (PatchTST/DLinear)")
    parser.add_argument("--calendar", action="store_true", help="add the automatic calendar features")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                        help="a Forecaster setting or model hyperparameter (given to the models that accept it); "
                             "repeatable, e.g. --set lr=3e-4 --set dropout=0.3")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--dataset", default="etth1", choices=sorted(ETT_SPLITS))
    parser.add_argument("--defaults", action="store_true",
                        help="the library's defaults for everything but the protocol (epochs, batch, patience, "
                             "channel independence and normalisation are the model's own)")
    args = parser.parse_args(argv)
    models = args.models.split(",")
    horizons = [int(h) for h in args.horizons.split(",")]
    split, window, seeds, epochs = ETT_SPLITS[args.dataset], args.window, args.seeds, args.epochs
    torch.set_num_threads(args.threads)

    frame = datasets.load(args.dataset, data_dir=_common.data_dir(args.data_dir), download=False)
    if args.dry_run:
        frame = frame.iloc[:1000].reset_index(drop=True)
        split, window, horizons, seeds, epochs = (600, 200, 200), 48, [24], 1, 1

    runs, summary = [], []

    def save():
        name = "ett_accuracy_channel_independent" if args.channel_independent else "ett_accuracy"
        name += "" if args.dataset == "etth1" else f"_{args.dataset}"
        name += "_defaults" if args.defaults else ""
        name += "" if args.models == ",".join(list_models("series")) else "_" + args.models.replace(",", "-")
        name += "_tuned" if args.assignments else ""
        name += "" if args.horizons == "96,192,336,720" else "_h" + args.horizons.replace(",", "-")
        name += "" if args.first_seed == 0 else f"_seeds{args.first_seed}-{args.first_seed + seeds - 1}"
        return _common.write_json(name, {
            "protocol": {"split": split, "window": window, "scaler": "standard", "targets": "all 7 channels",
                         "calendar": "auto" if args.calendar else None, "channel_independent": args.channel_independent,
                         "epochs": epochs, "batch_size": args.batch_size, "patience": args.patience or None,
                         "threads": torch.get_num_threads(), "settings": args.assignments,
                         "dataset": args.dataset, "library_defaults": args.defaults},
            "published_segrnn_not_measured": PUBLISHED_SEGRNN.get(args.dataset),
            "published_h96_not_measured": PUBLISHED_H96 if args.dataset == "etth1" else None, "summary": summary, "runs": runs,
        }, dry_run=args.dry_run)

    from cnnlstm.config import parse_assignments
    from cnnlstm.models import model_hyperparameters

    extra = parse_assignments(args.assignments, option="--set")
    for horizon in horizons:
        for model in models:
            accepted = {k: v for k, v in extra.items() if k in model_hyperparameters(model) or k in ("lr", "weight_decay")}
            scores = []
            for seed in range(args.first_seed, args.first_seed + seeds):
                protocol = dict(model=model, window=window, horizon=horizon, split=split, scaler="standard",
                                calendar="auto" if args.calendar else None, seed=seed, progress=False)
                if args.defaults:
                    forecaster = Forecaster(**protocol, **accepted)
                else:
                    forecaster = Forecaster(**protocol, channel_independent=args.channel_independent, epochs=epochs,
                                            batch_size=args.batch_size, patience=args.patience or None, **accepted)
                began = time.perf_counter()
                forecaster.fit(frame)
                fit_seconds = time.perf_counter() - began
                began = time.perf_counter()
                metrics = forecaster.evaluate(frame)
                score_seconds = time.perf_counter() - began
                run = {"model": model, "horizon": horizon, "seed": seed, "scaled_mse": metrics["scaled_mse"],
                       "scaled_mae": metrics["scaled_mae"], "test_windows": metrics["windows"],
                       "epochs_run": len(forecaster.history_), "fit_seconds": fit_seconds,
                       "score_seconds": score_seconds, "parameters": forecaster.num_parameters()}
                run["seconds_per_epoch"] = fit_seconds / max(1, run["epochs_run"])
                runs.append(run)
                scores.append(run)
                print(f"  {model:>9} H={horizon:<4} seed={seed}: mse {run['scaled_mse']:.4f}  mae {run['scaled_mae']:.4f}"
                      f"  ({run['epochs_run']} epochs, fit {fit_seconds:.1f}s, score {score_seconds:.1f}s)", flush=True)
                save()
            mse = np.array([s["scaled_mse"] for s in scores])
            mae = np.array([s["scaled_mae"] for s in scores])
            summary.append({"model": model, "horizon": horizon, "seeds": len(scores),
                            "mse": f"{mse.mean():.3f} ± {mse.std():.3f}", "mae": f"{mae.mean():.3f} ± {mae.std():.3f}",
                            "mse_mean": float(mse.mean()), "mse_std": float(mse.std()),
                            "mae_mean": float(mae.mean()), "mae_std": float(mae.std()),
                            "fit_seconds_mean": float(np.mean([s["fit_seconds"] for s in scores]))})
            save()

    print()
    _common.print_table(summary, ["model", "horizon", "seeds", "mse", "mae", "fit_seconds_mean"])
    if args.dataset in PUBLISHED_SEGRNN:
        print(f"\nSegRNN's published MSE on {args.dataset} (quoted, not measured here): {PUBLISHED_SEGRNN[args.dataset]}")
    if 96 in horizons and args.dataset == "etth1":
        print("\npublished on ETTh1 at horizon 96 under this protocol (quoted, not measured here):")
        _common.print_table([{"model": k, "mse": v[0], "mae": v[1]} for k, v in PUBLISHED_H96.items()])
    print(f"\nwrote {save()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
