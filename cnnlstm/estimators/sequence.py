"""Classifier and Regressor: one label or value per sequence (or per window of a unit's rows, for RUL).

Example:
    >>> from cnnlstm import Classifier, Regressor, datasets                             # doctest: +SKIP
    >>> X, y = datasets.load("GunPoint", split="train")
    >>> clf = Classifier(model="parallel", merge="attention", epochs=100).fit(X, y)
    >>> clf.score(*datasets.load("GunPoint", split="test"))        # accuracy, balanced accuracy, macro F1
    >>> rul = Regressor(model="cnn_lstm", window=30).fit(datasets.load("cmapss-fd001"), group="unit", target="rul")
    >>> rul.score(datasets.load("cmapss-fd001", split="test"))     # RMSE and PHM08 score at each engine's last cycle

Both follow the scikit-learn contract (`fit` returns self, learned state ends in `_`) and keep the test data out of
every choice: validation is carved from the training data (stratified by class; by unit for grouped data), scalers
see the training part only, and the weights kept are those of the best validation loss.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from .. import checkpoint
from ..data.cmapss import ConditionScaler, count_conditions, piecewise_linear_rul, phm08_score
from ..data.grouped import GroupedSeries, group_frame
from ..data.io import read_table
from ..data.scaling import NotFittedError
from ..data.sequences import ChannelScaler, SequenceSet, as_sequences, check_labels, stratified_split
from ..metrics import classification_metrics, regression_metrics
from ..models import MODELS
from ..tasks import GroupWindowGather, SequenceGather, SequenceNet
from ..train import TrainConfig, fit, predict, resolve_device

FORMAT_VERSION = 1
PROTOCOLS = ("auto", "rul", "plain")


def _check_fraction(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"`{name}` must be a fraction in [0, 1). Received: {name}={value!r}. Fix: pass e.g. {name}=0.2.")
    return float(value)


class _SequenceEstimator:
    """What Classifier and Regressor share: parameters, the network, training, the encoder transfer, saving."""

    _TRAIN_PARAMS = ("epochs", "batch_size", "lr", "weight_decay", "patience", "grad_clip", "device", "amp", "seed",
                     "progress", "cuda_graph")

    def __init__(self, model: str, *, val_size: float, scale: bool, encoder, freeze_encoder: bool, epochs: int,
                 batch_size: int, lr: float, weight_decay: float, patience: int | None, grad_clip: float | None,
                 device: str, amp: bool, seed: int, progress: bool | None, cuda_graph: bool,
                 model_kwargs: dict | None, hyperparameters: dict):
        self.model, self.val_size, self.scale = model, val_size, scale
        self.encoder, self.freeze_encoder = encoder, freeze_encoder
        self.epochs, self.batch_size, self.lr, self.weight_decay = epochs, batch_size, lr, weight_decay
        self.patience, self.grad_clip, self.device, self.amp = patience, grad_clip, device, amp
        self.seed, self.progress, self.cuda_graph = seed, progress, cuda_graph
        self.model_kwargs = {**(model_kwargs or {}), **hyperparameters}

    def get_params(self) -> dict:
        return {name: getattr(self, name) for name in self._PARAMS}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r})"

    def _train_config(self, num_train: int | None = None) -> TrainConfig:
        settings = {name: getattr(self, name) for name in self._TRAIN_PARAMS}
        if settings["batch_size"] is None:  # "auto": about ten steps an epoch on small data, 16 to 128 a batch
            settings["batch_size"] = min(128, max(16, (num_train or 0) // 10))
        return TrainConfig(**settings)

    def _check_fitted(self) -> None:
        if not hasattr(self, "net_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet. Call `fit` first, or `load` a saved one.")

    # ------------------------------------------------------------------ the network
    def _build(self, in_features: int, out_features: int, window: int | None, input_kind: str, device) -> SequenceNet:
        if self.model not in MODELS:
            from .._errors import unknown_name

            raise unknown_name("model", self.model, MODELS)
        if MODELS[self.model].input_kind != input_kind:
            shape = "(N, T, C, H, W) image sequences" if input_kind == "frames" else "(N, T, F) series"
            suitable = ", ".join(n for n, c in MODELS.items() if c.input_kind == input_kind)
            raise ValueError(
                f"`model` {self.model!r} takes {MODELS[self.model].input_kind}, but the data are {shape}. "
                f"Received: model={self.model!r}. Fix: pick one of: {suitable}."
            )
        net = SequenceNet(model=self.model, in_features=in_features, out_features=out_features, window=window,
                          freeze_encoder=self.freeze_encoder, model_kwargs=self.model_kwargs)
        if self.encoder is not None:
            self._load_encoder(net)
        elif self.freeze_encoder:
            raise ValueError(
                "`freeze_encoder=True` needs a pre-trained encoder. Received: encoder=None. "
                "Fix: pass encoder='path/to/a/saved/model' (any estimator's save folder), or freeze_encoder=False."
            )
        return net.to(device)

    def _load_encoder(self, net: SequenceNet) -> None:
        """Copy the saved model's backbone, except its head, into `net` (the transfer of transfer learning)."""
        folder = Path(self.encoder)
        if not (folder / "config.json").exists() or not (folder / "model.pt").exists():
            raise FileNotFoundError(
                f"`encoder` must be a folder written by an estimator's save() (config.json and model.pt). "
                f"Received: encoder={str(folder)!r}. Fix: fit and save a model there first."
            )
        network = checkpoint.read_json(folder / "config.json")["network"]
        if network["model"] != self.model:
            raise ValueError(
                f"The encoder in {str(folder)!r} is a {network['model']!r} model; this estimator builds "
                f"model={self.model!r}. Fix: pass model={network['model']!r} (and the same hyperparameters)."
            )
        saved = {k[len("backbone."):]: v for k, v in checkpoint.load_weights(folder / "model.pt").items()
                 if k.startswith("backbone.") and not k.startswith("backbone.head.")}
        target = net.encoder_state()
        mismatched = [k for k in target if k not in saved or saved[k].shape != target[k].shape]
        if mismatched:
            k = mismatched[0]
            got = tuple(saved[k].shape) if k in saved else "missing"
            raise ValueError(
                f"The encoder in {str(folder)!r} does not fit this model: weight {k!r} is {got} there and "
                f"{tuple(target[k].shape)} here. Fix: build the same architecture with the same hyperparameters and "
                "the same number of input channels as the pre-trained model."
            )
        net.backbone.load_state_dict({**net.backbone.state_dict(), **{k: saved[k] for k in target}})

    def _train(self, shape: tuple, gather, train_rows: np.ndarray, val_rows: np.ndarray, loss_fn, device) -> None:
        """Build the network for `shape` (in_features, out_features, window, input_kind) and train it into net_."""
        config = self._train_config(len(train_rows))
        to_rows = lambda rows: torch.as_tensor(rows, dtype=torch.int64, device=device)  # noqa: E731
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(self.seed)  # the seed reaches initialisation and dropout, not the caller's RNG
            self.net_ = net = self._build(*shape, device)
            history = fit(net, gather=gather, train_windows=to_rows(train_rows),
                          val_windows=to_rows(val_rows) if len(val_rows) else None, loss_fn=loss_fn, config=config)
        self.history_ = pd.DataFrame(history)

    def num_parameters(self) -> int:
        self._check_fitted()
        return sum(p.numel() for p in self.net_.parameters())

    def branch_weights(self) -> dict[str, float]:
        self._check_fitted()
        if not hasattr(self.net_.backbone, "branch_weights"):
            raise ValueError(f"`branch_weights` needs model='parallel'. Received: model={self.model!r}.")
        return self.net_.backbone.branch_weights()

    # ------------------------------------------------------------------ sequences in, network outputs out
    def _sequences(self, X, *, group=None, columns=None, what="X") -> SequenceSet:
        data = as_sequences(X, group=group, columns=columns, what=what)
        if hasattr(self, "feature_shape_") and data.feature_shape != tuple(self.feature_shape_):
            kind = "frame shape (C, H, W)" if len(self.feature_shape_) == 3 else "number of channels"
            raise ValueError(
                f"`{what}` must have the {kind} the model was fitted on: {tuple(self.feature_shape_)}. Received: "
                f"{data.feature_shape}. Fix: pass the same channels, in the same order, as in fit."
            )
        return data

    def _input_kind(self, data: SequenceSet) -> str:
        return "frames" if data.X.ndim == 5 else "series"

    def _window_for(self, data: SequenceSet) -> int | None:
        """Models that span a fixed window (linear) are built for the training length; the others take any."""
        if self.model != "linear":
            return None
        if not data.equal_length:
            raise ValueError(
                "`model='linear'` needs sequences of one length, and these range from "
                f"{data.lengths.min()} to {data.lengths.max()} steps. Fix: choose a model that takes variable "
                "length (cnn, lstm, cnn_lstm, lstm_cnn, parallel) or pad/crop the sequences yourself."
            )
        return int(data.X.shape[1])

    def _fit_common(self, data: SequenceSet, train: np.ndarray) -> None:
        """What fitting on whole sequences learns besides the network: their shape, window and channel scaler."""
        self.feature_shape_ = list(data.feature_shape)
        self.window_ = self._window_for(data)
        self.scaler_ = ChannelScaler().fit(data.subset(train)) if self.scale else None

    def _outputs(self, data: SequenceSet) -> np.ndarray:
        if self.window_ is not None and (data.X.shape[1] != self.window_ or not data.equal_length):
            raise ValueError(
                f"This {self.model!r} model was built for sequences of exactly {self.window_} steps. Received: "
                f"lengths from {data.lengths.min()} to {data.X.shape[1]}. Fix: pad or crop to {self.window_} steps."
            )
        if self.scaler_ is not None:
            data = self.scaler_.transform(data)
        device = self.device_
        X = torch.as_tensor(data.X, device=device)
        lengths = None if data.equal_length else torch.as_tensor(data.lengths, device=device)
        gather = SequenceGather(X, None, lengths)
        rows = torch.arange(len(data), device=device)
        return predict(self.net_, gather.inputs, rows, batch_size=self._train_config().eval_batch_size,
                       amp=self.amp).cpu().numpy()

    # ------------------------------------------------------------------ save / load
    def _extra_state(self) -> dict:
        return {}

    def save(self, path: str | os.PathLike) -> Path:
        """Write the model folder: config.json, model.pt (weights only), history.csv. No pickles."""
        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        params = {k: (str(v) if k == "encoder" and v is not None else v) for k, v in self.get_params().items()}
        config = {"format_version": FORMAT_VERSION, "estimator": type(self).__name__, "params": params,
                  "network": self.net_.config, "state": self._extra_state()}
        checkpoint.save_weights(path / "model.pt", self.net_.state_dict())
        checkpoint.atomic_write_text(path / "history.csv", self.history_.to_csv(index=False))
        checkpoint.write_json(path / "config.json", config)  # last: a folder with config.json is complete
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, *, device: str = "auto"):
        """Rebuild a saved estimator. Nothing is unpickled: weights load with ``weights_only=True``."""
        path = Path(path)
        if not (path / "config.json").exists():
            raise FileNotFoundError(
                f"`path` must be a model folder written by {cls.__name__}.save (with config.json). Received: path={str(path)!r}."
            )
        config = checkpoint.read_json(path / "config.json")
        if config.get("estimator") != cls.__name__:
            raise ValueError(f"{str(path)!r} holds a {config.get('estimator')}, not a {cls.__name__}.")
        params = dict(config["params"])
        params["device"] = device
        estimator = cls(**params)
        estimator.device_ = resolve_device(device)
        network = {**config["network"], "freeze_encoder": False}  # the weights are all there: nothing to load
        estimator.net_ = SequenceNet(**network)
        estimator.net_.load_state_dict(checkpoint.load_weights(path / "model.pt"))
        estimator.net_.to(estimator.device_).eval()
        estimator.history_ = pd.read_csv(path / "history.csv")
        estimator._set_state(config["state"])
        return estimator


