"""Classical baselines for `cnnlstm compare`: what a hybrid network has to beat before it earns its parameters.

Two families, both wrapping well-kept libraries rather than re-implementing them:

* **Forecasting** (statsforecast): AutoETS, AutoARIMA and AutoTheta, univariate, one model per series and target
  column. Each is fitted once on the training part, then rolled forward over the history up to every forecast origin
  with its parameters frozen (`forecast_baselines`).
* **Whole sequences** (scikit-learn, aeon): MiniRocket for classification; the mean, ridge on the right-aligned
  window, gradient boosting on per-channel summaries, and MiniRocket for regression (`sequence_baseline`).

statsforecast and aeon are the optional extra ``pip install 'cnnlstm[baselines]'``: they are imported inside the
functions that use them, and `missing_dependency` says whether a baseline can run. This module imports nothing from
cnnlstm but `_errors`: it sits below the estimators.

Dimension letters: S series, N origins or sequences, T steps (the target columns, for forecasts), H horizon,
F features (channels), K outputs.

Sequence inputs are end-padded, as everywhere in cnnlstm: sequence i is valid on steps ``[0, lengths[i])``::

    X (N=3, T=4, F=1)   lengths
    [a0 a1 a2 a3]         4
    [b0 b1  .  .]         2          "." is padding: never read (zeroed before any library sees it)
    [c0 c1 c2  .]         3
"""

from __future__ import annotations

import importlib.util
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .._errors import unknown_name

FORECAST_BASELINES = ("autoets", "autoarima", "theta")
SEQUENCE_BASELINES = {"classify": ("minirocket",), "regress": ("mean", "ridge", "gbm", "minirocket")}

# name -> (display name, the module it needs); sklearn is a core dependency, so its baselines need nothing
_LIBRARY = {"autoets": ("AutoETS", "statsforecast"), "autoarima": ("AutoARIMA", "statsforecast"),
            "theta": ("AutoTheta", "statsforecast"), "minirocket": ("MiniRocket", "aeon"),
            "mean": ("mean", None), "ridge": ("ridge", None), "gbm": ("gbm", None)}
_EXTRA = "pip install 'cnnlstm[baselines]'"

MIN_TRAIN_ROWS = 8  # fewer training rows than this cannot fit a level and a trend with anything left to check
MIN_MINIROCKET_LENGTH = 9  # MiniRocket's kernels have 9 taps; aeon refuses shorter series
# AutoARIMA's Kalman filter forgets its start long before this many rows: measured on ETTh1 (OT, season 24, a
# SARIMA(5,1,2)(2,0,0)[24]), the last 2000 rows give the same forecasts as the whole history to 1e-14 (500 rows:
# 3e-6 standard deviations). ETS and Theta always read the whole history (see `forecast_baselines`).
_ARIMA_MIN_FORWARD_ROWS = 2000


def missing_dependency(name: str) -> str | None:
    """None when the library a baseline needs is importable, else a message that says what to install.

    Args:
        name: a forecasting baseline (`FORECAST_BASELINES`) or a sequence baseline (`SEQUENCE_BASELINES`).

    Raises:
        ValueError: `name` is no baseline.

    Example:
        >>> missing_dependency("ridge") is None
        True
        >>> missing_dependency("autoarima")  # without statsforecast installed       # doctest: +SKIP
        "AutoARIMA needs statsforecast: pip install 'cnnlstm[baselines]'"
    """
    if name not in _LIBRARY:
        raise unknown_name("name", name, _LIBRARY)
    display, module = _LIBRARY[name]
    if module is None or importlib.util.find_spec(module) is not None:
        return None
    return f"{display} needs {module}: {_EXTRA}"


def _require(name: str) -> None:
    message = missing_dependency(name)
    if message is not None:
        raise ModuleNotFoundError(message)


# --------------------------------------------------------------------------------------------------------------
# Forecasting
# --------------------------------------------------------------------------------------------------------------


