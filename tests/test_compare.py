"""The shoot-out: significance tests, the stacked ensemble, resuming after a kill, and whole comparisons on tiny
real slices (airline forecasting, GunPoint classification, C-MAPSS remaining life)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import cnnlstm
from cnnlstm.comparison import run as comparison
from cnnlstm.comparison.ensembles import combine, stack_weights
from cnnlstm.comparison.forecast import ForecastProblem
from cnnlstm.comparison.significance import diebold_mariano, paired_test, verdicts

TINY = {"filters": 8, "hidden_size": 8, "num_conv_layers": 1}
AS_NAMED = dict(split=(96, 24, 24), season_length=12, horizon=12, window=24)  # what the name "airline" sets
AIRLINE = dict(models=["cnn", "lstm"], baselines=["naive", "seasonal_naive"], seeds=2, epochs=2, progress=False,
               **TINY)


# ---------------------------------------------------------------------- significance
def test_diebold_mariano_matches_a_hand_computed_case():
    # d = a - b = [1, -1, 2, 0, 3]: mean 1, centred [0, -2, 1, -1, 2]
    # gamma0 = (0 + 4 + 1 + 1 + 4) / 5 = 2; gamma1 = (0*-2 + -2*1 + 1*-1 + -1*2) / 5 = -1
    # lag 2: variance = 2 + 2*(-1) = 0 -> falls back to gamma0 = 2; DM = 1 / sqrt(2/5) = 1.5811
    # HLN factor sqrt((5 + 1 - 4 + 2*1/5) / 5) = sqrt(0.48); statistic = 1.5811 * 0.6928 = 1.0954
    a = np.array([2.0, 1.0, 4.0, 3.0, 5.0])
    b = np.array([1.0, 2.0, 2.0, 3.0, 2.0])
    statistic, p = diebold_mariano(a, b, lag=2)
    assert statistic == pytest.approx(1.0954451, abs=1e-6)
    assert p == pytest.approx(2 * stats.t.sf(1.0954451, df=4), abs=1e-6)
    # lag 1: variance gamma0 = 2, HLN factor sqrt((5 + 1 - 2) / 5) = sqrt(0.8): 1.5811 * 0.8944 = 1.4142
    assert diebold_mariano(a, b, lag=1)[0] == pytest.approx(np.sqrt(2), abs=1e-9)
    assert diebold_mariano(b, a, lag=1)[0] == pytest.approx(-np.sqrt(2), abs=1e-9)  # symmetric
    assert diebold_mariano(a, a) == (0.0, 1.0)


def test_diebold_mariano_errors_name_the_argument():
    with pytest.raises(ValueError, match="`loss_a` and `loss_b` must be finite 1-D"):
        diebold_mariano([1.0, np.nan, 2.0], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="`lag` must be a positive integer"):
        diebold_mariano([1.0, 2.0], [1.0, 1.0], lag=0)


def test_paired_test_and_verdicts():
    a, b = [0.90, 0.92, 0.91], [0.80, 0.83, 0.81]
    assert paired_test(a, b) == pytest.approx(stats.ttest_rel(a, b).pvalue)
    assert paired_test(a, a) == 1.0
    assert paired_test(a, [0.5]) == pytest.approx(stats.ttest_1samp(a, 0.5).pvalue)  # a deterministic contender
    assert np.isnan(paired_test([0.5], [0.6]))  # one run each: no test possible
    assert verdicts({"x": np.nan, "y": 0.2, "z": 0.01}, best="x") == {"x": "best", "y": "tie", "z": "worse"}


# ---------------------------------------------------------------------- ensembles
def test_stack_weights_recover_the_mix_that_made_the_truth(airline):
    truth = airline.iloc[:, 1].to_numpy(float)
    rng = np.random.default_rng(0)
    members = [truth + rng.normal(0, 30, truth.shape), truth * 1.3, truth * 0.5]
    weights = stack_weights(members, truth)
    assert weights.sum() == pytest.approx(1.0) and (weights >= 0).all()
    best_single = min(np.mean((m - truth) ** 2) for m in members)
    assert np.mean((combine(members, weights) - truth) ** 2) < best_single
    probabilities = [np.array([[0.9, 0.1], [0.2, 0.8]]), np.array([[0.5, 0.5], [0.5, 0.5]])]
    assert stack_weights(probabilities, np.array([0, 1]), loss="nll") == pytest.approx([1.0, 0.0], abs=1e-4)
    with pytest.raises(ValueError, match="`loss` must be 'mse' or 'nll'"):
        stack_weights(members, truth, loss="mae")


def test_stacked_weights_are_fitted_on_validation_only(airline, tmp_path):
    """Changing the test part (the last 24 months) changes the test scores but not the stacked weights, which
    equal those refitted from the stored validation predictions."""
    first = cnnlstm.compare(airline, out=tmp_path / "a", report=False, **AIRLINE, **AS_NAMED)
    altered = airline.copy()
    altered.iloc[-24:, 1] *= 3.0
    second = cnnlstm.compare(altered, out=tmp_path / "b", report=False, **AIRLINE, **AS_NAMED)
    for seed in range(2):
        weights = first.runs["stacked"][seed][0]["weights"]
        assert weights == second.runs["stacked"][seed][0]["weights"]
        val = [first.runs[m][seed][1]["val"] for m in ("cnn", "lstm")]
        problem = ForecastProblem(airline, name="airline", window=24, horizon=12, stride=1, settings={})
        problem.load_reference(comparison.RunStore(tmp_path / "a").get("reference", None)[1])
        refit = stack_weights(val, problem.val_truth({}))
        assert list(weights.values()) == pytest.approx(refit.tolist(), abs=1e-9)
    assert second.table.loc["stacked", "rmse"] != pytest.approx(first.table.loc["stacked", "rmse"])


# ---------------------------------------------------------------------- forecasting end to end
def test_compare_forecasting_ranks_models_ensembles_and_baselines(airline, tmp_path):
    result = cnnlstm.compare("airline", out=tmp_path, **AIRLINE)
    table = result.table
    assert set(table.index) == {"cnn", "lstm", "mean(cnn,lstm)", "stacked", "naive", "seasonal_naive"}
    assert table["rank"].tolist() == list(range(1, 7)) and table["rmse"].is_monotonic_increasing
    assert table.loc["cnn", "runs"] == 2 and table.loc["naive", "runs"] == 1
    assert (table["verdict"] == "best").sum() == 1 and set(table["verdict"]) <= {"best", "tie", "worse"}
    # the ensemble's forecast is the mean of its members' and is scored like any model
    cnn, lstm = (result.runs[m][0][1]["test"] for m in ("cnn", "lstm"))
    np.testing.assert_allclose(result.runs["mean(cnn,lstm)"][0][1]["test"], (cnn + lstm) / 2)
    assert table.loc["seasonal_naive", "rmse"] == pytest.approx(53.366, abs=1e-3)  # the README's seasonal naive
    payload = json.loads((tmp_path / "comparison.json").read_text())
    assert payload["task"] == "forecast" and len(payload["forecasts"]["origins"]) == 13  # 24 test months, h=12
    assert set(payload["forecasts"]["predictions"]) == set(table.index)
    assert set(payload["curves"]) == {"cnn", "lstm"}
    assert "stacked: 2 weights fitted on 13 validation predictions per seed" in payload["notes"][0]
    assert (tmp_path / "report.html").stat().st_size > 1_000_000  # plotly inlined: it opens offline
    assert pd.read_csv(tmp_path / "table.csv", index_col="contender").index.tolist() == table.index.tolist()


def test_parallel_branches_reach_the_report(airline):
    result = cnnlstm.compare("airline", models=["parallel_weighted", "parallel_attention"], baselines=[], seeds=1,
                             epochs=1, progress=False, **TINY)
    branches = result.payload["branches"]
    assert branches["parallel_weighted"]["merge"] == "weighted"
    assert sum(branches["parallel_weighted"]["weights"].values()) == pytest.approx(1.0)
    attention = np.array(branches["parallel_attention"]["attention"])
    assert attention.shape[1] == 2 and np.allclose(attention.sum(axis=1), 1.0, atol=1e-3)


def test_compare_errors_name_the_argument(airline, tmp_path):
    with pytest.raises(ValueError, match="`models` must be one of"):
        cnnlstm.compare("airline", models=["cnn_lsmt"])
    with pytest.raises(ValueError, match="`seeds` must be a positive integer"):
        cnnlstm.compare("airline", seeds=0)
    with pytest.raises(ValueError, match="`baselines` must be one of"):
        cnnlstm.compare("airline", baselines=["prophet"])
    with pytest.raises(ValueError, match="does not suit task 'forecast'"):
        cnnlstm.compare("airline", models=["lrcn"])
    with pytest.raises(ValueError, match="`test_data` is needed for task='classify'"):
        cnnlstm.compare((np.zeros((4, 5)), np.array([0, 1, 0, 1])), task="classify")
    with pytest.raises(ValueError, match="'airline' is a forecast dataset. Received: task='classify'"):
        cnnlstm.compare("airline", task="classify")
    with pytest.raises(ValueError, match="'hiden_size' is neither"):
        cnnlstm.compare("airline", models=["lstm"], hiden_size=8)
    cnnlstm.compare("airline", out=tmp_path, report=False, **{**AIRLINE, "seeds": 1})
    grown = cnnlstm.compare("airline", out=tmp_path, report=False, **{**AIRLINE, "seeds": 2, "models": ["cnn", "lstm", "lstm_cnn"]})
    assert grown.table.loc["lstm_cnn", "runs"] == 2  # more models and seeds reuse the folder
    with pytest.raises(ValueError, match="holds a comparison with other settings .*epochs: 2 -> 3"):
        cnnlstm.compare("airline", out=tmp_path, report=False, **{**AIRLINE, "seeds": 1, "epochs": 3})


# ---------------------------------------------------------------------- resuming
def _files(folder):
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted((folder / "results").iterdir())}


def test_resume_after_an_interrupt_between_contenders(airline, tmp_path, monkeypatch):
    original = ForecastProblem.run_neural

    def interrupted(self, model, kwargs, seed, progress):
        if model == "lstm":
            raise KeyboardInterrupt  # Ctrl-C as the second contender starts
        return original(self, model, kwargs, seed, progress)

    monkeypatch.setattr(ForecastProblem, "run_neural", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cnnlstm.compare("airline", out=tmp_path, report=False, **AIRLINE)
    before = _files(tmp_path)
    assert {"cnn@0.json", "cnn@1.json"} <= set(before) and not any(n.startswith("lstm") for n in before)
    monkeypatch.setattr(ForecastProblem, "run_neural", original)
    resumed = cnnlstm.compare("airline", out=tmp_path, report=False, **AIRLINE)
    after = _files(tmp_path)
    assert all(after[name] == before[name] for name in before)  # finished results were not rewritten
    fresh = cnnlstm.compare("airline", report=False, **AIRLINE)  # the same comparison, never interrupted
    pd.testing.assert_frame_equal(resumed.table.drop(columns=["train_s", "predict_s"]),
                                  fresh.table.drop(columns=["train_s", "predict_s"]))


def test_resume_after_an_interrupt_in_the_middle_of_a_contender(airline, tmp_path, monkeypatch):
    original = ForecastProblem.run_neural

    def interrupted(self, model, kwargs, seed, progress):
        def epoch(record):
            if model == "lstm" and seed == 1 and record["epoch"] == 2:
                raise KeyboardInterrupt  # in the middle of training
            progress(record)
        return original(self, model, kwargs, seed, epoch)

    monkeypatch.setattr(ForecastProblem, "run_neural", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cnnlstm.compare("airline", out=tmp_path, report=False, **AIRLINE)
    before = _files(tmp_path)
    assert "lstm@0.json" in before and not any(n.startswith("lstm@1") for n in before)
    assert not [p for p in tmp_path.rglob("*.tmp")]  # no half-written file left behind
    monkeypatch.setattr(ForecastProblem, "run_neural", original)
    cnnlstm.compare("airline", out=tmp_path, report=False, **AIRLINE)
    after = _files(tmp_path)
    assert all(after[name] == before[name] for name in before) and "lstm@1.json" in after


def test_resume_after_the_process_is_killed(tmp_path):
    """A real SIGKILL while the comparison runs: the rerun keeps what finished and completes the rest."""
    out = tmp_path / "run"
    command = [sys.executable, "-m", "cnnlstm.cli", "--threads", "1", "compare", "--models", "cnn,lstm,cnn_lstm",
               "--baselines", "naive", "--seeds", "2", "--epochs", "3", "--set", "filters=8", "--set",
               "hidden_size=8", "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (out / "results" / "cnn@1.json").exists():
        assert process.poll() is None and time.monotonic() < deadline, "the comparison ended before it was killed"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    before = _files(out)
    assert not (out / "table.csv").exists() and "cnn@0.json" in before
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    after = _files(out)
    assert all(after[name] == before[name] for name in before if name.endswith(".json"))
    table = pd.read_csv(out / "table.csv", index_col="contender")
    assert {"cnn", "lstm", "cnn_lstm", "stacked", "naive"} <= set(table.index)


# ---------------------------------------------------------------------- real comparisons, opened in a browser
def test_forecasting_report_of_a_real_comparison_renders_in_a_browser(tmp_path):
    from test_report import assert_renders_in_browser

    result = cnnlstm.compare("airline", models=["cnn", "lstm", "parallel_weighted", "parallel_attention"],
                             baselines=["naive", "seasonal_naive", "autoets", "theta"], seeds=2, epochs=2,
                             progress=False, out=tmp_path, **TINY)
    assert {"autoets", "theta"} <= set(result.table.index)
    assert result.table.loc["autoets", "rmse"] < result.table.loc["naive", "rmse"]  # a real model, not a stub
    assert set(result.payload["branches"]) == {"parallel_weighted", "parallel_attention"}
    assert_renders_in_browser(tmp_path / "report.html", result.payload, tmp_path / "page.png")


def test_classification_comparison_with_minirocket(tmp_path):
    from test_report import assert_renders_in_browser

    result = cnnlstm.compare("GunPoint", models=["cnn", "lstm"], seeds=2, epochs=3, progress=False, out=tmp_path,
                             val_size=0.2, **TINY)  # a hold-out, for the stacked weights (the default has none)
    table = result.table
    assert set(table.index) == {"cnn", "lstm", "mean(cnn,lstm)", "stacked", "minirocket"}
    assert table.loc["minirocket", "accuracy"] > 0.9 and table.loc["minirocket", "runs"] == 2
    assert table.index[0] == "minirocket" and table.loc["cnn", "verdict"] in ("tie", "worse")
    matrices = result.payload["confusion"]["matrices"]
    assert np.array(matrices["minirocket"]).sum() == 2 * 150  # GunPoint's 150 test cases, two seeds
    stacked = result.runs["stacked"][0][0]["weights"]
    assert set(stacked) == {"cnn", "lstm"} and sum(stacked.values()) == pytest.approx(1.0)
    # the stacked weights see only validation: refitting them from the stored validation probabilities agrees
    cnn, lstm = result.runs["cnn"][0][1], result.runs["lstm"][0][1]
    refit = stack_weights([cnn["val"], lstm["val"]], cnn["val_truth"], loss="nll")
    assert list(stacked.values()) == pytest.approx(refit.tolist(), abs=1e-9)
    assert_renders_in_browser(tmp_path / "report.html", result.payload, tmp_path / "page.png")


def test_remaining_useful_life_comparison(tmp_path):
    from test_report import assert_renders_in_browser

    cnn = {"filters": 8, "num_conv_layers": 1}
    result = cnnlstm.compare("cmapss-fd001", models=["cnn"], baselines=["mean", "ridge", "gbm"], seeds=1, epochs=1,
                             progress=False, out=tmp_path, **cnn)
    table = result.table
    assert set(table.index) == {"cnn", "mean", "ridge", "gbm"}  # one neural contender: no ensemble
    assert table.loc["ridge", "rmse"] < table.loc["mean", "rmse"] and table.loc["gbm", "rmse"] < table.loc["mean", "rmse"]
    rul = result.payload["rul"]
    assert len(rul["units"]) == 100 and len(rul["truth"]) == 100  # FD001's 100 test engines, scored at the last cycle
    assert set(rul["predictions"]) == set(table.index)
    # the network's row is what Regressor.score reports for the same model
    model = cnnlstm.UnitRegressor(model="cnn", window=30, epochs=1, seed=0, progress=False, **cnn)
    train = cnnlstm.datasets.load("cmapss-fd001", split="train")
    test = cnnlstm.datasets.load("cmapss-fd001", split="test")
    score = model.fit(train, group="unit", target="rul").evaluate(test)
    assert table.loc["cnn", "rmse"] == pytest.approx(score["rmse"], rel=1e-5)
    assert_renders_in_browser(tmp_path / "report.html", result.payload, tmp_path / "page.png")


def test_sequence_regression_from_arrays(etth1):
    """Whole-sequence regression: 24 hours of ETTh1's seven columns -> the next hour's oil temperature."""
    values = etth1[["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]].to_numpy(np.float32)
    starts = np.arange(0, 4800, 12)
    X = np.stack([values[s : s + 24] for s in starts])
    y = values[starts + 24, 6]
    train, test = slice(0, 300), slice(300, None)  # chronological: the test windows come after
    result = cnnlstm.compare((X[train], y[train]), task="regress", test_data=(X[test], y[test]),
                             models=["cnn", "lstm"], baselines=["mean", "ridge"], seeds=2, epochs=3, progress=False,
                             **TINY)
    table = result.table
    assert set(table.index) == {"cnn", "lstm", "mean(cnn,lstm)", "stacked", "mean", "ridge"}
    assert list(table.columns[:2]) == ["rank", "kind"] and {"rmse", "mae", "r2"} <= set(table.columns)
    assert table.loc["ridge", "rmse"] < table.loc["mean", "rmse"]
    for contender, runs in result.runs.items():
        assert all(arrays["test"].shape == (len(starts) - 300,) for _, arrays in runs), contender


def test_image_sequence_classification_compares_the_frames_models():
    from cnnlstm.data.sources.moving_digits import make_moving_digits

    train = make_moving_digits(40, num_frames=4, canvas=12, seed=0, digits="train")
    test = make_moving_digits(20, num_frames=4, canvas=12, seed=1, digits="test")
    result = cnnlstm.compare((train.X, train.direction), task="classify", test_data=(test.X, test.direction),
                             name="moving digits", seeds=1, epochs=1, progress=False, filters=4, hidden_size=8,
                             hidden_channels=4)
    assert set(result.table.index) == {"lrcn", "conv_lstm"}  # no series baseline reads frames
    # the Classifier trains on every sequence by default: no validation predictions, so no stacked mix, said so
    assert any(note.startswith("stacked left out") and "val_size" in note for note in result.payload["notes"])
    assert result.payload["title"] == "cnnlstm compare: moving digits"
    assert np.array(result.payload["confusion"]["matrices"]["lrcn"]).sum() == 20


def test_variable_length_classification_pads_train_and_test_alike():
    """JapaneseVowels (lengths 7 to 29; the longest test case is longer than any training case): masked networks,
    and MiniRocket fitted on sequences padded to the longest of either split, so none is cut."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the baseline warns when it must cut a sequence
        result = cnnlstm.compare("JapaneseVowels", models=["cnn"], seeds=1, epochs=1, progress=False, filters=8,
                                 num_conv_layers=1)
    assert result.table.loc["minirocket", "accuracy"] > 0.9
    assert "7 to" in result.payload["data"]["summary"]["length"]


