"""The Forecaster contract over the whole registry, on the real airline series and small real ETTh1 slices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from cnnlstm import Forecaster, list_models
from cnnlstm.data.prepare.scaling import NotFittedError
from cnnlstm.tasks import ForecastNet

TINY = dict(num_conv_layers=1, filters=8, hidden_size=8, segment=4, dropout=0.1)  # 0.1: every default but seg_lstm's


def tiny(model: str) -> dict:
    """Small hyperparameters each model accepts."""
    from cnnlstm.models import model_hyperparameters

    allowed = model_hyperparameters(model)
    return {k: v for k, v in TINY.items() if k in allowed}


def small(model="cnn_lstm", **kwargs) -> Forecaster:
    settings = dict(window=24, horizon=6, split=(96, 24, 24), epochs=2, batch_size=16, seed=0, progress=False)
    settings.update(kwargs)
    return Forecaster(model=model, **tiny(model), **settings)


@pytest.fixture(scope="module")
def two_targets(etth1) -> pd.DataFrame:
    return etth1.iloc[:400][["date", "OT", "HUFL", "LUFL"]]


@pytest.mark.parametrize("model", list_models("series"))
@pytest.mark.parametrize("channel_independent", [False, True])
def test_network_shape_and_finite_backward(model, channel_independent):
    net = ForecastNet(model=model, num_features=5, num_observed=3, num_targets=2, window=16, horizon=4,
                      channel_independent=channel_independent, model_kwargs=tiny(model))
    x = torch.randn(8, 16, 5)
    out = net(x)
    assert out.shape == (8, 4, 2)
    out.square().mean().backward()
    grads = [p.grad for p in net.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)


@pytest.mark.parametrize("model", list_models("series"))
def test_network_overfits_one_batch(model):
    torch.manual_seed(0)
    net = ForecastNet(model=model, num_features=2, num_observed=2, num_targets=2, window=16, horizon=4,
                      model_kwargs=tiny(model))
    t = torch.linspace(0, 6, 20)
    phase = torch.rand(16, 1, 1) * 6
    series = torch.cat([torch.sin(t[None, :, None] + phase), torch.cos(2 * t[None, :, None] + phase)], dim=-1)
    x, y = series[:, :16], series[:, 16:]
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    first = torch.nn.functional.mse_loss(net(x), y).item()
    for _ in range(150):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(net(x), y)
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.1 * first


@pytest.mark.parametrize("model", list_models("series"))
def test_fit_predict_save_load_identical(model, airline, tmp_path):
    forecaster = small(model).fit(airline)
    forecast = forecaster.predict(airline)
    assert list(forecast.columns) == ["date", "Passengers"]
    assert len(forecast) == 6
    assert forecast["date"].iloc[0] == pd.Timestamp("1961-01-01")
    assert np.isfinite(forecast["Passengers"]).all()
    forecaster.save(tmp_path / "run")
    loaded = Forecaster.load(tmp_path / "run")
    pd.testing.assert_frame_equal(loaded.predict(airline), forecast)
    assert loaded.score(airline) == pytest.approx(forecaster.score(airline))


@pytest.mark.parametrize("model", list_models("series"))
def test_same_seed_same_result(model, airline):
    first = small(model, seed=3).fit(airline).predict(airline)
    second = small(model, seed=3).fit(airline).predict(airline)
    other = small(model, seed=4).fit(airline).predict(airline)
    pd.testing.assert_frame_equal(first, second)
    assert not np.allclose(first["Passengers"], other["Passengers"])


def test_several_targets_and_covariates(two_targets):
    forecaster = small("cnn_lstm", targets=["OT", "HUFL"], past_covariates=["LUFL"], split=(0.6, 0.2, 0.2))
    forecaster.fit(two_targets)
    assert forecaster.columns_ == ["OT", "HUFL", "LUFL", "hour_sin", "hour_cos", "dayofweek_sin", "dayofweek_cos"]
    forecast = forecaster.predict(two_targets)
    assert list(forecast.columns) == ["date", "OT", "HUFL"] and len(forecast) == 6
    assert forecast["date"].iloc[0] == two_targets["date"].iloc[-1] + pd.Timedelta(hours=1)
    scores = forecaster.evaluate(two_targets)
    for key in ("mse", "rmse", "mae", "mape", "smape", "mase", "scaled_mse", "scaled_mae", "naive_rmse",
                "seasonal_naive_rmse"):
        assert np.isfinite(scores[key]), key
    assert scores["rmse"] == pytest.approx(np.sqrt(scores["mse"]))


def test_future_covariates_need_future_values(two_targets):
    data = two_targets.rename(columns={"LUFL": "plan"})
    forecaster = small("lstm", targets=["OT"], future_covariates=["plan"], calendar=None, split=(0.6, 0.2, 0.2))
    forecaster.fit(data)
    with pytest.raises(ValueError, match="`future` is needed"):
        forecaster.predict(data)
    stamps = pd.date_range(data["date"].iloc[-1], periods=7, freq="h")[1:]
    future = pd.DataFrame({"date": stamps, "plan": np.linspace(1, 2, 6)})
    forecast = forecaster.predict(data, future=future)
    assert len(forecast) == 6
    shifted = forecaster.predict(data, future=future.assign(plan=future["plan"] + 5))
    assert not np.allclose(forecast["OT"], shifted["OT"])  # the model reads the future values
    with pytest.raises(ValueError, match="for each of the 6 steps"):
        forecaster.predict(data, future=future.iloc[:3])


def test_long_layout_global_model(etth1):
    part = etth1.iloc[:300]
    long = pd.concat([part[["date", c]].rename(columns={c: "value"}).assign(station=c) for c in ("OT", "HUFL")])
    forecaster = small("linear", id_col="station", targets=["value"], split=(0.6, 0.2, 0.2)).fit(long)
    assert forecaster.series_ids_ == ["OT", "HUFL"]
    assert forecaster.scaler_.offset_.shape == (2, 5)  # per series and per column
    forecast = forecaster.predict(long)
    assert list(forecast.columns) == ["station", "date", "value"] and len(forecast) == 12
    backtest = forecaster.backtest(long)
    assert set(backtest.series) == {"OT", "HUFL"}
    other = long.assign(station=long["station"].replace({"OT": "new"}))
    with pytest.raises(ValueError, match="not fitted on"):
        forecaster.predict(other)


def test_predict_frame_is_one_row_per_series_and_step_in_the_datas_order(etth1):
    """predict's long frame, pinned: the ids in the data's order (object column), each series' own next stamps
    (one series ends 19 hours early), the target, each level's bounds, a fresh RangeIndex; the same rows as
    predicting each series alone."""
    part = etth1.iloc[:200]
    long = pd.concat([part[["date", c]].rename(columns={c: "value"}).assign(station=c) for c in ("OT", "HUFL", "LUFL")])
    long = long[~((long["station"] == "HUFL") & (long["date"] > part["date"].iloc[180]))]
    forecaster = small("linear", id_col="station", targets=["value"], horizon=3, split=(0.6, 0.2, 0.2)).fit(long)
    forecast = forecaster.predict(long, level=80)
    assert list(forecast.columns) == ["station", "date", "value", "value-lo-80", "value-hi-80"]
    assert [str(t) for t in forecast.dtypes] == ["object", "datetime64[ns]", "float64", "float64", "float64"]
    assert forecast.index.equals(pd.RangeIndex(9))
    assert forecast["station"].tolist() == ["OT"] * 3 + ["HUFL"] * 3 + ["LUFL"] * 3
    ends = {"OT": "2016-07-09 08:00", "HUFL": "2016-07-08 13:00", "LUFL": "2016-07-09 08:00"}
    expected = [pd.Timestamp(ends[s]) + pd.Timedelta(hours=h) for s in ("OT", "HUFL", "LUFL") for h in (0, 1, 2)]
    assert forecast["date"].tolist() == expected
    assert (forecast["value-lo-80"] < forecast["value"]).all() and (forecast["value"] < forecast["value-hi-80"]).all()
    alone = [forecaster.predict(long[long["station"] == s], level=80) for s in ("OT", "HUFL", "LUFL")]
    pd.testing.assert_frame_equal(forecast, pd.concat(alone, ignore_index=True))


def test_forecast_frame_lays_out_every_series_step_and_target():
    """The frame built from (S, H, T) forecasts, written out in full: several targets; integer steps without a
    time column (each series' own next positions); one series alone keeps the id column of a model of several,
    and a model of one series has none."""
    frame = pd.DataFrame({"k": ["a"] * 40 + ["b"] * 30, "x": np.sin(np.arange(70.0)), "y": np.cos(np.arange(70.0))})
    forecaster = small("linear", id_col="k", targets=["x", "y"], window=8, horizon=2, split=(0.6, 0.2, 0.2)).fit(frame)
    series = forecaster._prepare(frame)
    out = np.arange(8.0).reshape(2, 2, 2)  # (S, H, T)
    expected = pd.DataFrame({"k": np.array(["a", "a", "b", "b"], dtype=object), "step": [40, 41, 30, 31],
                             "x": [0.0, 2.0, 4.0, 6.0], "y": [1.0, 3.0, 5.0, 7.0]})
    pd.testing.assert_frame_equal(forecaster._forecast_frame(series, out), expected, check_exact=True)
    one = forecaster._prepare(frame[frame["k"] == "b"])
    pd.testing.assert_frame_equal(forecaster._forecast_frame(one, out[1:]), expected.iloc[2:].reset_index(drop=True),
                                  check_exact=True)
    single = small("linear", targets=["x", "y"], window=8, horizon=2, split=(0.6, 0.2, 0.2)).fit(frame.iloc[:40, 1:])
    pd.testing.assert_frame_equal(single._forecast_frame(single._prepare(frame.iloc[:40, 1:]), out[:1]),
                                  expected.iloc[:2, 1:], check_exact=True)


def test_scaler_is_fitted_on_the_training_part_only(airline):
    forecaster = small("linear").fit(airline)
    train = airline["Passengers"].to_numpy()[:96]
    assert forecaster.scaler_.offset_[0, 0] == pytest.approx(train.mean())
    assert forecaster.scaler_.scale_[0, 0] == pytest.approx(train.std())
    changed = airline.copy()
    changed.loc[100:, "Passengers"] *= 10  # validation and test rows only
    assert small("linear").fit(changed).scaler_.offset_[0, 0] == pytest.approx(train.mean())


def test_fit_never_reads_the_test_part(airline):
    reference = small("cnn", epochs=1).fit(airline)
    poisoned = airline.copy()
    poisoned.loc[120:, "Passengers"] = 1e6  # the test part (rows 120..143)
    other = small("cnn", epochs=1).fit(poisoned)
    for a, b in zip(reference.net_.state_dict().values(), other.net_.state_dict().values()):
        assert torch.equal(a, b)


def test_early_stopping_restores_the_best_validation_epoch(airline):
    forecaster = small("lstm", epochs=30, patience=3, lr=3e-2).fit(airline)
    history = forecaster.history_
    best = history["val_loss"].idxmin()
    assert len(history) <= 30
    if len(history) < 30:
        assert len(history) - 1 - best == 3  # stopped after `patience` epochs without improvement
    backtest = forecaster.backtest(airline, part="validation")
    scaled = ((backtest.scaled_forecasts["model"] - backtest.scaled_actual) ** 2).mean()
    assert scaled == pytest.approx(history["val_loss"].min(), rel=1e-4)


def test_revin_rescues_a_trending_series():
    """A trend that leaves the training range: a train-fitted z-score alone leaves the LSTM far off (worse than
    naive); per-window normalisation brings it under the naive forecast."""
    t = np.arange(400, dtype=float)
    frame = pd.DataFrame({"y": 0.5 * t + 3 * np.sin(2 * np.pi * t / 12)})
    settings = dict(window=24, horizon=6, split=(0.6, 0.2, 0.2), epochs=15, batch_size=32, progress=False)
    with_revin = Forecaster("lstm", **settings).fit(frame).evaluate(frame)
    without = Forecaster("lstm", revin=False, **settings).fit(frame).evaluate(frame)
    assert with_revin["rmse"] < with_revin["naive_rmse"] < without["rmse"]


def test_parallel_branch_weights_are_readable(airline):
    weighted = small("parallel", merge="weighted").fit(airline)
    weights = weighted.branch_weights()
    assert set(weights) == {"cnn", "lstm"} and sum(weights.values()) == pytest.approx(1)
    attention = small("parallel", merge="attention").fit(airline)
    attention.predict(airline)
    assert sum(attention.branch_weights().values()) == pytest.approx(1)
    with pytest.raises(ValueError, match="needs model='parallel'"):
        small("cnn").fit(airline).branch_weights()


def test_not_fitted_and_bad_arguments(airline, tmp_path):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        Forecaster().predict(airline)
    with pytest.raises(ValueError, match="`window` must be a positive integer"):
        small(window=0).fit(airline)
    with pytest.raises(ValueError, match="`loss` must be one of"):
        small(loss="rmse").fit(airline)
    with pytest.raises(ValueError, match="Did you mean 'cnn_lstm'"):
        small("cnn_lstn").fit(airline)
    with pytest.raises(ValueError, match="`part` must be 'test' or 'validation'"):
        small("linear").fit(airline).backtest(airline, part="train")
    with pytest.raises(FileNotFoundError, match="model folder"):
        Forecaster.load(tmp_path / "nothing")


def test_loading_never_unpickles(airline, tmp_path):
    import pickle

    small("linear").fit(airline).save(tmp_path / "run")

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    with open(tmp_path / "run" / "model.pt", "wb") as file:
        pickle.dump({"x": Evil()}, file)
    with pytest.raises(pickle.UnpicklingError):
        Forecaster.load(tmp_path / "run")


def test_save_is_atomic_and_leaves_earlier_results(airline, tmp_path, monkeypatch):
    forecaster = small("linear").fit(airline)
    forecaster.save(tmp_path / "run")
    before = {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()}

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("cnnlstm.checkpoint.os.replace", crash)
    with pytest.raises(OSError, match="disk full"):
        small("linear", seed=5).fit(airline).save(tmp_path / "run")
    after = {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()}
    assert after == before  # no half-written file, no temporary left behind


def test_etth1_all_channels_beat_naive_on_validation(etth1):
    """Real data: ETTh1, all 7 channels, a short training must beat the naive forecast on validation."""
    part = etth1.iloc[: 24 * 300]  # 300 days
    forecaster = Forecaster("cnn_lstm", window=96, horizon=24, split=(0.7, 0.15, 0.15), calendar=None, epochs=3,
                            batch_size=64, num_conv_layers=1, filters=16, hidden_size=32, progress=False)
    forecaster.fit(part)
    assert forecaster.num_targets_ == 7
    metrics = forecaster.backtest(part, part="validation", stride=4).metrics
    assert metrics.loc["model", "scaled_mse"] < metrics.loc["naive", "scaled_mse"]


def test_arrays_skip_pandas_and_never_change_the_callers_data():
    from cnnlstm.data.prepare import SeriesSpec, prepare

    rng = np.random.default_rng(0)
    array = rng.normal(size=(3, 60, 2)).cumsum(axis=1).astype(np.float32)
    data = prepare(array, SeriesSpec())
    assert np.shares_memory(data.values, array)  # float32, C-ordered: used as it is
    assert data.series_ids == ["0", "1", "2"] and data.lengths.tolist() == [60, 60, 60]
    assert data.columns == ["x0", "x1"]
    with_gap = array.copy()
    with_gap[1, 10, 0] = np.nan
    with pytest.raises(ValueError, match=r"series '1'\) column 'x0' has 1 missing values, the first at row 10"):
        prepare(with_gap, SeriesSpec())
    filled = prepare(with_gap, SeriesSpec(missing="interpolate"))
    assert filled.values[60 + 10, 0] == pytest.approx((array[1, 9, 0] + array[1, 11, 0]) / 2)
    assert np.isnan(with_gap[1, 10, 0])  # the caller's array is untouched
    with pytest.raises(ValueError, match="has no time or id column"):
        prepare(array, SeriesSpec(time_col="date"))

    forecaster = Forecaster("linear", window=12, horizon=3, epochs=1, split=(0.6, 0.2, 0.2), progress=False)
    forecast = forecaster.fit(array).predict(array)
    assert list(forecast.columns) == ["series", "step", "x0", "x1"] and len(forecast) == 9
    assert forecast["step"].tolist()[:3] == [60, 61, 62]


def test_long_layout_contiguous_or_interleaved_rows_give_the_same_series():
    from cnnlstm.data.sources.io import read_table
    from cnnlstm.data.prepare import SeriesSpec, prepare

    stamps = pd.date_range("2024-01-01", periods=30, freq="h")
    long = pd.concat([pd.DataFrame({"id": name, "date": stamps, "value": np.arange(30.0) * (k + 1)})
                      for k, name in enumerate(["b", "a", "c"])], ignore_index=True)
    interleaved = long.sort_values(["date", "id"], kind="stable")
    spec = SeriesSpec(id_col="id", targets=["value"], calendar=None)
    first, second = prepare(long, spec), prepare(interleaved.reset_index(drop=True), spec)
    assert first.series_ids == second.series_ids == ["b", "a", "c"] or second.series_ids == ["a", "b", "c"]
    for series_id in first.series_ids:
        i, j = first.series_ids.index(series_id), second.series_ids.index(series_id)
        a = first.values[first.starts[i] : first.starts[i] + first.lengths[i]]
        b = second.values[second.starts[j] : second.starts[j] + second.lengths[j]]
        np.testing.assert_array_equal(a, b)
    numbered = pd.DataFrame({0: [1.0, 2.0]})
    assert read_table(numbered).columns.tolist() == ["0"] and numbered.columns.tolist() == [0]  # caller untouched


def test_seg_lstm_takes_its_own_defaults_channel_independence_and_last_value(etth1):
    from cnnlstm.tasks import LastValue, RevIN

    frame = etth1.iloc[:600]
    settings = dict(window=30, horizon=10, split=(400, 100, 100), epochs=1, progress=False, device="cpu")
    seg = Forecaster("seg_lstm", hidden_size=16, segment=8, **settings).fit(frame)  # 30 and 10: not multiples of 8
    assert seg.net_.channel_independent and isinstance(seg.net_.revin, LastValue)
    assert seg.net_.backbone.decoder.num_channels == 7  # every ETTh1 column is observed: a learned embedding for each
    assert seg.predict(frame).shape == (10, 8)  # the date and seven targets
    gru = Forecaster("seg_lstm", hidden_size=16, cell="gru", revin=True, channel_independent=False, **settings)
    gru.fit(frame)  # the user's choices win over the model's defaults
    assert not gru.net_.channel_independent and isinstance(gru.net_.revin, RevIN)
    assert Forecaster("lstm", hidden_size=8, **settings).fit(frame).net_.channel_independent is False
    with pytest.raises(ValueError, match="`revin` must be True .* 'last' .* or False. Received: revin='median'"):
        Forecaster("lstm", revin="median", **settings).fit(frame)


def test_cnn_lstm_forecasts_with_its_recipe_and_the_users_hyperparameters_win(etth1):
    from cnnlstm.models.layers import SegmentDecoder
    from cnnlstm.tasks import LastValue

    frame = etth1.iloc[:600]
    settings = dict(window=30, horizon=20, split=(400, 100, 100), epochs=1, progress=False, device="cpu",
                    filters=8, hidden_size=8)
    recipe = Forecaster("cnn_lstm", segment=8, **settings).fit(frame)  # 20 steps: two segments and a half
    assert recipe.net_.channel_independent and isinstance(recipe.net_.revin, LastValue)
    assert isinstance(recipe.net_.backbone.head, SegmentDecoder) and recipe.net_.backbone.head.num_channels == 7
    assert recipe.net_.config["model_kwargs"]["head"] == "segments"  # saved with the network: loads as trained
    linear = Forecaster("cnn_lstm", head="linear", **settings).fit(frame)
    assert isinstance(linear.net_.backbone.head, torch.nn.Linear)
    assert linear.get_params()["head"] == "linear"
    short = Forecaster("cnn_lstm", **{**settings, "horizon": 10, "segment": 8}).fit(frame)  # 10 < two segments
    assert isinstance(short.net_.backbone.head, torch.nn.Linear) and short.net_.channel_independent


def pollution_head(tmp_path, rows: int) -> "Path":
    """The first rows of the raw UCI Beijing PM2.5 CSV (No, year, month, day, hour, pm2.5, ..., cbwd, ...)."""
    import os
    from pathlib import Path

    path = tmp_path / "pollution.csv"
    with open(Path(os.environ["CNNLSTM_DATA_DIR"]) / "beijing_pm25" / "pollution.csv") as file:
        path.write_text("".join(next(file) for _ in range(rows + 1)))
    return path


def test_raw_pollution_csv_with_a_text_covariate_trains_saves_and_predicts(tmp_path):
    import json

    csv = pollution_head(tmp_path, rows=300)
    forecaster = small("linear", targets=["pm2.5"], past_covariates=["cbwd", "TEMP"], future_covariates=["Iws"],
                       missing="interpolate", split=(0.7, 0.15, 0.15))
    report = forecaster.check(csv)  # the dry run shows what was inferred
    assert report["time_col"] == "date" and report["time_parts"] == ["year", "month", "day", "hour"]
    assert set(report["unused_columns"]) == {"No", "DEWP", "PRES", "Is", "Ir"}
    forecaster.fit(csv)
    assert forecaster.spec_.categories == {"cbwd": ["NE", "NW", "SE", "cv"]}
    assert forecaster.columns_[:7] == ["pm2.5", "cbwd_NE", "cbwd_NW", "cbwd_SE", "cbwd_cv", "TEMP", "Iws"]
    assert forecaster.num_past_ == 5
    frame = pd.read_csv(csv)
    future = pd.DataFrame({"year": 2010, "month": 1, "day": 13, "hour": range(12, 18), "Iws": [1.0, 2, 3, 4, 5, 6]})
    forecast = forecaster.predict(frame, future=future)  # the future frame's time is assembled the same way
    assert list(forecast.columns) == ["date", "pm2.5"]
    assert forecast["date"].iloc[0] == pd.Timestamp("2010-01-13 12:00")  # 300 hours after the first row
    forecaster.save(tmp_path / "run")
    state = json.loads((tmp_path / "run" / "config.json").read_text())["state"]
    assert state["time_col"] == "date" and state["time_parts"] == ["year", "month", "day", "hour"]
    assert state["categories"] == {"cbwd": ["NE", "NW", "SE", "cv"]} and "No" in state["unused_columns"]
    loaded = Forecaster.load(tmp_path / "run")
    assert loaded.num_past_ == 5
    pd.testing.assert_frame_equal(loaded.predict(frame, future=future), forecast)


def test_run_folders_from_before_time_parts_still_load(airline, tmp_path):
    import json

    forecaster = small("linear").fit(airline)
    forecaster.save(tmp_path / "run")
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    for key in ("time_parts", "categories", "unused_columns"):
        del config["state"][key]
    (tmp_path / "run" / "config.json").write_text(json.dumps(config))
    pd.testing.assert_frame_equal(Forecaster.load(tmp_path / "run").predict(airline), forecaster.predict(airline))


def test_mape_is_undefined_when_actuals_touch_or_cross_zero(tmp_path):
    import json

    from cnnlstm import checkpoint
    from cnnlstm.metrics import forecast_metrics, mape

    assert mape([100.0, 200.0], [110.0, 180.0]) == pytest.approx(10.0)
    assert mape([-2.0, -4.0], [-1.0, -4.0]) == pytest.approx(25.0)  # all negative: defined
    assert np.isnan(mape([0.0, 2.0], [0.1, 2.0]))  # scikit-learn's reads 4.5e14 % here
    assert np.isnan(mape([-1.0, 2.0], [0.0, 2.0]))
    metrics = forecast_metrics(np.array([[-0.5, 3.0]]), np.array([[0.5, 2.5]]))
    assert np.isnan(metrics["mape"]) and np.isfinite(metrics["smape"])
    checkpoint.write_json(tmp_path / "metrics.json", metrics)
    assert json.loads((tmp_path / "metrics.json").read_text())["mape"] is None  # "undefined", never 2.17e16