@dataclass
class ClassicalForecast:
    """The forecasts of one classical model at every origin, and what they cost.

    Attributes:
        forecasts: (N, H, T) float64, original scale: origin j, step h, target column t.
        fit_seconds: wall seconds of every fit (all series and columns).
        predict_seconds: wall seconds of every forecast (all origins, series and columns).
        notes: what was changed to make the model fit, e.g. a season dropped for a short series.
    """

    forecasts: np.ndarray
    fit_seconds: float
    predict_seconds: float
    notes: list[str] = field(default_factory=list)


def forecast_baselines(history: list[np.ndarray], train_ends: list[int], series_index: np.ndarray,
                       origin_rows: np.ndarray, *, horizon: int, season: int,
                       names=FORECAST_BASELINES) -> dict[str, ClassicalForecast]:
    """Forecast every origin with each classical model, fitted once per series and column on its training part.

    Origin j forecasts rows ``[origin_rows[j], origin_rows[j] + horizon)`` of series ``series_index[j]`` and reads
    only rows ``[0, origin_rows[j])`` of it. A toy case: one series of 10 rows, ``train_ends=[6]``, ``horizon=2``::

        rows            0 1 2 3 4 5 | 6 7 8 9
        fit on          x x x x x x |                  (once, per column)
        origin_rows=6   read 0..5   | f f              forecasts rows 6, 7
        origin_rows=8   read 0..7       | f f          forecasts rows 8, 9 (same parameters, state rolled on)

    The models are statsforecast's, each applied to one column at a time:

    * ``"autoets"``: ``AutoETS(season_length=season)``.
    * ``"autoarima"``: ``AutoARIMA(season_length=season, approximation=None)``. ``approximation=None`` is R's
      ``auto.arima`` rule (select the orders by conditional sums of squares when the series is longer than 150 or
      the season longer than 12, then refit the chosen model by exact maximum likelihood); statsforecast's
      default, exact likelihood for every candidate, took 275 s instead of 22 s for one ETTh1 column and chose a
      model no better. The harmless "possible convergence problem" warnings of candidate fits are silenced.
    * ``"theta"``: ``AutoTheta(season_length=season)``: the automatic member of the family, like the other two. It
      chooses among the standard Theta method (the M3 winner, statsforecast's ``Theta``), the optimised and the
      two dynamic variants by in-sample MSE on the training part, so it is at least the classic Theta.

    At each origin the fitted model is applied by ``model.forward(y=history, h=horizon)``, which keeps every
    estimated parameter and only runs the model's filter over the history (checked in statsforecast 2.1.1 and
    pinned by a test): ETS re-runs its state equations from the fitted initial states, ARIMA its Kalman filter
    with all coefficients fixed, Theta its state equations with the fitted alpha, theta and initial level (it also
    recomputes its classical seasonal decomposition and seasonality test on the history before the origin, as its
    forecast needs the seasonal indices at the origin). ETS and Theta read the whole history: ETS starts from the
    initial states of row 0, and Theta's trend line is global (the last 2000 rows alone move its ETTh1 forecasts by
    0.14 standard deviations). ARIMA without a drift term reads only the last ``max(20 * season, 2000)`` rows,
    which changes nothing measurable (see `_ARIMA_MIN_FORWARD_ROWS`) and bounds the cost per origin.

    Seasons: ``season=1`` fits non-seasonal models. A season longer than half a series' training part cannot be
    estimated (two full cycles are needed), so that series is fitted without one and a note says so.

    Args:
        history: S arrays (n_s, T) of float, original scale; the rows each origin reads must be finite.
        train_ends: S training lengths: series s is fitted on ``history[s][:train_ends[s]]``.
        series_index: (N,) int, the series of each origin.
        origin_rows: (N,) int, the first forecast row of each origin; ``train_ends[s] <= origin_rows[j] <= n_s``
            (an origin inside the training part would forecast rows its model was fitted on).
        horizon: H, steps forecast from each origin.
        season: the season length in rows (1 for none).
        names: which of `FORECAST_BASELINES` to run.

    Returns:
        A `ClassicalForecast` per name, with forecasts (N, H, T).

    Raises:
        ValueError: inconsistent shapes, origins out of range, too short a training part, non-finite values.
        ModuleNotFoundError: statsforecast is not installed.

    Example:
        >>> from cnnlstm import datasets
        >>> y = datasets.load("airline")[["Passengers"]].to_numpy()     # (144, 1)
        >>> result = forecast_baselines([y], [96], np.zeros(3, int), np.array([96, 108, 120]), horizon=12,
        ...                             season=12, names=("autoets",))["autoets"]
        >>> result.forecasts.shape
        (3, 12, 1)
    """
    names = _check_names(names)
    history, train_ends, series_index, origin_rows = _check_forecast_inputs(
        history, train_ends, series_index, origin_rows, horizon=horizon, season=season)
    num_targets = history[0].shape[1]
    results = {}
    for name in names:
        _require(name)
        forecasts = np.full((len(origin_rows), horizon, num_targets), np.nan)
        fit_seconds = predict_seconds = 0.0
        notes = []
        for s in np.unique(series_index):
            rows = np.flatnonzero(series_index == s)
            season_s = season if 2 * season <= train_ends[s] else 1
            if season_s != season:
                notes.append(f"series {s}: season {season} dropped (the training part has {train_ends[s]} rows, "
                             f"fewer than two seasons)")
            for t in range(num_targets):
                y = history[s][:, t]
                began = time.perf_counter()
                model = _fit_model(name, y[: train_ends[s]], season_s)
                fit_seconds += time.perf_counter() - began
                began = time.perf_counter()
                for j in rows:
                    forecasts[j, :, t] = _forward(name, model, y[: origin_rows[j]], horizon, season_s)
                predict_seconds += time.perf_counter() - began
        results[name] = ClassicalForecast(forecasts, fit_seconds, predict_seconds, notes)
    return results