def rul_metrics(truth, predicted, rul_cap: float) -> dict[str, float]:
    """RMSE, MAE and R² against the true remaining life, `rmse_capped` against it capped at `rul_cap` (what the
    piecewise-linear target can reach), and the PHM08 `score` (late predictions cost more)."""
    metrics = regression_metrics(truth, predicted)
    metrics["rmse_capped"] = regression_metrics(piecewise_linear_rul(np.asarray(truth), rul_cap), predicted)["rmse"]
    metrics["score"] = phm08_score(truth, predicted)
    return metrics


def _labels_from(X, y, target: str | None, group: str | None):
    """Split a DataFrame holding its labels in column `target` into (X, y); pass arrays through."""
    if target is None:
        if y is None:
            raise ValueError("`y` is missing. Fix: pass fit(X, y), or fit(frame, target='label_column').")
        return X, y, None
    if not isinstance(X, pd.DataFrame):
        raise ValueError(f"`target={target!r}` names a column, so X must be a DataFrame. Received: {type(X).__name__}.")
    if target not in X.columns:
        from .._errors import unknown_name

        raise unknown_name("target", target, X.columns)
    if group is None:
        return X.drop(columns=[target]), X[target].to_numpy(), None
    per_group = X.groupby(group, sort=False)[target]
    varying = per_group.nunique() > 1
    if varying.any():
        raise ValueError(
            f"`target` {target!r} must be constant within each {group!r} (one label per sequence). Received: "
            f"several values in {group}={varying.index[varying][0]!r}. Fix: use a Regressor with window= for per-step targets."
        )
    columns = [c for c in X.select_dtypes("number").columns if c not in (group, target)]
    return X, per_group.first().to_numpy(), columns


