"""UnitRegressor: a per-row target of units' rows, predicted from the window of rows that ends there: remaining
useful life (RUL) on C-MAPSS is the example.

Example:
    >>> from cnnlstm import UnitRegressor, datasets                                     # doctest: +SKIP
    >>> train = datasets.load("cmapss-fd001", split="train")
    >>> rul = UnitRegressor(model="cnn_lstm").fit(train, group="unit", target="rul")
    >>> rul.score(datasets.load("cmapss-fd001", split="test"))     # R² at each engine's last cycle
    >>> rul.evaluate(datasets.load("cmapss-fd001", split="test"))  # rmse, rmse_capped, mae, r2, PHM08 score

Each window of `window` rows of a unit predicts the target at its last row; a unit shorter than the window gives one
padded, masked window. The data steps (features, settings, operating conditions, scaling) are
`cnnlstm.data.prepare.units.UnitFeatures`, fitted on the training units only; validation is drawn by unit, never by window.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from .._errors import unknown_name
from ..data.prepare.conditions import piecewise_linear_rul
from ..data.prepare.grouped import GroupedSeries
from ..data.prepare.sequences import fold_ids
from ..data.prepare.units import UnitFeatures
from ..intervals import Calibration, check_levels, check_quantiles, interval_columns, pinball_loss, point
from ..metrics import coverage, interval_metrics, phm08_score, regression_metrics
from ..models.layers import check_positive_int
from ..models.registry import model_entry
from ..tasks import GroupWindowGather
from ..train import predict, resolve_device
from .sequences import NetworkEstimator, check_fraction, read_if_path

PROTOCOLS = ("auto", "rul", "plain")


def rul_metrics(truth, predicted, rul_cap: float) -> dict[str, float]:
    """RMSE, MAE and R² against the true remaining life, `rmse_capped` against it capped at `rul_cap` (what the
    piecewise-linear target can reach), and the PHM08 `score` (late predictions cost more)."""
    metrics = regression_metrics(truth, predicted)
    metrics["rmse_capped"] = regression_metrics(piecewise_linear_rul(np.asarray(truth), rul_cap), predicted)["rmse"]
    metrics["score"] = phm08_score(truth, predicted)
    return metrics


class UnitRegressor(NetworkEstimator):
    """A per-row target of units' rows (remaining useful life), from windows of rows, with any series model.

    The remaining-useful-life protocol (protocol="rul", or "auto" with a target named "rul") adds what the C-MAPSS
    literature does: the training target capped at `rul_cap` (piecewise linear), constant features dropped (judged
    on the training units), features standardised per operating condition (conditions clustered from the columns
    named setting*; `n_conditions="auto"` counts them), the setting and time columns left out of the features, and
    the PHM08 score beside the RMSE.

    The default network and recipe are the DCNN of Li, Ding & Sun (2018) (`cnnlstm.models.dcnn`): windows of 30
    cycles, 100 epochs of a cosine schedule with no early stop, the epoch count chosen on 20 % of the training
    units held out, then `refit`: trained again on every training unit for that many epochs. They were chosen on
    FD001's validation engines only (BENCHMARKS.md section 8: validation loss 0.070 for the DCNN against 0.101 for
    `cnn_lstm` and 0.083 for the DCNN with an LSTM path); the test engines choose nothing.

    Args:
        window: rows per window (30, the C-MAPSS convention, by default).
        time_col: the column that orders rows within a unit (default: "cycle" when present); not a feature.
        protocol: "auto", "rul" or "plain". rul_cap: the training target's cap under the RUL protocol.
        n_conditions: operating conditions, "auto" or an int.
        val_size: the fraction of training units held out to pick the epoch (and, with refit=False, to calibrate
            intervals on).
        refit: True (the default): after the validation units chose the number of epochs (`best_epochs_`; the
            hold-out's curve is `holdout_history_`), train again from the start on every training unit for that
            many epochs of the same schedule (what strong published RUL results do: the validation engines are not
            lost to training). Intervals then have no untouched units to calibrate on: `level` needs refit=False.
        folds: None selects on those units; an integer k chooses the number of epochs by k-fold cross-validation
            over whole training units, then trains on all of them for that many epochs (`best_epochs_`).
        quantiles: e.g. (0.1, 0.5, 0.9): the network predicts these quantiles of the target, trained with the
            pinball loss; the median (added when missing) is the prediction. With validation units (val_size > 0,
            folds=None) `fit` calibrates conformal intervals on every window of them (conformalized quantile
            regression with quantiles, absolute residuals without): `predict(X, level=80)`.
        scale, encoder, freeze_encoder, epochs, ...: as for Classifier; an ensemble (n_estimators > 1)
            predicts its members' mean. With refit, its hold-out runs once (seed `seed`) to pick the epochs, then
            every member (seeds seed, seed + 1, ...) trains on all units: n_estimators + 1 fits, not 2 x n.
        model_kwargs / **hyperparameters: the model's own hyperparameters (`cnnlstm models`).
    """

    _estimator_type = "regressor"

    def __init__(self, model: str = "dcnn", *, window: int = 30, time_col: str | None = None,
                 protocol: str = "auto", rul_cap: float = 125, n_conditions="auto", val_size: float = 0.2,
                 quantiles: tuple[float, ...] | None = None, scale: bool = True,
                 encoder: str | os.PathLike | None = None, freeze_encoder: bool = False,
                 epochs: int = 100, batch_size: int | None = 256, lr: float = 1e-3, weight_decay: float = 1e-4,
                 patience: int | None = None, schedule: str = "cosine", grad_clip: float | None = 1.0,
                 device: str = "auto", amp: bool | str = True,
                 seed: int = 0, folds: int | None = None, refit: bool = True, n_estimators: int = 1,
                 progress: bool | None = None,
                 cuda_graph: bool = False,
                 model_kwargs: dict | None = None, **hyperparameters):
        self._store(locals())

    # ------------------------------------------------------------------ fit
    def _prepare(self, frame, group: str | None, target: str | None):
        """Check the settings, draw the validation units, fit the data steps on the training units; return the
        grouped series (capped target under the RUL protocol) and the training and validation window rows."""
        frame = read_if_path(frame, "data")
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(
                f"`data` must be a DataFrame of units' rows (one row per unit and step). Received: "
                f"{type(frame).__name__}. Fix: pass a table with a unit column, e.g. fit(frame, group='unit', "
                "target='rul'); whole sequences go to Regressor."
            )
        if group is None or target is None:
            raise ValueError(
                f"`group` and `target` name the unit column and the per-row target. Received: group={group!r}, "
                f"target={target!r}. Fix: e.g. fit(frame, group='unit', target='rul')."
            )
        check_positive_int("window", self.window, "pass the rows per window, e.g. window=30.")
        self._train_config()  # the settings' types first: the seed draws the validation units below
        if not isinstance(self.refit, bool):
            raise ValueError(f"`refit` must be True or False: whether to train again on every training unit once the "
                             f"validation units chose the epochs. Received: refit={self.refit!r}. Fix: pass refit=True.")
        if self.protocol not in PROTOCOLS:
            raise unknown_name("protocol", self.protocol, PROTOCOLS)
        if isinstance(self.rul_cap, bool) or not isinstance(self.rul_cap, (int, float, np.integer, np.floating)) \
                or not self.rul_cap > 0:
            raise ValueError(f"`rul_cap` must be a positive number: the cap of the training target under the RUL "
                             f"protocol. Received: rul_cap={self.rul_cap!r}. Fix: pass e.g. rul_cap=125.")
        if self.n_conditions != "auto" and (isinstance(self.n_conditions, bool) or not isinstance(
                self.n_conditions, (int, np.integer)) or self.n_conditions < 1):
            raise ValueError(f"`n_conditions` must be 'auto' or a positive integer: the operating conditions to "
                             f"cluster the settings into. Received: n_conditions={self.n_conditions!r}. Fix: pass "
                             "n_conditions='auto' (counted from the settings) or e.g. n_conditions=6.")
        if self.time_col is not None and self.time_col not in frame.columns:
            raise unknown_name("time_col", self.time_col, frame.columns, "Fix: pass the column that orders each "
                               "unit's rows (e.g. 'cycle'), or None.")
        self._check_model("series")
        val_size = check_fraction("val_size", self.val_size)
        if group not in frame.columns:
            raise unknown_name("group", group, frame.columns, "Fix: pass the name of the unit column as group=.")
        protocol = ("rul" if str(target).lower() == "rul" else "plain") if self.protocol == "auto" else self.protocol
        units = frame[group].unique()
        rng = np.random.default_rng(self.seed)
        val_units = np.sort(rng.permutation(units)[: min(len(units) - 1, int(round(val_size * len(units))))])
        if self.folds is not None:  # the epochs are chosen by cross-validation over all of the training units
            val_units = units[:0]
        prep = UnitFeatures(group=group, target=target, time_col=self.time_col, protocol=protocol,
                            n_conditions=self.n_conditions, scale=self.scale).fit(frame[~frame[group].isin(val_units)])
        series = prep.transform(frame)
        if protocol == "rul":
            series.target = piecewise_linear_rul(series.target, self.rul_cap).astype(np.float32)
        is_val = np.isin(series.units, val_units)
        train_rows = series.window_rows(self.window, np.flatnonzero(~is_val))
        val_rows = series.window_rows(self.window, np.flatnonzero(is_val))
        return prep, series, val_units, train_rows, val_rows

    def fit(self, X, y=None, *, group: str | None = None, target: str | None = None) -> "UnitRegressor":
        """Train on the windows of the training units, selecting on whole validation units.

        Args:
            X: a DataFrame (or CSV/Parquet path) of units' rows. y: ignored (the target is a column).
            group: the unit column. target: the per-row target column (e.g. "rul").
        """
        prep, series, val_units, train_rows, val_rows = self._prepare(X, group, target)
        device = resolve_device(self.device)
        self.preparation_ = prep
        self.validation_units_ = val_units  # the units that picked the epoch (same for every model per seed)
        ends = train_rows + series.lengths(train_rows, self.window) - 1
        self.target_mean_, self.target_std_ = self._target_scale(series.target[ends])
        masked = bool((series.lengths(np.concatenate([train_rows, val_rows]), self.window) < self.window).any())
        gather = self._gather(series, device, masked=masked)
        window = self.window if self._fixed_window() else None
        self.quantiles_ = quantiles = check_quantiles(self.quantiles)
        if quantiles is None:
            loss_fn = lambda p, t: F.mse_loss(p.squeeze(-1), t)  # noqa: E731
        else:
            levels = torch.tensor(quantiles, device=device)
            loss_fn = lambda p, t: pinball_loss(p, t, levels)  # noqa: E731  p (B, Q), t (B,)
        folds = None
        if self.folds is not None:  # whole units per fold: a unit's windows are never on both sides
            unit_fold = fold_ids(len(series.units), self.folds, self.seed)
            folds = unit_fold[np.searchsorted(series.ends, train_rows, side="right")]
        self._train_selected((len(prep.features_), len(quantiles or ()) or 1, window, "series"), gather, train_rows,
                             val_rows, folds, loss_fn, device)
        self.calibration_ = None  # conformal offsets on every window of the validation units, when there are some
        if self.folds is None and not self.refit and len(val_rows):
            rows = torch.as_tensor(val_rows, device=device)
            actual = gather(rows)[1].cpu().numpy()  # (N,) the standardised target at each window's end
            self.calibration_ = Calibration.fit(actual, self._network_outputs(gather, rows), quantiles)
        return self

    def _network_outputs(self, gather: GroupWindowGather, rows: torch.Tensor) -> np.ndarray:
        """(N,) standardised predictions, or (N, Q) quantiles, of the windows starting at `rows`."""
        out = predict(self.net_, gather.inputs, rows, amp=self.amp).cpu().numpy()
        return out.reshape(-1) if getattr(self, "quantiles_", None) is None else out

    def check(self, X, y=None, *, group: str | None = None, target: str | None = None) -> dict:
        """A dry run of `fit`: the data steps fitted, the windows cut, the network built; nothing trained."""
        prep, series, val_units, train_rows, val_rows = self._prepare(X, group, target)
        outputs = len(check_quantiles(self.quantiles) or ()) or 1
        network = self._check_network((len(prep.features_), outputs, self.window if self._fixed_window() else None,
                                       "series"))
        return {"estimator": repr(self), "model": self.model, **network, "units": len(series.units),
                "validation_units": len(val_units), "features": prep.features_, "settings": prep.settings_,
                "time_col": prep.time_col_, "protocol": prep.protocol, "conditions": prep.n_conditions_,
                "window": self.window, "train_windows": len(train_rows), "val_windows": len(val_rows)}

    @staticmethod
    def _target_scale(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        std = values.std()
        return np.float32(values.mean()), np.float32(std if std > 1e-8 else 1.0)

    def _fixed_window(self) -> bool:
        """Whether the model is built for `window` rows (DLinear, DCNN's flatten, LSTM-FCN's shuffle: see
        `ModelEntry.window`); a unit shorter than the window is then padded on the left with its first row,
        the C-MAPSS convention, instead of masked."""
        return model_entry(self.model).window != "any"

    def _gather(self, series: GroupedSeries, device, *, masked: bool) -> GroupWindowGather:
        target = None
        if series.target is not None:
            target = torch.as_tensor((series.target - self.target_mean_) / self.target_std_, device=device)
        return GroupWindowGather(torch.as_tensor(series.values, device=device),
                                 torch.as_tensor(series.unit_end, device=device), target,
                                 window=self.window, masked=masked and not self._fixed_window(),
                                 edge_pad=self._fixed_window())

    # ------------------------------------------------------------------ predict / score
    @property
    def features_(self) -> list[str]:
        return self.preparation_.features_

    @property
    def group_(self) -> str:
        return self.preparation_.group

    @property
    def target_(self) -> str:
        return self.preparation_.target

    @property
    def protocol_(self) -> str:
        return self.preparation_.protocol

    def _unit_windows(self, frame, *, with_target: bool, every_window: bool):
        """The grouped units of `frame`, the start row of each window (every one, or each unit's last) and the
        row each window ends at."""
        self._check_fitted()
        series = self.preparation_.transform(read_if_path(frame, "data"), with_target=with_target)
        rows = series.window_rows(self.window) if every_window else series.last_rows(self.window)
        return series, rows, rows + series.lengths(rows, self.window) - 1

    def _unit_predictions(self, frame, *, with_target: bool, every_window: bool, levels: list[int] = ()):
        """The units, each window's end row, the predictions (original scale) and, per level, the columns of
        its interval."""
        series, rows, ends = self._unit_windows(frame, with_target=with_target, every_window=every_window)
        gather = self._gather(series, self.device_, masked=True)
        outputs = self._network_outputs(gather, torch.as_tensor(rows, device=self.device_))
        original = lambda v: v * self.target_std_ + self.target_mean_  # noqa: E731
        bands = {}
        for level in levels:
            lower, upper = self.calibration_.bounds(outputs, level)
            bands.update(zip(interval_columns("prediction", level), (original(lower), original(upper))))
        return series, ends, original(point(outputs, self.quantiles_)), bands

    def _check_level(self, level) -> list[int]:
        if level is None:
            return []
        levels = check_levels(level)
        if getattr(self, "calibration_", None) is None:
            why = (f"folds={self.folds!r} trains on every training unit" if self.folds is not None else
                   f"val_size={self.val_size!r} held out no validation unit"
                   if not len(getattr(self, "validation_units_", ())) else
                   "refit=True trained on the validation units too")
            raise ValueError(
                f"`level` needs intervals calibrated on validation units, and this model has none ({why}). "
                f"Received: level={level!r}. Fix: fit with folds=None, refit=False and val_size > 0 (e.g. 0.2), "
                "or leave "
                "level out."
            )
        return levels

    def predict(self, X, *, every_window: bool = False, level=None) -> pd.DataFrame:
        """One row per unit (its last window), or per window with `every_window=True` (a RUL trajectory): the unit,
        the prediction, with every_window the row (1-based within its unit) each window ends at, and with `level`
        (80, or [80, 90]) the columns `prediction-lo-80` and `prediction-hi-80` of each level's conformal interval."""
        levels = self._check_level(level)
        series, ends, values, bands = self._unit_predictions(X, with_target=False, every_window=every_window,
                                                             levels=levels)
        unit_of_row = np.repeat(series.units, series.ends - series.starts)
        table = {self.group_: unit_of_row[ends], "prediction": values}
        if every_window:
            table["row"] = ends - np.repeat(series.starts, series.ends - series.starts)[ends] + 1
        return pd.DataFrame({**table, **bands})

    def last_cycle(self, data, *, target: str | None = None, level=None) -> pd.DataFrame:
        """One row per unit with its true target and the prediction at its last row (what `evaluate` compares and
        what a RUL plot shows), and with `level` each interval's `prediction-lo-<level>` and `prediction-hi-<level>`."""
        if target is not None and target != self.target_:
            raise ValueError(f"`target` must be the column the model was fitted on, {self.target_!r}. "
                             f"Received: target={target!r}.")
        series, ends, predicted, bands = self._unit_predictions(data, with_target=True, every_window=False,
                                                                levels=self._check_level(level))
        return pd.DataFrame({self.group_: series.units, "true": series.target[ends], "prediction": predicted, **bands})

    def evaluate(self, X, y=None, *, target: str | None = None, level=None) -> dict[str, float]:
        """At each unit's last row: RMSE, MAE and R²; under the RUL protocol also `rmse_capped` (against the true RUL
        capped at rul_cap) and the PHM08 `score`. With `level` (80 or [80, 90]) also each interval's
        coverage_<level> (percent of units inside), width_<level> and interval_score_<level> (Winkler's), and under
        the RUL protocol coverage_capped_<level> (against the capped true RUL, what the training target can reach)."""
        levels = self._check_level(level)
        table = self.last_cycle(X, target=target, level=levels or None)
        truth, predicted = table["true"].to_numpy(), table["prediction"].to_numpy()
        if self.protocol_ == "rul":
            metrics = rul_metrics(truth, predicted, self.rul_cap)
        else:
            metrics = regression_metrics(truth, predicted)
        for level in levels:
            lower, upper = (table[c].to_numpy() for c in interval_columns("prediction", level))
            metrics.update(interval_metrics(truth, lower, upper, level))
            if self.protocol_ == "rul":
                capped = piecewise_linear_rul(truth, self.rul_cap)
                metrics[f"coverage_capped_{level}"] = coverage(capped, lower, upper)
        return metrics

    def score(self, X, y=None, *, target: str | None = None) -> float:
        """R² at each unit's last row (scikit-learn's score for regressors); `evaluate` gives every metric."""
        return float(self.evaluate(X, target=target)["r2"])

    def windows(self, data, *, target: str | None = None, every_window: bool = True) -> dict[str, np.ndarray]:
        """Units' rows as the network sees them: scaled windows for other models (the baselines of `compare`).

        Returns:
            A dict: "X" (N, window, F) float32, end-padded where a unit is shorter than the window; "lengths" (N,);
            "units" (N,); "y" (N,) the target at each window's end (capped under the RUL protocol) when `target`
            is given. Every window, or each unit's last with `every_window=False`.
        """
        series, rows, ends = self._unit_windows(data, with_target=target is not None, every_window=every_window)
        gather = GroupWindowGather(torch.as_tensor(series.values), torch.as_tensor(series.unit_end), None,
                                   window=self.window, masked=True)
        x, lengths = gather.inputs(torch.as_tensor(rows))
        steps = np.arange(self.window)
        x = torch.where(torch.as_tensor(steps[None, :, None] < lengths.numpy()[:, None, None]), x, 0.0)
        unit_of_row = np.repeat(series.units, series.ends - series.starts)
        result = {"X": x.numpy().astype(np.float32), "lengths": lengths.numpy(), "units": unit_of_row[ends]}
        if target is not None:
            truth = series.target[ends]
            result["y"] = piecewise_linear_rul(truth, self.rul_cap) if self.protocol_ == "rul" else truth
        return result

    # ------------------------------------------------------------------ save / load
    def _get_state(self) -> dict:
        calibration = getattr(self, "calibration_", None)
        return {"preparation": self.preparation_.state_dict(), "target_mean": float(self.target_mean_),
                "target_std": float(self.target_std_), "quantiles": getattr(self, "quantiles_", None),
                "intervals": None if calibration is None else calibration.state_dict()}

    def _set_state(self, state: dict, folder: Path) -> None:
        self.preparation_ = UnitFeatures.from_state_dict(state["preparation"])
        self.target_mean_, self.target_std_ = np.float32(state["target_mean"]), np.float32(state["target_std"])
        # folders saved before intervals existed: no quantiles, no calibration (level is then refused)
        self.quantiles_ = None if state.get("quantiles") is None else tuple(state["quantiles"])
        self.calibration_ = None if state.get("intervals") is None else Calibration.from_state_dict(state["intervals"])