def _check_names(names) -> tuple[str, ...]:
    names = (names,) if isinstance(names, str) else tuple(names)
    for name in names:
        if name not in FORECAST_BASELINES:
            raise unknown_name("names", name, FORECAST_BASELINES)
    return names


def _check_forecast_inputs(history, train_ends, series_index, origin_rows, *, horizon, season):
    for arg, value in (("horizon", horizon), ("season", season)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"`{arg}` must be an integer >= 1. Received: {arg}={value!r}. "
                             f"Fix: pass e.g. {arg}={12 if arg == 'season' else 24} (season=1 for none).")
    if len(history) == 0:
        raise ValueError("`history` must hold at least one series. Received: an empty list.")
    arrays = []
    for s, values in enumerate(history):
        array = np.asarray(values, dtype=np.float64)
        if array.ndim != 2 or (arrays and array.shape[1] != arrays[0].shape[1]):
            raise ValueError(
                f"`history[{s}]` must be a 2-D array (n_s, T) with the T of history[0]. Received: shape "
                f"{array.shape}. Fix: pass each series as rows by target columns, e.g. values.reshape(-1, 1).")
        arrays.append(array)
    train_ends = [int(end) for end in train_ends]
    if len(train_ends) != len(arrays):
        raise ValueError(f"`train_ends` must hold one training length per series ({len(arrays)}). Received: "
                         f"{len(train_ends)} values. Fix: pass train_ends[s] for every history[s].")
    series_index = np.asarray(series_index)
    origin_rows = np.asarray(origin_rows)
    if series_index.shape != origin_rows.shape or series_index.ndim != 1:
        raise ValueError(f"`series_index` and `origin_rows` must be 1-D arrays of one length. Received: shapes "
                         f"{series_index.shape} and {origin_rows.shape}. Fix: one entry of each per origin.")
    if len(series_index) and (series_index.min() < 0 or series_index.max() >= len(arrays)):
        raise ValueError(f"`series_index` must lie in [0, {len(arrays)}). Received: values "
                         f"{series_index.min()}..{series_index.max()}. Fix: number series by their place in history.")
    series_index, origin_rows = series_index.astype(np.int64), origin_rows.astype(np.int64)
    for s in np.unique(series_index):
        end, n = train_ends[s], len(arrays[s])
        if not MIN_TRAIN_ROWS <= end <= n:
            raise ValueError(
                f"`train_ends[{s}]` must lie in [{MIN_TRAIN_ROWS}, {n}] (series {s} has {n} rows). Received: "
                f"train_ends[{s}]={end}. Fix: give the series a training part of at least {MIN_TRAIN_ROWS} rows.")
        rows = origin_rows[series_index == s]
        if rows.min() < end or rows.max() > n:
            bad = rows[(rows < end) | (rows > n)][0]
            raise ValueError(
                f"`origin_rows` of series {s} must lie in [train_ends[{s}], n_s] = [{end}, {n}]. Received: "
                f"origin_rows={bad}. Fix: forecast from origins after the training part and within the series "
                "(an origin equal to n_s forecasts beyond the data).")
        needed = arrays[s][: max(end, rows.max())]
        if not np.isfinite(needed).all():
            row = int(np.argwhere(~np.isfinite(needed))[0][0])
            raise ValueError(f"`history[{s}]` must be finite on the rows the models read. Received: NaN or inf at "
                             f"row {row}. Fix: impute missing values first (e.g. interpolate along time).")
    return arrays, train_ends, series_index, origin_rows


