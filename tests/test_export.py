"""ONNX export of every estimator and every registered model: the graph onnxruntime runs on `onnx_inputs(data)`
gives `predict(data)`'s values (within 1e-5 of their magnitude), on tiny models fitted for two epochs on small
slices of real data; and every refusal names its fix."""

from __future__ import annotations

import json
import warnings

import numpy as np
import onnxruntime
import pandas as pd
import pytest

from cnnlstm import Classifier, Forecaster, NotFittedError, Regressor, UnitRegressor, datasets
from cnnlstm.cli import main
from cnnlstm.models.registry import REGISTRY

FAST = dict(epochs=2, batch_size=16, device="cpu", progress=False)
SMALL = dict(filters=8, hidden_size=8)


@pytest.fixture(scope="module")
def italy():
    (X, y), (X_test, _) = (datasets.load("ItalyPowerDemand", split=part) for part in ("train", "test"))
    return X, y, X_test[:20]


@pytest.fixture(scope="module")
def vowels():
    X, y = datasets.load("JapaneseVowels", split="train")
    keep = np.r_[0:30, 30:60, 60:90]  # three speakers, lengths vary
    return [X[i] for i in keep], y[keep]


@pytest.fixture(scope="module")
def digits():
    from cnnlstm.data.sources.moving_digits import make_moving_digits

    return make_moving_digits(48, num_frames=4, canvas=12, seed=0)


@pytest.fixture(scope="module")
def fd001():
    train = datasets.load("cmapss-fd001", split="train")
    test = datasets.load("cmapss-fd001", split="test")
    return train[train["unit"] <= 12], test[test["unit"] <= 8]


@pytest.fixture(scope="module")
def two_sites(etth1):
    """Two series of ETTh1 in long layout, with a past and a future covariate; the future one's next 6 hours."""
    frame = pd.concat([etth1.iloc[:500].assign(site="a"), etth1.iloc[500:1000].assign(site="b")], ignore_index=True)
    future = pd.concat([etth1.iloc[500:506].assign(site="a"), etth1.iloc[1000:1006].assign(site="b")])
    return frame, future[["date", "site", "LULL"]]


def close(actual: np.ndarray, expected) -> None:
    """Equal within 1e-5 of the outputs' magnitude (absolute for probabilities and values under 1)."""
    expected = np.asarray(expected, dtype=np.float64).reshape(actual.shape)
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5 * scale)


def run_graph(path, inputs: dict) -> list[np.ndarray]:
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == list(inputs)
    return session.run(None, inputs)


def export_and_check(estimator, data, expected, tmp_path, **predict_kwargs) -> tuple[dict, list[np.ndarray]]:
    """Export, check the metadata against the graph, run the graph on onnx_inputs(data), compare with predict."""
    path = estimator.to_onnx(tmp_path / "model.onnx")
    meta = json.loads((tmp_path / "model.json").read_text())
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == [i["name"] for i in meta["inputs"]]
    assert [o.name for o in session.get_outputs()] == [o["name"] for o in meta["outputs"]]
    for declared, graph in zip(meta["inputs"], session.get_inputs()):
        assert [d if isinstance(d, int) else "dynamic" for d in declared["shape"]] == \
               [d if isinstance(d, int) else "dynamic" for d in graph.shape]
    assert json.loads(session.get_modelmeta().custom_metadata_map["cnnlstm"]) == meta
    assert meta["library_version"] and meta["estimator"] == type(estimator.__dict__.get("units_", estimator)).__name__
    outputs = run_graph(path, estimator.onnx_inputs(data, **predict_kwargs))
    close(outputs[0], expected)
    return meta, outputs


def quiet(function, *args, **kwargs):
    with warnings.catch_warnings():  # predict's note on a length other than the training one
        warnings.simplefilter("ignore", UserWarning)
        return function(*args, **kwargs)


# -----------------------------------------------------------------------------
# every registered model, through the estimators that serve it

FORECASTERS = {  # model -> hyperparameters; airline, monthly: the calendar is `known`
    "cnn_lstm": SMALL,
    "lstm_cnn": {**SMALL, "quantiles": (0.1, 0.5, 0.9)},
    "parallel": {**SMALL, "merge": "attention"},
    "seg_lstm": {"hidden_size": 8, "segment": 6},
}


