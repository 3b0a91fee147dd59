"""Forecasting in a comparison: every contender forecasts the same origins of the test part.

The neural contenders are `Forecaster`s that differ only in their model (same window, horizon, split, scaler and
training settings). The first one's backtest is the reference: its origins, actual values and scaler map score
every other forecaster, the naive ones and the classical models (fitted on the training part, then run forward
over each origin's history without refitting) included.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

from ..estimators import Forecaster
from ..evaluate import Backtest
from ..models.registry import compare_contenders
from . import baselines as classical
from .branches import branch_extras

REFERENCE = "reference"  # the store key of the shared arrays (truth, origins, scaler map)
NAIVE = ("naive", "seasonal_naive")
METRICS = ("rmse", "mae", "smape", "mase", "scaled_mse", "scaled_mae")
MAX_REPORT_ORIGINS = 48


class ForecastProblem:
    """One dataset, split, window and horizon, shared by every contender."""

    task, metric, higher_is_better, stack_loss = "forecast", "rmse", False, "mse"
    metrics = METRICS

    def __init__(self, frame, *, name: str, window: int, horizon: int, stride: int, settings: dict):
        self.frame, self.name, self.window, self.horizon, self.stride = frame, name, window, horizon, stride
        self.settings = settings  # Forecaster arguments shared by every contender
        self.reference: dict[str, np.ndarray] | None = None
        self.estimators: dict[str, Forecaster] = {}

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
        test = estimator.backtest(self.frame, stride=self.stride)
        predict_seconds = time.perf_counter() - began
        extras = branch_extras(estimator)  # the attention of the test windows' last batch, before validation runs
        validation = estimator.backtest(self.frame, stride=self.stride, part="validation")
        if self.reference is None:
            self.reference = self._reference_arrays(estimator, test, validation)
        self.estimators.setdefault(model, estimator)
        record = {"train_s": train_seconds, "predict_s": predict_seconds, "parameters": estimator.num_parameters(),
                  "history": estimator.history_.to_dict(orient="records"), "extras": extras}
        return record, {"test": test.forecasts["model"], "val": validation.forecasts["model"]}

    def _reference_arrays(self, estimator: Forecaster, test: Backtest, validation: Backtest) -> dict:
        history, train_ends = estimator.target_history(self.frame)
        lengths = np.array([len(h) for h in history])
        return {"actual": test.actual, "scaled_actual": test.scaled_actual, "offset": test.offset, "scale": test.scale,
                "mase_scale": test.mase_scale, "series_index": test.series_index, "positions": test.positions,
                "origins": np.asarray(test.origins).astype(str), "series": np.asarray(test.series).astype(str),
                "val_actual": validation.actual, "history": np.concatenate(history), "lengths": lengths,
                "train_ends": np.asarray(train_ends), "targets": np.asarray(test.targets, dtype=str),
                "freq": np.asarray(str(estimator.freq_)), "season": np.asarray(estimator.season_length_),
                **{f"baseline_{name}": test.forecasts[name] for name in NAIVE}}

    def load_reference(self, arrays: dict) -> None:
        self.reference = arrays

    def run_baseline(self, name: str, seed: int | None) -> tuple[dict, dict]:
        ref = self.reference
        if name in NAIVE:  # computed with the reference backtest, where every model is scored beside them
            return {"train_s": 0.0, "predict_s": 0.0, "parameters": 0}, {"test": ref[f"baseline_{name}"]}
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

    def score(self, prediction: np.ndarray) -> dict[str, float]:
        row = self._backtest().score({"x": prediction}).loc["x"]
        return {name: float(row[name]) for name in self.metrics}

    def sample_losses(self, prediction: np.ndarray) -> np.ndarray:
        """(N,) squared error of each origin on the scaled data, averaged over horizon and targets."""
        ref = self.reference
        return (((prediction - ref["actual"]) / ref["scale"]) ** 2).mean(axis=(1, 2))

    def dm_lag(self) -> int:
        return math.ceil(self.horizon / self.stride)

    def val_truth(self, arrays: dict) -> np.ndarray:
        return self.reference["val_actual"]

    # ------------------------------------------------------------------ report
    def report_sections(self, predictions: dict[str, list[np.ndarray]]) -> dict:
        """The forecast chart: actual against each contender's forecast (mean over seeds), origin by origin."""
        ref = self.reference
        count = len(ref["actual"])
        picked = np.unique(np.linspace(0, count - 1, min(count, MAX_REPORT_ORIGINS)).round().astype(int))
        history = np.split(ref["history"], np.cumsum(ref["lengths"])[:-1])
        freq = str(ref["freq"])
        steps, context, context_steps = [], [], []
        for j in picked:
            origin = ref["origins"][j]
            series, position = int(ref["series_index"][j]), int(ref["positions"][j])
            context.append(history[series][max(0, position - self.window) : position].tolist())
            steps.append(_labels(origin, 0, self.horizon, freq))
            context_steps.append(_labels(origin, -min(self.window, position), 0, freq))
        return {"forecasts": {
            "targets": ref["targets"].tolist(), "series": ref["series"][picked].tolist(),
            "origins": [steps[i][0] for i in range(len(picked))], "steps": steps, "context": context,
            "context_steps": context_steps, "actual": ref["actual"][picked].tolist(),
            "predictions": {name: np.mean(runs, axis=0)[picked].tolist() for name, runs in predictions.items()}}}


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
