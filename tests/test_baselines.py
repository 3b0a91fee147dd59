"""The classical baselines on real data: airline (forecasting), GunPoint and JapaneseVowels (classification),
C-MAPSS FD001 (regression). Every model is tiny or fitted once per module, so the file runs in seconds (after
numba has compiled MiniRocket's kernels once; aeon caches them)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from cnnlstm import datasets
from cnnlstm.comparison import baselines
from cnnlstm.comparison.baselines import (
    FORECAST_BASELINES, SEQUENCE_BASELINES, check_sequences, forecast_baselines, missing_dependency, right_aligned,
    sequence_baseline, summary_features,
)
from cnnlstm.data.prepare.sequences import as_sequences

pytest.importorskip("statsforecast")
pytest.importorskip("aeon")

TRAIN, SEASON, HORIZON = 96, 12, 12
ORIGINS = np.arange(120, 144 - HORIZON + 1)  # every origin in the last 24 months with a full 12-month truth


# --------------------------------------------------------------------------------------------------------------
# Forecasting on airline
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def passengers() -> np.ndarray:
    return datasets.load("airline")["Passengers"].to_numpy(np.float64)  # (144,)


@pytest.fixture(scope="module")
def airline_forecasts(passengers):
    return forecast_baselines([passengers[:, None]], [TRAIN], np.zeros(len(ORIGINS), int), ORIGINS,
                              horizon=HORIZON, season=SEASON)


def _rmse(prediction, truth) -> float:
    return float(np.sqrt(np.mean((prediction - truth) ** 2)))


def test_forecasts_have_the_right_shape_and_autoets_beats_naive(airline_forecasts, passengers):
    truth = np.stack([passengers[o:o + HORIZON] for o in ORIGINS])  # (N, H)
    naive = np.repeat(passengers[ORIGINS - 1, None], HORIZON, axis=1)
    assert set(airline_forecasts) == set(FORECAST_BASELINES)
    for result in airline_forecasts.values():
        assert result.forecasts.shape == (len(ORIGINS), HORIZON, 1) and result.forecasts.dtype == np.float64
        assert np.isfinite(result.forecasts).all()
        assert result.fit_seconds > 0 and result.predict_seconds > 0 and result.notes == []
    assert _rmse(airline_forecasts["autoets"].forecasts[:, :, 0], truth) < _rmse(naive, truth)


def test_a_forecast_reads_no_row_at_or_after_its_origin(passengers):
    origin = 110
    changed = passengers.copy()
    changed[origin:] = changed[origin:] * 3 + 1000  # the future, wildly different
    kwargs = dict(horizon=HORIZON, season=SEASON)
    before = forecast_baselines([passengers[:, None]], [TRAIN], [0], [origin], **kwargs)
    after = forecast_baselines([changed[:, None]], [TRAIN], [0], [origin], **kwargs)
    for name in FORECAST_BASELINES:
        np.testing.assert_array_equal(before[name].forecasts, after[name].forecasts, err_msg=name)
    # and the history before the origin does count: the forecast is not a constant of the fitted model
    earlier = passengers.copy()
    earlier[origin - 1] += 100
    moved = forecast_baselines([earlier[:, None]], [TRAIN], [0], [origin], **kwargs)
    for name in FORECAST_BASELINES:
        assert not np.array_equal(before[name].forecasts, moved[name].forecasts), name


@pytest.mark.parametrize("name", FORECAST_BASELINES)
def test_forward_keeps_the_fitted_parameters(name, passengers, monkeypatch):
    """statsforecast's `forward` only filters: no optimiser runs after the fit (checked in statsforecast 2.1.1)."""
    import statsforecast.arima
    import statsforecast.ets
    import statsforecast.theta

    model = baselines._fit_model(name, passengers[:TRAIN], SEASON)
    # on the training part itself, forward is exactly the fitted model's own forecast
    np.testing.assert_allclose(model.forward(y=passengers[:TRAIN], h=HORIZON)["mean"], model.predict(h=HORIZON)["mean"])

    def refuse(*args, **kwargs):
        raise AssertionError("an optimiser ran: parameters were re-estimated")

    original_theta = statsforecast.theta.optimize_theta_target_fn

    def theta_fixed(*, optimize_params, **kwargs):
        if any(optimize_params.values()):
            refuse()
        return original_theta(optimize_params=optimize_params, **kwargs)

    monkeypatch.setattr(statsforecast.arima, "minimize", refuse)
    monkeypatch.setattr(statsforecast.ets, "optimize_ets_target_fn", refuse)
    monkeypatch.setattr(statsforecast.ets, "optimize_ets_dist_target_fn", refuse)
    monkeypatch.setattr(statsforecast.theta, "optimize_theta_target_fn", theta_fixed)
    with pytest.raises(AssertionError, match="optimiser ran"):  # the spies do catch a fit
        baselines._fit_model(name, passengers[:TRAIN], SEASON)
    forecast = baselines._forward(name, model, passengers[:130], HORIZON, SEASON)
    assert forecast.shape == (HORIZON,) and np.isfinite(forecast).all()


