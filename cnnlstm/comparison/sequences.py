"""Classification and regression in a comparison: whole sequences, or windows of units' rows (remaining life).

Every neural contender is a `Classifier` or `Regressor` with the same settings but its model, so for one seed they
share the validation split (stratified by class, or by unit) and the scaling fitted on the training part. The
classical baselines have no epoch to select, so they fit on the whole training set; the C-MAPSS baselines read the
windows exactly as the networks do (same dropped sensors, per-condition scaling and capped target).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from ..data.prepare.sequences import SequenceSet, as_sequences, check_labels
from ..estimators import Classifier, Regressor, UnitRegressor, rul_metrics
from ..metrics import classification_metrics, regression_metrics
from ..models.registry import compare_contenders
from . import baselines as classical
from .branches import branch_extras


def _timed(function, *args):
    began = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - began


def _record(estimator, train_seconds: float, predict_seconds: float, extras: dict) -> dict:
    return {"train_s": train_seconds, "predict_s": predict_seconds, "parameters": estimator.num_parameters(),
            "history": estimator.history_.to_dict(orient="records"), "extras": extras}


def _padded(data: SequenceSet, length: int) -> tuple[np.ndarray, np.ndarray]:
    """(N, length, F) end-padded with zeros, and the lengths: what the classical baselines take. Train and test
    share one length, so MiniRocket is fitted on the longest sequence it will see."""
    X = np.zeros((len(data), length, *data.X.shape[2:]), np.float32)
    X[:, : data.X.shape[1]] = data.X
    X[np.arange(length)[None, :] >= data.lengths[:, None]] = 0.0
    return X, data.lengths


class ClassifyProblem:
    """Train and test sequences with labels; ranked by test accuracy."""

    task, metric, higher_is_better, stack_loss = "classify", "accuracy", True, "nll"
    metrics = ("accuracy", "balanced_accuracy", "macro_f1")

    def __init__(self, train, test, *, name: str, settings: dict):
        (X, y), (X_test, y_test) = train, test
        self.train, self.test = as_sequences(X), as_sequences(X_test, what="test X")
        self.y, self.y_test = check_labels(y, len(self.train)), check_labels(y_test, len(self.test), what="test y")
        self.classes = np.unique(self.y)
        unseen = sorted(set(self.y_test.tolist()) - set(self.classes.tolist()))
        if unseen:
            raise ValueError(f"The test labels hold classes absent from training: {unseen[:5]}. Fix: check the split.")
        self.name, self.settings, self.reference = name, settings, None

    def default_models(self) -> list[str]:
        return list(compare_contenders("classify", "frames" if len(self.train.feature_shape) == 3 else "series"))

    def baselines(self) -> list[str]:
        return [] if len(self.train.feature_shape) == 3 else list(classical.SEQUENCE_BASELINES["classify"])

    def missing_dependency(self, name: str) -> str | None:
        return classical.missing_dependency(name)

    def deterministic(self, name: str) -> bool:
        return False

    def fingerprint(self) -> dict:
        return {"task": self.task}

    def summary(self) -> dict:
        counts = pd.Series(self.y).value_counts().sort_index()
        lengths = self.train.lengths
        return {"data": self.name, "train sequences": len(self.train), "test sequences": len(self.test),
                "channels / frame shape": str(self.train.feature_shape),
                "length": f"{lengths.min()}" if lengths.min() == lengths.max() else f"{lengths.min()} to {lengths.max()}",
                "classes (train counts)": ", ".join(f"{k}: {v}" for k, v in counts.items())}

    def check(self, contender: str, model: str, kwargs: dict) -> str:
        """The contender's dry run (`Classifier.check`): data, labels, settings and network checked, nothing trained."""
        report = Classifier(model=model, **{**self.settings, **kwargs}).check(self.train, self.y)
        return f"contender {contender!r}: model {model!r}{' ' + str(kwargs) if kwargs else ''}, {report['parameters']:,} parameters"

    def load_reference(self, arrays: dict) -> None:
        self.reference = arrays

    def run_neural(self, model: str, kwargs: dict, seed: int, progress) -> tuple[dict, dict]:
        estimator = Classifier(model=model, seed=seed, progress=progress, **{**self.settings, **kwargs})
        _, train_seconds = _timed(estimator.fit, self.train, self.y)
        test, predict_seconds = _timed(estimator.predict_proba, self.test)
        extras = branch_extras(estimator)
        val = estimator.validation_indices_
        record = _record(estimator, train_seconds, predict_seconds, extras)
        return record, {"test": test, "val": estimator.predict_proba(self.train.subset(val)),
                        "val_truth": np.searchsorted(self.classes, self.y[val])}

    def run_baseline(self, name: str, seed: int | None) -> tuple[dict, dict]:
        baseline = classical.sequence_baseline(name, "classify", seed=seed or 0)
        length = max(self.train.X.shape[1], self.test.X.shape[1])
        _, fit_seconds = _timed(baseline.fit, *_padded(self.train, length), self.y)
        test, predict_seconds = _timed(baseline.predict_proba, *_padded(self.test, length))
        order = np.searchsorted(baseline.classes_, self.classes)  # columns in our class order
        return ({"train_s": fit_seconds, "predict_s": predict_seconds, "parameters": baseline.num_parameters()},
                {"test": np.asarray(test)[:, order]})

    def labels(self, prediction: np.ndarray) -> np.ndarray:
        return self.classes[np.asarray(prediction).argmax(axis=1)]

    def score(self, prediction: np.ndarray) -> dict[str, float]:
        return classification_metrics(self.y_test, self.labels(prediction))

    def val_truth(self, arrays: dict) -> np.ndarray:
        return arrays["val_truth"]

    def report_sections(self, predictions: dict[str, list[np.ndarray]]) -> dict:
        from sklearn.metrics import confusion_matrix

        labels = self.classes.astype(str).tolist()
        matrices = {name: sum(confusion_matrix(self.y_test, self.labels(p), labels=self.classes) for p in runs).tolist()
                    for name, runs in predictions.items()}
        return {"confusion": {"labels": labels, "matrices": matrices, "note": "test counts summed over the seeds"}}


