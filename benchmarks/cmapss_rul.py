"""Remaining useful life on NASA C-MAPSS FD001 and FD002 through `Regressor`, the standard protocol.

Protocol (the library's protocol="rul"): piecewise-linear training target capped at 125 cycles, constant sensors
dropped (judged on the training units), the setting columns used only to find the operating conditions (one in
FD001, six in FD002) and each sensor standardised per condition on the training units, windows of 30 cycles
(stride 1), 20 % of the training engines held out for validation (early stopping and the weights kept), the
official test engines scored once at their last cycle (engines shorter than 30 cycles padded and masked).

Reported: RMSE against the true test RUL as given in RUL_FD00x (`rmse`), RMSE against the true RUL capped at 125
(`rmse_capped`, what many papers compute), and the PHM08 score, as mean +- std over the seeds, beside published
RMSEs (quoted, not measured): CNN, Sateesh Babu et al. 2016: 18.45 / 30.29; LSTM, Zheng et al. 2017:
16.14 / 24.49; DCNN, Li et al. 2018: 12.61 / 22.36 (FD001 / FD002).

    python benchmarks/cmapss_rul.py [--dry-run] [--subsets fd001,fd002] [--models default|cnn_lstm,...] [--seeds 5]
        [--epochs N] [--window N] [--batch-size N] [--set KEY=VALUE ...] [--threads 1] [--name NAME]

Settings not given are the UnitRegressor's defaults (`fit(train, group="unit", target="rul")` and nothing else).

Results are written after every fit; a rerun skips the fits already in the results file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

from cnnlstm import UnitRegressor, datasets  # noqa: E402
from cnnlstm.config import parse_assignments  # noqa: E402
from cnnlstm.models import model_hyperparameters  # noqa: E402

PUBLISHED = {"CNN (Sateesh Babu 2016)": {"fd001": 18.45, "fd002": 30.29},
             "LSTM (Zheng 2017)": {"fd001": 16.14, "fd002": 24.49},
             "DCNN (Li 2018)": {"fd001": 12.61, "fd002": 22.36}}
GOALS = {"fd001": 12.0, "fd002": 16.0}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="a seconds-long miniature, for CI")
    parser.add_argument("--subsets", default="fd001,fd002")
    parser.add_argument("--models", default="default", help="registry names, or 'default': the UnitRegressor's own")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first-seed .. first-seed + seeds - 1")
    parser.add_argument("--epochs", type=int, default=None, help="default: the UnitRegressor's")
    parser.add_argument("--window", type=int, default=None, help="default: the UnitRegressor's")
    parser.add_argument("--batch-size", type=int, default=None, help="default: the UnitRegressor's")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                        help="a Regressor setting or model hyperparameter (given to the models that take it)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--name", default="cmapss_rul", help="results/<name>.json")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    subsets, models, seeds, epochs = args.subsets.split(","), args.models.split(","), args.seeds, args.epochs
    settings = parse_assignments(args.assignments, option="--set")
    data_dir = _common.data_dir(args.data_dir)

    path = _common.RESULTS / (f"{args.name}.dry-run.json" if args.dry_run else f"{args.name}.json")
    runs = [] if args.dry_run or not path.exists() else json.loads(path.read_text())["runs"]
    key = json.dumps(settings, sort_keys=True)
    done = {_run_key(r) for r in runs}
    for subset in subsets:
        train = datasets.load(f"cmapss-{subset}", split="train", data_dir=data_dir)
        test = datasets.load(f"cmapss-{subset}", split="test", data_dir=data_dir)
        if args.dry_run:
            subsets, seeds, epochs = subsets[:1], 1, 1
            train, test = train[train["unit"] <= 10], test[test["unit"] <= 10]
        for model in models:
            given = {"model": model} if model != "default" else {}
            given.update({k: v for k, v in (("window", args.window), ("epochs", epochs),
                                            ("batch_size", args.batch_size)) if v is not None})
            model = model if model != "default" else UnitRegressor().model
            extra = {k: v for k, v in settings.items() if k in model_hyperparameters(model) or k not in
                     _all_hyperparameters()}
            planned = UnitRegressor(**given)  # the settings each fit below runs with, defaults included
            effective, window = planned.epochs, planned.window
            for seed in range(args.first_seed, args.first_seed + seeds):
                if (subset, model, seed, effective, key, window) in done:
                    continue
                began, cpu_began = time.perf_counter(), time.process_time()
                rul = UnitRegressor(**{**given, "seed": seed, "device": "cpu", "progress": False, **extra})
                rul.fit(train, group="unit", target="rul")
                seconds = time.perf_counter() - began
                cpu_seconds = time.process_time() - cpu_began  # one thread: the fit's own work, whatever else runs
                scores = rul.evaluate(test)
                runs.append({"subset": subset, "model": model, "seed": seed, "epochs": effective, "settings": key,
                             "window": window,
                             "defaults": sorted(set(["model", "window", "epochs", "batch_size"]) - set(given)),
                             **scores, "val_loss": _best_val_loss(rul), "train_seconds": seconds, "cpu_seconds": cpu_seconds,
                             "val_curve": [round(float(v), 5) for v in _holdout_history(rul).get("val_loss", [])],
                             "best_epochs": getattr(rul, "best_epochs_", None),
                             "epochs_run": len(rul.history_), "parameters": rul.num_parameters()})
                print(f"{subset} {model:9s} seed {seed}: rmse {scores['rmse']:.2f}  capped {scores['rmse_capped']:.2f}"
                      f"  score {scores['score']:.0f}  val_loss {runs[-1]['val_loss'] or float('nan'):.4f}  {seconds:.0f} s", flush=True)
                if not args.dry_run and path.exists():  # another process on the same --name: keep its runs too
                    mine = {_run_key(r) for r in runs}
                    runs = [r for r in json.loads(path.read_text())["runs"] if _run_key(r) not in mine] + runs
                _common.write_json(args.name, {"published_rmse": PUBLISHED, "goals_rmse": GOALS, "runs": runs},
                                   dry_run=args.dry_run)
        if args.dry_run:
            break
    for (subset, model, epochs, setting) in sorted({(r["subset"], r["model"], r["epochs"], r["settings"])
                                                    for r in runs}, key=str):
        chosen = [r for r in runs if (r["subset"], r["model"], r["epochs"], r["settings"])
                  == (subset, model, epochs, setting)]
        cells = []
        for metric in ("rmse", "rmse_capped", "score", "val_loss"):
            values = [r[metric] for r in chosen if r[metric] is not None] or [float("nan")]
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            cells.append(f"{metric} {statistics.mean(values):.3f} ± {spread:.3f}")
        print(f"{subset} {model} epochs {epochs} {setting} ({len(chosen)} seeds): " + ", ".join(cells))
    print(f"wrote {path}")
    return 0


def _best_val_loss(rul) -> float | None:
    """The lowest validation loss of the fit (of the cross-validation curve with folds); None without validation."""
    if getattr(rul, "cv_val_loss_", None) is not None:
        return float(min(rul.cv_val_loss_))
    history = _holdout_history(rul)
    values = history["val_loss"].dropna() if "val_loss" in history else []
    return float(values.min()) if len(values) else None


def _run_key(run: dict) -> tuple:
    # runs written before the window was recorded all used 30 cycles, the default of their time
    return run["subset"], run["model"], run["seed"], run["epochs"], run["settings"], run.get("window", 30)


def _holdout_history(rul):
    """The history with the validation curve: the hold-out's when `refit` trained again on every unit."""
    return getattr(rul, "holdout_history_", None) if getattr(rul, "holdout_history_", None) is not None else rul.history_


def _all_hyperparameters() -> set[str]:
    from cnnlstm.models import list_models

    return {k for name in list_models("series") for k in model_hyperparameters(name)}


if __name__ == "__main__":
    sys.exit(main())