def test_statsforecast_naive_models_are_plain_repeats(passengers):
    """Cross-checks the definition the project's own naive baselines follow."""
    from statsforecast.models import Naive, SeasonalNaive

    origin = 120
    history = passengers[:origin]
    np.testing.assert_array_equal(Naive().forward(y=history, h=HORIZON)["mean"], np.repeat(history[-1], HORIZON))
    np.testing.assert_array_equal(SeasonalNaive(season_length=SEASON).forward(y=history, h=18)["mean"],
                                  np.tile(history[-SEASON:], 2)[:18])


def test_no_season_and_a_too_long_season(passengers):
    for season, noted in ((1, False), (60, True)):  # 60 > 96 / 2: no two full cycles in the training part
        result = forecast_baselines([passengers[:, None]], [TRAIN], [0, 0], [96, 132], horizon=HORIZON,
                                    season=season, names=("autoets", "theta"))
        for name, outcome in result.items():
            assert np.isfinite(outcome.forecasts).all(), (season, name)
            assert bool(outcome.notes) == noted
    assert "season 60 dropped" in result["theta"].notes[0]


def test_several_series_and_targets(passengers):
    two_columns = np.stack([passengers, np.log(passengers)], axis=1)  # (144, 2)
    history = [two_columns, two_columns[:120]]
    result = forecast_baselines(history, [96, 100], [1, 0, 1], [100, 130, 120], horizon=6, season=12,
                                names="autoets")["autoets"]
    assert result.forecasts.shape == (3, 6, 2)
    alone = forecast_baselines([passengers[:, None]], [96], [0], [130], horizon=6, season=12, names="autoets")
    np.testing.assert_array_equal(result.forecasts[1, :, :1], alone["autoets"].forecasts[0])


@pytest.mark.parametrize("change, message", [
    (dict(origin_rows=[145]), r"`origin_rows` of series 0 must lie in \[train_ends\[0\], n_s\] = \[96, 144\]"),
    (dict(origin_rows=[90]), r"Received: origin_rows=90"),
    (dict(train_ends=[5]), r"`train_ends\[0\]` must lie in \[8, 144\]"),
    (dict(train_ends=[96, 96]), r"`train_ends` must hold one training length per series \(1\)"),
    (dict(series_index=[1]), r"`series_index` must lie in \[0, 1\)"),
    (dict(series_index=[0, 0]), r"must be 1-D arrays of one length"),
    (dict(names=("autoetts",)), r"`names` must be one of .* Did you mean 'autoets'\?"),
    (dict(season=0), r"`season` must be an integer >= 1\. Received: season=0"),
    (dict(horizon=2.5), r"`horizon` must be an integer >= 1"),
    (dict(history="1-D"), r"`history\[0\]` must be a 2-D array \(n_s, T\)"),
    (dict(history="NaN"), r"`history\[0\]` must be finite .* at row 100"),
])
def test_forecast_errors(passengers, change, message):
    history = [passengers[:, None]]
    if change.get("history") == "1-D":
        history = [passengers]
    elif change.get("history") == "NaN":
        history = [passengers[:, None].copy()]
        history[0][100] = np.nan
    kwargs = dict(history=history, train_ends=[TRAIN], series_index=[0], origin_rows=[120], horizon=HORIZON,
                  season=SEASON, names=("autoets",))
    kwargs.update({k: v for k, v in change.items() if k != "history"})
    with pytest.raises(ValueError, match=message):
        forecast_baselines(**kwargs)


