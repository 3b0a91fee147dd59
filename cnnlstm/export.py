"""ONNX export: each estimator as one graph from raw values to original-scale outputs.

`export_onnx(estimator, path)` (``estimator.to_onnx(path)``) wraps the fitted network and the affine steps that
`predict` runs around it in NumPy (the per-series or per-channel scaling, the operating-condition z-score of units'
rows, the targets' inverse scaling, a classifier's softmax, a quantile network's median) into one `nn.Module`,
exports it with ``torch.onnx.export(dynamo=True)`` and writes ``<path minus .onnx>.json`` beside it: the inputs,
outputs, their shapes and columns, and the library version. `onnx_inputs(estimator, data)`
(``estimator.onnx_inputs(data)``) builds the graph's input dict from the data `predict` takes, so parity is three
lines:

    >>> forecaster.to_onnx("model.onnx")                                            # doctest: +SKIP
    >>> session = onnxruntime.InferenceSession("model.onnx")
    >>> session.run(None, forecaster.onnx_inputs(history))[0]   # == predict(history)'s values, (B, H, T)

What each graph takes (every batch axis dynamic; "time" dynamic where the model reads any length):

    Forecaster      observed (B, W, O): targets and past covariates (text ones one-hot), raw
                    known (B, W + H, K): future covariates and calendar features at the window's W steps and the
                        H forecast steps, raw (only when the model has such columns)
                    series (B,) int64: the series of each row, a position in `series_ids` (several series only)
                    -> forecast (B, H, T) [and quantiles (B, H, T, Q)]
    Classifier      x (B, T, F) or (B, T, C, H, W) raw [, lengths (B,) int64] -> probabilities (B, classes)
    Regressor       x as above [, lengths] -> prediction (B,), (B, K) or (B, C, H, W) [and quantiles]
    UnitRegressor   x (B, W, F) raw features [, settings (B, W, S) for several operating conditions]
                    [, lengths (B,) int64] -> prediction (B,) [and quantiles (B, Q)]

`lengths` (the valid steps of each right-padded sequence) is an input where the model masks padding in a way a
graph can hold: series models that read any length, except a bidirectional LSTM (which packs the batch). Image
sequence models and those take sequences of one length per call; `onnx_inputs` says so when the data differ.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from . import checkpoint
from .data.prepare.calendar import CALENDAR_FEATURES
from .data.prepare.grouped import group_frame
from .data.prepare.series import last_rows
from .estimators.base import Estimator, _library_version
from .estimators.classifier import Classifier
from .estimators.forecaster import Forecaster
from .estimators.regressor import Regressor
from .estimators.sequences import SequenceEstimator, read_if_path
from .estimators.units import UnitRegressor
from .models.layers import step_mask
from .tasks import GroupWindowGather

FORMAT_VERSION = 1  # of the metadata file
# image-sequence models whose recurrence is a Python loop over the frames: the graph holds that many steps
UNROLLED_OVER_TIME = {"conv_lstm"}


def check_onnx_available() -> None:
    """Raise an ImportError with the fix when the `onnx` extra is missing."""
    import importlib.util

    missing = [name for name in ("onnx", "onnxscript") if importlib.util.find_spec(name) is None]
    if missing:
        raise ImportError(
            f"ONNX export needs {' and '.join(missing)}: pip install 'cnnlstm[onnx]' (onnx, onnxscript, "
            "onnxruntime). Fix: install the extra, then export again."
        )


def metadata_path(path: str | os.PathLike) -> Path:
    """The metadata file written beside an exported graph: model.onnx -> model.json."""
    return Path(path).with_suffix(".json")


# -----------------------------------------------------------------------------
# the graphs: raw values in, original-scale outputs out


def _median(out: torch.Tensor, median_index: int | None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(point, sorted quantiles): the output itself, or the median of its quantiles sorted along the last axis
    (the monotone rearrangement `cnnlstm.intervals.rearranged` applies)."""
    if median_index is None:
        return out, None
    ordered = torch.sort(out, dim=-1).values
    return ordered[..., median_index], ordered


