"""Train several architectures on the same split and rank them beside the naive forecasts.

Every contender sees the same prepared data, split, scaling and seed, so differences come from the models alone.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import pandas as pd

from ._errors import did_you_mean
from .data import datasets
from .estimators import Forecaster
from .evaluate import Backtest
from .models import list_models

BASELINES = ("naive", "seasonal_naive")


@dataclass
class Comparison:
    """The ranked table (best RMSE first) and, per model, its backtest, history and fitted estimator."""

    table: pd.DataFrame
    backtests: dict[str, Backtest] = field(default_factory=dict)
    histories: dict[str, pd.DataFrame] = field(default_factory=dict)
    estimators: dict[str, Forecaster] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)


def resolve_data(data, *, data_dir=None) -> tuple[pd.DataFrame | object, dict]:
    """A dataset name becomes its frame and its customary settings (targets, split, season); anything else passes."""
    if isinstance(data, str) and data.lower() in datasets.DATASETS:
        info = datasets.info(data)
        settings = {"split": info.split, "season_length": info.season_length, "time_col": info.time_col}
        if info.targets is not None:
            settings["targets"] = list(info.targets)
        return datasets.load(data, data_dir=data_dir), settings
    if isinstance(data, str) and not os.path.exists(data):
        raise ValueError(
            f"`data` must be a dataset name ({', '.join(datasets.list_datasets())}) or a path to a file. "
            f"Received: data={data!r}.{did_you_mean(data, datasets.list_datasets())}"
        )
    return data, {}


def default_window(horizon: int, season: int | None) -> int:
    """Two seasons of history where there is a season, else four horizons."""
    return 2 * season if season and season > 1 else 4 * horizon


def _split_hyperparameters(settings: dict, models: list[str]) -> dict[str, dict]:
    """Take model hyperparameters out of `settings`: each model gets those it accepts (hidden_size reaches the
    models with an LSTM); a name no compared model accepts is an error."""
    import inspect

    from ._errors import did_you_mean
    from .models import model_hyperparameters

    accepted = {name: model_hyperparameters(name) for name in models}
    forecaster_args = set(inspect.signature(Forecaster).parameters)
    extra = {k: settings.pop(k) for k in list(settings) if k not in forecaster_args}
    known = set().union(*accepted.values())
    for key in extra:
        if key not in known:
            raise ValueError(
                f"{key!r} is neither a Forecaster setting nor a hyperparameter of the compared models {models}."
                f"{did_you_mean(key, sorted(known | forecaster_args))} Fix: see `cnnlstm models` for hyperparameters."
            )
    return {name: {k: v for k, v in extra.items() if k in accepted[name]} for name in models}


def compare(data="airline", *, models: list[str] | None = None, horizon: int | None = None,
            window: int | None = None, data_dir=None, on_model=None, **forecaster_kwargs) -> Comparison:
    """Fit every model in `models` (default: all) on `data` and rank their test-part backtests.

    Args:
        data: a dataset name (`cnnlstm datasets`), a path, a DataFrame or an array.
        models: registry names; None takes every model.
        horizon, window: None picks the season length (or 24) and two seasons of history.
        on_model: called as on_model(name, index, count) before each model trains, for progress displays.
        **forecaster_kwargs: anything `Forecaster` takes (epochs, split, targets, seed), and model
            hyperparameters, each given to the models that accept it.

    Example:
        >>> result = compare("airline", models=["linear"], epochs=5)       # doctest: +SKIP
        >>> result.table[["rmse", "mase"]]
    """
    frame, settings = resolve_data(data, data_dir=data_dir)
    settings.update(forecaster_kwargs)
    season = settings.get("season_length")
    horizon = horizon or (season if season and season > 1 else 24)
    window = window or default_window(horizon, season)
    models = list(models) if models else list_models("series")
    for name in models:
        if name not in list_models():
            from ._errors import unknown_name

            raise unknown_name("models", name, list_models())

    hyperparameters = _split_hyperparameters(settings, models)
    rows, result = {}, Comparison(table=pd.DataFrame())
    for index, name in enumerate(models):
        if on_model is not None:
            on_model(name, index, len(models))
        began = time.perf_counter()
        estimator = Forecaster(model=name, window=window, horizon=horizon, **settings, **hyperparameters[name]).fit(frame)
        train_seconds = time.perf_counter() - began
        began = time.perf_counter()
        backtest = estimator.backtest(frame)
        predict_seconds = time.perf_counter() - began
        rows[name] = {**backtest.metrics.loc["model"].to_dict(), "train_s": train_seconds,
                      "predict_s": predict_seconds, "parameters": estimator.num_parameters(),
                      "epochs": len(estimator.history_)}
        backtest.forecasts = {name: backtest.forecasts.pop("model"), **backtest.forecasts}
        backtest.scaled_forecasts = {name: backtest.scaled_forecasts.pop("model"), **backtest.scaled_forecasts}
        result.backtests[name], result.histories[name], result.estimators[name] = backtest, estimator.history_, estimator
    first = next(iter(result.backtests.values()))
    for baseline in BASELINES:
        rows[baseline] = {**first.metrics.loc[baseline].to_dict(), "train_s": 0.0, "predict_s": 0.0,
                          "parameters": 0, "epochs": 0}
    table = pd.DataFrame.from_dict(rows, orient="index").sort_values("rmse")
    table.insert(0, "rank", range(1, len(table) + 1))
    table.index.name = "model"
    result.table = table
    result.settings = {"window": window, "horizon": horizon, "models": models, "windows": len(first.origins),
                       **{k: v for k, v in settings.items() if k != "progress"}}
    return result
