"""Do conformal prediction intervals meet their level on new data? Coverage on the test part at 80 % and 90 %.

ETTh1: a `Forecaster` (seg_lstm by default, window 96, the ETT split 8640 / 2880 / 2880, target OT, no calendar)
calibrated on the validation part in `fit`; its test backtest (every origin, stride 1) scored at each level:
coverage (percent of actual values inside, pooled over origins and horizon steps, and its lowest and highest over
the horizon steps), mean width and MSIS, beside the seasonal naive forecast (season 24) with absolute-residual
conformal intervals calibrated on the same validation part (both with each score divided by its input window's
standard deviation, as `Forecaster` calibrates). C-MAPSS FD001: a `UnitRegressor` (cnn_lstm by
default, window 30, the RUL protocol) calibrated on every window of its validation engines, scored at each test
engine's last cycle against the true RUL (and against it capped at 125). Methods: "residual" (a point network,
absolute residuals) and "cqr" (quantiles 0.05, 0.1, 0.5, 0.9, 0.95, conformalized). The goal: coverage within 3
points of nominal. With 100 test engines one engine is one point of coverage, and the binomial standard error at
80 % is 4 points, so FD001's coverage is a noisy check.

    python benchmarks/intervals.py [--dry-run] [--methods residual,cqr] [--parts etth1,fd001]
        [--forecast-model seg_lstm] [--horizon 96] [--epochs 10] [--max-steps 100]
        [--rul-model cnn_lstm] [--rul-epochs 30] [--seeds 1] [--threads 1]

Results: benchmarks/results/intervals.json (a dry run: intervals.dry-run.json).
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

from cnnlstm import Forecaster, UnitRegressor, datasets  # noqa: E402
from cnnlstm.data.prepare.conditions import piecewise_linear_rul  # noqa: E402
from cnnlstm.intervals import Calibration  # noqa: E402
from cnnlstm.metrics import coverage, interval_metrics  # noqa: E402

LEVELS = (80, 90)
QUANTILES = {"residual": None, "cqr": (0.05, 0.1, 0.5, 0.9, 0.95)}
ETT_SPLIT = (8640, 2880, 2880)
TOLERANCE = 3.0  # points of coverage either side of nominal


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="a seconds-long miniature, for CI")
    parser.add_argument("--methods", default="residual,cqr")
    parser.add_argument("--parts", default="etth1,fd001")
    parser.add_argument("--forecast-model", default="seg_lstm")
    parser.add_argument("--horizon", type=int, default=96)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--max-steps", type=int, default=100, help="forecast: steps per epoch at most")
    parser.add_argument("--rul-model", default="cnn_lstm")
    parser.add_argument("--rul-epochs", type=int, default=30)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    data_dir = _common.data_dir(args.data_dir)
    methods, parts = args.methods.split(","), args.parts.split(",")
    unknown = [m for m in methods if m not in QUANTILES]
    if unknown:
        parser.error(f"--methods takes {', '.join(QUANTILES)}; received {', '.join(unknown)}")
    rows = []
    for seed in range(1 if args.dry_run else args.seeds):
        for method in methods:
            if "etth1" in parts:
                rows += forecast_rows(args, method, seed, data_dir)
            if "fd001" in parts:
                rows += rul_rows(args, method, seed, data_dir)
    for row in rows:
        row["met"] = abs(row["coverage"] - row["level"]) <= TOLERANCE
    _common.print_table(rows, ["data", "contender", "method", "seed", "level", "coverage", "coverage_capped",
                               "step_min", "step_max", "width", "score", "met", "fit_s"])
    path = _common.write_json("intervals", {"levels": list(LEVELS), "tolerance": TOLERANCE, "rows": rows,
                                            "settings": vars(args)}, dry_run=args.dry_run)
    print(f"wrote {path}")
    return 0


def forecast_rows(args, method: str, seed: int, data_dir) -> list[dict]:
    """The forecaster's intervals and the seasonal naive's, on ETTh1's test part."""
    frame = datasets.load("etth1", data_dir=data_dir, download=False)
    split, window, horizon, settings = ETT_SPLIT, 96, args.horizon, {}
    if args.dry_run:
        frame, split, window, horizon = frame.iloc[:700], (400, 150, 150), 48, 24
        settings = {"hidden_size": 16}
    began = time.perf_counter()
    forecaster = Forecaster(args.forecast_model, window=window, horizon=horizon, split=split, targets="OT",
                            calendar=None, seed=seed, quantiles=QUANTILES[method], progress=False,
                            epochs=1 if args.dry_run else args.epochs, max_steps_per_epoch=args.max_steps,
                            **settings).fit(frame)
    fit_seconds = time.perf_counter() - began
    test = forecaster.backtest(frame, level=list(LEVELS))
    common = {"data": "etth1 OT", "method": method, "seed": seed, "horizon": horizon,
              "origins": len(test.origins), "calibration_windows": forecaster.calibration_.size}
    rows = []
    for level in LEVELS:
        lower, upper = test.intervals[level]
        rows.append({**common, "contender": args.forecast_model, "level": level, "fit_s": round(fit_seconds, 1),
                     "test_mse_scaled": float(test.metrics.loc["model", "scaled_mse"]),
                     **_scored(test.actual, lower, upper, level, test.mase_scale)})
    if method == methods_first(args):  # the baseline does not depend on the network's method
        validation = forecaster.backtest(frame, part="validation")
        calibration = Calibration.fit(validation.scaled_actual, validation.scaled_forecasts["seasonal_naive"],
                                      scale=validation.window_scale)
        for level in LEVELS:
            lower, upper = (v * test.scale + test.offset for v in calibration.bounds(
                test.scaled_forecasts["seasonal_naive"], level, test.window_scale))
            rows.append({**common, "contender": "seasonal_naive", "method": "residual", "level": level,
                         "calibration_windows": calibration.size,
                         "test_mse_scaled": float(test.metrics.loc["seasonal_naive", "scaled_mse"]),
                         **_scored(test.actual, lower, upper, level, test.mase_scale)})
    return rows