class ForecastGraph(nn.Module):
    """A Forecaster's predict as one module: observed (B, W, O), known (B, W + H, K), series (B,) ->
    forecast (B, H, T) on the original scale (and quantiles (B, H, T, Q) for a quantile network).

    The scaling is `SeriesScaler`'s, per series and column, in float32 as `predict` runs it; the inverse on the
    targets in float64 as `predict` runs it, then float32.
    """

    def __init__(self, net: nn.Module, offset: np.ndarray, scale: np.ndarray, *, num_observed: int, horizon: int,
                 num_targets: int, median_index: int | None):
        super().__init__()
        self.net, self.num_observed, self.horizon, self.num_targets = net, num_observed, horizon, num_targets
        self.median_index = median_index
        self.register_buffer("offset", torch.as_tensor(offset, dtype=torch.float32))  # (S, F)
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))
        self.register_buffer("target_offset", torch.as_tensor(offset[:, :num_targets], dtype=torch.float64))  # (S, T)
        self.register_buffer("target_scale", torch.as_tensor(scale[:, :num_targets], dtype=torch.float64))

    def forward(self, observed: torch.Tensor, known: torch.Tensor | None = None,
                series: torch.Tensor | None = None):
        rows = slice(0, 1) if series is None else series  # one series: its row broadcasts over the batch
        offset, scale = self.offset[rows].unsqueeze(1), self.scale[rows].unsqueeze(1)  # (B or 1, 1, F)
        O = self.num_observed
        x = (observed - offset[..., :O]) / scale[..., :O]  # (B, W, O)
        if known is not None:  # rows H .. W+H-1: the future columns shifted forward by the horizon (WindowGather)
            x = torch.cat([x, (known[:, self.horizon :] - offset[..., O:]) / scale[..., O:]], dim=-1)  # (B, W, F)
        out = self.net(x)  # (B, H, T) or (B, H, T, Q), scaled
        target_offset = self.target_offset[rows].unsqueeze(1)  # (B or 1, 1, T)
        target_scale = self.target_scale[rows].unsqueeze(1)
        if self.median_index is not None:
            target_offset, target_scale = target_offset.unsqueeze(-1), target_scale.unsqueeze(-1)
        out = (out.double() * target_scale + target_offset).float()
        point, quantiles = _median(out, self.median_index)
        return point if quantiles is None else (point, quantiles)


class SequenceGraph(nn.Module):
    """A Classifier's predict_proba or a Regressor's predict as one module: x [, lengths] -> probabilities or
    original-scale values (and quantiles for a quantile network)."""

    def __init__(self, net: nn.Module, *, mean: np.ndarray | None, std: np.ndarray | None, frames: bool,
                 probabilities: bool, target_mean: np.ndarray | None = None, target_std: np.ndarray | None = None,
                 output_shape: list[int] | None = None, quantiles: list[float] | None = None):
        super().__init__()
        self.net, self.probabilities = net, probabilities
        self.num_quantiles, self.median_index = len(quantiles or ()), _median_index(quantiles)
        self.output_shape = list(output_shape or [])
        shape = (-1, 1, 1) if frames else (-1,)  # a statistic per channel: (C, 1, 1) for frames, (F,) for series
        self.scaled = mean is not None
        if self.scaled:
            self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32).reshape(shape))
            self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32).reshape(shape))
        if not probabilities:
            self.register_buffer("target_mean", torch.as_tensor(target_mean, dtype=torch.float32))
            self.register_buffer("target_std", torch.as_tensor(target_std, dtype=torch.float32))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None):
        if self.scaled:
            x = (x - self.mean) / self.std  # (B, T, F) or (B, T, C, H, W)
        if lengths is not None:  # padding stays zero, as ChannelScaler leaves it
            x = torch.where(step_mask(lengths, x.shape[1]).unsqueeze(-1), x, torch.zeros((), dtype=x.dtype))
            out = self.net(x, lengths)
        else:
            out = self.net(x)
        if self.probabilities:
            return torch.softmax(out.float(), dim=-1)  # (B, classes)
        batch = out.shape[0]
        if not self.num_quantiles:
            return self._original(out, batch)
        point, quantiles = _median(out.reshape(batch, -1, self.num_quantiles), self.median_index)  # (B, K), (B, K, Q)
        quantiles = quantiles * self.target_std.reshape(-1, 1) + self.target_mean.reshape(-1, 1)
        return self._original(point, batch), quantiles.reshape(batch, *self.output_shape, self.num_quantiles)

    def _original(self, out: torch.Tensor, batch: int) -> torch.Tensor:
        values = out.reshape(batch, *self.output_shape) if self.output_shape else out.reshape(batch)
        return values * self.target_std + self.target_mean