def _fit_model(name: str, y: np.ndarray, season: int):
    """One statsforecast model fitted on a 1-D training series."""
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

    if name == "autoets":
        model = AutoETS(season_length=season)
    elif name == "autoarima":
        model = AutoARIMA(season_length=season, approximation=None)
    else:
        model = AutoTheta(season_length=season)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="possible convergence problem", category=UserWarning)
        return model.fit(y)


def _forward(name: str, model, y: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """(H,) forecast after `y` from a fitted model, its parameters frozen."""
    if name == "autoarima" and "drift" not in model.model_["coef"]:  # a drift term counts rows from row 0
        y = y[-max(20 * season, _ARIMA_MIN_FORWARD_ROWS):]
    return np.asarray(model.forward(y=y, h=horizon)["mean"], dtype=np.float64)


# --------------------------------------------------------------------------------------------------------------
# Whole sequences: validation and features
# --------------------------------------------------------------------------------------------------------------


def check_sequences(X, lengths, *, what: str = "X") -> tuple[np.ndarray, np.ndarray]:
    """X as float32 (N, T, F) with zeros after each sequence's end, and lengths as int64 (N,), validated.

    Example:
        >>> X, lengths = check_sequences(np.ones((2, 3, 1)), [3, 1])
        >>> X[:, :, 0].tolist(), lengths.tolist()
        ([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]], [3, 1])
    """
    X = np.array(X, dtype=np.float32)  # a copy: the padding is zeroed below
    if X.ndim != 3 or X.shape[0] == 0 or X.shape[1] == 0 or X.shape[2] == 0:
        raise ValueError(f"`{what}` must be a 3-D array (N, T, F) with N, T, F >= 1. Received: shape {X.shape}. "
                         "Fix: add a feature axis to univariate data (X[..., None]).")
    lengths = np.asarray(lengths)
    if lengths.shape != (len(X),) or not np.issubdtype(lengths.dtype, np.integer):
        raise ValueError(f"`lengths` must be an int array of shape ({len(X)},), one length per sequence. "
                         f"Received: dtype {lengths.dtype}, shape {lengths.shape}. Fix: pass np.asarray(lengths, int).")
    if lengths.min() < 1 or lengths.max() > X.shape[1]:
        bad = int(np.flatnonzero((lengths < 1) | (lengths > X.shape[1]))[0])
        raise ValueError(f"`lengths` must lie in [1, {X.shape[1]}] (T of `{what}`). Received: lengths[{bad}]="
                         f"{lengths[bad]}. Fix: give each sequence's number of valid steps (padding at the end).")
    lengths = lengths.astype(np.int64)
    padding = np.arange(X.shape[1])[None, :] >= lengths[:, None]  # (N, T)
    X[padding] = 0.0
    if not np.isfinite(X).all():
        i, step = np.argwhere(~np.isfinite(X))[0][:2]
        raise ValueError(f"`{what}` must be finite on the valid steps. Received: NaN or inf in sequence {i} at step "
                         f"{step}. Fix: impute missing values first, or drop the sequence.")
    return X, lengths


def _check_targets(y, n: int, *, two_d: bool) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    shapes = f"({n},) or ({n}, K)" if two_d else f"({n},)"
    if len(y) != n or y.ndim not in ((1, 2) if two_d else (1,)):
        raise ValueError(f"`y` must have shape {shapes}, one target per sequence. Received: shape {y.shape}. "
                         "Fix: pass the targets in the order of X" + ("." if two_d else
                                                                    ", one column at a time for this baseline."))
    if not np.isfinite(y).all():
        raise ValueError("`y` must be finite. Received: NaN or inf. Fix: drop the sequences without a target.")
    return y


def right_aligned(X: np.ndarray, lengths: np.ndarray, window: int) -> np.ndarray:
    """(N, window * F): each sequence's last `window` valid steps, its last step at the end, zeros before its start.

    Example:
        >>> X = np.array([[1, 2, 3], [4, 5, 0]], np.float32)[:, :, None]
        >>> right_aligned(X, np.array([3, 2]), 4).tolist()
        [[0.0, 1.0, 2.0, 3.0], [0.0, 0.0, 4.0, 5.0]]
    """
    steps = lengths[:, None] - window + np.arange(window)[None, :]  # (N, window): the step at each position
    gathered = np.take_along_axis(X, np.clip(steps, 0, X.shape[1] - 1)[:, :, None], axis=1)  # (N, window, F)
    return (gathered * (steps >= 0)[:, :, None]).reshape(len(X), -1)


def summary_features(X: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(N, 6 * F): per channel over the valid steps: last value, mean, std, min, max, least-squares slope per step.

    Example:
        >>> X = np.array([[1, 2, 3], [4, 0, 0]], np.float32)[:, :, None]
        >>> summary_features(X, np.array([3, 1])).round(3).tolist()
        [[3.0, 2.0, 0.816, 1.0, 3.0, 1.0], [4.0, 4.0, 0.0, 4.0, 4.0, 0.0]]
    """
    X = X.astype(np.float64)
    valid = (np.arange(X.shape[1])[None, :] < lengths[:, None])[:, :, None]  # (N, T, 1)
    count = lengths[:, None].astype(np.float64)  # (N, 1)
    mean = np.where(valid, X, 0.0).sum(axis=1) / count  # (N, F)
    centred = np.where(valid, X - mean[:, None, :], 0.0)
    std = np.sqrt((centred**2).sum(axis=1) / count)
    low = np.where(valid, X, np.inf).min(axis=1)
    high = np.where(valid, X, -np.inf).max(axis=1)
    last = X[np.arange(len(X)), lengths - 1]  # (N, F)
    time_centred = np.where(valid, np.arange(X.shape[1])[None, :, None] - (count[:, :, None] - 1) / 2, 0.0)
    spread = (time_centred**2).sum(axis=1)  # (N, 1), 0 for a single step
    slope = (time_centred * centred).sum(axis=1) / np.where(spread > 0, spread, 1.0)
    return np.concatenate([last, mean, std, low, high, slope], axis=1)


def _to_length(X: np.ndarray, lengths: np.ndarray, length: int) -> tuple[np.ndarray, int]:
    """(N, length, F): end-padded with zeros or cut at `length` steps; and how many sequences lost valid steps."""
    if X.shape[1] >= length:
        return X[:, :length], int((lengths > length).sum())
    return np.pad(X, ((0, 0), (0, length - X.shape[1]), (0, 0))), 0


def _aeon_input(X: np.ndarray, length: int) -> np.ndarray:
    """(N, T, F) -> aeon's (N, C, L), end-padded with zeros by aeon's Padder (as benchmarks/_aeon_worker.py)."""
    from aeon.transformations.collection.unequal_length import Padder

    X = np.ascontiguousarray(X.transpose(0, 2, 1), dtype=np.float64)  # (N, F, T)
    return X if X.shape[2] == length else Padder(padded_length=length, fill_value=0).fit_transform(X)


# --------------------------------------------------------------------------------------------------------------
# Whole sequences: the baselines
# --------------------------------------------------------------------------------------------------------------


class _SequenceBaseline(BaseEstimator):
    """Shared validation: fit records T and F; predict checks it is fitted and F matches."""

    def _check_fit(self, X, lengths):
        X, lengths = check_sequences(X, lengths)
        self.num_steps_, self.num_features_ = X.shape[1], X.shape[2]
        return X, lengths

    def _check_predict(self, X, lengths):
        check_is_fitted(self)
        X, lengths = check_sequences(X, lengths)
        if X.shape[2] != self.num_features_:
            raise ValueError(f"`X` must have the {self.num_features_} features seen in fit. Received: shape "
                             f"{X.shape}. Fix: pass the same channels, in the same order, as in fit.")
        return X, lengths


class _MiniRocket(_SequenceBaseline):
    """aeon's MiniRocket on the sequences end-padded with zeros to ``max(T, 9)`` steps (T of the fit's X).

    aeon's MiniRocket takes equal-length collections of at least 9 steps, and predicts only on the length seen in
    fit. At predict, X is end-padded to that length, or cut to it; cutting drops the last steps of sequences longer
    than any in fit, with a warning (to avoid it, pad the training X to the longest length you will predict).
    """

    def _fit_aeon(self, model, X, lengths, y):
        self.length_ = max(X.shape[1], MIN_MINIROCKET_LENGTH)
        self.model_ = model.fit(_aeon_input(X, self.length_), y)
        return self

    def _predict_input(self, X, lengths) -> np.ndarray:
        X, lengths = self._check_predict(X, lengths)
        X, cut = _to_length(X, lengths, self.length_)
        if cut:
            warnings.warn(f"{cut} sequences are longer than the {self.length_} steps MiniRocket was fitted on; "
                          f"their steps after {self.length_} were dropped. Fix: end-pad the training X to the "
                          "longest length you will predict.", UserWarning, stacklevel=3)
        return _aeon_input(X, self.length_)

    def num_parameters(self) -> int:
        """The ridge's coefficients and intercepts (MiniRocket's kernel biases, quantiles of the training
        convolutions, and the scaler's statistics are not counted)."""
        check_is_fitted(self)
        ridge = self.model_.pipeline_[-1]
        return int(np.size(ridge.coef_) + np.size(ridge.intercept_))


class MiniRocketClassifierBaseline(_MiniRocket):
    """aeon's ``MiniRocketClassifier(random_state=seed)``: 10,000 kernels, then a ridge classifier over
    ``np.logspace(-3, 3, 10)`` chosen by leave-one-out CV (aeon's defaults).

    `predict_proba` is aeon's: the ridge classifier has no probabilities, so it is one-hot on the predicted class.

    Example:
        >>> X = np.random.default_rng(0).normal(size=(20, 30, 1)).astype(np.float32)
        >>> y = np.repeat(["a", "b"], 10)
        >>> model = MiniRocketClassifierBaseline().fit(X, np.full(20, 30), y)     # doctest: +SKIP
        >>> model.predict_proba(X, np.full(20, 30)).shape                         # doctest: +SKIP
        (20, 2)
    """

    def __init__(self, *, seed: int = 0):
        self.seed = seed

    def fit(self, X, lengths, y) -> "MiniRocketClassifierBaseline":
        _require("minirocket")
        from aeon.classification.convolution_based import MiniRocketClassifier

        X, lengths = self._check_fit(X, lengths)
        y = np.asarray(y)
        if y.shape != (len(X),):
            raise ValueError(f"`y` must hold one label per sequence: shape ({len(X)},). Received: shape {y.shape}. "
                             "Fix: pass a 1-D array of labels in the order of X.")
        self._fit_aeon(MiniRocketClassifier(random_state=self.seed), X, lengths, y)
        self.classes_ = np.unique(y)
        assert np.array_equal(self.model_.classes_, self.classes_), "aeon orders classes as np.unique does"
        return self

    def predict(self, X, lengths) -> np.ndarray:
        """(N,) labels."""
        X = self._predict_input(X, lengths)  # first: it raises NotFittedError before model_ is read
        return self.model_.predict(X)

    def predict_proba(self, X, lengths) -> np.ndarray:
        """(N, classes) one-hot, columns in the order of `classes_`."""
        X = self._predict_input(X, lengths)
        return self.model_.predict_proba(X)


class MiniRocketRegressorBaseline(_MiniRocket):
    """aeon's ``MiniRocketRegressor(random_state=seed)``: 10,000 kernels, then ridge regression over
    ``np.logspace(-3, 3, 10)`` chosen by leave-one-out CV (aeon's defaults).

    MiniRocket's transform holds (N, ~10,000) float features in memory, so with more than `max_train` training
    sequences it fits on a random subsample of `max_train` of them (drawn with `seed`) and sets ``subsampled_``.

    Example:
        >>> X = np.random.default_rng(0).normal(size=(20, 30, 1)).astype(np.float32)
        >>> model = MiniRocketRegressorBaseline(max_train=10).fit(X, np.full(20, 30), X[:, -1, 0])  # doctest: +SKIP
        >>> model.subsampled_                                                                        # doctest: +SKIP
        True
    """

    def __init__(self, *, seed: int = 0, max_train: int = 4000):
        self.seed = seed
        self.max_train = max_train

    def fit(self, X, lengths, y) -> "MiniRocketRegressorBaseline":
        _require("minirocket")
        from aeon.regression.convolution_based import MiniRocketRegressor

        if isinstance(self.max_train, bool) or not isinstance(self.max_train, (int, np.integer)) or self.max_train < 2:
            raise ValueError(f"`max_train` must be an integer >= 2. Received: max_train={self.max_train!r}. "
                             "Fix: pass e.g. max_train=4000.")
        X, lengths = self._check_fit(X, lengths)
        y = _check_targets(y, len(X), two_d=False)
        self.subsampled_ = len(X) > self.max_train
        if self.subsampled_:
            keep = np.sort(np.random.default_rng(self.seed).choice(len(X), self.max_train, replace=False))
            X, lengths, y = X[keep], lengths[keep], y[keep]
        return self._fit_aeon(MiniRocketRegressor(random_state=self.seed), X, lengths, y)

    def predict(self, X, lengths) -> np.ndarray:
        """(N,) predictions."""
        X = self._predict_input(X, lengths)
        return np.asarray(self.model_.predict(X), dtype=np.float64)


class MeanBaseline(_SequenceBaseline):
    """scikit-learn's ``DummyRegressor(strategy="mean")``: the training mean of each target, whatever X is.

    Example:
        >>> model = MeanBaseline().fit(np.zeros((3, 2, 1)), np.full(3, 2), [1.0, 2.0, 6.0])
        >>> model.predict(np.zeros((1, 2, 1)), [2]).tolist(), model.num_parameters()
        ([3.0], 1)
    """

    def __init__(self, *, seed: int = 0):
        self.seed = seed  # unused: kept so every baseline is built the same way

    def fit(self, X, lengths, y) -> "MeanBaseline":
        from sklearn.dummy import DummyRegressor

        X, lengths = self._check_fit(X, lengths)
        self.model_ = DummyRegressor(strategy="mean").fit(X[:, 0, :], _check_targets(y, len(X), two_d=True))
        return self

    def predict(self, X, lengths) -> np.ndarray:
        """(N,) or (N, K) predictions."""
        X, lengths = self._check_predict(X, lengths)
        return self.model_.predict(X[:, 0, :])

    def num_parameters(self) -> int:
        """One mean per output."""
        check_is_fitted(self)
        return int(np.size(self.model_.constant_))


class RidgeBaseline(_SequenceBaseline):
    """Ridge regression on the flattened window, each sequence right-aligned at its last valid step.

    The window is T steps (T of the fit's X): sequence i fills its last ``lengths[i]`` positions, zeros before its
    start, so the last position is always the latest observation (what matters for remaining useful life). The
    pipeline is ``StandardScaler`` then scikit-learn's ``RidgeCV(alphas=np.logspace(-3, 3, 10))`` (efficient
    leave-one-out CV). At predict, sequences are right-aligned to the same T; steps older than that are dropped.

    Example:
        >>> X = np.random.default_rng(0).normal(size=(50, 4, 2)).astype(np.float32)
        >>> model = RidgeBaseline().fit(X, np.full(50, 4), X[:, -1, 0])
        >>> model.predict(X[:2], [4, 4]).shape, model.num_parameters()
        ((2,), 9)
    """

    def __init__(self, *, seed: int = 0):
        self.seed = seed  # unused: RidgeCV is deterministic

    def fit(self, X, lengths, y) -> "RidgeBaseline":
        from sklearn.linear_model import RidgeCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        X, lengths = self._check_fit(X, lengths)
        y = _check_targets(y, len(X), two_d=True)
        self.model_ = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 10)))
        self.model_.fit(right_aligned(X, lengths, self.num_steps_), y)
        return self

    def predict(self, X, lengths) -> np.ndarray:
        """(N,) or (N, K) predictions."""
        X, lengths = self._check_predict(X, lengths)
        return self.model_.predict(right_aligned(X, lengths, self.num_steps_))

    def num_parameters(self) -> int:
        """The ridge's coefficients and intercepts (the scaler's means and scales are not counted)."""
        check_is_fitted(self)
        ridge = self.model_[-1]
        return int(np.size(ridge.coef_) + np.size(ridge.intercept_))


