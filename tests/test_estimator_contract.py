"""The estimator contract, run over every estimator on small slices of real data: scikit-learn's rules (parameters
from the signature, `clone`, `set_params`, `cross_val_score`, a float `score`), the not-fitted error, save and load,
and determinism under a seed."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score

import cnnlstm
from cnnlstm import Classifier, Forecaster, NotFittedError, Regressor, UnitRegressor, datasets

FAST = dict(epochs=2, device="cpu", progress=False)


@pytest.fixture(scope="module")
def problems():
    """estimator name -> (a small estimator, fit args, fit kwargs, data to predict and score)."""
    airline = datasets.load("airline")
    X, y = datasets.load("GunPoint", split="train")
    italy, _ = datasets.load("ItalyPowerDemand", split="train")
    level = italy[:, :, 0].mean(axis=1) * 10  # a real series' own level: a learnable value
    fd001 = datasets.load("cmapss-fd001", split="train")
    fd001 = fd001[fd001["unit"] <= 12]
    fd001_test = datasets.load("cmapss-fd001", split="test")
    fd001_test = fd001_test[fd001_test["unit"] <= 6]
    return {
        "Forecaster": (Forecaster("cnn", window=24, horizon=6, split=(96, 24, 24), filters=8, **FAST),
                       (airline,), {}, (airline,)),
        "Classifier": (Classifier("cnn", filters=8, **FAST), (X, y), {}, (X, y)),
        "Regressor": (Regressor("cnn", filters=8, **FAST), (italy, level), {}, (italy, level)),
        "UnitRegressor": (UnitRegressor("cnn", window=20, filters=4, **FAST), (fd001,),
                          {"group": "unit", "target": "rul"}, (fd001_test,)),
    }


ESTIMATORS = ["Forecaster", "Classifier", "Regressor", "UnitRegressor"]


def _predictions(estimator, data):
    out = estimator.predict(data[0])
    return out.select_dtypes("number").to_numpy() if isinstance(out, pd.DataFrame) else np.asarray(out)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_init_stores_its_arguments_and_clone_keeps_hyperparameters(name, problems):
    estimator = problems[name][0]
    params = estimator.get_params()
    assert params["filters"] in (4, 8) and "model_kwargs" in params and params["model_kwargs"] is None
    twin = clone(estimator)
    assert twin.get_params() == params and twin is not estimator
    twin.set_params(filters=16, lr=0.01, hidden_size=5)  # a hyperparameter this model lacks is kept until fit
    assert twin.get_params()["filters"] == 16 and twin.lr == 0.01 and twin.hidden_size == 5
    assert estimator.get_params()["filters"] == params["filters"]  # the original is untouched
    with pytest.raises(ValueError, match=r"`hiden_size` is not a parameter .* Did you mean 'hidden_size'"):
        twin.set_params(hiden_size=3)
    assert f"model='cnn'" in repr(estimator) and "filters=" in repr(estimator)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_not_fitted_error_is_a_value_and_attribute_error(name, problems):
    estimator, *_, data = problems[name]
    fresh = clone(estimator)
    with pytest.raises(NotFittedError, match="not fitted yet") as caught:
        fresh.predict(data[0])
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, AttributeError)
    assert not fresh.__sklearn_is_fitted__()


@pytest.mark.parametrize("name", ESTIMATORS)
def test_fit_returns_self_score_is_a_float_and_save_load_predicts_the_same(name, problems, tmp_path):
    estimator, args, kwargs, data = problems[name]
    fitted = clone(estimator)
    assert fitted.fit(*args, **kwargs) is fitted
    score = fitted.score(*data)
    assert isinstance(score, float) and np.isfinite(score)
    metrics = fitted.evaluate(*data)
    assert isinstance(metrics, dict) and len(metrics) >= 3
    fitted.save(tmp_path / "model")
    again = cnnlstm.load(tmp_path / "model", device="cpu")
    assert type(again) is type(fitted) and again.get_params()["filters"] == fitted.get_params()["filters"]
    np.testing.assert_array_equal(_predictions(again, data), _predictions(fitted, data))


@pytest.mark.parametrize("name", ESTIMATORS)
def test_same_seed_same_model(name, problems):
    estimator, args, kwargs, data = problems[name]
    first = clone(estimator).fit(*args, **kwargs)
    second = clone(estimator).fit(*args, **kwargs)
    np.testing.assert_array_equal(_predictions(first, data), _predictions(second, data))


@pytest.mark.parametrize("name", ESTIMATORS)
def test_check_is_a_dry_run(name, problems):
    estimator, args, kwargs, _ = problems[name]
    fresh = clone(estimator)
    report = fresh.check(*args, **kwargs)
    assert report["parameters"] > 0 and report["model"] == "cnn"
    assert not hasattr(fresh, "net_")  # nothing trained, nothing learned


@pytest.mark.parametrize("name", ["Classifier", "Regressor"])
def test_cross_val_score_and_grid_search(name, problems):
    estimator, args, _, _ = problems[name]
    scores = cross_val_score(clone(estimator).set_params(epochs=1), *args, cv=2)
    assert scores.shape == (2,) and np.isfinite(scores).all()
    search = GridSearchCV(clone(estimator).set_params(epochs=1), {"filters": [4, 8]}, cv=2).fit(*args)
    assert search.best_params_["filters"] in (4, 8) and isinstance(search.best_score_, float)


def test_config_json_has_one_schema_and_a_checked_version(problems, tmp_path):
    import json

    estimator, args, kwargs, _ = problems["Classifier"]
    folder = clone(estimator).fit(*args, **kwargs).save(tmp_path / "model")
    config = json.loads((folder / "config.json").read_text())
    assert set(config) == {"format_version", "library_version", "estimator", "params", "network", "state"}
    assert config["params"]["filters"] == 8 and config["estimator"] == "Classifier"
    config["format_version"] = 99
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"format_version 99; this cnnlstm .* reads versions 1, 2"):
        cnnlstm.load(folder)


def test_import_cnnlstm_is_light():
    import subprocess
    import sys

    code = ("import sys, cnnlstm; heavy = [m for m in ('torch', 'pandas', 'scipy', 'sklearn') if m in sys.modules];"
            "print(heavy)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
    code = ("import sys; from cnnlstm import Forecaster, Classifier, Regressor, UnitRegressor;"
            "print([m for m in ('scipy', 'sklearn', 'cnnlstm.comparison') if m in sys.modules])")
    with warnings.catch_warnings():
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", out