class RegressProblem:
    """Units' rows with a per-row target (remaining useful life: windows, last-cycle scoring), or sequences with
    one value each; ranked by test RMSE."""

    task, metric, higher_is_better, stack_loss = "regress", "rmse", False, "mse"

    def __init__(self, train, test, *, name: str, settings: dict, group: str | None = None,
                 target: str | None = None):
        self.name, self.settings, self.reference = name, dict(settings), None
        self.units = isinstance(train, pd.DataFrame) and group is not None
        if self.units:
            self.train, self.test, self.group, self.target = train, test, group, target
            self.settings.setdefault("window", 30)
            rul = target.lower() == "rul" and self.settings.get("protocol", "auto") in ("auto", "rul")
            self.task = "rul" if rul else "regress"
            self.metrics = ("rmse", "rmse_capped", "mae", "score") if rul else ("rmse", "mae", "r2")
        else:
            (X, y), (X_test, y_test) = train, test
            self.train, self.test = as_sequences(X), as_sequences(X_test, what="test X")
            self.y, self.y_test = np.asarray(y, np.float32), np.asarray(y_test, np.float32)
            self.metrics = ("rmse", "mae", "r2")

    def default_models(self) -> list[str]:
        frames = not self.units and len(self.train.feature_shape) == 3
        return list(compare_contenders("regress", "frames" if frames else "series"))  # "rul" too: a regression

    def baselines(self) -> list[str]:
        return [] if not self.units and len(self.train.feature_shape) == 3 else list(classical.SEQUENCE_BASELINES["regress"])

    def missing_dependency(self, name: str) -> str | None:
        return classical.missing_dependency(name)

    def deterministic(self, name: str) -> bool:
        return name in ("mean", "ridge")

    def fingerprint(self) -> dict:
        return {"task": self.task, "group": getattr(self, "group", None), "target": getattr(self, "target", None)}

    def summary(self) -> dict:
        if self.units:
            sizes = self.train.groupby(self.group).size()
            return {"data": self.name, "training units": len(sizes), "test units": self.test[self.group].nunique(),
                    "rows per training unit": f"{sizes.min()} to {sizes.max()}", "target": self.target,
                    "window": self.settings["window"]}
        return {"data": self.name, "train sequences": len(self.train), "test sequences": len(self.test),
                "channels": str(self.train.feature_shape)}

    def estimator(self, model: str, **settings):
        return (UnitRegressor if self.units else Regressor)(model=model, **{**self.settings, **settings})

    def check(self, contender: str, model: str, kwargs: dict) -> str:
        """The contender's dry run (`check` of its estimator): data, settings and network checked, nothing trained."""
        estimator = self.estimator(model, **kwargs)
        report = estimator.check(self.train, group=self.group, target=self.target) if self.units \
            else estimator.check(self.train, self.y)
        return f"contender {contender!r}: model {model!r}{' ' + str(kwargs) if kwargs else ''}, {report['parameters']:,} parameters"

    def run_neural(self, model: str, kwargs: dict, seed: int, progress) -> tuple[dict, dict]:
        estimator = self.estimator(model, seed=seed, progress=progress, **kwargs)
        if not self.units:
            _, train_seconds = _timed(estimator.fit, self.train, self.y)
            test, predict_seconds = _timed(estimator.predict, self.test)
            extras, val = branch_extras(estimator), estimator.validation_indices_
            return (_record(estimator, train_seconds, predict_seconds, extras),
                    {"test": test, "val": estimator.predict(self.train.subset(val)), "val_truth": self.y[val]})
        _, train_seconds = _timed(lambda: estimator.fit(self.train, group=self.group, target=self.target))
        last, predict_seconds = _timed(estimator.last_cycle, self.test)
        extras = branch_extras(estimator)
        if self.reference is None:  # the windows the baselines read, prepared as the networks see them
            fit_windows = estimator.windows(self.train, target=self.target)
            test_windows = estimator.windows(self.test, every_window=False)
            self.reference = {"truth": last["true"].to_numpy(np.float64), "units": last[self.group].to_numpy(),
                              "X": fit_windows["X"], "lengths": fit_windows["lengths"], "y": fit_windows["y"],
                              "X_test": test_windows["X"], "lengths_test": test_windows["lengths"],
                              "rul_cap": np.asarray(estimator.rul_cap)}
        record, test = _record(estimator, train_seconds, predict_seconds, extras), last["prediction"].to_numpy(np.float64)
        if estimator.refit:  # the validation units were trained on too: none is left to fit stacked weights on
            return record, {"test": test, "val": np.zeros(0), "val_truth": np.zeros(0)}
        val_frame = self.train[self.train[self.group].isin(estimator.validation_units_)]
        val = estimator.windows(val_frame, target=self.target)
        predicted = estimator.predict(val_frame, every_window=True)["prediction"].to_numpy()
        return record, {"test": test, "val": predicted, "val_truth": val["y"]}

    def load_reference(self, arrays: dict) -> None:
        self.reference = arrays

    def run_baseline(self, name: str, seed: int | None) -> tuple[dict, dict]:
        baseline = classical.sequence_baseline(name, "regress", seed=seed or 0)
        if self.units:
            ref = self.reference
            fit_args, test_args = (ref["X"], ref["lengths"], ref["y"]), (ref["X_test"], ref["lengths_test"])
        else:
            length = max(self.train.X.shape[1], self.test.X.shape[1])
            fit_args, test_args = (*_padded(self.train, length), self.y), _padded(self.test, length)
        _, fit_seconds = _timed(baseline.fit, *fit_args)
        test, predict_seconds = _timed(baseline.predict, *test_args)
        record = {"train_s": fit_seconds, "predict_s": predict_seconds, "parameters": baseline.num_parameters()}
        if getattr(baseline, "subsampled_", False):
            record["note"] = f"{name} fitted on a random subsample of the training windows"
        return record, {"test": np.asarray(test, np.float64)}

    def _truth(self) -> np.ndarray:
        return self.reference["truth"] if self.units else self.y_test

    def score(self, prediction: np.ndarray) -> dict[str, float]:
        if self.task == "rul":
            metrics = rul_metrics(self._truth(), prediction, float(self.reference["rul_cap"]))
        else:
            metrics = regression_metrics(self._truth(), prediction)
        return {name: metrics[name] for name in self.metrics}

    def val_truth(self, arrays: dict) -> np.ndarray:
        return arrays["val_truth"]

    def report_sections(self, predictions: dict[str, list[np.ndarray]]) -> dict:
        if not self.units:
            return {}
        return {"rul": {"units": self.reference["units"].tolist(), "truth": self._truth().tolist(),
                        "predictions": {name: np.mean(runs, axis=0).tolist() for name, runs in predictions.items()}}}