class GBMBaseline(_SequenceBaseline):
    """scikit-learn's ``HistGradientBoostingRegressor(random_state=seed)`` on `summary_features` (per channel: last
    value, mean, std, min, max, slope over the valid steps), with its defaults (100 trees of up to 31 leaves, early
    stopping on a 10% validation split when there are more than 10,000 sequences).

    Example:
        >>> X = np.random.default_rng(0).normal(size=(50, 4, 2)).astype(np.float32)
        >>> model = GBMBaseline().fit(X, np.full(50, 4), X[:, -1, 0])
        >>> model.predict(X[:2], [4, 4]).shape
        (2,)
    """

    def __init__(self, *, seed: int = 0):
        self.seed = seed

    def fit(self, X, lengths, y) -> "GBMBaseline":
        from sklearn.ensemble import HistGradientBoostingRegressor

        X, lengths = self._check_fit(X, lengths)
        y = _check_targets(y, len(X), two_d=False)
        self.model_ = HistGradientBoostingRegressor(random_state=self.seed).fit(summary_features(X, lengths), y)
        return self

    def predict(self, X, lengths) -> np.ndarray:
        """(N,) predictions."""
        X, lengths = self._check_predict(X, lengths)
        return self.model_.predict(summary_features(X, lengths))

    def num_parameters(self) -> int:
        """Nodes over all trees (each holds a split or a leaf value), plus the baseline prediction.

        Read from scikit-learn's private ``_predictors`` (stable since 0.21); the public bound would be
        ``n_iter_ * (2 * max_leaf_nodes - 1)``.
        """
        check_is_fitted(self)
        nodes = sum(len(tree.nodes) for trees in self.model_._predictors for tree in trees)
        return int(nodes + np.size(self.model_._baseline_prediction))