class Classifier(_SequenceEstimator):
    """Time-series (or image-sequence) classification with any registry model.

    Args:
        model: a registry name (`cnnlstm.list_models()`); series models for (N, T, F), lrcn and conv_lstm for
            (N, T, C, H, W).
        val_size: fraction of the training sequences held out for validation, per class (early stopping and the
            weights kept are chosen on it). 0 trains on everything for all epochs and keeps the last weights.
        class_weight: None, "balanced" (inverse class frequency) or a dict {label: weight}, for the loss.
        scale: standard-scale every channel with statistics of the training part (padding excluded).
        encoder, freeze_encoder: transfer learning: a saved estimator folder whose backbone (all but its head)
            initialises this model; freeze_encoder=True trains the head only.
        epochs, batch_size, lr, weight_decay, patience, grad_clip, device, amp, seed, progress, cuda_graph:
            training (`cnnlstm.train.TrainConfig`). batch_size=None picks n_train // 10 within [16, 128], so the
            small UCR training sets still get about ten steps an epoch.
        model_kwargs / **hyperparameters: the model's own hyperparameters (`cnnlstm models`).
    """

    _PARAMS = ("model", "val_size", "class_weight", "scale", "encoder", "freeze_encoder", "epochs", "batch_size",
               "lr", "weight_decay", "patience", "grad_clip", "device", "amp", "seed", "progress", "cuda_graph",
               "model_kwargs")

    def __init__(self, model: str = "parallel", *, val_size: float = 0.2, class_weight=None, scale: bool = True,
                 encoder: str | os.PathLike | None = None, freeze_encoder: bool = False, epochs: int = 100,
                 batch_size: int | None = None, lr: float = 1e-3, weight_decay: float = 1e-4, patience: int | None = None,
                 grad_clip: float | None = 1.0, device: str = "auto", amp: bool = True, seed: int = 0,
                 progress: bool | None = None, cuda_graph: bool = False, model_kwargs: dict | None = None,
                 **hyperparameters):
        super().__init__(model, val_size=val_size, scale=scale, encoder=encoder, freeze_encoder=freeze_encoder,
                         epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay, patience=patience,
                         grad_clip=grad_clip, device=device, amp=amp, seed=seed, progress=progress,
                         cuda_graph=cuda_graph, model_kwargs=model_kwargs, hyperparameters=hyperparameters)
        self.class_weight = class_weight

    def fit(self, X, y=None, *, target: str | None = None, group: str | None = None) -> "Classifier":
        """Train on (X, y), selecting on a stratified validation part of them.

        Args:
            X: array (N, T), (N, T, F) or (N, T, C, H, W); a list of (T_i, F) arrays; a wide DataFrame (one row per
                sequence) or a long one with `group`; or a CSV/Parquet path.
            y: one label per sequence (any hashable: strings, ints). Or `target`: the label column of X.
        """
        X = read_table(X, what="X") if isinstance(X, (str, os.PathLike)) else X
        X, y, columns = _labels_from(X, y, target, group)
        data = as_sequences(X, group=group, columns=columns)
        labels = check_labels(y, len(data))
        self.classes_ = np.unique(labels)
        if len(self.classes_) < 2:
            raise ValueError(
                f"`y` must hold at least two classes. Received: only {self.classes_.tolist()}. "
                "Fix: check that the labels were read from the right column."
            )
        codes = np.searchsorted(self.classes_, labels)
        train, val = stratified_split(codes, _check_fraction("val_size", self.val_size), self.seed)
        self.validation_indices_ = val  # the sequences of X that picked the epoch (same for every model per seed)
        device = resolve_device(self.device)
        self._fit_common(data, train)
        weights = self._class_weights(codes[train], device)
        scaled = self.scaler_.transform(data) if self.scaler_ is not None else data
        gather = SequenceGather(torch.as_tensor(scaled.X, device=device), torch.as_tensor(codes, device=device),
                                None if data.equal_length else torch.as_tensor(data.lengths, device=device))
        loss_fn = lambda logits, target: F.cross_entropy(logits, target, weight=weights)  # noqa: E731
        self.device_ = device
        shape = (int(data.feature_shape[0]), len(self.classes_), self.window_, self._input_kind(data))
        self._train(shape, gather, train, val, loss_fn, device)
        return self

    def _class_weights(self, train_codes: np.ndarray, device) -> torch.Tensor | None:
        if self.class_weight is None:
            return None
        counts = np.bincount(train_codes, minlength=len(self.classes_)).astype(np.float64)
        if self.class_weight == "balanced":
            weights = counts.sum() / (len(counts) * np.maximum(counts, 1))
        elif isinstance(self.class_weight, dict):
            unknown = [k for k in self.class_weight if k not in self.classes_.tolist()]
            if unknown:
                raise ValueError(
                    f"`class_weight` names labels absent from y: {unknown}. Received labels: {self.classes_.tolist()}."
                )
            weights = np.array([float(self.class_weight.get(c, 1.0)) for c in self.classes_.tolist()])
        else:
            raise ValueError(
                f"`class_weight` must be None, 'balanced' or a dict {{label: weight}}. Received: {self.class_weight!r}."
            )
        return torch.as_tensor(weights, dtype=torch.float32, device=device)

    def predict_proba(self, X, *, group: str | None = None) -> np.ndarray:
        """Class probabilities (N, K), columns in the order of `classes_`."""
        self._check_fitted()
        logits = self._outputs(self._sequences(X, group=group))
        return torch.softmax(torch.as_tensor(logits), dim=-1).numpy()

    def predict(self, X, *, group: str | None = None) -> np.ndarray:
        """The most probable label of every sequence."""
        return self.classes_[self.predict_proba(X, group=group).argmax(axis=1)]

    def _check_known(self, y, n: int) -> np.ndarray:
        labels = check_labels(y, n)
        if self.classes_.dtype.kind in "US" and labels.dtype.kind not in "US":
            labels = labels.astype(str)  # labels read as strings from .ts files, compared with ints
        unseen = sorted(set(labels.tolist()) - set(self.classes_.tolist()), key=str)
        if unseen:
            raise ValueError(
                f"`y` holds labels never seen in training: {unseen[:5]}. Known labels: {self.classes_.tolist()}. "
                "Fix: a classifier can only predict classes it was trained on; drop those sequences or retrain with them."
            )
        return labels

    def score(self, X, y, *, group: str | None = None) -> dict[str, float]:
        """Accuracy, balanced accuracy and macro F1 of the predictions for X against y."""
        predicted = self.predict(X, group=group)
        return classification_metrics(self._check_known(y, len(predicted)), predicted)

    def report(self, X, y, *, group: str | None = None) -> dict:
        """score() plus the confusion matrix (rows: true, columns: predicted, in `classes_` order) and the
        per-class precision, recall, F1 and support."""
        from sklearn.metrics import classification_report, confusion_matrix

        predicted = self.predict(X, group=group)
        labels = self._check_known(y, len(predicted))
        return {
            **classification_metrics(labels, predicted),
            "classes": self.classes_.tolist(),
            "confusion_matrix": confusion_matrix(labels, predicted, labels=self.classes_).tolist(),
            "per_class": classification_report(labels, predicted, labels=self.classes_, output_dict=True,
                                               zero_division=0),
        }

    def _extra_state(self) -> dict:
        return {"classes": self.classes_.tolist(), "classes_dtype": self.classes_.dtype.str,
                "feature_shape": self.feature_shape_, "window": self.window_,
                "scaler": self.scaler_.state_dict() if self.scaler_ is not None else None}

    def _set_state(self, state: dict) -> None:
        self.classes_ = np.asarray(state["classes"], dtype=np.dtype(state["classes_dtype"]))
        self.feature_shape_, self.window_ = state["feature_shape"], state["window"]
        self.scaler_ = ChannelScaler.from_state_dict(state["scaler"]) if state["scaler"] else None