class UnitGraph(nn.Module):
    """A UnitRegressor's predict as one module: x (B, W, F) [, settings (B, W, S)] [, lengths (B,)] -> the
    prediction (B,) on the original scale (and quantiles (B, Q) for a quantile network).

    The features are z-scored per operating condition (`ConditionScaler`: each row's condition is the nearest
    centre of its settings) in float64, as `predict` runs it.
    """

    def __init__(self, net: nn.Module, *, centres: np.ndarray | None, mean: np.ndarray | None,
                 std: np.ndarray | None, target_mean: float, target_std: float, median_index: int | None):
        super().__init__()
        self.net, self.median_index = net, median_index
        self.scaled = mean is not None
        if self.scaled:
            self.register_buffer("centres", torch.as_tensor(centres, dtype=torch.float64))  # (K, S)
            self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float64))  # (K, F)
            self.register_buffer("std", torch.as_tensor(std, dtype=torch.float64))
        self.target_mean, self.target_std = float(target_mean), float(target_std)

    def forward(self, x: torch.Tensor, settings: torch.Tensor | None = None, lengths: torch.Tensor | None = None):
        if self.scaled:
            if settings is None:  # one operating condition
                mean, std = self.mean[0], self.std[0]  # (F,)
            else:
                distances = ((settings.double().unsqueeze(-2) - self.centres) ** 2).sum(-1)  # (B, W, K)
                condition = distances.argmin(dim=-1)  # (B, W)
                mean, std = self.mean[condition], self.std[condition]  # (B, W, F)
            x = ((x.double() - mean) / std).float()
        out = self.net(x) if lengths is None else self.net(x, lengths)  # (B, 1) or (B, Q), standardised
        out = out * torch.tensor(self.target_std, dtype=out.dtype) + torch.tensor(self.target_mean, dtype=out.dtype)
        if self.median_index is None:
            return out.reshape(-1)
        return _median(out, self.median_index)


# -----------------------------------------------------------------------------
# what each estimator's graph takes and gives


@dataclass
class GraphPlan:
    """How one estimator exports: the module, example inputs (by name), which axes are dynamic, and the
    metadata of every input and output."""

    module: nn.Module
    example: dict[str, torch.Tensor]
    dynamic: dict[str, dict[int, object]]
    inputs: list[dict]
    outputs: list[dict]
    extra: dict = field(default_factory=dict)


def _io(name: str, shape: list, dtype: str, description: str, columns: list | None = None) -> dict:
    entry = {"name": name, "shape": shape, "dtype": dtype, "description": description}
    if columns is not None:
        entry["columns"] = list(columns)
    return entry


def _median_index(quantiles) -> int | None:
    return None if not quantiles else list(quantiles).index(0.5)


def _cpu_copy(net: nn.Module) -> nn.Module:
    """The network on the CPU in eval mode, copied: exporting traces it, which must not touch the fitted one (a
    parallel model with attention keeps its last attention as an attribute)."""
    return copy.deepcopy(net).cpu().eval()