@pytest.mark.parametrize("model", list(FORECASTERS))
def test_forecasters_graph_gives_predicts_values_for_any_batch(model, airline, tmp_path):
    f = Forecaster(model=model, window=24, horizon=12, **FAST, **FORECASTERS[model]).fit(airline)
    histories = [airline.iloc[: len(airline) - k] for k in (0, 5, 9)]  # three forecast origins
    expected = np.stack([f.predict(h)["Passengers"].to_numpy()[:, None] for h in histories])  # (3, H, 1)
    first = f.onnx_inputs(histories[0])
    assert list(first) == ["observed", "known"] and first["observed"].shape == (1, 24, 1)
    np.testing.assert_array_equal(first["observed"][0, :, 0], airline["Passengers"].to_numpy()[-24:])  # raw values
    meta, outputs = export_and_check(f, histories[0], expected[:1], tmp_path)
    batch = {name: np.concatenate([f.onnx_inputs(h)[name] for h in histories]) for name in first}
    close(run_graph(tmp_path / "model.onnx", batch)[0], expected)  # the batch axis is dynamic
    assert meta["calendar"] == {"month": "month_sin = sin(2 pi v / 12), month_cos = cos(2 pi v / 12), v = the "
                                         "month - 1"}
    assert meta["inputs"][1]["shape"] == ["batch", 24 + 12, 2] and meta["outputs"][0]["columns"] == ["Passengers"]
    if f.quantiles_:  # the sorted quantiles too, around the median that predict returns
        assert outputs[1].shape == (1, 12, 1, 3) and np.all(np.diff(outputs[1], axis=-1) >= 0)
        close(outputs[1][..., 1], expected[:1])


def test_a_forecaster_of_several_series_with_covariates(two_sites, tmp_path):
    frame, future = two_sites
    f = Forecaster(model="cnn", window=24, horizon=6, targets=["OT"], past_covariates=["HUFL"],
                   future_covariates=["LULL"], id_col="site", time_col="date", filters=8, **FAST).fit(frame)
    expected = f.predict(frame, future=future)["OT"].to_numpy()
    meta, _ = export_and_check(f, frame, expected, tmp_path, future=future)
    assert [i["name"] for i in meta["inputs"]] == ["observed", "known", "series"]
    assert meta["inputs"][0]["columns"] == ["OT", "HUFL"]
    assert meta["inputs"][1]["columns"] == ["LULL", "hour_sin", "hour_cos", "dayofweek_sin", "dayofweek_cos"]
    assert meta["series_ids"] == ["a", "b"] and meta["freq"] == "h"
    inputs = f.onnx_inputs(frame, future=future)
    assert inputs["series"].tolist() == [0, 1] and inputs["known"].shape == (2, 30, 5)
    np.testing.assert_allclose(inputs["known"][0, 24:, 0], future["LULL"].to_numpy()[:6])  # the given future


def test_the_linear_forecaster_exports_from_the_command_line(airline, tmp_path):
    from click.testing import CliRunner

    f = Forecaster(model="linear", window=24, horizon=12, **FAST).fit(airline)
    f.save(tmp_path / "run")
    result = CliRunner().invoke(main, ["export", str(tmp_path / "run"), "--format", "onnx", "--dry-run"])
    assert result.exit_code == 0 and "would write" in result.output and not (tmp_path / "run" / "model.onnx").exists()
    result = CliRunner().invoke(main, ["export", str(tmp_path / "run"), "--format", "onnx"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "run" / "model.json").read_text())["model"] == "linear"
    out = run_graph(tmp_path / "run" / "model.onnx", f.onnx_inputs(airline))[0]
    close(out, f.predict(airline)["Passengers"].to_numpy())
    result = CliRunner().invoke(main, ["export", str(tmp_path / "run"), "--out", str(tmp_path / "model.txt")])
    assert result.exit_code != 0 and "`path` must name a file ending in .onnx" in result.output


def test_a_classifier_ensemble_gives_probabilities_for_any_length(italy, tmp_path):
    X, y, X_test = italy
    clf = Classifier(model="fcn", n_estimators=2, **FAST).fit(X, y)
    meta, _ = export_and_check(clf, X_test, clf.predict_proba(X_test), tmp_path)
    assert meta["classes"] == clf.classes_.tolist() == ["1", "2"] and meta["task"] == "classify"
    assert [i["name"] for i in meta["inputs"]] == ["x", "lengths"] and meta["inputs"][0]["shape"][:2] == ["batch",
                                                                                                         "time"]
    shorter = X_test[:, :20]  # a length the model never saw: the time axis is dynamic
    close(run_graph(tmp_path / "model.onnx", clf.onnx_inputs(shorter))[0], quiet(clf.predict_proba, shorter))


def test_a_classifier_of_sequences_of_unequal_length_takes_their_lengths(vowels, tmp_path):
    X, y = vowels
    clf = Classifier(model="lstm_fcn", **FAST).fit(X, y)
    inputs = clf.onnx_inputs(X[:15])
    assert inputs["x"].shape[2] == 12 and len(set(inputs["lengths"].tolist())) > 1
    export_and_check(clf, X[:15], clf.predict_proba(X[:15]), tmp_path)


def test_image_sequences_classify_and_predict_the_next_frame(digits, tmp_path):
    clf = Classifier(model="lrcn", filters=4, hidden_size=8, **FAST).fit(digits.X, digits.direction)
    meta, _ = export_and_check(clf, digits.X[:5], clf.predict_proba(digits.X[:5]), tmp_path / "lrcn")
    assert meta["inputs"][0]["shape"] == ["batch", "time", 1, 12, 12] and len(meta["inputs"]) == 1
    nxt = Regressor(model="conv_lstm", head="next_frame", hidden_channels=4, num_layers=1, **FAST)
    nxt.fit(digits.X, digits.next_frame)
    meta, outputs = export_and_check(nxt, digits.X[:3], nxt.predict(digits.X[:3]), tmp_path / "conv_lstm")
    assert outputs[0].shape == (3, 1, 12, 12) and meta["inputs"][0]["shape"] == ["batch", 4, 1, 12, 12]