def test_missing_dependency(monkeypatch):
    assert all(missing_dependency(name) is None for name in (*FORECAST_BASELINES, "minirocket", "ridge"))
    with pytest.raises(ValueError, match=r"`name` must be one of .* Did you mean 'autoarima'\?"):
        missing_dependency("autoarma")
    monkeypatch.setattr(baselines.importlib.util, "find_spec", lambda name: None)
    assert missing_dependency("autoarima") == "AutoARIMA needs statsforecast: pip install 'cnnlstm[baselines]'"
    assert missing_dependency("minirocket") == "MiniRocket needs aeon: pip install 'cnnlstm[baselines]'"
    assert missing_dependency("gbm") is None  # scikit-learn is a core dependency
    with pytest.raises(ModuleNotFoundError, match="AutoETS needs statsforecast"):
        forecast_baselines([np.ones((20, 1))], [10], [0], [10], horizon=2, season=1, names=("autoets",))
    with pytest.raises(ModuleNotFoundError, match="MiniRocket needs aeon"):
        sequence_baseline("minirocket", "classify").fit(np.ones((2, 9, 1)), [9, 9], ["a", "b"])


# --------------------------------------------------------------------------------------------------------------
# Features and validation
# --------------------------------------------------------------------------------------------------------------


def test_right_aligned_index_table():
    # lengths 3, 1, 2 in a window of 4: the last valid step always lands in the last position
    X = np.array([[1, 2, 3], [4, 9, 9], [5, 6, 9]], np.float32)[:, :, None]
    X, lengths = check_sequences(X, [3, 1, 2])  # the 9s are padding, zeroed
    assert right_aligned(X, lengths, 4).tolist() == [[0, 1, 2, 3], [0, 0, 0, 4], [0, 0, 5, 6]]
    assert right_aligned(X, lengths, 2).tolist() == [[2, 3], [0, 4], [5, 6]]  # older steps dropped


def test_summary_features_match_numpy(passengers):
    series = passengers[:40].astype(np.float32)
    X = np.zeros((2, 40, 2), np.float32)
    X[0, :, 0], X[0, :, 1], X[1, :25, 0], X[1, :25, 1] = series, -series, series[:25], series[:25] ** 0.5
    features = summary_features(X, np.array([40, 25])).reshape(2, 6, 2)  # (N, statistic, F)
    for i, n in enumerate((40, 25)):
        for f in range(2):
            valid = X[i, :n, f].astype(np.float64)
            expected = [valid[-1], valid.mean(), valid.std(), valid.min(), valid.max(),
                        np.polyfit(np.arange(n), valid, 1)[0]]
            np.testing.assert_allclose(features[i, :, f], expected, rtol=1e-5)


@pytest.mark.parametrize("X, lengths, message", [
    (np.zeros((4, 5)), [5] * 4, r"`X` must be a 3-D array \(N, T, F\) with N, T, F >= 1\. Received: shape \(4, 5\)"),
    (np.zeros((2, 5, 1)), [0, 5], r"`lengths` must lie in \[1, 5\] \(T of `X`\)\. Received: lengths\[0\]=0"),
    (np.zeros((2, 5, 1)), [5, 6], r"Received: lengths\[1\]=6"),
    (np.zeros((2, 5, 1)), [5], r"`lengths` must be an int array of shape \(2,\)"),
    (np.zeros((2, 5, 1)), [5.0, 5.0], r"`lengths` must be an int array"),
    (np.full((2, 5, 1), np.nan), [5, 5], r"`X` must be finite on the valid steps.*sequence 0 at step 0"),
])
def test_sequence_validation(X, lengths, message):
    with pytest.raises(ValueError, match=message):
        check_sequences(X, np.asarray(lengths))