def _forecaster_layout(estimator: Forecaster) -> dict:
    config = estimator.net_.config
    num_observed, num_features = config["num_observed"], config["num_features"]
    return {"num_observed": num_observed, "num_known": num_features - num_observed,
            "several": len(estimator.series_ids_) > 1}


def _forecaster_plan(estimator: Forecaster) -> GraphPlan:
    layout = _forecaster_layout(estimator)
    window, horizon = estimator.window, estimator.horizon
    O, K, T = layout["num_observed"], layout["num_known"], estimator.num_targets_
    quantiles = getattr(estimator, "quantiles_", None)
    scaler = estimator.scaler_
    module = ForecastGraph(_cpu_copy(estimator.net_), scaler.offset_, scaler.scale_, num_observed=O,
                           horizon=horizon, num_targets=T, median_index=_median_index(quantiles))
    batch = torch.export.Dim("batch")
    columns = list(estimator.columns_)
    example = {"observed": torch.zeros(2, window, O)}
    dynamic: dict = {"observed": {0: batch}}
    inputs = [_io("observed", ["batch", window, O], "float32",
                  "the last `window` rows of the targets and past covariates (text ones one-hot), raw values",
                  columns[:O])]
    if K:
        example["known"] = torch.zeros(2, window + horizon, K)
        dynamic["known"] = {0: batch}
        inputs.append(_io("known", ["batch", window + horizon, K], "float32",
                          "future covariates and calendar features at the window's rows, then at the `horizon` "
                          "forecast steps, raw values", columns[O:]))
    if layout["several"]:
        example["series"] = torch.zeros(2, dtype=torch.int64)
        dynamic["series"] = {0: batch}
        inputs.append(_io("series", ["batch"], "int64", "each row's series: its position in `series_ids`"))
    outputs = [_io("forecast", ["batch", horizon, T], "float32", "the next `horizon` steps of each target, "
                   "original scale", list(estimator.spec_.targets))]
    if quantiles:
        outputs.append(_io("quantiles", ["batch", horizon, T, len(quantiles)], "float32",
                           "each target's quantiles (sorted), original scale", list(estimator.spec_.targets)))
    extra = {"window": window, "horizon": horizon, "targets": list(estimator.spec_.targets),
             "series_ids": list(estimator.series_ids_), "freq": estimator.freq_, "time_col": estimator.spec_.time_col,
             "id_col": estimator.spec_.id_col, "calendar": _calendar_formulas(estimator.spec_.calendar or []),
             "quantiles": list(quantiles) if quantiles else None}
    return GraphPlan(module, example, dynamic, inputs, outputs, extra)


# what each calendar feature reads off a timestamp (`cnnlstm.data.prepare.calendar`), for the metadata
CALENDAR_READS = {"minute": "the minute", "hour": "the hour", "dayofweek": "the day of the week, Monday 0",
                  "dayofmonth": "the day of the month - 1", "dayofyear": "the day of the year - 1",
                  "month": "the month - 1"}


def _calendar_formulas(features: list[str]) -> dict[str, str]:
    """How to compute each calendar column of `known` from a timestamp."""
    formulas = {}
    for name in features:
        period = CALENDAR_FEATURES[name][1]
        formulas[name] = (f"{name}_sin = sin(2 pi v / {period}), {name}_cos = cos(2 pi v / {period}), v = "
                          f"{CALENDAR_READS[name]}")
    return formulas


def _takes_lengths(estimator) -> bool:
    """Whether the graph takes `lengths`: a series model of any length, unless a bidirectional LSTM packs the
    batch (`pack_padded_sequence`, which no graph holds)."""
    net = estimator.net_
    backbone = net.members[0].backbone if hasattr(net, "members") else net.backbone
    if getattr(backbone, "input_kind", "series") == "frames":
        return False
    bidirectional = any(isinstance(m, nn.LSTM) and m.bidirectional for m in backbone.modules())
    return not bidirectional


