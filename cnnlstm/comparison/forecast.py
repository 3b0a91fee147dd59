"""Forecasting in a comparison: every contender forecasts the same origins of the test part.

The neural contenders are `Forecaster`s that differ only in their model (same window, horizon, split, scaler and
training settings). The first one's backtest is the reference: its origins, actual values and scaler map score
every other forecaster, the naive ones and the classical models (fitted on the training part, then run forward
over each origin's history without refitting) included.

Prediction intervals at INTERVAL_LEVEL: a neural contender's are its own (conformal, calibrated on the validation
part in `fit`); the naive and seasonal naive forecasts get absolute-residual conformal intervals from their errors
on the same validation part. Their coverage, mean width and MSIS join the table; contenders without intervals
(the classical models, the ensembles) show none.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

from ..estimators import Forecaster
from ..evaluate import Backtest
from ..intervals import Calibration
from ..metrics import interval_metrics
from ..models.registry import compare_contenders
from . import baselines as classical
from .branches import branch_extras

REFERENCE = "reference"  # the store key of the shared arrays (truth, origins, scaler map)
NAIVE = ("naive", "seasonal_naive")
METRICS = ("rmse", "mae", "smape", "mase", "scaled_mse", "scaled_mae")
INTERVAL_LEVEL = 80
INTERVAL_METRICS = (f"coverage_{INTERVAL_LEVEL}", f"width_{INTERVAL_LEVEL}", f"msis_{INTERVAL_LEVEL}")
MAX_REPORT_ORIGINS = 48


class ForecastProblem:
    """One dataset, split, window and horizon, shared by every contender."""

    task, metric, higher_is_better, stack_loss = "forecast", "rmse", False, "mse"
    metrics = METRICS + INTERVAL_METRICS

    def __init__(self, frame, *, name: str, window: int, horizon: int, stride: int, settings: dict):
        self.frame, self.name, self.window, self.horizon, self.stride = frame, name, window, horizon, stride
        self.settings = settings  # Forecaster arguments shared by every contender
        self.reference: dict[str, np.ndarray] | None = None
        self.estimators: dict[str, Forecaster] = {}
        # id(test forecast) -> (forecast, lower, upper) of a run made in this process, until `score` reads it
        self._pending: dict[int, tuple] = {}
        # id(test forecast) -> (lower, upper) at the report's origins, for the report's bands
        self._bands: dict[int, tuple] = {}

    # ------------------------------------------------------------------ what runs
    def default_models(self) -> list[str]:
        return list(compare_contenders("forecast", "series"))

    def baselines(self) -> list[str]:
        return [*NAIVE, *classical.FORECAST_BASELINES]

    def missing_dependency(self, name: str) -> str | None:
        return None if name in NAIVE else classical.missing_dependency(name)

    def deterministic(self, name: str) -> bool:
        return True

    def fingerprint(self) -> dict:
        return {"task": self.task, "window": self.window, "horizon": self.horizon, "stride": self.stride}

    def summary(self) -> dict:
        return {"data": self.name, "window": self.window, "horizon": self.horizon, "origins every": self.stride}

    # ------------------------------------------------------------------ runs
    def check(self, contender: str, model: str, kwargs: dict) -> str:
        """The contender's dry run (`Forecaster.check`): data, split, windows and network checked, nothing trained."""
        report = Forecaster(model=model, window=self.window, horizon=self.horizon,
                            **{**self.settings, **kwargs}).check(self.frame)
        return (f"contender {contender!r}: model {model!r}{' ' + str(kwargs) if kwargs else ''}, "
                f"{report['parameters']:,} parameters, window {self.window}, horizon {self.horizon}, "
                f"{report['train_windows']} training windows")

    def run_neural(self, model: str, kwargs: dict, seed: int, progress) -> tuple[dict, dict]:
        began = time.perf_counter()
        estimator = Forecaster(model=model, window=self.window, horizon=self.horizon, seed=seed, progress=progress,
                               **{**self.settings, **kwargs}).fit(self.frame)
        train_seconds = time.perf_counter() - began
        began = time.perf_counter()
        level = INTERVAL_LEVEL if estimator.calibration_ is not None else None
        test = estimator.backtest(self.frame, stride=self.stride, level=level)
        predict_seconds = time.perf_counter() - began
        extras = branch_extras(estimator)  # the attention of the test windows' last batch, before validation runs
        validation = estimator.backtest(self.frame, stride=self.stride, part="validation")
        if self.reference is None:
            self.reference = self._reference_arrays(estimator, test, validation)
        self.estimators.setdefault(model, estimator)
        record = {"train_s": train_seconds, "predict_s": predict_seconds, "parameters": estimator.num_parameters(),
                  "history": estimator.history_.to_dict(orient="records"), "extras": extras}
        arrays = {"test": test.forecasts["model"], "val": validation.forecasts["model"]}
        if level is not None:
            arrays["test_lower"], arrays["test_upper"] = test.intervals[level]
        return record, self._remember(arrays)

    def _remember(self, arrays: dict) -> dict:
        """Keep a run's interval bounds for `score`, which run.py calls with the test forecast alone."""
        if "test_lower" in arrays:
            self._pending[id(arrays["test"])] = (arrays["test"], arrays["test_lower"], arrays["test_upper"])
            while len(self._pending) > 8:  # runs scored in another process never come back for theirs
                self._pending.pop(next(iter(self._pending)))
        return arrays

    def _reference_arrays(self, estimator: Forecaster, test: Backtest, validation: Backtest) -> dict:
        history, train_ends = estimator.target_history(self.frame)
        lengths = np.array([len(h) for h in history])
        bounds = {}
        for name in NAIVE:  # absolute-residual conformal on the validation part, scaled data, as the models'
            calibration = Calibration.fit(validation.scaled_actual, validation.scaled_forecasts[name],
                                          scale=validation.window_scale)
            lower, upper = calibration.bounds(test.scaled_forecasts[name], INTERVAL_LEVEL, test.window_scale)
            bounds[f"baseline_{name}_lower"] = lower * test.scale + test.offset
            bounds[f"baseline_{name}_upper"] = upper * test.scale + test.offset
        return {"actual": test.actual, "scaled_actual": test.scaled_actual, "offset": test.offset, "scale": test.scale,
                "mase_scale": test.mase_scale, "series_index": test.series_index, "positions": test.positions,
                "origins": np.asarray(test.origins).astype(str), "series": np.asarray(test.series).astype(str),
                "val_actual": validation.actual, "history": np.concatenate(history), "lengths": lengths,
                "train_ends": np.asarray(train_ends), "targets": np.asarray(test.targets, dtype=str),
                "freq": np.asarray(str(estimator.freq_)), "season": np.asarray(estimator.season_length_),
                **{f"baseline_{name}": test.forecasts[name] for name in NAIVE}, **bounds}

    def load_reference(self, arrays: dict) -> None:
        self.reference = arrays

    def run_baseline(self, name: str, seed: int | None) -> tuple[dict, dict]:
        ref = self.reference
        if name in NAIVE:  # computed with the reference backtest, where every model is scored beside them
            arrays = {"test": ref[f"baseline_{name}"]}
            if f"baseline_{name}_lower" in ref:  # a reference stored before intervals has none
                arrays.update(test_lower=ref[f"baseline_{name}_lower"], test_upper=ref[f"baseline_{name}_upper"])
            return {"train_s": 0.0, "predict_s": 0.0, "parameters": 0}, self._remember(arrays)
        history = np.split(ref["history"], np.cumsum(ref["lengths"])[:-1])
        result = classical.forecast_baselines(
            history, ref["train_ends"].tolist(), ref["series_index"], ref["positions"], horizon=self.horizon,
            season=int(ref["season"]), names=(name,))[name]
        return ({"train_s": result.fit_seconds, "predict_s": result.predict_seconds, "parameters": 0},
                {"test": result.forecasts})

    # ------------------------------------------------------------------ scoring
    def _backtest(self) -> Backtest:
        ref = self.reference
        return Backtest(series=ref["series"], origins=ref["origins"], targets=ref["targets"].tolist(),
                        actual=ref["actual"], forecasts={}, scaled_actual=ref["scaled_actual"], scaled_forecasts={},
                        offset=ref["offset"], scale=ref["scale"], mase_scale=ref["mase_scale"])

    def score(self, prediction: np.ndarray, arrays: dict | None = None) -> dict[str, float]:
        """The test metrics of one run's forecast; with its interval bounds (`arrays`' test_lower and test_upper,
        or those of a run made in this process) also coverage, width and MSIS, else NaN for them."""
        row = self._backtest().score({"x": prediction}).loc["x"]
        metrics = {name: float(row[name]) for name in METRICS}
        bounds = self._bounds(prediction, arrays)
        if bounds is None:
            return {**metrics, **dict.fromkeys(INTERVAL_METRICS, float("nan"))}
        self._bands[id(prediction)] = tuple(b[self._report_origins()] for b in bounds)
        ref = self.reference
        return {**metrics, **interval_metrics(ref["actual"], *bounds, INTERVAL_LEVEL, scale=ref["mase_scale"])}

    def _bounds(self, prediction: np.ndarray, arrays: dict | None) -> tuple[np.ndarray, np.ndarray] | None:
        if arrays is not None and "test_lower" in arrays:
            return arrays["test_lower"], arrays["test_upper"]
        pending = self._pending.pop(id(prediction), None)
        if pending is not None and pending[0] is prediction:
            return pending[1], pending[2]
        for name in NAIVE:  # a naive run made in another process: its forecast is the reference's
            stored = self.reference.get(f"baseline_{name}_lower")
            if stored is not None and np.array_equal(prediction, self.reference[f"baseline_{name}"]):
                return stored, self.reference[f"baseline_{name}_upper"]
        return None

    def sample_losses(self, prediction: np.ndarray) -> np.ndarray:
        """(N,) squared error of each origin on the scaled data, averaged over horizon and targets."""
        ref = self.reference
        return (((prediction - ref["actual"]) / ref["scale"]) ** 2).mean(axis=(1, 2))

    def dm_lag(self) -> int:
        return math.ceil(self.horizon / self.stride)

    def val_truth(self, arrays: dict) -> np.ndarray:
        return self.reference["val_actual"]

    # ------------------------------------------------------------------ report
    def _report_origins(self) -> np.ndarray:
        count = len(self.reference["actual"])
        return np.unique(np.linspace(0, count - 1, min(count, MAX_REPORT_ORIGINS)).round().astype(int))

    def report_sections(self, predictions: dict[str, list[np.ndarray]]) -> dict:
        """The forecast chart: actual against each contender's forecast (mean over seeds), origin by origin, and
        the INTERVAL_LEVEL band (mean bounds over seeds) of each contender scored with intervals here."""
        ref = self.reference
        picked = self._report_origins()
        history = np.split(ref["history"], np.cumsum(ref["lengths"])[:-1])
        freq = str(ref["freq"])
        steps, context, context_steps = [], [], []
        for j in picked:
            origin = ref["origins"][j]
            series, position = int(ref["series_index"][j]), int(ref["positions"][j])
            context.append(history[series][max(0, position - self.window) : position].tolist())
            steps.append(_labels(origin, 0, self.horizon, freq))
            context_steps.append(_labels(origin, -min(self.window, position), 0, freq))
        intervals = {}
        for name, runs in predictions.items():
            bands = [self._bands.get(id(run)) for run in runs]
            if bands and all(band is not None for band in bands):
                intervals[name] = {"level": INTERVAL_LEVEL, "lower": np.mean([b[0] for b in bands], axis=0).tolist(),
                                   "upper": np.mean([b[1] for b in bands], axis=0).tolist()}
        return {"forecasts": {
            "targets": ref["targets"].tolist(), "series": ref["series"][picked].tolist(),
            "origins": [steps[i][0] for i in range(len(picked))], "steps": steps, "context": context,
            "context_steps": context_steps, "actual": ref["actual"][picked].tolist(),
            "predictions": {name: np.mean(runs, axis=0)[picked].tolist() for name, runs in predictions.items()},
            "intervals": intervals}}


def _labels(origin: str, begin: int, end: int, freq: str) -> list[str]:
    """Labels of steps origin+begin .. origin+end-1: timestamps where the data have them, else row numbers."""
    if freq in ("None", "") or not _is_time(origin):
        return [str(int(float(origin)) + k) for k in range(begin, end)]
    offset = pd.tseries.frequencies.to_offset(freq)
    start = pd.Timestamp(str(origin))
    return [_time_label(start + k * offset) for k in range(begin, end)]


def _time_label(stamp: pd.Timestamp) -> str:
    return str(stamp.date()) if stamp == stamp.normalize() else str(stamp)


def _is_time(label: str) -> bool:
    try:
        float(label)
    except ValueError:
        return True
    return False