def test_a_bidirectional_quantile_regressor_gives_values_and_quantiles(italy, tmp_path):
    X, _, X_test = italy
    reg = Regressor(model="lstm", bidirectional=True, quantiles=(0.1, 0.5, 0.9), hidden_size=8, **FAST)
    reg.fit(X, X[:, -1, 0])  # one value per sequence: its last step
    meta, outputs = export_and_check(reg, X_test, reg.predict(X_test), tmp_path)
    assert [i["name"] for i in meta["inputs"]] == ["x"]  # no lengths: the bidirectional LSTM packs padded batches
    assert outputs[1].shape == (len(X_test), 3) and np.all(np.diff(outputs[1], axis=-1) >= 0)
    with pytest.raises(ValueError, match=r"takes sequences of one length per call, without `lengths` \(a "
                                         r"bidirectional LSTM packs padded batches"):
        reg.onnx_inputs([X_test[0], X_test[1][:20]])


def test_remaining_useful_life_with_a_fixed_window_model(fd001, tmp_path):
    train, test = fd001
    rul = UnitRegressor(model="dcnn", window=40, **FAST).fit(train, group="unit", target="rul")
    meta, _ = export_and_check(rul, test, rul.predict(test)["prediction"], tmp_path)
    assert [i["name"] for i in meta["inputs"]] == ["x"] and meta["inputs"][0]["columns"] == rul.features_


def test_remaining_useful_life_with_operating_conditions_and_short_units(fd001, tmp_path):
    train, test = fd001
    rul = UnitRegressor(model="cnn", window=40, n_conditions=2, filters=8, **FAST).fit(train, group="unit",
                                                                                       target="rul")
    inputs = rul.onnx_inputs(test)
    assert list(inputs) == ["x", "settings", "lengths"] and inputs["lengths"].min() < 40  # a unit under 40 cycles
    export_and_check(rul, test, rul.predict(test)["prediction"], tmp_path)


EXPORTED = {"cnn", "lstm", "lstm_fcn", "fcn", "dcnn", "lrcn", "conv_lstm", "linear", *FORECASTERS}


def test_every_registered_model_is_exported_above():
    assert EXPORTED == set(REGISTRY)  # a new model joins a test above


# -----------------------------------------------------------------------------
# refusals


def test_refusals_name_the_fix(italy, digits, tmp_path, monkeypatch):
    X, y, X_test = italy
    once = {**FAST, "epochs": 1}
    with pytest.raises(NotFittedError):
        Classifier(model="fcn").to_onnx(tmp_path / "model.onnx")
    clf = Classifier(model="lstm_fcn", **once).fit(X, y)  # built for 24 steps
    with pytest.raises(ValueError, match=r"`path` must name a file ending in .onnx .*Received: path='.*model.bin'"):
        clf.to_onnx(tmp_path / "model.bin")
    with pytest.raises(ValueError, match=r"takes sequences of 24 steps \(it is built for a window of exactly that "
                                         r"many steps\). Received: 20 steps. Fix: pad or crop X to 24 steps"):
        clf.onnx_inputs(X_test[:, :20])
    with pytest.raises(ValueError, match=r"takes sequences of 24 steps .* Received: lengths from 20 to 24\."):
        clf.onnx_inputs([X_test[0], X_test[1][:20]])
    unrolled = Classifier(model="conv_lstm", hidden_channels=2, num_layers=1, **once).fit(digits.X, digits.direction)
    with pytest.raises(ValueError, match=r"takes sequences of 4 steps \(it runs its recurrence over that many "
                                         r"frames, unrolled in the graph\). Received: 3 steps"):
        unrolled.onnx_inputs(digits.X[:2, :3])
    frames = Classifier(model="lrcn", filters=2, hidden_size=4, **once).fit(digits.X, digits.direction)
    with pytest.raises(ValueError, match=r"takes sequences of one length per call, without `lengths` "
                                         r"\(image-sequence models mask padding with steps a graph cannot hold\). "
                                         r"Received: lengths from 3 to 4"):
        frames.onnx_inputs([digits.X[0], digits.X[1][:3]])

    def broken(*args, **kwargs):
        raise RuntimeError("an operator without an ONNX translation")

    monkeypatch.setattr("torch.onnx.export", broken)
    with pytest.raises(ValueError, match=r"Model 'lstm_fcn' of this Classifier could not be exported to ONNX: "
                                         r"RuntimeError: an operator without an ONNX translation\. Fix: report it"):
        clf.to_onnx(tmp_path / "model.onnx")
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(ImportError, match=r"pip install 'cnnlstm\[onnx\]'"):
        clf.to_onnx(tmp_path / "model.onnx")
    assert not (tmp_path / "model.onnx").exists() and not (tmp_path / "model.json").exists()