def _sequence_layout(estimator: SequenceEstimator) -> dict:
    frames = len(estimator.feature_shape_) == 3
    fixed = estimator.window_ is not None or (frames and estimator.model in UNROLLED_OVER_TIME)
    length = estimator.window_ or (estimator.lengths_ or [None, None])[1]
    return {"frames": frames, "fixed": fixed, "length": length,
            "lengths": estimator.window_ is None and not frames and _takes_lengths(estimator)}


def _sequence_plan(estimator: SequenceEstimator) -> GraphPlan:
    layout = _sequence_layout(estimator)
    if layout["fixed"] and layout["length"] is None:
        raise ValueError(
            f"This {estimator.model!r} model's graph holds its recurrence unrolled over the training length, which "
            "this model folder, saved by an older cnnlstm, does not record. Fix: fit and save it again, then export."
        )
    classifier = isinstance(estimator, Classifier)
    quantiles = None if classifier else getattr(estimator, "quantiles_", None)
    scaler = estimator.scaler_
    module = SequenceGraph(
        _cpu_copy(estimator.net_), mean=None if scaler is None else scaler.mean_,
        std=None if scaler is None else scaler.std_, frames=layout["frames"], probabilities=classifier,
        target_mean=None if classifier else estimator.target_mean_,
        target_std=None if classifier else estimator.target_std_,
        output_shape=None if classifier else estimator.output_shape_, quantiles=quantiles)
    batch = torch.export.Dim("batch")
    length = layout["length"] or 8
    example = {"x": torch.zeros(2, length, *estimator.feature_shape_)}
    dynamic: dict = {"x": {0: batch} if layout["fixed"] else {0: batch, 1: torch.export.Dim.AUTO}}
    time = length if layout["fixed"] else "time"
    what = "frames" if layout["frames"] else "steps"
    inputs = [_io("x", ["batch", time, *estimator.feature_shape_], "float32",
                  f"sequences of {what}, raw values" + (", right-padded to the longest" if layout["lengths"] else
                                                        ", all of one length"),
                  estimator.feature_columns_)]
    if layout["lengths"]:
        example["lengths"] = torch.full((2,), length, dtype=torch.int64)
        dynamic["lengths"] = {0: batch}
        inputs.append(_io("lengths", ["batch"], "int64", "the valid steps of each sequence (1 .. time)"))
    if classifier:
        outputs = [_io("probabilities", ["batch", len(estimator.classes_)], "float32",
                       "each class's probability, columns in the order of `classes`")]
        extra = {"classes": estimator.classes_.tolist()}
    else:
        outputs = [_io("prediction", ["batch", *estimator.output_shape_], "float32",
                       "each sequence's value(s), original scale")]
        if quantiles:
            outputs.append(_io("quantiles", ["batch", *estimator.output_shape_, len(quantiles)], "float32",
                               "the quantiles (sorted) of each value, original scale"))
        extra = {"output_shape": list(estimator.output_shape_), "quantiles": list(quantiles) if quantiles else None}
    extra.update({"feature_shape": list(estimator.feature_shape_), "window": estimator.window_,
                  "training_lengths": estimator.lengths_})
    return GraphPlan(module, example, dynamic, inputs, outputs, extra)


def _unit_layout(estimator: UnitRegressor) -> dict:
    prep = estimator.preparation_
    scaler = prep.scaler_
    return {"settings": scaler is not None and len(scaler.centres_) > 1 and bool(prep.settings_),
            "lengths": not estimator._fixed_window() and _takes_lengths(estimator)}