def test_nan_in_padding_is_allowed():
    X = np.ones((2, 3, 1))
    X[1, 2] = np.nan
    assert np.isfinite(check_sequences(X, [3, 2])[0]).all()


def test_factory_errors_and_predict_before_fit():
    with pytest.raises(ValueError, match=r"`task` must be one of 'classify', 'regress'\. .*Did you mean 'regress'\?"):
        sequence_baseline("ridge", "regression")
    with pytest.raises(ValueError, match=r"`name` must be one of 'minirocket'\. Received: name='ridge'"):
        sequence_baseline("ridge", "classify")
    for task, names in SEQUENCE_BASELINES.items():
        for name in names:
            model = sequence_baseline(name, task, seed=3)
            assert model.seed == 3
            with pytest.raises(NotFittedError):
                model.predict(np.ones((2, 9, 1)), [9, 9])
            with pytest.raises(NotFittedError):
                model.num_parameters()


# --------------------------------------------------------------------------------------------------------------
# Classification: GunPoint, JapaneseVowels
# --------------------------------------------------------------------------------------------------------------


def _archive(name: str, split: str):
    X, y = datasets.load(name, split=split)
    data = as_sequences(X)  # (N, T, F) end-padded, and the lengths
    return data.X, data.lengths, y


def test_minirocket_classifies_gunpoint():
    X, lengths, y = _archive("GunPoint", "train")
    X_test, lengths_test, y_test = _archive("GunPoint", "test")
    model = sequence_baseline("minirocket", "classify").fit(X, lengths, y)
    predicted = model.predict(X_test, lengths_test)
    assert np.mean(predicted == y_test) > 0.9
    proba = model.predict_proba(X_test, lengths_test)
    assert model.classes_.tolist() == ["1", "2"] and proba.shape == (150, 2)
    np.testing.assert_array_equal(proba.sum(axis=1), 1.0)  # one-hot: the ridge has no probabilities
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], predicted)
    assert model.num_parameters() == model.model_.pipeline_[-1].coef_.size + 1  # binary: one row of coefficients


def test_minirocket_takes_unequal_lengths():
    X, lengths, y = _archive("JapaneseVowels", "train")  # lengths 7..26, 12 channels
    X_test, lengths_test, _ = _archive("JapaneseVowels", "test")  # lengths 7..29
    model = sequence_baseline("minirocket", "classify").fit(X, lengths, y)
    with pytest.warns(UserWarning, match=r"1 sequences are longer than the 26 steps MiniRocket was fitted on"):
        predicted = model.predict(X_test, lengths_test)
    assert predicted.shape == (len(X_test),)
    short = model.predict(X_test[:5, :7], np.minimum(lengths_test[:5], 7))  # shorter than the fit: end-padded
    assert short.shape == (5,)
    with pytest.raises(ValueError, match=r"`X` must have the 12 features seen in fit"):
        model.predict(X_test[:, :, :3], lengths_test)


def test_classifier_label_errors():
    with pytest.raises(ValueError, match=r"`y` must hold one label per sequence: shape \(2,\)"):
        sequence_baseline("minirocket", "classify").fit(np.ones((2, 9, 1)), [9, 9], ["a"])


# --------------------------------------------------------------------------------------------------------------
# Regression: C-MAPSS FD001, last-30-cycle windows
# --------------------------------------------------------------------------------------------------------------

SENSORS = [f"s{i}" for i in range(1, 22)]
WINDOW, RUL_CAP = 30, 125


