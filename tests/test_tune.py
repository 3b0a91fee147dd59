"""`tune` / `cnnlstm tune`: Optuna trials judged on the validation part only, pruning through the per-epoch hook,
a sqlite study that resumes, the best settings as a run file `cnnlstm train --config` takes, and clear errors."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from click.testing import CliRunner
import optuna  # the `tune` extra, which `make` installs

import cnnlstm
from cnnlstm.cli import main
from cnnlstm.estimators import Forecaster
from cnnlstm.tuning import Range, default_range, search_space

AS_NAMED = dict(split=(96, 24, 24), season_length=12, horizon=12, window=24)  # what the name "airline" sets
SMALL = {"filters": {"low": 4, "high": 16}, "num_conv_layers": 1}  # tiny networks: seconds per study
optuna.logging.set_verbosity(optuna.logging.WARNING)


def test_the_space_comes_from_the_registry_and_a_space_changes_it():
    assert default_range("hidden_size", 64) == Range("int", 16, 128, log=True)
    assert default_range("kernel_size", 3) == Range("int", 3, 7, step=2)
    assert default_range("activation", "relu") is None  # no range known: it keeps its default
    searched, fixed = search_space("lstm", Forecaster)
    assert sorted(searched) == ["bidirectional", "dropout", "hidden_size", "lr", "num_layers"] and fixed == {}
    searched, fixed = search_space("lstm", Forecaster, {"hidden_size": 32, "dropout": [0.0, 0.2],
                                                        "window": {"low": 12, "high": 36, "step": 12}})
    assert fixed == {"hidden_size": 32} and "hidden_size" not in searched
    assert searched["dropout"] == (0.0, 0.2) and searched["window"] == Range("int", 12, 36, step=12)


def test_three_trials_on_airline_are_judged_on_validation_only(airline):
    first = cnnlstm.tune(airline, model="cnn", trials=3, epochs=2, sampler_seed=0, space=SMALL, **AS_NAMED)
    values = [t.value for t in first.study.trials]
    assert len(values) == 3 and all(t.state.name == "COMPLETE" for t in first.study.trials)
    assert first.best_value == min(values) and set(first.best_params) == set(first.space)
    refit = Forecaster(**first.settings).fit(airline)  # the value is the validation loss early stopping kept
    assert first.best_value == pytest.approx(refit.history_["val_loss"].min(), rel=1e-6)
    altered = airline.copy()
    altered.iloc[-24:, altered.columns.get_loc("Passengers")] *= 10  # the test part: never read by the search
    second = cnnlstm.tune(altered, model="cnn", trials=3, epochs=2, sampler_seed=0, space=SMALL, **AS_NAMED)
    assert [t.value for t in second.study.trials] == values


def test_a_sqlite_study_resumes_and_refuses_another_model(airline, tmp_path):
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    common = dict(storage=storage, study="airline-cnn", epochs=1, sampler_seed=0, space=SMALL, **AS_NAMED)
    cnnlstm.tune(airline, model="cnn", trials=2, **common)
    resumed = cnnlstm.tune(airline, model="cnn", trials=2, **common)  # an interrupted search, run again
    trials = resumed.study.trials
    assert [t.number for t in trials] == [0, 1, 2, 3]
    assert trials[2].params != trials[0].params  # the resumed sampler draws new points
    assert len(optuna.load_study(study_name="airline-cnn", storage=storage).trials) == 4
    with pytest.raises(ValueError, match=r"Study 'airline-cnn' in .* tunes \{'model': 'cnn', .*\}, not \{'model': "
                                         r"'lstm', .*\}\. Fix: pass another study name"):
        cnnlstm.tune(airline, model="lstm", trials=1, **{**common, "space": None})


def test_workers_started_together_finish_each_others_claim(airline, tmp_path):
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    half = optuna.create_study(study_name="together", storage=storage)
    half.set_user_attr("model", "cnn")  # another worker, caught between its claim's attributes
    common = dict(storage=storage, study="together", trials=1, epochs=1, space=SMALL, **AS_NAMED)
    cnnlstm.tune(airline, model="cnn", **common)
    assert optuna.load_study(study_name="together", storage=storage).user_attrs == {
        "model": "cnn", "task": "forecast", "data": "DataFrame"}
    other = optuna.create_study(study_name="other", storage=storage)
    other.set_user_attr("model", "lstm")
    with pytest.raises(ValueError, match=r"Study 'other' in .* tunes \{'model': 'lstm', 'task': None, 'data': None\}"):
        cnnlstm.tune(airline, model="cnn", **{**common, "study": "other"})


def test_a_trial_going_badly_is_pruned_at_its_first_epoch(airline, tmp_path):
    common = dict(model="linear", storage=f"sqlite:///{tmp_path / 'p.db'}", study="pruning", epochs=3, **AS_NAMED,
                  pruner=optuna.pruners.MedianPruner(n_startup_trials=1, n_warmup_steps=0))
    good = {"lr": {"low": 9e-3, "high": 1e-2}}
    cnnlstm.tune(airline, trials=1, space=good, **common)  # a good rate: the median to beat
    study = cnnlstm.tune(airline, trials=1, space={"lr": {"low": 1e-8, "high": 1e-7}}, **common).study  # barely moves
    bad = study.trials[1]
    assert bad.state == optuna.trial.TrialState.PRUNED and bad.last_step == 1  # stopped after epoch 1 of 3
    assert bad.intermediate_values[1] > study.trials[0].intermediate_values[1]
    with pytest.raises(ValueError, match=r"`space` 'lr' must search what study 'pruning' searched before: "
                                         r"FloatDistribution\(.*\)\. Received: CategoricalDistribution\(.*\)\. Fix: "):
        cnnlstm.tune(airline, trials=1, space={"lr": [1e-3, 1e-2]}, **common)


def test_the_best_run_file_trains_through_the_command_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "space.toml").write_text('filters = {low = 4, high = 8}\nnum_conv_layers = 1\nkernel_size = [3, 5]\n')
    runner = CliRunner()
    tuned = runner.invoke(main, ["--threads", "1", "tune", "--dataset", "airline", "--model", "cnn", "--trials", "2",
                                 "--epochs", "1", "--space", "space.toml", "--storage", "sqlite:///s.db", "--out",
                                 "best.toml"])
    assert tuned.exit_code == 0, tuned.output
    assert "Best settings" in tuned.output and "cnnlstm train --dataset airline --config best.toml" in tuned.output
    study = optuna.load_study(study_name="cnnlstm-cnn-airline", storage="sqlite:///s.db")
    best = study.best_trial.params
    text = (tmp_path / "best.toml").read_text()
    assert text.startswith("# cnnlstm tune: study 'cnnlstm-cnn-airline'") and "[hyperparameters]" in text
    trained = runner.invoke(main, ["--threads", "1", "train", "--dataset", "airline", "--config", "best.toml", "--out",
                                   "run"])
    assert trained.exit_code == 0, trained.output
    params = json.loads((tmp_path / "run" / "config.json").read_text())["params"]
    assert params["model"] == "cnn" and params["epochs"] == 1 and params["num_conv_layers"] == 1
    assert {k: params[k] for k in best} == pytest.approx(best)


def test_the_dry_run_prints_the_space_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "--dry-run" in CliRunner().invoke(main, ["tune", "--help"]).output
    result = CliRunner().invoke(main, ["tune", "--dataset", "airline", "--model", "lstm", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "search space of lstm on airline: lr [0.0001, 0.01] log" in result.output
    assert "hidden_size [16, 128] log" in result.output and "nothing was trained or written" in result.output
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("space, message", [
    ({"hiden_size": {"low": 8, "high": 64}}, r"`space` names 'hiden_size', which is neither a hyperparameter of "
                                             r"model 'lstm' nor a Forecaster setting\. Did you mean 'hidden_size'\?"),
    ({"hidden_size": {"low": 8}}, r"`space` 'hidden_size': a range is a table of low and high, and optionally log "
                                  r"and step\. Received: hidden_size = \{'low': 8\}\. Fix: e\.g\. hidden_size = "),
    ({"hidden_size": {"low": 64, "high": 8}}, r"low and high must be numbers with low < high\. Received: low=64, "
                                              r"high=8\."),
    ({"lr": {"low": 0.0, "high": 0.1, "log": True}}, r"a log range needs low > 0\. Received: log=True, low=0\.0\."),
    ({"dropout": []}, r"`space` 'dropout': a list is the choices to search, each a number, a string or a boolean, "
                      r"at least one\. Received: dropout = \[\]\."),
    ({"lr": {"low": 1e-4, "high": 1e-2, "step": -1}}, r"step must be a positive number, on a range without log\."),
])
def test_bad_search_spaces_are_refused_before_any_trial(airline, space, message):
    with pytest.raises(ValueError, match=message):
        cnnlstm.tune(airline, model="lstm", trials=1, space=space, **AS_NAMED)


def test_other_bad_inputs_name_the_argument(airline, tmp_path, monkeypatch):
    with pytest.raises(TypeError, match=r"`space` must be a dict or the path of a TOML file\. Received: int\."):
        cnnlstm.tune(airline, model="lstm", space=5, **AS_NAMED)
    with pytest.raises(ValueError, match=r"`trials` must be a positive integer: the trials to run now\. Received: "
                                         r"trials=0\. Fix: e\.g\. trials=20\."):
        cnnlstm.tune(airline, model="lstm", trials=0, **AS_NAMED)
    with pytest.raises(ValueError, match=r"`model` must be one of .* Received: model='lstn'\. Did you mean 'lstm'"):
        cnnlstm.tune(airline, model="lstn", **AS_NAMED)
    with pytest.raises(ValueError, match=r"`pruner` must be 'median', None or an Optuna pruner\. Received: "
                                         r"pruner='hyperband'\."):
        cnnlstm.tune(airline, model="lstm", trials=1, pruner="hyperband", **AS_NAMED)
    with pytest.raises(ValueError, match=r"tune: 'hiden_size' is not a setting of Forecaster\."):
        cnnlstm.tune(airline, model="lstm", trials=1, hiden_size=8, **AS_NAMED)
    (tmp_path / "bad.toml").write_text("hidden_size = {low = 8,\n")
    with pytest.raises(ValueError, match=r"`space` file '.*bad\.toml' is not valid TOML"):
        cnnlstm.tune(airline, model="lstm", trials=1, space=tmp_path / "bad.toml", **AS_NAMED)
    X = np.random.default_rng(0).normal(size=(20, 16, 1)).astype(np.float32)
    with pytest.raises(ValueError, match=r"`tune` judges every trial on a validation part\. Received: val_size=0"):
        cnnlstm.tune((X, np.arange(20) % 2), task="classify", test_data=(X, np.arange(20) % 2), model="cnn",
                     trials=1, val_size=0)
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(ImportError, match=r"`tune` needs Optuna and tomli-w \(optuna is missing\)\. Fix: pip install "
                                          r"'cnnlstm\[tune\]'\."):
        cnnlstm.tune(airline, model="lstm", **AS_NAMED)