def methods_first(args) -> str:
    return args.methods.split(",")[0]


def _scored(actual, lower, upper, level: int, scale) -> dict:
    """Pooled coverage, the lowest and highest coverage over the horizon steps, mean width and MSIS."""
    metrics = interval_metrics(actual, lower, upper, level, scale=scale)
    inside = (lower <= actual) & (actual <= upper)  # (N, H, T)
    by_step = 100 * inside.mean(axis=(0, 2))
    return {"coverage": metrics[f"coverage_{level}"], "step_min": float(by_step.min()),
            "step_max": float(by_step.max()), "width": metrics[f"width_{level}"], "score": metrics[f"msis_{level}"]}


def rul_rows(args, method: str, seed: int, data_dir) -> list[dict]:
    """The unit regressor's intervals at each FD001 test engine's last cycle."""
    train = datasets.load("cmapss-fd001", split="train", data_dir=data_dir)
    test = datasets.load("cmapss-fd001", split="test", data_dir=data_dir)
    if args.dry_run:
        train, test = train[train["unit"] <= 12], test[test["unit"] <= 10]
    began = time.perf_counter()
    # refit=False keeps the validation units untouched for the calibration; patience 10, section 15's recipe
    model = UnitRegressor(args.rul_model, seed=seed, quantiles=QUANTILES[method], progress=False, refit=False,
                          patience=10, epochs=1 if args.dry_run else args.rul_epochs).fit(train, group="unit",
                                                                                          target="rul")
    fit_seconds = time.perf_counter() - began
    last = model.last_cycle(test, level=list(LEVELS))
    truth = last["true"].to_numpy(dtype=np.float64)
    rows = []
    for level in LEVELS:
        lower, upper = (last[f"prediction-{end}-{level}"].to_numpy() for end in ("lo", "hi"))
        metrics = interval_metrics(truth, lower, upper, level)
        rows.append({"data": "fd001 last cycle", "contender": args.rul_model, "method": method, "seed": seed,
                     "level": level, "engines": len(truth), "calibration_windows": model.calibration_.size,
                     "coverage": metrics[f"coverage_{level}"],
                     "coverage_capped": coverage(piecewise_linear_rul(truth, model.rul_cap), lower, upper),
                     "width": metrics[f"width_{level}"], "score": metrics[f"interval_score_{level}"],
                     "rmse": float(np.sqrt(np.mean((last["prediction"].to_numpy() - truth) ** 2))),
                     "fit_s": round(fit_seconds, 1)})
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
