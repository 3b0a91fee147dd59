"""What the estimators of whole sequences and of units' windows share: the network of a registry model with a
classification or regression head (`SequenceNet`), its seeded training, and whole sequences in and outputs out.

Every choice is made on data carved from the training set (a stratified part of the sequences, or whole units):
the test data never pick an epoch, a scaler or a weight.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
import torch

from .._errors import unknown_name
from ..data.prepare.sequences import ChannelScaler, SequenceSet, as_sequences, numeric_columns
from ..data.sources.io import read_table
from ..models.registry import model_entry
from ..tasks import EnsembleNet, SequenceGather, SequenceNet, sequence_network
from ..train import fit, predict
from .base import Estimator


def check_fraction(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"`{name}` must be a fraction in [0, 1). Received: {name}={value!r}. Fix: pass e.g. {name}=0.2.")
    return float(value)


def read_if_path(X, what: str = "X"):
    return read_table(X, what=what) if isinstance(X, (str, os.PathLike)) else X


def labels_from(X, y, target: str | None, group: str | None):
    """(X, y, columns): a DataFrame holding its labels in column `target` split into features and one label per
    sequence; arrays pass through."""
    if target is None:
        if y is None:
            raise ValueError("`y` is missing. Fix: pass fit(X, y), or fit(frame, target='label_column').")
        return X, y, None
    if not isinstance(X, pd.DataFrame):
        raise ValueError(f"`target={target!r}` names a column, so X must be a DataFrame. Received: {type(X).__name__}.")
    if target not in X.columns:
        raise unknown_name("target", target, X.columns)
    if group is None:
        return X.drop(columns=[target]), X[target].to_numpy(), None
    if group not in X.columns:
        raise unknown_name("group", group, X.columns, "Fix: pass the column naming each sequence.")
    per_group = X.groupby(group, sort=False)[target]
    varying = per_group.nunique() > 1
    if varying.any():
        raise ValueError(
            f"`target` {target!r} must be constant within each {group!r} (one label per sequence). Received: "
            f"several values in {group}={varying.index[varying][0]!r}. Fix: for a per-row target (remaining useful "
            "life) use UnitRegressor, whose windows of rows predict it."
        )
    columns = numeric_columns(X, exclude=(group, target))
    return X, per_group.first().to_numpy(), columns


class NetworkEstimator(Estimator):
    """An estimator whose network is a `SequenceNet`: a registry model and a linear head to `out_features`."""

    _network_class = SequenceNet
    _combine = "mean"  # how an ensemble's members are combined (EnsembleNet); the Classifier averages probabilities

    def _build(self, in_features: int, out_features: int, window: int | None, input_kind: str) -> SequenceNet:
        self._check_model(input_kind)
        net = SequenceNet(model=self.model, in_features=in_features, out_features=out_features, window=window,
                          freeze_encoder=self.freeze_encoder, model_kwargs=self._model_kwargs())
        self._transfer_encoder(net)
        return net

    def _train(self, shape: tuple, gather, train_rows: np.ndarray, val_rows: np.ndarray, loss_fn, device,
               members: int | None = None, **overrides) -> None:
        """Build the network for `shape` (in_features, out_features, window, input_kind) and train it into net_;
        with n_estimators > 1, that many networks from seeds seed, seed + 1, ..., combined by an EnsembleNet.
        `members` (n_estimators when None) and `overrides` (TrainConfig fields) are for this call only."""
        members = self.n_estimators if members is None else members
        if not isinstance(members, (int, np.integer)) or isinstance(members, bool) or members < 1:
            raise ValueError(f"`n_estimators` must be a positive integer: how many networks, each from its own seed, "
                             f"to train and average. Received: n_estimators={members!r}. Fix: e.g. n_estimators=5.")
        to_rows = lambda rows: torch.as_tensor(rows, dtype=torch.int64, device=device)  # noqa: E731
        nets, histories = [], []
        for member in range(members):
            config = self._train_config(len(train_rows), **{"seed": self.seed + member, **overrides})
            with self._seeded(device, offset=member):
                net = self._build(*shape).to(device)
                history = fit(net, gather=gather, train_windows=to_rows(train_rows),
                              val_windows=to_rows(val_rows) if len(val_rows) else None, loss_fn=loss_fn, config=config)
            nets.append(net)
            histories.append(pd.DataFrame(history).assign(member=member) if members > 1 else pd.DataFrame(history))
        self.net_ = nets[0] if members == 1 else self._ensemble(nets, device)
        self.history_ = pd.concat(histories, ignore_index=True)
        self.device_ = device

    def _train_selected(self, shape: tuple, gather, rows: np.ndarray, val_rows: np.ndarray, fold_of_row, loss_fn,
                        device) -> None:
        """Train as `folds` says: None keeps the hold-out (select on `val_rows`; with `refit`, the hold-out picks
        the number of epochs, `best_epochs_`, and the network is trained again on `rows` and `val_rows` together
        for that many epochs of the same schedule; an ensemble's hold-out is run once, by its first seed, since it
        only picks that number, and every member refits); k picks the number of epochs by
        k-fold cross-validation inside `rows` (`fold_of_row`: each row's fold), then refits on all of them for
        that many epochs of the same schedule. The test data choose nothing either way."""
        if self.folds is None:
            refit = getattr(self, "refit", False) and len(val_rows)
            self._train(shape, gather, rows, val_rows, loss_fn, device, members=1 if refit else None)
            if refit:  # the hold-out chose the epochs; now train on all
                self.best_epochs_ = int(self.history_.groupby("epoch")["val_loss"].mean().idxmin())
                self.holdout_history_ = self.history_
                self._train(shape, gather, np.concatenate([rows, val_rows]), rows[:0], loss_fn, device,
                            stop_after=self.best_epochs_)
            return
        folds = self.folds
        if not isinstance(folds, (int, np.integer)) or isinstance(folds, bool) or not 2 <= folds <= len(rows):
            raise ValueError(f"`folds` must be None (select on a hold-out of val_size) or an integer from 2 to the "
                             f"{len(rows)} training examples. Received: folds={folds!r}. Fix: e.g. folds=5.")
        curves = []
        for fold in range(self.folds):  # every fold runs the whole schedule: its validation curve is complete
            held = fold_of_row == fold
            self._train(shape, gather, rows[~held], rows[held], loss_fn, device, members=1, patience=None)
            curves.append(self.history_["val_loss"].to_numpy())
        self.cv_val_loss_ = np.mean([curve[: min(map(len, curves))] for curve in curves], axis=0)
        self.best_epochs_ = int(np.argmin(self.cv_val_loss_)) + 1
        self._train(shape, gather, rows, rows[:0], loss_fn, device, stop_after=self.best_epochs_)

    def _ensemble(self, nets: list[SequenceNet], device) -> EnsembleNet:
        with self._seeded(device):  # its fresh members are overwritten below; the caller's random state is kept
            ensemble = EnsembleNet(member=nets[0].config, n_members=len(nets), combine=self._combine)
        for target, net in zip(ensemble.members, nets):
            target.load_state_dict(net.state_dict())
        return ensemble.to(device)

    def _check_network(self, shape: tuple) -> dict:
        """Build the network for `shape` as `fit` would (a dry run): its size, nothing trained."""
        self._train_config()
        net = self._build(*shape)
        return {"parameters": sum(p.numel() for p in net.parameters())}

    @classmethod
    def _network_from_json(cls, network: dict) -> dict:
        # the weights are all in model.pt: no encoder to load
        if "member" in network:
            return {**network, "member": {**network["member"], "freeze_encoder": False}}
        return {**network, "freeze_encoder": False}

    @classmethod
    def _rebuild_network(cls, network: dict) -> torch.nn.Module:
        return sequence_network(network)


class SequenceEstimator(NetworkEstimator):
    """Classifier and Regressor: one output per whole sequence (or image sequence)."""

    def _sequences(self, X, *, group=None, columns=None, what="X") -> SequenceSet:
        fitted = getattr(self, "feature_columns_", None) if hasattr(self, "feature_shape_") else None
        if isinstance(X, pd.DataFrame) and columns is None and fitted is not None:
            # a table after fitting on a table: the columns fit read, whatever else it holds (a label, an id)
            missing = [c for c in fitted if c not in X.columns]
            if missing:
                raise ValueError(
                    f"`{what}` must hold the columns the model was fitted on. Received: a table without "
                    f"{missing[:5]}{' ...' if len(missing) > 5 else ''} (it has {list(X.columns)[:8]}). Fix: pass "
                    "data laid out as in fit."
                )
            columns = list(fitted)
        data = as_sequences(X, group=group, columns=columns, what=what)
        if hasattr(self, "feature_shape_") and data.feature_shape != tuple(self.feature_shape_):
            kind = "frame shape (C, H, W)" if len(self.feature_shape_) == 3 else "number of channels"
            raise ValueError(
                f"`{what}` must have the {kind} the model was fitted on: {tuple(self.feature_shape_)}. Received: "
                f"{data.feature_shape}. Fix: pass the same channels, in the same order, as in fit."
            )
        return data

    @staticmethod
    def _input_kind(data: SequenceSet) -> str:
        return "frames" if data.X.ndim == 5 else "series"

    def _window_for(self, data: SequenceSet) -> int | None:
        """The window the model is built for (see `ModelEntry.window`): the training length for a model that
        spans a fixed window (linear), or prefers one when every sequence has that length (lstm_fcn, dcnn);
        None (any length) otherwise."""
        need = model_entry(self.model).window
        if need == "any" or (need == "preferred" and not data.equal_length):
            return None
        if not data.equal_length:
            raise ValueError(
                f"`model={self.model!r}` needs sequences of one length, and these range from "
                f"{data.lengths.min()} to {data.lengths.max()} steps. Fix: choose a model that takes variable "
                "length (cnn, lstm, cnn_lstm, lstm_cnn, parallel) or pad/crop the sequences yourself."
            )
        return int(data.X.shape[1])

    def _fit_common(self, data: SequenceSet, train: np.ndarray) -> None:
        """What fitting on whole sequences learns besides the network: their shape, window and channel scaler."""
        self.feature_shape_ = list(data.feature_shape)
        self.feature_columns_ = data.columns  # a table's columns, read by name after fitting; None for arrays
        self.lengths_ = [int(data.lengths.min()), int(data.lengths.max())]
        self.window_ = self._window_for(data)
        self.scaler_ = ChannelScaler().fit(data.subset(train)) if self.scale else None

    def _gather(self, data: SequenceSet, y: torch.Tensor | None, device) -> SequenceGather:
        scaled = self.scaler_.transform(data) if self.scaler_ is not None else data
        return SequenceGather(torch.as_tensor(scaled.X, device=device), y,
                              None if data.equal_length else torch.as_tensor(data.lengths, device=device))

    def _outputs(self, data: SequenceSet) -> np.ndarray:
        if self.window_ is not None and (data.X.shape[1] != self.window_ or not data.equal_length):
            raise ValueError(
                f"This {self.model!r} model was built for sequences of exactly {self.window_} steps. Received: "
                f"lengths from {data.lengths.min()} to {data.X.shape[1]}. Fix: pad or crop to {self.window_} steps."
            )
        lengths = getattr(self, "lengths_", None)
        one_length = lengths is not None and lengths[0] == lengths[1]
        if one_length and not (data.equal_length and data.X.shape[1] == lengths[0]):
            warnings.warn(  # variable length is allowed, but one training length and another here is usually a slip
                f"`X` holds sequences of {data.lengths.min()} to {data.lengths.max()} steps; every training sequence "
                f"had {lengths[0]}. Fix: check that X is laid out as in fit (one sequence per row, one step per "
                "column, no label or id column among the steps); if the lengths are meant, this is only a note.",
                UserWarning, stacklevel=4)
        gather = self._gather(data, None, self.device_)
        rows = torch.arange(len(data), device=self.device_)
        return predict(self.net_, gather.inputs, rows, batch_size=self._train_config().eval_batch_size,
                       amp=self.amp).cpu().numpy()

    def _summary(self, data: SequenceSet, train: np.ndarray, val: np.ndarray, out_features: int) -> dict:
        """A dry run's report: the data as read, the split, the network built for them."""
        window = self._window_for(data)
        network = self._check_network((int(data.feature_shape[0]), out_features, window, self._input_kind(data)))
        return {"estimator": repr(self), "model": self.model, **network, "sequences": len(data),
                "feature_shape": list(data.feature_shape),
                "lengths": [int(data.lengths.min()), int(data.lengths.max())],
                "train": len(train), "validation": len(val)}

    def _common_state(self) -> dict:
        return {"feature_shape": self.feature_shape_, "window": self.window_,
                "scaler": self.scaler_.state_dict() if self.scaler_ is not None else None,
                "feature_columns": self.feature_columns_, "lengths": self.lengths_}

    def _set_common_state(self, state: dict) -> None:
        self.feature_shape_, self.window_ = state["feature_shape"], state["window"]
        # folders saved before these were kept: columns by position, no length note
        self.feature_columns_, self.lengths_ = state.get("feature_columns"), state.get("lengths")
        self.scaler_ = ChannelScaler.from_state_dict(state["scaler"]) if state["scaler"] else None
