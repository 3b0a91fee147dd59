"""Prediction intervals: the pinball loss, split-conformal calibration (residual and CQR), the interval metrics,
and `level=` through every estimator, save/load, the plots, `compare` and the command line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

import cnnlstm
from cnnlstm import Forecaster, Regressor, UnitRegressor, datasets
from cnnlstm.intervals import (Calibration, check_levels, check_quantiles, conformal_quantile, pinball_loss,
                               quantile_pair)
from cnnlstm.metrics import coverage, interval_metrics, interval_score, mean_width, msis
from cnnlstm.tasks import ForecastNet, loss_function

TINY = {"filters": 8, "hidden_size": 8, "num_conv_layers": 1}


def small(**kwargs) -> Forecaster:
    settings = dict(model="linear", window=24, horizon=6, split=(96, 24, 24), epochs=3, batch_size=16, seed=0,
                    progress=False)
    return Forecaster(**{**settings, **kwargs})


@pytest.fixture(scope="module")
def cmapss():
    train = datasets.load("cmapss-fd001", split="train")
    test = datasets.load("cmapss-fd001", split="test")
    return train[train["unit"] <= 24], test[test["unit"] <= 20]


# ------------------------------------------------------------------------------------------ the math
def test_conformal_quantile_is_the_finite_sample_order_statistic():
    scores = np.arange(1.0, 20.0)  # n = 19: level 80 takes the ceil(20 * 0.8) = 16th smallest
    assert conformal_quantile(scores, 80) == 16.0
    assert conformal_quantile(scores, 95) == 19.0  # ceil(20 * 0.95) = 19 = n: still finite
    assert np.isinf(conformal_quantile(scores[:9], 95))  # ceil(10 * 0.95) = 10 > 9: no finite interval is valid


@pytest.mark.parametrize("level", [50, 80, 90])
def test_residual_conformal_covers_exchangeable_data_at_the_level(level):
    rng = np.random.default_rng(0)
    noise = rng.standard_t(df=3, size=(3000, 4))  # heavy tails: a Gaussian interval would miss the level
    calibration = Calibration.fit(noise[:1000], np.zeros((1000, 4)))
    lower, upper = calibration.bounds(np.zeros((2000, 4)), level)
    assert lower.shape == (2000, 4) and (upper > lower).all()
    assert abs(coverage(noise[1000:], lower, upper) - level) < 3


def test_normalized_scores_keep_coverage_when_the_volatility_changes():
    rng = np.random.default_rng(3)
    calm, rough = rng.uniform(0.5, 1.0, (2000, 1)), rng.uniform(1.5, 3.0, (2000, 1))  # each window's own scale
    calibration_errors, test_errors = calm * rng.normal(size=(2000, 4)), rough * rng.normal(size=(2000, 4))
    plain = Calibration.fit(calibration_errors, np.zeros((2000, 4)))
    normalized = Calibration.fit(calibration_errors, np.zeros((2000, 4)), scale=calm)
    assert coverage(test_errors, *plain.bounds(np.zeros((2000, 4)), 80)) < 60  # calibrated on a calmer period
    assert abs(coverage(test_errors, *normalized.bounds(np.zeros((2000, 4)), 80, rough)) - 80) < 3
    state = json.loads(json.dumps(normalized.state_dict()))
    again = Calibration.from_state_dict(state)
    np.testing.assert_array_equal(again.floor, normalized.floor)
    np.testing.assert_array_equal(again.bounds(np.zeros((3, 4)), 90, rough[:3])[1],
                                  normalized.bounds(np.zeros((3, 4)), 90, rough[:3])[1])
    tiny = normalized.bounds(np.zeros((1, 4)), 80, np.zeros((1, 1)))  # a flat window still gets a band
    assert (tiny[1] > 0).all()


def test_cqr_widens_quantiles_that_are_too_narrow_and_narrows_those_too_wide():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 3, 4000)
    y = x * rng.normal(size=4000)  # the spread grows with x: CQR keeps that shape
    for spread, widen in ((0.5, True), (2.5, False)):
        quantiles = np.stack([-spread * x, 0 * x, spread * x], axis=-1)  # (N, 3): 0.1, 0.5, 0.9
        calibration = Calibration.fit(y[:2000], quantiles[:2000], (0.1, 0.5, 0.9))
        assert calibration.method == "cqr" and (calibration.offsets[79] > 0) == widen
        lower, upper = calibration.bounds(quantiles[2000:], 80)
        assert abs(coverage(y[2000:], lower, upper) - 80) < 3
        assert np.corrcoef(upper - lower, x[2000:])[0, 1] > 0.9  # adaptive width, unlike a residual interval


def test_cqr_rearranges_crossed_quantiles_and_keeps_the_median_inside():
    crossed = np.array([[1.0, 0.0, -1.0]])  # q0.1 > q0.9: sorted before use
    calibration = Calibration(offsets=np.full((99,), -5.0, np.float32), quantiles=(0.1, 0.5, 0.9), size=10)
    lower, upper = calibration.bounds(crossed, 80)  # an offset of -5 would invert [-1, 1]: it closes on the median
    assert lower[0] == upper[0] == 0.0


def test_quantile_pair_picks_the_nominal_coverage_nearest_the_level():
    quantiles = (0.025, 0.1, 0.5, 0.9, 0.975)
    assert quantile_pair(quantiles, 80) == (1, 3) and quantile_pair(quantiles, 95) == (0, 4)
    assert quantile_pair(quantiles, 50) == (1, 3) and quantile_pair((0.1, 0.5, 0.9), 99) == (0, 2)


def test_calibration_state_is_plain_json_and_round_trips_exactly():
    rng = np.random.default_rng(2)
    calibration = Calibration.fit(rng.normal(size=(5, 3, 2)), rng.normal(size=(5, 3, 2)))  # n = 5: 84+ is inf
    state = json.loads(json.dumps(calibration.state_dict()))
    again = Calibration.from_state_dict(state)
    np.testing.assert_array_equal(again.offsets, calibration.offsets)
    assert np.isinf(again.offsets[98]).all() and np.isfinite(again.offsets[49]).all()
    assert state["method"] == "residual" and state["shape"] == [3, 2] and len(state["offsets"]) == 99


def test_pinball_loss_is_the_quantile_loss_and_its_minimiser_is_the_quantile():
    target = torch.tensor([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    quantiles = torch.tensor([0.1, 0.5, 0.9])
    prediction = torch.zeros(3, requires_grad=True)
    optimizer = torch.optim.SGD([prediction], lr=0.5)
    for _ in range(400):
        optimizer.zero_grad()
        pinball_loss(prediction.expand(10, 3), target, quantiles).backward()
        optimizer.step()
    low, middle, high = prediction.detach().tolist()
    assert 0 <= low <= 1.05 and 4 <= middle <= 5.05 and 8 <= high <= 9.05
    loss = loss_function("mse", (0.1, 0.9))
    assert float(loss(torch.tensor([[0.0, 1.0]]), torch.tensor([0.5]))) == pytest.approx(0.05)


def test_interval_metrics_by_hand():
    y, lower, upper = np.array([0.0, 3.0, -2.0, 0.5]), np.full(4, -1.0), np.full(4, 1.0)
    assert coverage(y, lower, upper) == 50.0 and mean_width(lower, upper) == 2.0
    # width 2 everywhere, plus 2 / 0.2 = 10 times the misses 2 and 1
    assert interval_score(y, lower, upper, 80) == pytest.approx((2 + 22 + 12 + 2) / 4)
    assert msis(y, lower, upper, 80, scale=2.0) == pytest.approx(38 / 4 / 2)
    assert set(interval_metrics(y, lower, upper, 90)) == {"coverage_90", "width_90", "interval_score_90"}
    assert set(interval_metrics(y, lower, upper, 90, scale=1.0)) == {"coverage_90", "width_90", "msis_90"}
    with pytest.raises(ValueError, match=r"`y_true`, `lower` and `upper` must have the same shape"):
        coverage(y, lower[:3], upper)


@pytest.mark.parametrize("bad", [(0.5,), (0.1, 1.2), (0.1, 0.1, 0.9), "0.1,0.9", (True, 0.9)])
def test_bad_quantiles_are_refused_with_the_fix(bad):
    with pytest.raises((ValueError, TypeError), match=r"`quantiles` must .*Received: quantiles=.*Fix: pass "
                                                      r"quantiles=\(0.1, 0.5, 0.9\)"):
        check_quantiles(bad)
    assert check_quantiles([0.9, 0.1]) == (0.1, 0.5, 0.9) and check_quantiles(None) is None


@pytest.mark.parametrize("bad", [150, 0, 80.5, True, [], [80, "90"]])
def test_bad_levels_are_refused_with_the_fix(bad):
    with pytest.raises(ValueError, match=r"`level` must be a whole-number percentage from 1 to 99, or a list of "
                                         r"them\. Received: level=.*Fix: pass e\.g\. level=80 or level=\[80, 90\]"):
        check_levels(bad)
    assert check_levels([90, 80, 90.0]) == [80, 90]


# ------------------------------------------------------------------------------------------ forecasting
@pytest.mark.parametrize("channel_independent", [False, True])
def test_quantile_network_has_a_quantile_axis(channel_independent):
    net = ForecastNet(model="cnn_lstm", num_features=4, num_observed=3, num_targets=2, window=16, horizon=5,
                      channel_independent=channel_independent, model_kwargs=TINY, quantiles=(0.1, 0.5, 0.9))
    out = net(torch.randn(7, 16, 4))
    assert out.shape == (7, 5, 2, 3) and net.config["quantiles"] == [0.1, 0.5, 0.9]
    out.mean().backward()


@pytest.mark.parametrize("quantiles", [None, (0.1, 0.9)])
def test_forecaster_predicts_named_interval_columns_and_saves_them(airline, tmp_path, quantiles):
    f = small(quantiles=quantiles).fit(airline)
    assert f.calibration_.method == ("residual" if quantiles is None else "cqr") and f.calibration_.size == 19
    frame = f.predict(airline, level=[90, 80])
    assert frame.columns.tolist() == ["date", "Passengers", "Passengers-lo-80", "Passengers-hi-80",
                                      "Passengers-lo-90", "Passengers-hi-90"]
    assert (frame["Passengers-lo-90"] <= frame["Passengers-lo-80"]).all()
    assert (frame["Passengers-lo-80"] <= frame["Passengers"]).all()
    assert (frame["Passengers"] <= frame["Passengers-hi-80"]).all()
    assert (frame["Passengers-hi-80"] <= frame["Passengers-hi-90"]).all()
    pd.testing.assert_frame_equal(f.predict(airline, level=None), frame[["date", "Passengers"]])
    f.save(tmp_path / "m")
    state = json.loads((tmp_path / "m" / "config.json").read_text())["state"]
    assert state["intervals"]["size"] == 19 and state["quantiles"] == (None if quantiles is None else [0.1, 0.5, 0.9])
    pd.testing.assert_frame_equal(cnnlstm.load(tmp_path / "m").predict(airline, level=[80, 90]), frame,
                                  check_exact=True)


def test_forecaster_backtest_and_evaluate_score_the_intervals(airline):
    f = small().fit(airline)
    backtest = f.backtest(airline, level=80)
    lower, upper = backtest.intervals[80]
    assert lower.shape == upper.shape == backtest.actual.shape == (19, 6, 1)
    metrics = f.evaluate(airline, level=[80, 90])
    assert metrics["coverage_80"] == pytest.approx(coverage(backtest.actual, lower, upper))
    assert metrics["width_80"] < metrics["width_90"] and metrics["msis_80"] > 0
    assert "coverage_80" not in f.evaluate(airline)


def test_level_without_a_validation_part_is_refused(airline):
    f = small(split=(0.8, 0.0, 0.2), epochs=1).fit(airline)
    assert f.calibration_ is None
    with pytest.raises(ValueError, match=r"`level` needs intervals calibrated on a validation part, and this model "
                                         r"was fitted with none .*Received: level=80\. Fix: fit with a validation "
                                         r"part, e\.g\. split=\(0\.7, 0\.1, 0\.2\)"):
        f.predict(airline, level=80)
    f.predict(airline)  # a point forecast needs no calibration


def test_forecast_plot_shades_the_intervals(airline):
    from cnnlstm import plots

    backtest = small().fit(airline).backtest(airline, level=[80, 95])
    ax = plots.plot_forecast(backtest)
    labels = [c.get_label() for c in ax.collections]
    assert labels == ["95% interval", "80% interval"]  # the widest first, under the narrower one
    plots.plt.close(ax.figure)


# ------------------------------------------------------------------------------------------ regression
@pytest.mark.parametrize("quantiles", [None, (0.1, 0.9)])
def test_regressor_intervals(tmp_path, quantiles):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(160, 12, 2)).astype(np.float32)
    y = X[:, :, 0].sum(axis=1) + rng.normal(size=160)
    reg = Regressor(model="cnn", epochs=4, progress=False, quantiles=quantiles, filters=8).fit(X, y)
    assert reg.predict(X).shape == (160,)
    frame = reg.predict(X, level=80)
    assert frame.columns.tolist() == ["prediction", "prediction-lo-80", "prediction-hi-80"]
    assert (frame["prediction-lo-80"] <= frame["prediction"]).all()
    metrics = reg.evaluate(X, y, level=80)
    assert {"rmse", "r2", "coverage_80", "width_80", "interval_score_80"} <= set(metrics)
    reg.save(tmp_path / "r")
    pd.testing.assert_frame_equal(cnnlstm.load(tmp_path / "r").predict(X, level=80), frame, check_exact=True)


def test_regressor_vectors_get_an_interval_per_output():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(100, 8, 1)).astype(np.float32)
    reg = Regressor(model="cnn", epochs=1, progress=False, quantiles=(0.2, 0.8), filters=8).fit(
        X, np.stack([X.sum(axis=(1, 2)), X.mean(axis=(1, 2))], axis=1))
    assert reg.predict(X).shape == (100, 2)
    assert reg.predict(X, level=60).columns.tolist() == ["prediction_0", "prediction_1", "prediction_0-lo-60",
                                                         "prediction_0-hi-60", "prediction_1-lo-60",
                                                         "prediction_1-hi-60"]


def test_regressor_without_a_validation_part_refuses_level():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(40, 8, 1)).astype(np.float32), rng.normal(size=40)
    reg = Regressor(model="cnn", epochs=2, progress=False, folds=2, filters=8).fit(X, y)
    with pytest.raises(ValueError, match=r"`level` needs intervals calibrated on a validation part, and this model "
                                         r"has none \(folds=2 trains on every training sequence\)\. Received: "
                                         r"level=90\. Fix: fit with folds=None and val_size > 0"):
        reg.predict(X, level=90)


def test_unit_regressor_intervals_at_each_engines_last_cycle(cmapss, tmp_path):
    train, test = cmapss
    rul = UnitRegressor(model="cnn", epochs=2, progress=False, quantiles=(0.1, 0.9), filters=8, refit=False).fit(
        train, group="unit", target="rul")  # the default refit trains on the validation units: no calibration
    assert rul.calibration_.size > 500  # every window of the validation units
    table = rul.predict(test, level=[80, 90])
    assert table.columns.tolist() == ["unit", "prediction", "prediction-lo-80", "prediction-hi-80",
                                      "prediction-lo-90", "prediction-hi-90"]
    assert len(table) == 20 and (table["prediction-lo-90"] <= table["prediction-lo-80"]).all()
    metrics = rul.evaluate(test, level=80)
    last = rul.last_cycle(test, level=80)
    assert metrics["coverage_80"] == pytest.approx(coverage(last["true"], last["prediction-lo-80"],
                                                            last["prediction-hi-80"]))
    assert {"rmse_capped", "score", "width_80", "interval_score_80", "coverage_capped_80"} <= set(metrics)
    rul.save(tmp_path / "u")
    pd.testing.assert_frame_equal(cnnlstm.load(tmp_path / "u").predict(test, level=[80, 90]), table,
                                  check_exact=True)
    with pytest.raises(ValueError, match=r"`level` needs intervals calibrated on validation units, and this model "
                                         r"has none \(val_size=0 held out no validation unit\)"):
        UnitRegressor(model="cnn", epochs=1, progress=False, val_size=0, filters=8).fit(
            train, group="unit", target="rul").predict(test, level=80)
    with pytest.raises(ValueError, match=r"has none \(refit=True trained on the validation units too\).*Fix: fit "
                                         r"with folds=None, refit=False and val_size > 0"):
        UnitRegressor(model="cnn", epochs=1, progress=False, filters=8).fit(
            train, group="unit", target="rul").predict(test, level=80)


# ------------------------------------------------------------------------------------------ compare and CLI
def test_compare_reports_coverage_width_and_msis_of_the_contenders_with_intervals(tmp_path):
    result = cnnlstm.compare("airline", models=["linear"], baselines=["naive", "seasonal_naive"], seeds=1,
                             epochs=2, ensembles=False, progress=False, out=tmp_path)
    table = result.table
    for name in ("linear", "naive", "seasonal_naive"):
        assert 0 <= table.loc[name, "coverage_80"] <= 100 and table.loc[name, "width_80"] > 0
        assert table.loc[name, "msis_80"] > 0
    # the seasonal naive's interval: its validation errors' conformal quantile around its test forecasts
    ref = result.runs["seasonal_naive"][0][1]
    assert (ref["test_lower"] < ref["test"]).all() and (ref["test"] < ref["test_upper"]).all()
    payload = json.loads((tmp_path / "comparison.json").read_text())
    assert set(payload["forecasts"]["intervals"]) == {"linear", "naive", "seasonal_naive"}
    assert payload["forecasts"]["intervals"]["linear"]["level"] == 80
    assert {"coverage_80", "width_80", "msis_80"} <= set(payload["columns"])
    page = (tmp_path / "report.html").read_text()
    assert '"lower":' in page and "prediction interval" in page


def test_report_shows_a_missing_interval_metric_as_a_dash():
    from cnnlstm.comparison.report import render_report

    page = render_report({"title": "t", "task": "forecast", "columns": ["rank", "contender", "coverage_80"],
                          "table": [{"rank": 1, "contender": "autoets", "coverage_80": "nan ± 0"},
                                    {"rank": 2, "contender": "nancy", "coverage_80": "81.2 ± 1.1"}]})
    ranking = page.split('id="ranking"')[1].split("</table>")[0]
    assert "nan ±" not in ranking and "\u2014" in ranking and "<b>nancy</b>" in ranking


def test_cli_train_and_predict_with_quantiles_and_levels(airline, tmp_path):
    from click.testing import CliRunner

    from cnnlstm.cli import main

    out = tmp_path / "run"
    train = CliRunner().invoke(main, ["train", "--dataset", "airline", "--model", "linear", "--horizon", "6",
                                      "--epochs", "2", "--quantiles", "0.1,0.9", "--level", "90", "--out", str(out)])
    assert train.exit_code == 0, train.output
    assert "90% interval on the test part: coverage" in train.output
    assert "coverage_90" in json.loads((out / "metrics.json").read_text())["test"]
    csv = tmp_path / "forecast.csv"
    predicted = CliRunner().invoke(main, ["predict", str(out), "--dataset", "airline", "--level", "80",
                                          "--out", str(csv)])
    assert predicted.exit_code == 0, predicted.output
    assert pd.read_csv(csv).columns.tolist() == ["date", "Passengers", "Passengers-lo-80", "Passengers-hi-80"]
    bad = CliRunner().invoke(main, ["train", "--dataset", "airline", "--quantiles", "low,high", "--dry-run"])
    assert bad.exit_code != 0 and "must be numbers separated by commas, e.g. 0.1,0.5,0.9" in bad.output


def test_report_draws_interval_bands_in_a_real_browser(tmp_path):
    from test_report import assert_renders_in_browser, forecast_payload

    from cnnlstm.comparison.report import write_report

    payload = forecast_payload()
    forecasts = payload["forecasts"]
    band = [[[v * 0.9 for v in row] for row in origin] for origin in forecasts["predictions"]["seasonal_naive"]]
    forecasts["intervals"] = {"seasonal_naive": {"level": 80, "lower": band,
                                                 "upper": [[[v * 1.2 for v in row] for row in origin]
                                                           for origin in forecasts["predictions"]["seasonal_naive"]]}}
    path = write_report(payload, tmp_path / "report.html")
    assert_renders_in_browser(path, payload, tmp_path / "page.png")
    forecasts["intervals"]["seasonal_naive"]["upper"] = band[:-1]
    with pytest.raises(ValueError, match=r"`payload\['forecasts'\]\[intervals\['seasonal_naive'\]\['upper'\]\]` must "
                                         r"have one entry per origin \(13, like 'actual'\)\. Received: 12"):
        write_report(payload, tmp_path / "bad.html")