def _cmapss_windows(frame, units) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windows ending every 10 cycles of each unit: the last <= 30 cycles, end-padded; target the capped RUL."""
    X, lengths, y = [], [], []
    for unit in units:
        block = frame[frame["unit"] == unit]
        values, rul = block[SENSORS].to_numpy(np.float32), block["rul"].to_numpy(np.float64)
        for end in range(10, len(block) + 1, 10):
            part = values[max(0, end - WINDOW):end]
            window = np.zeros((WINDOW, len(SENSORS)), np.float32)
            window[: len(part)] = part
            X.append(window), lengths.append(len(part)), y.append(min(rul[end - 1], RUL_CAP))
    return np.stack(X), np.array(lengths), np.array(y)


@pytest.fixture(scope="module")
def cmapss():
    frame = datasets.load("cmapss-fd001", split="train")
    return _cmapss_windows(frame, range(1, 16)), _cmapss_windows(frame, range(16, 21))  # 15 engines, 5 held out


def test_ridge_and_gbm_beat_the_mean_on_held_out_engines(cmapss):
    (X, lengths, y), (X_test, lengths_test, y_test) = cmapss
    assert lengths.min() < WINDOW == lengths.max() and len(X) > 200  # early windows are shorter
    rmse = {}
    for name in ("mean", "ridge", "gbm"):
        model = sequence_baseline(name, "regress").fit(X, lengths, y)
        predicted = model.predict(X_test, lengths_test)
        assert predicted.shape == (len(X_test),) and np.isfinite(predicted).all()
        rmse[name] = _rmse(predicted, y_test)
        garbage = X_test.copy()
        garbage[np.arange(WINDOW)[None, :] >= lengths_test[:, None]] = 1e6  # padding is never read
        np.testing.assert_array_equal(model.predict(garbage, lengths_test), predicted)
    assert rmse["ridge"] < rmse["mean"] and rmse["gbm"] < rmse["mean"], rmse


def test_parameter_counts_and_two_d_targets(cmapss):
    (X, lengths, y), _ = cmapss
    assert sequence_baseline("mean", "regress").fit(X, lengths, y).num_parameters() == 1
    assert sequence_baseline("ridge", "regress").fit(X, lengths, y).num_parameters() == WINDOW * len(SENSORS) + 1
    gbm = sequence_baseline("gbm", "regress").fit(X, lengths, y)
    assert gbm.num_parameters() > gbm.model_.n_iter_  # at least one node per tree
    two = np.stack([y, -y], axis=1)  # (N, 2): ridge and mean take several targets
    assert sequence_baseline("ridge", "regress").fit(X, lengths, two).predict(X[:3], lengths[:3]).shape == (3, 2)
    assert sequence_baseline("mean", "regress").fit(X, lengths, two).num_parameters() == 2
    with pytest.raises(ValueError, match=r"`y` must have shape \(\d+,\), one target per sequence"):
        gbm.fit(X, lengths, two)
    with pytest.raises(ValueError, match=r"`y` must be finite"):
        sequence_baseline("ridge", "regress").fit(X, lengths, np.full(len(X), np.nan))


def test_minirocket_regressor_subsamples(cmapss):
    (X, lengths, y), (X_test, lengths_test, y_test) = cmapss
    model = baselines.MiniRocketRegressorBaseline(seed=1, max_train=100).fit(X, lengths, y)
    assert model.subsampled_
    predicted = model.predict(X_test, lengths_test)
    assert predicted.shape == (len(X_test),) and np.isfinite(predicted).all()
    again = baselines.MiniRocketRegressorBaseline(seed=1, max_train=100).fit(X, lengths, y)
    np.testing.assert_allclose(again.predict(X_test, lengths_test), predicted)  # the seed fixes the subsample
    ridge = model.model_.pipeline_[-1]
    assert model.num_parameters() == ridge.coef_.size + 1
    assert not sequence_baseline("minirocket", "regress").fit(X[:50], lengths[:50], y[:50]).subsampled_
    with pytest.raises(ValueError, match=r"`max_train` must be an integer >= 2\. Received: max_train=0"):
        baselines.MiniRocketRegressorBaseline(max_train=0).fit(X, lengths, y)
