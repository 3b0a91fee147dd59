"""Regressor: one value, vector or frame per whole sequence.

Example:
    >>> reg = Regressor(model="cnn_lstm", epochs=50).fit(X, y)          # X (N, T, F), y (N,) or (N, K)
    >>> reg.score(X_test, y_test)       # R²
    >>> reg.evaluate(X_test, y_test)    # rmse, mae, r2

Windows of units' rows (remaining useful life) are `UnitRegressor`'s. `Regressor(window=30).fit(frame,
group="unit", target="rul")`, the call of cnnlstm 0.1, still works for this release: it warns and hands the work
to a UnitRegressor.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from ..data.prepare.sequences import fold_ids
from ..intervals import Calibration, check_levels, check_quantiles, interval_columns, pinball_loss, point
from ..metrics import interval_metrics, regression_metrics
from ..train import resolve_device
from .sequences import SequenceEstimator, check_fraction, labels_from, read_if_path


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


# cnnlstm 0.1's Regressor took these for units' rows; they now belong to UnitRegressor
UNIT_PARAMS = ("window", "time_col", "protocol", "rul_cap", "n_conditions")


class Regressor(SequenceEstimator):
    """One value (or vector, or frame) per sequence, with any registry model.

    fit(X, y) with X as for Classifier (arrays (N, T), (N, T, F), (N, T, C, H, W), lists of (T_i, F), DataFrames)
    and y (N,), (N, K) or frames (N, C, H, W) for `conv_lstm`'s head="next_frame". Targets are standardised with
    the training part's mean and deviation; validation is a random `val_size` of the sequences.

    Args:
        model, val_size, scale, encoder, freeze_encoder, epochs, ...: as for Classifier; an ensemble
            (n_estimators > 1) predicts its members' mean.
        quantiles: e.g. (0.1, 0.5, 0.9): the network predicts these quantiles of each value, trained with the
            pinball loss; the median (added when missing) is the prediction. With a validation part (val_size > 0,
            folds=None) `fit` calibrates conformal intervals on it (conformalized quantile regression with
            quantiles, absolute residuals without): `predict(X, level=80)`. Values and vectors only, not frames.
        model_kwargs / **hyperparameters: the model's own hyperparameters (`cnnlstm models`).
    """

    _estimator_type = "regressor"

    def __init__(self, model: str = "cnn_lstm", *, val_size: float = 0.2, quantiles: tuple[float, ...] | None = None,
                 scale: bool = True,
                 encoder: str | os.PathLike | None = None, freeze_encoder: bool = False, epochs: int = 30,
                 batch_size: int | None = 256, lr: float = 1e-3, weight_decay: float = 1e-4,
                 patience: int | None = 10, schedule: str = "cosine", grad_clip: float | None = 1.0,
                 device: str = "auto", amp: bool | str = True, seed: int = 0, folds: int | None = None,
                 n_estimators: int = 1, progress: bool | None = None, cuda_graph: bool = False,
                 model_kwargs: dict | None = None, **hyperparameters):
        self._store(locals())

    def _model_kwargs(self) -> dict:
        return {k: v for k, v in super()._model_kwargs().items() if k not in UNIT_PARAMS}

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None, *, group: str | None = None, target: str | None = None) -> "Regressor":
        """Train on (X, y), selecting on a random `val_size` of the sequences."""
        X = read_if_path(X)
        if self._units_layout(X, group, target):
            return self._fit_units(X, group, target)
        self.__dict__.pop("feature_shape_", None)  # a refit starts afresh
        self.__dict__.pop("units_", None)
        data, values, train, val = self._read(X, y, group, target)
        device = resolve_device(self.device)
        self.validation_indices_ = val
        self._fit_common(data, train)
        self.target_mean_, self.target_std_ = self._target_scale(values[train])
        self.output_shape_ = list(values.shape[1:])
        self.quantiles_ = quantiles = self._quantiles(values)
        targets = ((values - self.target_mean_) / self.target_std_).reshape(len(values), -1)
        gather = self._gather(data, torch.as_tensor(targets, device=device), device)
        num_quantiles = 1 if quantiles is None else len(quantiles)
        shape = (int(data.feature_shape[0]), self._out_features(data, values) * num_quantiles, self.window_,
                 self._input_kind(data))
        if quantiles is None:
            loss_fn = lambda p, t: F.mse_loss(p.reshape(len(p), -1), t)  # noqa: E731  (frames are flattened)
        else:
            levels = torch.tensor(quantiles, device=device)
            loss_fn = lambda p, t: pinball_loss(p.reshape(len(t), -1, len(quantiles)), t, levels)  # noqa: E731
        folds = None if self.folds is None else fold_ids(len(train), self.folds, self.seed)
        self._train_selected(shape, gather, train, val, folds, loss_fn, device)
        self.calibration_ = None  # conformal offsets on the validation sequences, when there are some
        if values.ndim <= 2 and self.folds is None and len(val):
            self.calibration_ = Calibration.fit(targets[val], self._network_outputs(data.subset(val)), quantiles)
        return self

    def _quantiles(self, values: np.ndarray) -> tuple[float, ...] | None:
        quantiles = check_quantiles(self.quantiles)
        if quantiles is not None and values.ndim > 2:
            raise ValueError(f"`quantiles` are for values and vectors; y holds frames {values.shape[1:]}. Received: "
                             f"quantiles={self.quantiles!r}. Fix: leave quantiles=None for head='next_frame'.")
        return quantiles

    def _network_outputs(self, data) -> np.ndarray:
        """(N, K) standardised predictions, or (N, K, Q) quantiles."""
        outputs = self._outputs(data)
        quantiles = getattr(self, "quantiles_", None)
        return outputs if quantiles is None else outputs.reshape(len(outputs), -1, len(quantiles))

    def check(self, X, y=None, *, group: str | None = None, target: str | None = None) -> dict:
        """A dry run of `fit`: read and check the data, targets and settings, split, build the network; train nothing."""
        X = read_if_path(X)
        if self._units_layout(X, group, target):
            return self._unit_regressor().check(X, group=group, target=target)
        data, values, train, val = self._read(X, y, group, target)
        quantiles = self._quantiles(values)
        return self._summary(data, train, val, self._out_features(data, values) * (len(quantiles or ()) or 1))

    def _read(self, X, y, group, target):
        unit_params = [k for k in UNIT_PARAMS if k in self._hyperparameter_names]
        if unit_params:
            raise ValueError(
                f"`{unit_params[0]}` applies to windows of units' rows, which UnitRegressor fits. Received: "
                f"{unit_params[0]}={getattr(self, unit_params[0])!r} with whole sequences. Fix: leave it out, or use "
                "UnitRegressor(...).fit(frame, group=..., target=...)."
            )
        self._train_config()  # the settings' types first: the seed draws the validation part below
        X, y, columns = labels_from(X, y, target, group)
        data = self._sequences(X, group=group, columns=columns)
        values = self._check_targets(y, len(data))
        if self.folds is not None:  # the epochs are chosen by cross-validation inside all of the training set
            return data, values, np.arange(len(data)), np.zeros(0, dtype=np.int64)
        rng = np.random.default_rng(self.seed)
        order = rng.permutation(len(data))
        num_val = min(len(data) - 1, int(round(check_fraction("val_size", self.val_size) * len(data))))
        return data, values, np.sort(order[num_val:]), np.sort(order[:num_val])

    def _out_features(self, data, values: np.ndarray) -> int:
        if self._model_kwargs().get("head") == "next_frame":  # a frame-shaped output: y must be frames (N, C, H, W)
            if values.ndim != 4 or tuple(values.shape[2:]) != tuple(data.feature_shape[1:]):
                raise ValueError(
                    f"head='next_frame' predicts a frame of the input's size {tuple(data.feature_shape[1:])}, so `y` "
                    f"must be frames (N, C, H, W) of that size. Received: y.shape={values.shape}."
                )
            return values.shape[1]
        return int(np.prod(values.shape[1:], dtype=np.int64))

    def _check_targets(self, y, n: int) -> np.ndarray:
        try:
            values = np.asarray(y, dtype=np.float32) if y is not None else None
        except (ValueError, TypeError):
            flat = np.asarray(y, dtype=object).ravel()
            text = next((v for v in flat if not _is_number(v)), flat[0])
            raise ValueError(
                f"`y` must hold numbers: one value (or vector, or frame) per sequence. Received: {text!r} among "
                "them. Fix: a label per sequence is Classifier's (--task classify); else convert y to numbers."
            ) from None
        if values is None or values.ndim == 0 or len(values) != n or not np.isfinite(values).all():
            shape = None if values is None else values.shape
            raise ValueError(
                f"`y` must hold one finite number (or vector, or frame) per sequence: shape ({n},), ({n}, K) or "
                f"({n}, C, H, W). Received: "
                f"shape {shape}{'' if values is None or np.isfinite(values).all() else ' with NaN or inf'}. "
                "Fix: pass y in the order of X and drop sequences without a target."
            )
        return values

    @staticmethod
    def _target_scale(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per output for values and vectors; one mean and std for frames (pixels share a scale)."""
        axis = None if values.ndim > 2 else 0
        mean = np.asarray(values.mean(axis=axis))
        std = np.asarray(values.std(axis=axis))
        return mean.astype(np.float32), np.where(std > 1e-8, std, 1.0).astype(np.float32)

    # ------------------------------------------------------------------ predict / score
    def predict(self, X, *, group: str | None = None, every_window: bool = False, level=None):
        """An array (N,), (N, K) or frames (N, C, H, W): one prediction per sequence.

        With `level` (a percentage, 80, or several, [80, 90]) a DataFrame instead: `prediction` (or
        `prediction_0` .. for vectors), then `prediction-lo-80` and `prediction-hi-80` per level and output, the
        conformal interval calibrated on the validation part in `fit`.
        """
        if "units_" in self.__dict__:
            return self.units_.predict(X, every_window=every_window, level=level)
        self._check_fitted()
        levels = self._check_level(level)
        outputs = self._network_outputs(self._sequences(read_if_path(X), group=group))
        values = self._original(point(outputs, self.quantiles_))
        if not levels:
            return values
        names = ["prediction"] if values.ndim == 1 else [f"prediction_{k}" for k in range(values.shape[1])]
        frame = pd.DataFrame(values.reshape(len(values), -1), columns=names)
        for level in levels:
            bounds = self.calibration_.bounds(outputs, level)
            lower, upper = (self._original(v).reshape(len(values), -1) for v in bounds)
            for k, name in enumerate(names):
                low, high = interval_columns(name, level)
                frame[low], frame[high] = lower[:, k], upper[:, k]
        return frame

    def _original(self, outputs: np.ndarray) -> np.ndarray:
        """Standardised outputs (N, K) back to the targets' shape and scale."""
        values = outputs.reshape(len(outputs), *self.output_shape_) if self.output_shape_ else outputs.reshape(-1)
        return values * self.target_std_ + self.target_mean_

    def _check_level(self, level) -> list[int]:
        if level is None:
            return []
        levels = check_levels(level)
        if getattr(self, "calibration_", None) is None:
            why = ("it predicts frames" if len(self.output_shape_) > 1 else
                   f"folds={self.folds!r} trains on every training sequence" if self.folds is not None else
                   f"val_size={self.val_size!r} held out no validation sequence")
            raise ValueError(
                f"`level` needs intervals calibrated on a validation part, and this model has none ({why}). "
                f"Received: level={level!r}. Fix: fit with folds=None and val_size > 0 (e.g. 0.2) for values or "
                "vectors, or leave level out."
            )
        return levels

    def evaluate(self, X, y=None, *, group: str | None = None, target: str | None = None,
                 level=None) -> dict[str, float]:
        """RMSE, MAE and R² of the predictions for X against y; with `level` (80 or [80, 90]) also each
        interval's coverage_<level> (percent), width_<level> and interval_score_<level> (Winkler's, lower is
        better)."""
        if "units_" in self.__dict__:
            return self.units_.evaluate(X, target=target, level=level)
        values = self._check_targets(y, len(self._sequences(read_if_path(X), group=group)))
        levels = self._check_level(level)
        predicted = self.predict(X, group=group, level=levels or None)
        if not levels:
            return regression_metrics(values.reshape(len(values), -1), predicted.reshape(len(values), -1))
        truth = values.reshape(len(values), -1)
        names = ["prediction"] if values.ndim == 1 else [f"prediction_{k}" for k in range(truth.shape[1])]
        metrics = regression_metrics(truth, predicted[names].to_numpy())
        for level in levels:
            lower, upper = (predicted[[interval_columns(n, level)[i] for n in names]].to_numpy() for i in (0, 1))
            metrics.update(interval_metrics(truth, lower, upper, level))
        return metrics

    def score(self, X, y=None, *, group: str | None = None, target: str | None = None) -> float:
        """R² (scikit-learn's score for regressors); `evaluate` gives every metric."""
        return float(self.evaluate(X, y, group=group, target=target)["r2"])

    # ------------------------------------------------------------------ cnnlstm 0.1's units' rows
    @staticmethod
    def _units_layout(X, group, target) -> bool:
        return group is not None and target is not None and isinstance(X, pd.DataFrame) \
            and X.groupby(group, sort=False)[target].nunique().max() > 1

    def _unit_regressor(self):
        from .units import UnitRegressor

        names = set(UnitRegressor._param_names())
        params = {k: v for k, v in self.get_params().items() if k in names or k not in UNIT_PARAMS}
        return UnitRegressor(**params)

    def _fit_units(self, frame: pd.DataFrame, group: str, target: str) -> "Regressor":
        warnings.warn(
            "Regressor on units' rows (a per-row target with group=) is deprecated and will be removed in the next "
            "release: use UnitRegressor(...).fit(frame, group=..., target=...), which takes the same settings.",
            DeprecationWarning, stacklevel=3)
        self.units_ = self._unit_regressor().fit(frame, group=group, target=target)
        self.net_, self.history_ = self.units_.net_, self.units_.history_
        self.validation_units_ = self.units_.validation_units_
        return self

    def __getattr__(self, name: str):
        # the deprecated units' path: last_cycle, windows, ... of the UnitRegressor doing the work
        units = self.__dict__.get("units_")
        if units is not None and not name.startswith("__"):
            return getattr(units, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def save(self, path: str | os.PathLike) -> Path:
        if "units_" in self.__dict__:
            return self.units_.save(path)  # loads back as the UnitRegressor it is
        return super().save(path)

    # ------------------------------------------------------------------ save / load
    def _get_state(self) -> dict:
        calibration = getattr(self, "calibration_", None)
        return {"target_mean": self.target_mean_.tolist(), "target_std": self.target_std_.tolist(),
                "output_shape": self.output_shape_, **self._common_state(),
                "quantiles": getattr(self, "quantiles_", None),
                "intervals": None if calibration is None else calibration.state_dict()}

    def _set_state(self, state: dict, folder: Path) -> None:
        self.output_shape_ = state["output_shape"]
        # folders saved before intervals existed: no quantiles, no calibration (level is then refused)
        self.quantiles_ = None if state.get("quantiles") is None else tuple(state["quantiles"])
        self.calibration_ = None if state.get("intervals") is None else Calibration.from_state_dict(state["intervals"])
        self.target_mean_ = np.asarray(state["target_mean"], np.float32)
        self.target_std_ = np.asarray(state["target_std"], np.float32)
        self._set_common_state(state)