class Regressor(_SequenceEstimator):
    """One value (or vector) per sequence, or per window of a unit's rows, such as remaining useful life.

    Two kinds of data:
      * sequences: fit(X, y) with X as for Classifier and y (N,) or (N, K) numbers;
      * units of rows: fit(frame, group="unit", target="rul") with `window`: each window of `window` rows of a unit
        predicts the target at its last row; score() and predict() use each unit's last window (short units are
        padded and masked).

    The remaining-useful-life protocol (protocol="rul", or "auto" with a target named "rul") adds what the C-MAPSS
    literature does: the training target capped at `rul_cap` (piecewise linear), constant features dropped (judged
    on train), features standardised per operating condition (conditions clustered from the columns named
    setting*; `n_conditions="auto"` counts them), the setting and time columns left out of the features, and
    the PHM08 score beside the RMSE. Validation is drawn by unit, never by window.

    Args:
        window: rows per window for grouped data (30 is the C-MAPSS convention).
        time_col: the column that orders rows within a unit (default: "cycle" when present); not a feature.
        val_size, scale, encoder, freeze_encoder, epochs, ...: as for Classifier.
    """

    _PARAMS = ("model", "window", "time_col", "protocol", "rul_cap", "n_conditions", "val_size", "scale", "encoder",
               "freeze_encoder", "epochs", "batch_size", "lr", "weight_decay", "patience", "grad_clip", "device",
               "amp", "seed", "progress", "cuda_graph", "model_kwargs")

    def __init__(self, model: str = "cnn_lstm", *, window: int | None = None, time_col: str | None = None,
                 protocol: str = "auto", rul_cap: float = 125, n_conditions="auto", val_size: float = 0.2,
                 scale: bool = True, encoder: str | os.PathLike | None = None, freeze_encoder: bool = False,
                 epochs: int = 30, batch_size: int = 256, lr: float = 1e-3, weight_decay: float = 1e-4,
                 patience: int | None = 10, grad_clip: float | None = 1.0, device: str = "auto", amp: bool = True,
                 seed: int = 0, progress: bool | None = None, cuda_graph: bool = False,
                 model_kwargs: dict | None = None, **hyperparameters):
        super().__init__(model, val_size=val_size, scale=scale, encoder=encoder, freeze_encoder=freeze_encoder,
                         epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay, patience=patience,
                         grad_clip=grad_clip, device=device, amp=amp, seed=seed, progress=progress,
                         cuda_graph=cuda_graph, model_kwargs=model_kwargs, hyperparameters=hyperparameters)
        self.window, self.time_col, self.protocol = window, time_col, protocol
        self.rul_cap, self.n_conditions = rul_cap, n_conditions

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None, *, group: str | None = None, target: str | None = None) -> "Regressor":
        X = read_table(X, what="X") if isinstance(X, (str, os.PathLike)) else X
        if self.protocol not in PROTOCOLS:
            from .._errors import unknown_name

            raise unknown_name("protocol", self.protocol, PROTOCOLS)
        val_size = _check_fraction("val_size", self.val_size)
        device = resolve_device(self.device)
        self.device_ = device
        if group is not None and isinstance(X, pd.DataFrame) and target is not None and self.window is not None:
            return self._fit_units(X, group, target, val_size, device)
        if group is not None and self.window is None and target is not None and isinstance(X, pd.DataFrame):
            per_row = X.groupby(group, sort=False)[target].nunique().max() > 1
            if per_row:
                raise ValueError(
                    f"`target` {target!r} changes within each {group!r}, so it is a per-row target: windows of rows "
                    "predict it. Received: window=None. Fix: pass window=... (e.g. window=30 for C-MAPSS)."
                )
        X, y, columns = _labels_from(X, y, target, group)
        data = as_sequences(X, group=group, columns=columns)
        values = self._check_targets(y, len(data))
        rng = np.random.default_rng(self.seed)
        order = rng.permutation(len(data))
        num_val = min(len(data) - 1, int(round(val_size * len(data))))
        val, train = np.sort(order[:num_val]), np.sort(order[num_val:])
        self.validation_indices_ = val
        self.mode_, self.group_ = "sequences", group
        self._fit_common(data, train)
        self.target_mean_, self.target_std_ = self._target_scale(values[train])
        self.output_shape_ = list(values.shape[1:])
        scaled = self.scaler_.transform(data) if self.scaler_ is not None else data
        targets = ((values - self.target_mean_) / self.target_std_).reshape(len(values), -1)
        out_features = targets.shape[1]
        if self.model_kwargs.get("head") == "next_frame":  # a frame-shaped output: y must be frames (N, C, H, W)
            if values.ndim != 4 or tuple(values.shape[2:]) != tuple(data.feature_shape[1:]):
                raise ValueError(
                    f"head='next_frame' predicts a frame of the input's size {tuple(data.feature_shape[1:])}, so `y` "
                    f"must be frames (N, C, H, W) of that size. Received: y.shape={values.shape}."
                )
            out_features = values.shape[1]
        gather = SequenceGather(torch.as_tensor(scaled.X, device=device), torch.as_tensor(targets, device=device),
                                None if data.equal_length else torch.as_tensor(data.lengths, device=device))
        shape = (int(data.feature_shape[0]), out_features, self.window_, self._input_kind(data))
        loss_fn = lambda p, t: F.mse_loss(p.reshape(len(p), -1), t)  # noqa: E731  (frames are flattened)
        self._train(shape, gather, train, val, loss_fn, device)
        return self

    def _check_targets(self, y, n: int) -> np.ndarray:
        values = np.asarray(y, dtype=np.float32) if y is not None else None
        if values is None or values.ndim == 0 or len(values) != n or not np.isfinite(values).all():
            shape = None if values is None else values.shape
            raise ValueError(
                f"`y` must hold one finite number (or vector, or frame) per sequence: shape ({n},), ({n}, K) or "
                f"({n}, C, H, W). Received: "
                f"shape {shape}{'' if values is None or np.isfinite(values).all() else ' with NaN or inf'}. "
                "Fix: pass y in the order of X and drop sequences without a target."
            )
        return values

    def _target_scale(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per output for values and vectors; one mean and std for frames (pixels share a scale)."""
        axis = None if values.ndim > 2 else 0
        mean = np.asarray(values.mean(axis=axis))
        std = np.asarray(values.std(axis=axis))
        return mean.astype(np.float32), np.where(std > 1e-8, std, 1.0).astype(np.float32)

    def _resolve_protocol(self, target: str) -> str:
        if self.protocol == "auto":
            return "rul" if target.lower() == "rul" else "plain"
        return self.protocol

    def _fit_units(self, frame: pd.DataFrame, group: str, target: str, val_size: float, device) -> "Regressor":
        from ..models.layers import check_positive_int

        check_positive_int("window", self.window, "pass the rows per window, e.g. window=30.")
        protocol = self._resolve_protocol(target)
        time_col = self.time_col or ("cycle" if "cycle" in frame.columns else None)
        settings = [c for c in frame.columns if str(c).lower().startswith("setting")] if protocol == "rul" else []
        features = [c for c in frame.select_dtypes("number").columns if c not in (group, target, time_col, *settings)]
        units = frame[group].unique()
        rng = np.random.default_rng(self.seed)
        val_units = rng.permutation(units)[: min(len(units) - 1, int(round(val_size * len(units))))]
        train_frame = frame[~frame[group].isin(val_units)]
        self.validation_units_ = np.sort(val_units)  # the units that picked the epoch (same for every model per seed)
        if protocol == "rul":
            from ..data.cmapss import constant_columns

            features = [c for c in features if c not in constant_columns(train_frame, features)]
        if not features:
            raise ValueError(f"`data` has no feature columns left besides {group!r}, {target!r} and {time_col!r}.")
        n_conditions = 1
        if settings:
            n_conditions = count_conditions(train_frame[settings]) if self.n_conditions == "auto" else int(self.n_conditions)
        self.mode_, self.group_, self.time_col_, self.protocol_ = "units", group, time_col, protocol
        self.target_ = target
        self.features_, self.settings_ = features, settings
        self.feature_shape_ = [len(features)]
        self.window_ = None  # every model here takes masked, possibly short windows
        if self.model == "linear":
            raise ValueError(
                "`model='linear'` spans a fixed window and cannot take the padded short windows of grouped data. "
                "Fix: choose cnn, lstm, cnn_lstm, lstm_cnn or parallel."
            )
        self.scaler_ = ConditionScaler(n_conditions).fit(self._settings(train_frame), train_frame[features]) \
            if self.scale else None
        series = self._grouped(frame, target=target)
        if protocol == "rul":
            series.target = piecewise_linear_rul(series.target, self.rul_cap).astype(np.float32)
        is_val = np.isin(series.units, val_units)
        train_rows = series.window_rows(self.window, np.flatnonzero(~is_val))
        val_rows = series.window_rows(self.window, np.flatnonzero(is_val))
        self.target_mean_, self.target_std_ = self._target_scale(series.target[train_rows + series.lengths(
            train_rows, self.window) - 1])
        self.output_shape_ = []
        masked = bool((series.lengths(np.concatenate([train_rows, val_rows]), self.window) < self.window).any())
        gather = self._gather(series, device, masked=masked)
        loss_fn = lambda p, t: F.mse_loss(p.squeeze(-1), t)  # noqa: E731
        self._train((len(features), 1, None, "series"), gather, train_rows, val_rows, loss_fn, device)
        return self

    def _settings(self, frame: pd.DataFrame) -> np.ndarray:
        return frame[self.settings_].to_numpy(np.float64) if self.settings_ else np.zeros((len(frame), 1))

    def _grouped(self, frame: pd.DataFrame, *, target: str | None) -> GroupedSeries:
        missing = [c for c in [self.group_, *self.features_, *self.settings_] if c not in frame.columns]
        if missing:
            raise ValueError(
                f"`data` lacks column {missing[0]!r}, which the model was fitted with. Received columns: "
                f"{list(frame.columns)[:10]}. Fix: pass data with the training data's columns."
            )
        series = group_frame(frame, group=self.group_, features=self.features_, target=target, sort_by=self.time_col_)
        if self.scaler_ is not None:
            ordered = frame.sort_values([self.group_] + ([self.time_col_] if self.time_col_ else []), kind="stable")
            series.values = self.scaler_.transform(self._settings(ordered), series.values)
        return series

    def _gather(self, series: GroupedSeries, device, *, masked: bool) -> GroupWindowGather:
        target = None
        if series.target is not None:
            target = torch.as_tensor((series.target - self.target_mean_) / self.target_std_, device=device)
        return GroupWindowGather(torch.as_tensor(series.values, device=device),
                                 torch.as_tensor(series.unit_end, device=device), target,
                                 window=self.window, masked=masked)

    # ------------------------------------------------------------------ predict / score
    def _unscale(self, outputs: np.ndarray) -> np.ndarray:
        values = outputs.reshape(len(outputs), *self.output_shape_) if self.output_shape_ else outputs.reshape(-1)
        return values * self.target_std_ + self.target_mean_

    def _unit_windows(self, frame, *, target: str | None, every_window: bool):
        """The grouped units of `frame`, the start row of each window (every one, or each unit's last) and the
        row each window ends at."""
        frame = read_table(frame, what="data") if isinstance(frame, (str, os.PathLike)) else frame
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"`data` must be a DataFrame of units' rows (as in fit). Received: {type(frame).__name__}.")
        series = self._grouped(frame, target=target)
        rows = series.window_rows(self.window) if every_window else series.last_rows(self.window)
        return series, rows, rows + series.lengths(rows, self.window) - 1

    def _unit_predictions(self, frame: pd.DataFrame, *, target: str | None, every_window: bool):
        series, rows, ends = self._unit_windows(frame, target=target, every_window=every_window)
        gather = self._gather(series, self.device_, masked=True)
        out = predict(self.net_, gather.inputs, torch.as_tensor(rows, device=self.device_),
                      amp=self.amp).cpu().numpy()
        return series, ends, self._unscale(out)

    def predict(self, X, *, group: str | None = None, every_window: bool = False):
        """Predictions: an array (N,) or (N, K) for sequences; for units, a DataFrame with one row per unit (its
        last window), or per window with `every_window=True` (e.g. to plot a RUL trajectory)."""
        self._check_fitted()
        if self.mode_ == "units":
            series, ends, values = self._unit_predictions(X, target=None, every_window=every_window)
            unit_of_row = np.repeat(series.units, series.ends - series.starts)
            table = {self.group_: unit_of_row[ends], "prediction": values}
            if every_window:
                table["row"] = ends - np.repeat(series.starts, series.ends - series.starts)[ends] + 1
            return pd.DataFrame(table)
        return self._unscale(self._outputs(self._sequences(X, group=group)))

    def windows(self, data, *, target: str | None = None, every_window: bool = True) -> dict[str, np.ndarray]:
        """Units' rows as the network sees them: scaled windows for other models (the baselines of `compare`).

        Returns:
            A dict: "X" (N, window, F) float32, end-padded where a unit is shorter than the window; "lengths" (N,);
            "units" (N,); "y" (N,) the target at each window's end (capped under the RUL protocol) when
            `target` names a column of `data`. Every window, or each unit's last with `every_window=False`.
        """
        self._check_fitted()
        if self.mode_ != "units":
            raise ValueError("`windows` needs a model fitted on units' rows (fit(frame, group=..., target=...)).")
        series, rows, ends = self._unit_windows(data, target=target, every_window=every_window)
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

    def last_cycle(self, data, *, target: str | None = None) -> pd.DataFrame:
        """Units' rows: one row per unit with its true target and the prediction at its last row (what `score`
        compares and what a RUL plot shows)."""
        self._check_fitted()
        if self.mode_ != "units":
            raise ValueError("`last_cycle` needs a model fitted on units' rows (fit(frame, group=..., target=...)).")
        series, ends, predicted = self._unit_predictions(data, target=target or self.target_, every_window=False)
        return pd.DataFrame({self.group_: series.units, "true": series.target[ends], "prediction": predicted})

    def score(self, X, y=None, *, target: str | None = None, group: str | None = None) -> dict[str, float]:
        """RMSE, MAE and R²; for units, at each unit's last row (plus, for RUL, `rmse_capped` against the true
        RUL capped at rul_cap, and the PHM08 `score`, both against the last-cycle targets of `X[target]`)."""
        self._check_fitted()
        if self.mode_ == "units":
            table = self.last_cycle(X, target=target)
            truth, predicted = table["true"].to_numpy(), table["prediction"].to_numpy()
            return rul_metrics(truth, predicted, self.rul_cap) if self.protocol_ == "rul" \
                else regression_metrics(truth, predicted)
        values = self._check_targets(y, len(as_sequences(X, group=group)))
        return regression_metrics(values, self.predict(X, group=group))

    # ------------------------------------------------------------------ save / load
    def _extra_state(self) -> dict:
        state = {"mode": self.mode_, "group": self.group_, "feature_shape": self.feature_shape_,
                 "window": self.window_, "target_mean": self.target_mean_.tolist(),
                 "target_std": self.target_std_.tolist(), "output_shape": self.output_shape_,
                 "scaler": self.scaler_.state_dict() if self.scaler_ is not None else None}
        if self.mode_ == "units":
            state.update(time_col=self.time_col_, protocol=self.protocol_, features=self.features_,
                         settings=self.settings_, target=self.target_)
        return state

    def _set_state(self, state: dict) -> None:
        self.mode_, self.group_, self.feature_shape_ = state["mode"], state["group"], state["feature_shape"]
        self.window_, self.output_shape_ = state["window"], state["output_shape"]
        self.target_mean_ = np.asarray(state["target_mean"], np.float32)
        self.target_std_ = np.asarray(state["target_std"], np.float32)
        scaler = state["scaler"]
        if self.mode_ == "units":
            self.time_col_, self.protocol_, self.features_ = state["time_col"], state["protocol"], state["features"]
            self.settings_, self.target_ = state["settings"], state["target"]
            self.scaler_ = ConditionScaler.from_state_dict(scaler) if scaler else None
        else:
            self.scaler_ = ChannelScaler.from_state_dict(scaler) if scaler else None