def test_missing_baseline_libraries_are_noted_not_fatal(monkeypatch):
    """Without the `baselines` extra the comparison still runs; the table says what it left out, and asking for a
    missing baseline by name is an error with the fix."""
    from cnnlstm.comparison import baselines

    real = baselines.missing_dependency
    monkeypatch.setattr(baselines, "missing_dependency", lambda name: "needs statsforecast: pip install "
                        "'cnnlstm[baselines]'" if name in baselines.FORECAST_BASELINES else real(name))
    result = cnnlstm.compare("airline", models=["cnn"], seeds=1, epochs=1, progress=False, filters=8)
    assert set(result.table.index) == {"cnn", "naive", "seasonal_naive"}
    assert any(note.startswith("autoarima left out: needs statsforecast") for note in result.payload["notes"])
    with pytest.raises(ValueError, match=r"`baselines` holds 'theta', but needs statsforecast: pip install"):
        cnnlstm.compare("airline", models=["cnn"], baselines=["theta"], seeds=1, epochs=1)


def test_more_input_errors_name_the_argument(airline, tmp_path):
    X, y = cnnlstm.datasets.load("GunPoint", split="train")
    with pytest.raises(ValueError, match="`test_data` must be None with a dataset name"):
        cnnlstm.compare("GunPoint", test_data=(X, y))
    with pytest.raises(ValueError, match="`test_data` must be None for forecasting: the test part is the end of each series"):
        cnnlstm.compare("airline", test_data=(X, y))
    with pytest.raises(ValueError, match="`models` must name at least one neural contender"):
        cnnlstm.compare("airline", models=[])
    with pytest.raises(ValueError, match=r"test labels hold classes absent from training: \['9'\]"):
        cnnlstm.compare((X, y), task="classify", test_data=(X[:3], np.array(["1", "2", "9"])))
    with pytest.raises(ValueError, match=r"`truth` must have the predictions' shape \(3,\)"):
        stack_weights([np.ones(3), np.zeros(3)], np.ones(4))
    from click.testing import CliRunner

    from cnnlstm.cli import main

    table = tmp_path / "train.csv"
    pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0], "label": ["x", "y"]}).to_csv(table, index=False)
    result = CliRunner().invoke(main, ["compare", "--task", "classify", "--data", str(table), "--out", str(tmp_path)])
    assert result.exit_code != 0 and "`target` must name the column of `data` that holds the label" in result.output
    assert "Fix: pass target='COLUMN' (--target COLUMN)" in result.output


def test_without_plotly_compare_writes_its_table_and_says_why_the_report_is_missing(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "plotly" else real(name, *a))
    result = cnnlstm.compare("airline", out=tmp_path, models=["linear"], baselines=["naive"], seeds=1, epochs=1,
                             progress=False)
    assert (tmp_path / "table.csv").exists() and not (tmp_path / "report.html").exists()
    assert any("pip install 'cnnlstm[report]'" in note for note in result.payload["notes"])