def _unit_plan(estimator: UnitRegressor) -> GraphPlan:
    layout = _unit_layout(estimator)
    prep, window = estimator.preparation_, estimator.window
    scaler = prep.scaler_
    quantiles = getattr(estimator, "quantiles_", None)
    module = UnitGraph(_cpu_copy(estimator.net_), centres=None if scaler is None else scaler.centres_,
                       mean=None if scaler is None else scaler.mean_, std=None if scaler is None else scaler.std_,
                       target_mean=estimator.target_mean_, target_std=estimator.target_std_,
                       median_index=_median_index(quantiles))
    batch = torch.export.Dim("batch")
    F_ = len(prep.features_)
    example = {"x": torch.zeros(2, window, F_)}
    dynamic: dict = {"x": {0: batch}}
    padded = "left-padded with the unit's first row" if estimator._fixed_window() else "right-padded"
    inputs = [_io("x", ["batch", window, F_], "float32", f"each unit's last `window` rows of the features, raw "
                  f"values; a shorter unit {padded}", prep.features_)]
    if layout["settings"]:
        example["settings"] = torch.zeros(2, window, len(prep.settings_))
        dynamic["settings"] = {0: batch}
        inputs.append(_io("settings", ["batch", window, len(prep.settings_)], "float32",
                          "the operating settings of the same rows (they pick each row's operating condition)",
                          prep.settings_))
    if layout["lengths"]:
        example["lengths"] = torch.full((2,), window, dtype=torch.int64)
        dynamic["lengths"] = {0: batch}
        inputs.append(_io("lengths", ["batch"], "int64", "the valid rows of each window (1 .. window)"))
    outputs = [_io("prediction", ["batch"], "float32", f"the {prep.target!r} at each window's last row, original "
                   "scale")]
    if quantiles:
        outputs.append(_io("quantiles", ["batch", len(quantiles)], "float32", "its quantiles (sorted)"))
    extra = {"window": window, "group": prep.group, "target": prep.target, "time_col": prep.time_col_,
             "protocol": prep.protocol, "conditions": prep.n_conditions_,
             "quantiles": list(quantiles) if quantiles else None}
    return GraphPlan(module, example, dynamic, inputs, outputs, extra)


def _worker(estimator: Estimator) -> Estimator:
    """The estimator doing the work: a Regressor fitted on units' rows (cnnlstm 0.1's call) is a UnitRegressor."""
    return estimator.__dict__.get("units_", estimator)


def graph_plan(estimator: Estimator) -> GraphPlan:
    """The module, example inputs and metadata that `export_onnx` exports for `estimator` (fitted)."""
    estimator._check_fitted()
    estimator = _worker(estimator)
    if isinstance(estimator, Forecaster):
        return _forecaster_plan(estimator)
    if isinstance(estimator, UnitRegressor):
        return _unit_plan(estimator)
    if isinstance(estimator, (Classifier, Regressor)):
        return _sequence_plan(estimator)
    raise TypeError(f"`estimator` must be a cnnlstm Forecaster, Classifier, Regressor or UnitRegressor. Received: "
                    f"{type(estimator).__name__}.")


# -----------------------------------------------------------------------------
# export


