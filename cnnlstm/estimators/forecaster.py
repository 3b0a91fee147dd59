"""scikit-learn-style estimators: ``fit`` returns self, learned state ends in ``_``, ``save`` and ``load``.

Example:
    >>> from cnnlstm import Forecaster, datasets                                    # doctest: +SKIP
    >>> f = Forecaster(model="cnn_lstm", window=24, horizon=12).fit(datasets.load("airline"))
    >>> f.predict(datasets.load("airline"))      # the 12 months after 1960-12, original scale
    >>> f.score(datasets.load("airline"))        # rolling backtest over the test part
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .. import checkpoint
from ..data.prepare import SeriesData, SeriesSpec, future_index, prepare
from ..data.prepare.calendar import calendar_values
from ..data.prepare.scaling import SeriesScaler
from ..data.prepare.series import encode, encoded_columns, fit_categories, last_rows, time_values
from ..data.prepare.splits import Bounds, check_split, split_bounds
from ..data.prepare.windows import window_index, window_starts
from ..data.sources.io import read_table
from ..data.panels import ParquetPanel, is_panel_source, open_panel, prepare_panel
from ..evaluate import Backtest, mase_scales, naive_forecasts, score_forecasts, season_length, summary_metrics
from ..intervals import Calibration, check_levels, check_quantiles, interval_columns, point
from ..metrics import interval_metrics
from ..tasks import ForecastNet, WindowGather, loss_function
from ..train import DeviceWindows, fit, predict, resolve_device
from ..models.registry import forecast_defaults, model_hyperparameters
from .base import Estimator

HEADLINE = "rmse"
CALIBRATION_WINDOWS = 100_000  # validation windows that calibrate the intervals, at most
# settings left at None take the model's own (its registry entry's forecast_defaults), else these
GENERAL_DEFAULTS = {"revin": True, "channel_independent": False, "epochs": 20, "batch_size": 64, "lr": 1e-3}  # what `score` returns, negated: the error the comparison ranks by


def _positive_int(name: str, value) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}.")
    return int(value)


def _as_table(data, what: str = "data"):
    """Arrays go to `prepare` as they are (no pandas copy); a folder of Parquet files is opened as a panel, read
    series by series into a memory-mapped file (`cnnlstm.data.panels`); anything else is read into a
    DataFrame."""
    if isinstance(data, (np.ndarray, ParquetPanel)):
        return data
    return open_panel(data, what=what) if is_panel_source(data) else read_table(data, what=what)


def _prepare_table(table, spec: SeriesSpec, what: str = "data") -> SeriesData:
    return prepare_panel(table, spec, what=what) if isinstance(table, ParquetPanel) else prepare(table, spec, what=what)


@dataclasses.dataclass
class _Prepared:
    """What `fit` and `check` both need: the data checked, split and scaled, the windows of each part."""

    series: SeriesData
    bounds: list[Bounds]
    scaler: SeriesScaler
    gather: WindowGather
    train_windows: DeviceWindows
    val_windows: DeviceWindows
    device: torch.device


class Forecaster(Estimator):
    """Direct multi-step forecasting with any registry model, for one or many series.

    Args:
        model: a registry name (`cnnlstm.list_models()`): cnn, lstm, cnn_lstm, lstm_cnn, parallel, linear.
        window: input steps per forecast. horizon: steps forecast at once.
        targets, past_covariates, future_covariates, calendar, time_col, id_col, missing, freq: which column
            plays which role and how to treat gaps (see `cnnlstm.data.prepare.SeriesSpec`).
        split: chronological (train, validation, test) as fractions, row counts or two timestamps. `fit` trains
            on train and selects on validation; `evaluate` backtests over test. The test part is never used in `fit`.
        scaler: "standard", "minmax" or "none", fitted per series and column on the training part only.
        revin: per-window instance normalisation inside the network: True (each window's mean and std; keeps
            trending series sane), "last" (the window's last value subtracted and added back), False; None takes
            the model's own default (`cnnlstm models`: "last" for seg_lstm, True for the others).
        channel_independent: forecast each observed channel from its own history with shared weights; None takes
            the model's default (True for seg_lstm, False for the others).
        loss: "mse", "mae" or "huber". season_length: period for the seasonal naive baseline and MASE
            (None: from the frequency: 24 for hourly, 12 for monthly, ...).
        quantiles: e.g. (0.1, 0.5, 0.9): the network forecasts these quantiles, trained with the pinball loss in
            place of `loss`; the median (added when missing) is the point forecast. Either way `fit` calibrates
            prediction intervals on the validation part (split conformal: conformalized quantile regression with
            quantiles; without, absolute residuals divided by each input window's standard deviation), and
            `predict(..., level=80)` gives them (`cnnlstm.intervals`).
        epochs, batch_size, lr, weight_decay, patience, schedule, grad_clip, device, amp, seed, progress,
        cuda_graph, max_steps_per_epoch:
            training (see `cnnlstm.train.TrainConfig`); cuda_graph=True replays the whole step as one CUDA graph.
            epochs, batch_size and lr left at None take the model's recipe where it has one (`cnnlstm models`),
            else 20 epochs, batches of 64 windows and a peak learning rate of 1e-3.
        model_kwargs / **hyperparameters: the model's own hyperparameters (`cnnlstm models` lists them); each
            keyword is a parameter of its own (`get_params`, `set_params`, `clone`).
    """

    _network_class = ForecastNet

    def __init__(self, model: str = "cnn_lstm", *, window: int = 96, horizon: int = 24,
                 targets: list[str] | str | None = None, past_covariates: list[str] | None = None,
                 future_covariates: list[str] | None = None, calendar: str | list[str] | None = "auto",
                 time_col: str | None = None, id_col: str | None = None, missing: str = "error",
                 freq: str | None = None, split=(0.7, 0.1, 0.2), scaler: str = "standard",
                 revin: bool | str | None = None, channel_independent: bool | None = None, loss: str = "mse",
                 quantiles: tuple[float, ...] | None = None, season_length: int | None = None,
                 epochs: int | None = None, batch_size: int | None = None, lr: float | None = None,
                 weight_decay: float = 1e-4, patience: int | None = 5, schedule: str = "cosine",
                 grad_clip: float | None = 1.0, device: str = "auto", amp: bool | str = True,
                 seed: int = 0, progress: bool | None = None, cuda_graph: bool = False,
                 max_steps_per_epoch: int | None = None, model_kwargs: dict | None = None, **hyperparameters):
        self._store(locals())

    def _spec(self) -> SeriesSpec:
        as_list = lambda v: [v] if isinstance(v, str) else (list(v) if v is not None else None)  # noqa: E731
        return SeriesSpec(targets=as_list(self.targets), past_covariates=as_list(self.past_covariates) or [],
                          future_covariates=as_list(self.future_covariates) or [], calendar=self.calendar,
                          time_col=self.time_col, id_col=self.id_col, missing=self.missing, freq=self.freq)

    # ------------------------------------------------------------------ fit
    def _prepare_fit(self, data) -> _Prepared:
        window, horizon = _positive_int("window", self.window), _positive_int("horizon", self.horizon)
        if self.season_length is not None:
            _positive_int("season_length", self.season_length)
        split = check_split(self.split)
        device = resolve_device(self.device)
        series = _prepare_table(_as_table(data), self._spec())
        bounds = [split_bounds(int(n), split, t) for n, t in zip(series.lengths, series.timestamps)]
        series = fit_categories(series, [b.train_end for b in bounds])  # text covariates: training categories only
        self._check_split_fits(series, split)
        self._check_lengths(series, bounds, split)
        scaler = SeriesScaler(self.scaler).fit(series.values, series.starts,
                                               series.starts + [b.train_end for b in bounds])
        scaled = torch.as_tensor(scaler.transform_series(series.values, series.starts, series.lengths), device=device)
        gather = WindowGather(scaled, window=window, horizon=horizon, num_observed=series.num_observed,
                              num_targets=series.num_targets)
        part = lambda begin, end: DeviceWindows(  # noqa: E731
            window_index(series.starts, begin, end, window=window, horizon=horizon), device)
        return _Prepared(series=series, bounds=bounds, scaler=scaler, gather=gather,
                         train_windows=part([0] * series.num_series, [b.train_end for b in bounds]),
                         val_windows=part([b.train_end for b in bounds], [b.val_end for b in bounds]), device=device)

    def _model_default(self, name: str):
        """A setting left at None: the model's own default (its registry entry), else the general one."""
        value = getattr(self, name)
        if value is not None:
            return value
        return forecast_defaults(self.model).get(name, GENERAL_DEFAULTS[name])

    def _model_recipe(self) -> dict:
        """The model hyperparameters of the model's forecasting recipe (its registry entry), e.g. head="segments";
        a hyperparameter the user sets wins over it. The segment head is for horizons of two segments or more:
        a shorter horizon is one cropped segment, and keeps the linear head (on validation data: better on
        airline's 12 months, a tie on ETTh1's 96 hours; BENCHMARKS.md section 12)."""
        recipe = {k: v for k, v in forecast_defaults(self.model).items() if k not in GENERAL_DEFAULTS}
        if recipe.get("head") == "segments":
            segment = {**model_hyperparameters(self.model), **self._model_kwargs()}.get("segment", 24)
            if self.horizon < 2 * segment:
                del recipe["head"]
        return recipe

    def _train_config(self, num_train: int | None = None, **overrides):
        recipe = {name: self._model_default(name) for name in ("epochs", "batch_size", "lr")}
        recipe["max_steps_per_epoch"] = self.max_steps_per_epoch
        return super()._train_config(num_train, **{**recipe, **overrides})

    def _network(self, series: SeriesData) -> ForecastNet:
        self._check_model("series")
        return ForecastNet(model=self.model, num_features=series.num_features, num_observed=series.num_observed,
                           num_targets=series.num_targets, window=self.window, horizon=self.horizon,
                           revin=self._model_default("revin"),
                           channel_independent=self._model_default("channel_independent"),
                           model_kwargs={**self._model_recipe(), **self._model_kwargs()},
                           quantiles=check_quantiles(self.quantiles))

    def fit(self, data, y=None) -> "Forecaster":
        """Train on the training part of `data` and select on its validation part.

        Args:
            data: a DataFrame, a NumPy array, a path to a CSV or Parquet file, or a folder of long-format
                Parquet files (or `open_panel(...)`): a panel larger than memory, prepared series by series into
                memory-mapped files in the cache (`cnnlstm.data.panels`). On the CPU the windows are
                gathered from those files; a GPU holds the scaled array whole, so there the bound is GPU memory.
            y: ignored (scikit-learn's signature): the targets are columns of `data`.
        """
        config = self._train_config()
        quantiles = check_quantiles(self.quantiles)
        loss_fn = loss_function(self.loss, quantiles)
        prepared = self._prepare_fit(data)
        series = prepared.series
        self.spec_ = series.spec
        self.columns_, self.num_targets_, self.num_past_ = series.columns, series.num_targets, series.num_past
        self.freq_, self.series_ids_ = series.freq, series.series_ids
        self.unused_columns_ = series.unused  # column -> why it plays no role (text, row numbers, ...)
        self.season_length_ = self.season_length or season_length(series.freq)
        self.scaler_ = prepared.scaler
        with self._seeded(prepared.device):
            self.net_ = self._network(series).to(prepared.device)
            del series, prepared.series  # training needs only the scaled copy: do not hold the data twice
            history = fit(self.net_, gather=prepared.gather, train_windows=prepared.train_windows,
                          val_windows=prepared.val_windows, loss_fn=loss_fn, config=config)
        self.history_ = pd.DataFrame(history)
        self.num_train_windows_, self.num_val_windows_ = len(prepared.train_windows), len(prepared.val_windows)
        self.device_ = prepared.device
        self.metrics_: dict = {}
        self.quantiles_ = quantiles
        self.calibration_ = self._calibrate(prepared) if len(prepared.val_windows) else None
        return self

    def _calibrate(self, prepared: _Prepared) -> Calibration:
        """Conformal offsets per horizon step and target from the validation windows, on the scaled data (so
        series of different scales share them). Around a point forecast each score is divided by its window's
        standard deviation, so the band follows the volatility (on ETTh1 the validation part is rougher than the
        test part); CQR's band takes its shape from the quantiles and is widened additively, as Romano et al.'s.
        The validation part picked the epoch too, and a time series' windows are not exchangeable:
        `benchmarks/intervals.py` measures the coverage this gives on the test part."""
        windows = prepared.val_windows
        if len(windows) > CALIBRATION_WINDOWS:  # evenly spaced: a subset of a calibration part calibrates as well
            picked = torch.linspace(0, len(windows) - 1, CALIBRATION_WINDOWS, device=windows.device).long()
            windows = DeviceWindows.from_rows(windows.rows(picked))
        output = predict(self.net_, prepared.gather.inputs, windows, amp=self.amp)
        actual = torch.cat([prepared.gather(rows)[1] for rows in windows.chunks(4096)])  # (N, H, T)
        scale = None if self.quantiles_ is not None else self._window_scale(prepared.gather, windows.chunks(4096))
        return Calibration.fit(actual.cpu().numpy(), output.cpu().numpy(), self.quantiles_, scale=scale)

    def _window_scale(self, gather: WindowGather, chunks) -> np.ndarray:
        """(N, 1, T) each target's standard deviation over each input window (scaled units), for row chunks: what
        the conformal scores are divided by, so the band follows the series' volatility."""
        parts = [gather.inputs(rows)[:, :, : self.num_targets_].std(dim=1, unbiased=False, keepdim=True)
                 for rows in chunks]
        return torch.cat(parts).cpu().numpy()

    def check(self, data) -> dict:
        """A dry run of `fit`: read and check `data` and the settings, split and scale it, cut the windows and build
        the network; train nothing.

        Returns:
            What `fit` would use: the series, columns, split, windows of each part, the network's parameters and
            output shape (batch, horizon, targets).
        """
        self._train_config()  # checks epochs, batch size, learning rate, patience
        loss_function(self.loss, check_quantiles(self.quantiles))
        prepared = self._prepare_fit(data)
        series = prepared.series
        net = self._network(series)
        with torch.no_grad():
            shape = tuple(net.eval()(torch.zeros(2, self.window, series.num_features)).shape)
        return {"estimator": repr(self), "model": self.model, "parameters": sum(p.numel() for p in net.parameters()),
                "series": series.num_series, "rows": int(series.lengths.sum()), "freq": series.freq,
                "time_col": series.spec.time_col, "time_parts": series.spec.time_parts,
                "targets": list(series.spec.targets), "unused_columns": series.unused,
                "past_covariates": list(series.spec.past_covariates),
                "future_covariates": list(series.spec.future_covariates), "calendar": list(series.spec.calendar),
                "window": self.window, "horizon": self.horizon,
                "split": [(b.train_end, b.val_end, b.test_end) for b in prepared.bounds],
                "train_windows": len(prepared.train_windows), "val_windows": len(prepared.val_windows),
                "output_shape": shape}

    def _check_split_fits(self, series: SeriesData, split) -> None:
        """Row counts or timestamps that reach past the data would leave validation or test silently short or
        empty (fractions always fit)."""
        if len(split) == 3 and isinstance(split[0], int):
            short = [(s, int(n)) for s, n in zip(series.series_ids, series.lengths) if n < sum(split)]
            if short:
                series_id, length = short[0]
                name = "the data" if series.num_series == 1 else f"series {series_id!r}"
                raise ValueError(
                    f"`split` row counts {split} need {sum(split)} rows, but {name} has {length}: the parts past its "
                    f"end would be cut short or empty. Received: split={split!r}. Fix: pass counts that sum to at "
                    f"most {length}, or fractions such as (0.7, 0.1, 0.2)."
                )
        elif len(split) == 2:
            last = max(t[-1] for t in series.timestamps)
            if split[1] > last:
                raise ValueError(
                    f"`split` timestamps must fall inside the data, which end at {last}: the test part starts at "
                    f"{split[1]} and would be empty. Received: split={self.split!r}. Fix: pass two dates before "
                    f"{last}, the first before the second."
                )

    def _check_lengths(self, series: SeriesData, bounds: list[Bounds], split) -> None:
        need = self.window + self.horizon
        for series_id, length, bound in zip(series.series_ids, series.lengths, bounds):
            if bound.train_end < need:
                name = "The data" if series.num_series == 1 else f"Series {series_id!r}"
                raise ValueError(
                    f"{name} is too short: it has {int(length)} rows, of which split={split!r} puts "
                    f"{bound.train_end} in the training part, but window={self.window} + horizon={self.horizon} "
                    f"needs at least {need} there. Fix: lower window or horizon, give training a larger share of "
                    "split, or use more data."
                )

    # ------------------------------------------------------------------ data in after fitting
    def _prepare(self, data, what: str = "data") -> SeriesData:
        spec = dataclasses.replace(self.spec_, calendar=list(self.spec_.calendar), freq=self.freq_)
        table = _as_table(data, what)
        self._check_layout(table, what)
        series = _prepare_table(table, spec, what=what)
        known = self._series_positions()
        unknown = [s for s in series.series_ids if s not in known]
        if unknown:
            raise ValueError(
                f"`{what}` holds series the model was not fitted on: {unknown[:5]}. Known series: "
                f"{self.series_ids_[:10]}. Fix: fit on data that include them (per-series scaling is learned in fit)."
            )
        return series

    def _check_layout(self, table, what: str) -> None:
        """Data after fitting must be laid out as in fit: the same time, id, target and covariate columns (an array
        only for a model fitted on one)."""
        spec = self.spec_
        time = list(spec.time_parts or ([spec.time_col] if spec.time_col else []))
        needed = [*time, *([spec.id_col] if spec.id_col else []), *spec.targets, *spec.past_covariates,
                  *spec.future_covariates]
        fitted = "a table with columns " + ", ".join(map(repr, needed))
        if isinstance(table, np.ndarray):
            if time or spec.id_col:
                raise ValueError(
                    f"`{what}` must be laid out as in fit: {fitted}. Received: an array of shape {table.shape}, "
                    "which has no such columns. Fix: pass the same kind of table the model was fitted on."
                )
            return
        missing = [c for c in needed if c not in table.columns]
        if missing:
            raise ValueError(
                f"`{what}` must be laid out as in fit: {fitted}. Received: columns "
                f"{', '.join(map(repr, list(table.columns)[:10]))}{', ...' if len(table.columns) > 10 else ''}, "
                f"without {', '.join(map(repr, missing))}. Fix: pass data with the columns the model was fitted on."
            )

    def _series_positions(self) -> dict[str, int]:
        """{series id: its row in the scaler}: a dict, since looking each id up in the list would take time
        quadratic in the number of series (seconds at 20,000)."""
        return {series_id: position for position, series_id in enumerate(self.series_ids_)}

    def _scaled(self, series: SeriesData) -> tuple[np.ndarray, np.ndarray]:
        positions = self._series_positions()
        index = np.array([positions[s] for s in series.series_ids])
        return self.scaler_.transform_series(series.values, series.starts, series.lengths, index), index

    # ------------------------------------------------------------------ predict
    def predict(self, data, *, future=None, level=None) -> pd.DataFrame:
        """Forecast the `horizon` steps after the end of each series in `data`, on the original scale.

        Args:
            data: the history, laid out as in `fit`; at least `window` rows per series.
            future: with future covariates: their values for the `horizon` steps after the end, with the time
                (and id) column.
            level: a prediction interval's level in percent (80), or several ([80, 90]): conformal intervals
                calibrated on the validation part in `fit`.

        Returns:
            A long DataFrame: the id column (for several series), the time column, then one column per target,
            then with `level` the columns `<target>-lo-<level>` and `<target>-hi-<level>` of each level.

        Example:
            >>> f.predict(df, level=[80, 90]).columns.tolist()                      # doctest: +SKIP
            ['date', 'OT', 'OT-lo-80', 'OT-hi-80', 'OT-lo-90', 'OT-hi-90']
        """
        self._check_fitted()
        levels = self._check_level(level)
        series = last_rows(self._prepare(data), self.window)  # all a forecast reads, however long the data
        scaled, index = self._scaled(series)
        future_values = self._future_block(series, future)
        blocks, rows = [], []
        offset = 0
        for s in range(series.num_series):
            begin, length = series.starts[s], series.lengths[s]
            if length < self.window:
                raise ValueError(
                    f"`data` series {series.series_ids[s]!r} has {int(length)} rows, but the model reads window="
                    f"{self.window} rows before each forecast. Fix: pass at least {self.window} rows of history."
                )
            extra = np.zeros((self.horizon, series.num_features), dtype=np.float32)
            extra[:, series.num_observed :] = self.scaler_.transform(future_values[s], index[s])[:, series.num_observed :]
            blocks.append(np.vstack([scaled[begin : begin + length], extra]))
            rows.append(offset + length - self.window)
            offset += length + self.horizon
        values = torch.as_tensor(np.vstack(blocks), device=self.device_)
        gather = WindowGather(values, window=self.window, horizon=self.horizon, num_observed=series.num_observed,
                              num_targets=series.num_targets)
        rows = torch.as_tensor(rows, device=self.device_)
        out = predict(self.net_, gather.inputs, rows, amp=self.amp)
        out = out.cpu().numpy()  # (S, H, T) or (S, H, T, Q), scaled
        inverse = lambda v: self.scaler_.inverse_transform(v, index[:, None], slice(0, self.num_targets_))  # noqa: E731
        frame = self._forecast_frame(series, inverse(point(out, self.quantiles_)))
        scale = self._window_scale(gather, [rows]) if levels else None
        for level in levels:
            lower, upper = (inverse(v).reshape(-1, self.num_targets_)
                            for v in self.calibration_.bounds(out, level, scale))
            for t, name in enumerate(self.spec_.targets):
                low, high = interval_columns(name, level)
                frame[low], frame[high] = lower[:, t], upper[:, t]
        return frame

    def _check_level(self, level) -> list[int]:
        """The levels asked for (none for None), refused when fit had no validation part to calibrate on."""
        if level is None:
            return []
        levels = check_levels(level)
        if getattr(self, "calibration_", None) is None:
            raise ValueError(
                f"`level` needs intervals calibrated on a validation part, and this model was fitted with none "
                f"(split={self.split!r} left no validation window). Received: level={level!r}. Fix: fit with a "
                "validation part, e.g. split=(0.7, 0.1, 0.2), or leave level out."
            )
        return levels

    def _future_block(self, series: SeriesData, future) -> list[np.ndarray]:
        """(H, F) per series: zeros for observed columns, future covariates and calendar for the next H steps."""
        spec = self.spec_
        blocks = []
        future_frame = None
        if future is not None and not spec.future_covariates:
            raise ValueError(
                "`future` must be None: this model was fitted without future covariates, so it would not read them. "
                "Received: future data. Fix: leave future out, or fit with future_covariates=[...] to use them."
            )
        if spec.future_covariates:
            if future is None:
                raise ValueError(
                    f"`future` is needed: the model uses future covariates {spec.future_covariates}, so predict needs "
                    f"their values for the {self.horizon} steps after the end of the data. Fix: pass future=DataFrame "
                    "with the time column and those columns."
                )
            future_frame = read_table(future, what="future")
        for s, series_id in enumerate(series.series_ids):
            stamps = future_index(series.timestamps[s], series.freq, self.horizon)
            block = np.zeros((self.horizon, series.num_features), dtype=np.float32)
            column = series.num_observed
            if future_frame is not None:
                part = future_frame if spec.id_col is None else future_frame[future_frame[spec.id_col].astype(str) == series_id]
                times = time_values(part, spec)  # the time column, or the year/month/... columns assembled
                if times is not None:
                    part = part.set_index(pd.DatetimeIndex(times)).reindex(stamps)
                if len(part) < self.horizon or part[spec.future_covariates].isna().to_numpy().any():
                    raise ValueError(
                        f"`future` must give {spec.future_covariates} for each of the {self.horizon} steps after the end "
                        f"of series {series_id!r} ({stamps[0]} .. {stamps[-1]}). Received: {len(part)} usable rows."
                    )
                encoded = encode(part.iloc[: self.horizon], spec.future_covariates, spec, what="future")
                block[:, column : column + encoded.shape[1]] = encoded  # a text covariate: one-hot, as in fit
                column += encoded.shape[1]
            if spec.calendar:
                block[:, column:] = calendar_values(stamps, spec.calendar)
            blocks.append(block)
        return blocks

    def _forecast_frame(self, series: SeriesData, out: np.ndarray) -> pd.DataFrame:
        """(S, H, T) forecasts as one long frame of S x H rows: the id column (for a model of several series),
        the time column, one column per target. Built from whole columns: a frame per series, concatenated,
        took most of predict's time and held a second copy of the forecasts (at 20,000 series)."""
        horizon = self.horizon

        def ending(index: pd.Index) -> tuple:  # all of a series that `future_index` reads
            if isinstance(index, pd.DatetimeIndex) and series.freq is not None:
                return "dates", index.dtype, index[-1]
            return "positions", type(index), index.dtype, len(index), index[-1] if len(index) else None

        # series that end alike share their future stamps (a panel's mostly end on the same step): few to compute
        first_of: dict = {}
        shared, which = [], np.empty(series.num_series, dtype=np.int64)
        for s, index in enumerate(series.timestamps):
            key = ending(index)
            if key not in first_of:
                first_of[key] = len(shared)
                shared.append(future_index(index, series.freq, horizon))
            which[s] = first_of[key]
        stamps = shared[0].append(shared[1:]) if len(shared) > 1 else shared[0]
        times = stamps.take((which[:, None] * horizon + np.arange(horizon)).ravel())  # row s * H + h: step h of s
        frame = pd.DataFrame(out.reshape(-1, out.shape[-1]), columns=self.spec_.targets)
        frame.insert(0, self.spec_.time_col or "step", times)
        id_name = self.spec_.id_col or ("series" if len(self.series_ids_) > 1 else None)
        if id_name is not None:
            frame.insert(0, id_name, np.repeat(np.array(series.series_ids, dtype=object), horizon))
        return frame

    # ------------------------------------------------------------------ evaluate
    def backtest(self, data, *, stride: int = 1, part: str = "test", level=None) -> Backtest:
        """Forecast every origin of one part of `data` (as `split` defines it), beside the naive baselines.

        Args:
            data: laid out as in `fit`; usually the same data, whose test part `fit` never saw.
            stride: steps between forecast origins.
            part: "test" (default) or "validation" (the part `fit` selected on, and calibrated intervals on).
            level: interval levels in percent (80 or [80, 90]): the model's intervals go to `Backtest.intervals`.
        """
        self._check_fitted()
        levels = self._check_level(level)
        stride = _positive_int("stride", stride)
        if part not in ("test", "validation"):
            raise ValueError(f"`part` must be 'test' or 'validation'. Received: part={part!r}.")
        series = self._prepare(data)
        bounds = [split_bounds(int(n), check_split(self.split), t) for n, t in zip(series.lengths, series.timestamps)]
        scaled, index = self._scaled(series)
        begins = [b.val_end if part == "test" else b.train_end for b in bounds]
        ends = [b.test_end if part == "test" else b.val_end for b in bounds]
        rows = window_starts(series.starts, begins, ends, window=self.window, horizon=self.horizon, stride=stride)
        if len(rows) == 0:
            raise ValueError(
                f"The {part} part of `data` is too short for one forecast of horizon={self.horizon}: split={self.split!r} "
                f"leaves {[e - b for b, e in zip(begins, ends)]} {part} rows. Fix: pass more data or give {part} a "
                "larger share of split."
            )
        series_of_window = np.searchsorted(series.starts, rows, side="right") - 1
        values = torch.as_tensor(scaled, device=self.device_)
        gather = WindowGather(values, window=self.window, horizon=self.horizon, num_observed=series.num_observed,
                              num_targets=series.num_targets)
        rows_t = torch.as_tensor(rows, device=self.device_)
        model_out = predict(self.net_, gather.inputs, rows_t, amp=self.amp).cpu().numpy()  # (N, H, T[, Q]), scaled
        window_scale = self._window_scale(gather, torch.split(rows_t, 4096))
        bands = {level: self.calibration_.bounds(model_out, level, window_scale) for level in levels}
        model_out = point(model_out, self.quantiles_)  # (N, H, T): the median of quantiles
        targets = slice(0, self.num_targets_)
        target_rows = rows[:, None] + self.window + np.arange(self.horizon)  # (N, H)
        scaled_actual = scaled[target_rows, targets]
        scaled_forecasts = {"model": model_out, **naive_forecasts(
            scaled, rows, series.starts[series_of_window], window=self.window, horizon=self.horizon,
            num_targets=self.num_targets_, season=self.season_length_)}
        per_window = index[series_of_window][:, None]  # (N, 1): broadcasts over (N, H, T)
        inverse = lambda v: self.scaler_.inverse_transform(v, per_window, targets)  # noqa: E731
        actual = series.values[target_rows, targets].astype(np.float64)
        forecasts = {name: inverse(v) for name, v in scaled_forecasts.items()}
        scales = mase_scales(series.values, series.starts, [b.train_end for b in bounds], self.num_targets_,
                             self.season_length_)
        # the first forecast step of each window: datetime64 (or integer positions without timestamps)
        origins = np.concatenate([np.asarray(t) for t in series.timestamps])[rows + self.window]
        fitted = index[series_of_window]  # the scaler's row of each origin's series
        result = Backtest(series=np.array(series.series_ids)[series_of_window], origins=origins,
                          targets=list(self.spec_.targets), actual=actual, forecasts=forecasts,
                          scaled_actual=scaled_actual, scaled_forecasts=scaled_forecasts,
                          series_index=series_of_window, positions=rows + self.window - series.starts[series_of_window],
                          offset=self.scaler_.offset_[fitted, None, targets], scale=self.scaler_.scale_[fitted, None, targets],
                          mase_scale=scales[series_of_window][:, None, :], window_scale=window_scale)
        result.metrics = score_forecasts(actual, forecasts, scaled_actual, scaled_forecasts, result.mase_scale)
        result.intervals = {level: (inverse(lower), inverse(upper)) for level, (lower, upper) in bands.items()}
        return result

    def target_history(self, data) -> tuple[list[np.ndarray], list[int]]:
        """The original-scale targets of each series of `data` ((n_s, T) each, in the order of `backtest`'s
        series_index) and the rows of each in the training part: what a classical model is fitted on."""
        self._check_fitted()
        series = self._prepare(data)
        split = check_split(self.split)
        history = [series.values[s : s + n, : self.num_targets_].astype(np.float64)
                   for s, n in zip(series.starts, series.lengths)]
        train_ends = [split_bounds(int(n), split, t).train_end for n, t in zip(series.lengths, series.timestamps)]
        return history, train_ends

    def evaluate(self, data, *, stride: int = 1, level=None) -> dict[str, float]:
        """Every metric of a rolling backtest over the test part of `data`: original-scale mse, rmse, mae, mape,
        smape, mase, the scaled scaled_mse and scaled_mae, and the naive and seasonal naive forecasts' rmse and
        mase; with `level` (80 or [80, 90]) also each interval's coverage_<level> (percent of actual values
        inside), width_<level> (mean, original scale) and msis_<level> (mean scaled interval score). Kept in
        `metrics_["test"]` (saved as metrics.json)."""
        backtest = self.backtest(data, stride=stride, level=level)
        metrics = {**summary_metrics(backtest), **backtest_interval_metrics(backtest)}
        self.metrics_ = {"test": metrics}
        return metrics

    def score(self, data, y=None, *, stride: int = 1) -> float:
        """The negative test RMSE of a rolling backtest (higher is better, as scikit-learn's model selection
        expects); `evaluate` gives every metric."""
        return -float(summary_metrics(self.backtest(data, stride=stride))[HEADLINE])

    # ------------------------------------------------------------------ save / load
    def _get_state(self) -> dict:
        calibration = getattr(self, "calibration_", None)
        return {**dataclasses.asdict(self.spec_), "columns": self.columns_, "freq": self.freq_,
                "series_ids": self.series_ids_, "season_length": self.season_length_,
                "unused_columns": self.unused_columns_, "quantiles": getattr(self, "quantiles_", None),
                "intervals": None if calibration is None else calibration.state_dict()}

    def _write_files(self, folder: Path) -> None:
        checkpoint.write_json(folder / "scaler.json", self.scaler_.state_dict())
        checkpoint.write_json(folder / "metrics.json", self.metrics_)

    def _set_state(self, state: dict, folder: Path) -> None:
        # a field added since (time_parts, categories) keeps its default in older run folders
        self.spec_ = SeriesSpec(**{k: state[k] for k in (f.name for f in dataclasses.fields(SeriesSpec)) if k in state})
        self.columns_, self.freq_ = state["columns"], state["freq"]
        self.series_ids_, self.season_length_ = state["series_ids"], state["season_length"]
        self.num_targets_ = len(self.spec_.targets)
        self.num_past_ = len(encoded_columns(self.spec_.past_covariates, self.spec_.categories))
        self.unused_columns_ = state.get("unused_columns", {})
        # folders saved before intervals existed: no quantiles, no calibration (level is then refused)
        self.quantiles_ = None if state.get("quantiles") is None else tuple(state["quantiles"])
        self.calibration_ = None if state.get("intervals") is None else Calibration.from_state_dict(state["intervals"])
        self.scaler_ = self._read_scaler(folder)
        self.metrics_ = checkpoint.read_folder_json(folder, "metrics.json")

    def _read_scaler(self, folder: Path) -> SeriesScaler:
        """scaler.json, checked against the model: one (offset, scale) row per series, one column per feature."""
        file = str(folder / "scaler.json")
        state = checkpoint.read_folder_json(folder, "scaler.json")
        missing = [k for k in ("kind", "offset", "scale") if not isinstance(state, dict) or k not in state]
        if missing:
            held = f"it holds {sorted(state)}" if isinstance(state, dict) else f"it holds a JSON {type(state).__name__}"
            raise checkpoint.DamagedFileError(
                f"{file!r} lacks {', '.join(map(repr, missing))} ({held}). Fix: keep scaler.json as save() wrote it, "
                "or save the model again."
            )
        expected = (len(self.series_ids_), self.net_.config["num_features"])
        for key in ("offset", "scale"):
            try:
                values = np.asarray(state[key], dtype=np.float64)
            except (TypeError, ValueError):
                values = None
            if values is None or values.shape != expected or not np.isfinite(values).all():
                got = "values that are not numbers" if values is None else (
                    f"shape {values.shape}" if values.shape != expected else "values that are not finite")
                raise checkpoint.DamagedFileError(
                    f"{file!r}: {key!r} must be {expected[0]} series x {expected[1]} features of finite numbers, "
                    f"as the model reads them. Received: {got}. Fix: keep scaler.json as save() wrote it, or save "
                    "the model again."
                )
        return SeriesScaler.from_state_dict(state)

    @classmethod
    def _params_from_json(cls, params: dict) -> dict:
        return {**params, "split": tuple(params["split"])}


def backtest_interval_metrics(backtest: Backtest) -> dict[str, float]:
    """coverage_<level>, width_<level> and msis_<level> of each interval of a backtest (none without)."""
    metrics = {}
    for level, (lower, upper) in backtest.intervals.items():
        metrics.update(interval_metrics(backtest.actual, lower, upper, level, scale=backtest.mase_scale))
    return metrics
