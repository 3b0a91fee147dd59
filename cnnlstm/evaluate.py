"""Rolling-origin backtests and the naive baselines every model is scored beside.

A backtest takes every window whose target lies in the test part (one origin per step, or per `stride` steps),
forecasts them all in a few batched calls, and scores the forecasts on the original scale and on the scaled
data (the ETT convention reports MSE and MAE of z-scored values).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandas.tseries.frequencies as frequencies

from .metrics import forecast_metrics, mae, mse, seasonal_scale

# Seasonal period by the step of the data, for the seasonal naive forecast and MASE.
_SEASONS = {"min": 1440, "10min": 144, "15min": 96, "30min": 48, "h": 24, "D": 7, "B": 5, "W": 52, "M": 12, "Q": 4}


def season_length(freq: str | None) -> int:
    """The usual seasonal period for data sampled at `freq` (1 when there is none).

    Example:
        >>> season_length("h"), season_length("15min"), season_length("MS"), season_length(None)
        (24, 96, 12, 1)
    """
    if freq is None:
        return 1
    offset = frequencies.to_offset(freq)
    try:
        step = pd.Timedelta(offset)
    except ValueError:
        step = None
    if step is not None:
        if step < pd.Timedelta("1D"):
            return max(1, int(pd.Timedelta("1D") / step))
        if step == pd.Timedelta("1D"):
            return 7
        return 52 if step == pd.Timedelta("7D") else 1
    name = offset.rule_code.split("-")[0]
    for prefix, season in (("Q", 4), ("BQ", 4), ("M", 12), ("BM", 12), ("SM", 24), ("W", 52)):
        if name.startswith(prefix):
            return season
    return 1


def naive_forecasts(values: np.ndarray, rows: np.ndarray, series_begin: np.ndarray, *, window: int, horizon: int,
                    num_targets: int, season: int) -> dict[str, np.ndarray]:
    """The naive (last value) and seasonal naive (last season) forecasts, (N, H, T) each.

    `rows` are window start rows; `series_begin[i]` is the first row of window i's series, so a seasonal lag
    never reads another series (where a season of history is missing, the naive value stands in).
    """
    origin = rows + window  # first forecast row, (N,)
    last = values[origin - 1, :num_targets]  # (N, T)
    naive = np.repeat(last[:, None, :], horizon, axis=1)
    steps = np.arange(horizon)
    lagged = origin[:, None] + steps - season * ((steps // season) + 1)  # (N, H): same phase, last season
    valid = lagged >= series_begin[:, None]
    seasonal = np.where(valid[..., None], values[np.where(valid, lagged, 0), :num_targets], naive)
    return {"naive": naive, "seasonal_naive": seasonal}


@dataclass
class Backtest:
    """Forecasts of every origin in the test part, on the original scale, beside the actual values.

    Attributes:
        series: (N,) series id of each origin. origins: (N,) datetime64 (or integer position) of the first forecast step.
        actual: (N, H, T). forecasts: name -> (N, H, T), the model first, then the baselines.
        scaled_actual, scaled_forecasts: the same on the scaled data.
        metrics: one row per forecaster: metrics on the original scale, then scaled_mse and scaled_mae.
        series_index: (N,) position of each origin's series in the estimator's series list.
        positions: (N,) row of the first forecast step within its series (the history is the rows before it).
        offset, scale: (N, 1, T) the scaler's affine map per origin: scaled = (original - offset) / scale.
        mase_scale: (N, 1, T) MASE's denominator per origin.
        intervals: level -> (lower, upper), the model's prediction intervals (N, H, T) each, original scale
            (`Forecaster.backtest(..., level=...)`; empty without).
        window_scale: (N, 1, T) each target's standard deviation over each origin's input window, on the scaled
            data: what conformal scores are divided by (`cnnlstm.intervals`).
    """

    series: np.ndarray
    origins: np.ndarray
    targets: list[str]
    actual: np.ndarray
    forecasts: dict[str, np.ndarray]
    scaled_actual: np.ndarray
    scaled_forecasts: dict[str, np.ndarray]
    metrics: pd.DataFrame = field(default_factory=pd.DataFrame)
    series_index: np.ndarray | None = None
    positions: np.ndarray | None = None
    offset: np.ndarray | None = None
    scale: np.ndarray | None = None
    mase_scale: np.ndarray | None = None
    intervals: dict = field(default_factory=dict)
    window_scale: np.ndarray | None = None

    def score(self, forecasts: dict[str, np.ndarray]) -> pd.DataFrame:
        """Metrics of other original-scale forecasts (N, H, T) of these origins, one row each, computed exactly as
        the model's (how `compare` scores classical baselines and ensembles on the same origins)."""
        scaled = {name: (np.asarray(f, np.float64) - self.offset) / self.scale for name, f in forecasts.items()}
        return score_forecasts(self.actual, forecasts, self.scaled_actual, scaled, self.mase_scale)


def score_forecasts(actual, forecasts, scaled_actual, scaled_forecasts, mase_scale) -> pd.DataFrame:
    rows = {}
    for name, forecast in forecasts.items():
        row = forecast_metrics(actual, forecast, mase_scale=mase_scale)
        row["scaled_mse"] = mse(scaled_actual, scaled_forecasts[name])
        row["scaled_mae"] = mae(scaled_actual, scaled_forecasts[name])
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def summary_metrics(backtest: Backtest) -> dict[str, float]:
    """One flat dict: the model's metrics, the baselines' rmse, mae and mase, and the number of windows."""
    metrics = {k: float(v) for k, v in backtest.metrics.loc["model"].items()}
    for baseline in ("naive", "seasonal_naive"):
        for name in ("rmse", "mae", "mase"):
            metrics[f"{baseline}_{name}"] = float(backtest.metrics.loc[baseline, name])
    metrics["windows"] = len(backtest.origins)
    return metrics


def mase_scales(original: np.ndarray, starts, train_ends, num_targets: int, season: int) -> np.ndarray:
    """(S, T) seasonal-naive MAE on each series' training part, MASE's denominator."""
    return np.stack([seasonal_scale(original[s : s + e, :num_targets], season) for s, e in zip(starts, train_ends)])