@contextlib.contextmanager
def _exporting():
    """Quiet the exporter's notes (warnings, torchvision's operators it skips) for the duration of the export."""
    logger = logging.getLogger("torch.onnx._internal.exporter._registration")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():  # the exporter's notes on its own internals, nothing the user can act on
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def export_onnx(estimator: Estimator, path: str | os.PathLike) -> Path:
    """Write `estimator`'s predictor as an ONNX graph at `path` (ending in .onnx) and its metadata beside it.

    Args:
        estimator: a fitted Forecaster, Classifier, Regressor or UnitRegressor.
        path: the .onnx file to write; the metadata goes to the same name with .json.

    Returns:
        The path of the .onnx file. Both files are written atomically.

    Example:
        >>> export_onnx(forecaster, "runs/airline.onnx")                             # doctest: +SKIP
        PosixPath('runs/airline.onnx')
    """
    path = Path(path)
    if path.suffix.lower() != ".onnx":
        raise ValueError(f"`path` must name a file ending in .onnx (the metadata goes beside it, .json). Received: "
                         f"path={str(path)!r}. Fix: e.g. path='model.onnx'.")
    check_onnx_available()
    plan = graph_plan(estimator)
    worker = _worker(estimator)
    try:
        with _exporting(), torch.no_grad():
            program = torch.onnx.export(plan.module, (), kwargs=plan.example, dynamo=True, verbose=False,
                                        dynamic_shapes=plan.dynamic,
                                        output_names=[o["name"] for o in plan.outputs])
    except Exception as error:  # the exporter raises its own kinds (TorchExportError, ...): name the model
        raise ValueError(
            f"Model {worker.model!r} of this {type(worker).__name__} could not be exported to ONNX: "
            f"{checkpoint.one_line(error)}. Fix: report it with the model's hyperparameters; meanwhile use predict."
        ) from error
    metadata = {
        "format": "cnnlstm-onnx", "format_version": FORMAT_VERSION, "library_version": _library_version(),
        "torch_version": torch.__version__, "opset": _opset(program),
        "file": path.name, "estimator": type(worker).__name__, "model": worker.model,
        "task": _task(worker), "inputs": plan.inputs, "outputs": plan.outputs, **plan.extra,
    }
    _name_axes(program.model.graph.inputs, plan.inputs)
    _name_axes(program.model.graph.outputs, plan.outputs)
    program.model.metadata_props["cnnlstm"] = json.dumps(checkpoint.json_safe(metadata))
    path.parent.mkdir(parents=True, exist_ok=True)
    checkpoint.atomic_write_bytes(path, program.model_proto.SerializeToString())
    checkpoint.write_json(metadata_path(path), metadata)
    return path


def _name_axes(values, declared: list[dict]) -> None:
    """Give each dynamic axis of the graph's inputs or outputs the metadata's name ("batch", "time"), where the
    exporter chose one of its own (s27)."""
    from onnxscript import ir

    for value, entry in zip(values, declared):
        dims = list(value.shape)
        for i, name in enumerate(entry["shape"]):
            if isinstance(name, str) and not isinstance(dims[i], int):
                dims[i] = ir.SymbolicDim(name)
        value.shape = ir.Shape(dims)


def _opset(program) -> int | None:
    return program.model.opset_imports.get("")


def _task(estimator: Estimator) -> str:
    if isinstance(estimator, Forecaster):
        return "forecast"
    if isinstance(estimator, Classifier):
        return "classify"
    return "rul" if isinstance(estimator, UnitRegressor) else "regress"


# -----------------------------------------------------------------------------
# the graph's inputs from the data predict takes


def onnx_inputs(estimator: Estimator, data, **predict_kwargs) -> dict[str, np.ndarray]:
    """The exported graph's inputs (name -> array) for `data`, laid out as `predict(data, **predict_kwargs)`
    reads it: run the graph on them and its first output equals predict's values.

    Example:
        >>> session = onnxruntime.InferenceSession("model.onnx")                    # doctest: +SKIP
        >>> probabilities = session.run(None, classifier.onnx_inputs(X_test))[0]   # == predict_proba(X_test)
    """
    estimator._check_fitted()
    worker = _worker(estimator)
    if isinstance(worker, Forecaster):
        return _forecaster_inputs(worker, data, **predict_kwargs)
    if isinstance(worker, UnitRegressor):
        return _unit_inputs(worker, data, **predict_kwargs)
    return _sequence_inputs(worker, data, **predict_kwargs)