_SEQUENCE_CLASSES = {("classify", "minirocket"): MiniRocketClassifierBaseline,
                     ("regress", "mean"): MeanBaseline, ("regress", "ridge"): RidgeBaseline,
                     ("regress", "gbm"): GBMBaseline, ("regress", "minirocket"): MiniRocketRegressorBaseline}


def sequence_baseline(name: str, task: str, *, seed: int = 0):
    """An unfitted sequence baseline, with ``fit(X, lengths, y)`` and ``predict(X, lengths)`` (classifiers also
    ``predict_proba(X, lengths)``, columns in the order of ``classes_``) and ``num_parameters()`` once fitted.

    Args:
        name: one of ``SEQUENCE_BASELINES[task]``.
        task: "classify" or "regress".
        seed: seeds MiniRocket's kernels, the gradient boosting and MiniRocket's subsample.

    Raises:
        ValueError: unknown `task` or `name`.

    Example:
        >>> model = sequence_baseline("ridge", "regress")
        >>> X = np.random.default_rng(0).normal(size=(30, 5, 1)).astype(np.float32)
        >>> model.fit(X, np.full(30, 5), X[:, -1, 0]).predict(X[:3], [5, 5, 5]).shape
        (3,)
    """
    if task not in SEQUENCE_BASELINES:
        raise unknown_name("task", task, SEQUENCE_BASELINES)
    if name not in SEQUENCE_BASELINES[task]:
        raise unknown_name("name", name, SEQUENCE_BASELINES[task],
                           f"Fix: pick a baseline made for task={task!r}.")
    return _SEQUENCE_CLASSES[task, name](seed=seed)