def _forecaster_inputs(estimator: Forecaster, data, *, future=None) -> dict[str, np.ndarray]:
    window = estimator.window
    layout = _forecaster_layout(estimator)
    O = layout["num_observed"]
    series = last_rows(estimator._prepare(data), window)
    short = [(s, int(n)) for s, n in zip(series.series_ids, series.lengths) if n < window]
    if short:
        raise ValueError(
            f"`data` series {short[0][0]!r} has {short[0][1]} rows, but the model reads window={window} rows before "
            f"each forecast. Fix: pass at least {window} rows of history."
        )
    future_values = estimator._future_block(series, future)  # (H, F) raw per series: future covariates, calendar
    observed, known = [], []
    for s, (begin, length) in enumerate(zip(series.starts, series.lengths)):
        rows = series.values[begin : begin + length]  # the last `window` rows, raw
        observed.append(rows[:, :O])
        known.append(np.vstack([rows[:, O:], future_values[s][:, O:]]))  # (W + H, K)
    inputs = {"observed": np.stack(observed).astype(np.float32)}
    if layout["num_known"]:
        inputs["known"] = np.stack(known).astype(np.float32)
    if layout["several"]:
        position = {sid: i for i, sid in enumerate(estimator.series_ids_)}  # a dict: panels hold thousands of ids
        inputs["series"] = np.array([position[s] for s in series.series_ids], dtype=np.int64)
    return inputs


def _sequence_inputs(estimator: SequenceEstimator, X, *, group: str | None = None) -> dict[str, np.ndarray]:
    layout = _sequence_layout(estimator)
    data = estimator._sequences(read_if_path(X), group=group)
    received = (f"{data.X.shape[1]} steps" if data.equal_length else
                f"lengths from {data.lengths.min()} to {data.lengths.max()}")
    if layout["fixed"] and (data.X.shape[1] != layout["length"] or not data.equal_length):
        why = ("is built for a window of exactly that many steps" if estimator.window_ is not None else
               "runs its recurrence over that many frames, unrolled in the graph")
        raise ValueError(
            f"The exported graph of this {estimator.model!r} model takes sequences of {layout['length']} steps "
            f"(it {why}). Received: {received}. Fix: pad or crop X to {layout['length']} steps, or use predict."
        )
    if not layout["lengths"] and not data.equal_length:
        reason = ("image-sequence models mask padding with steps a graph cannot hold"
                  if layout["frames"] else "a bidirectional LSTM packs padded batches, which a graph cannot hold")
        raise ValueError(
            f"The exported graph of this {estimator.model!r} model takes sequences of one length per call, without "
            f"`lengths` ({reason}). Received: {received}. Fix: run the graph on each length's sequences apart, or "
            "use predict."
        )
    inputs = {"x": np.ascontiguousarray(data.X, dtype=np.float32)}
    if layout["lengths"]:
        inputs["lengths"] = data.lengths.astype(np.int64)
    return inputs


def _unit_inputs(estimator: UnitRegressor, X, *, every_window: bool = False) -> dict[str, np.ndarray]:
    layout = _unit_layout(estimator)
    prep, window = estimator.preparation_, estimator.window
    frame = read_if_path(X, "data")
    prep.transform(frame, with_target=False)  # the same checks as predict: columns present, numbers
    columns = list(prep.features_) + list(prep.settings_)
    raw = group_frame(frame, group=prep.group, features=columns, target=None, sort_by=prep.time_col_)
    rows = raw.window_rows(window) if every_window else raw.last_rows(window)
    gather = GroupWindowGather(torch.as_tensor(raw.values), torch.as_tensor(raw.unit_end), None, window=window,
                               masked=not estimator._fixed_window(), edge_pad=estimator._fixed_window())
    picked = gather.inputs(torch.as_tensor(rows))
    x, lengths = picked if isinstance(picked, tuple) else (picked, None)
    x = x.numpy()
    F_ = len(prep.features_)
    inputs = {"x": np.ascontiguousarray(x[..., :F_], dtype=np.float32)}
    if layout["settings"]:
        inputs["settings"] = np.ascontiguousarray(x[..., F_:], dtype=np.float32)
    if layout["lengths"]:
        inputs["lengths"] = lengths.numpy().astype(np.int64)
    elif lengths is not None and int(lengths.min()) < window:
        raise ValueError(
            f"The exported graph of this {estimator.model!r} model takes full windows of {window} rows (its "
            f"bidirectional LSTM packs padded batches, which a graph cannot hold). Received: a unit of "
            f"{int(lengths.min())} rows. Fix: use predict for units shorter than the window."
        )
    return inputs
