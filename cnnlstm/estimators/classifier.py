"""Classifier: one label per sequence or image sequence.

Example:
    >>> from cnnlstm import Classifier, datasets                                        # doctest: +SKIP
    >>> X, y = datasets.load("GunPoint", split="train")
    >>> clf = Classifier().fit(X, y)                              # LSTM-FCN, the published protocol
    >>> clf.score(*datasets.load("GunPoint", split="test"))       # accuracy
    >>> clf.evaluate(*datasets.load("GunPoint", split="test"))    # accuracy, balanced accuracy, macro F1
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..data.prepare.sequences import check_labels, fold_ids, stratified_split
from ..metrics import classification_metrics
from ..train import resolve_device
from .sequences import SequenceEstimator, check_fraction, labels_from, read_if_path


class Classifier(SequenceEstimator):
    """Time-series (or image-sequence) classification with any registry model.

    The default is the small-data protocol of the FCN and LSTM-FCN papers (Wang et al. 2017, Karim et al. 2018):
    LSTM-FCN (MLSTM-FCN's squeeze-and-excite blocks on for more than one channel), trained on every training
    sequence for 300 epochs, the learning rate halved on a training-loss plateau, the weights of the epoch with
    the lowest training loss kept. Nothing is held out, because the UCR/UEA training sets hold 20 to a few hundred
    sequences and a fifth of them is a fifth of the data; the test data choose nothing, so the test score stays
    honest. It was chosen over a 20 % hold-out and over a k-fold choice of the epochs on inner splits of the
    training files only (BENCHMARKS.md section 14). `val_size=0.2` (with schedule="cosine" if wished) restores
    a hold-out, `folds=k` the k-fold choice.

    Args:
        model: a registry name (`cnnlstm.list_models()`); series models for (N, T, F), lrcn and conv_lstm for
            (N, T, C, H, W).
        val_size: fraction of the training sequences held out for validation, per class (early stopping and the
            weights kept are chosen on it). 0 (the default) trains on everything: with schedule="plateau" the
            epoch of the lowest training loss is kept, with "cosine" the last.
        class_weight: None, "balanced" (inverse class frequency) or a dict {label: weight}, for the loss.
        scale: standard-scale every channel with statistics of the training part (padding excluded).
        encoder, freeze_encoder: transfer learning: a saved estimator folder whose backbone (all but its head)
            initialises this model; freeze_encoder=True trains the head only.
        epochs, batch_size, lr, weight_decay, patience, schedule, grad_clip, device, amp, seed, progress,
        cuda_graph:
            training (`cnnlstm.train.TrainConfig`). batch_size=None picks n_train // 10 within [16, 128], so the
            small UCR training sets still get about ten steps an epoch. schedule="plateau" with val_size=0 is the
            FCN / LSTM-FCN protocol: train on every training sequence, halve the rate on a training-loss plateau
            and keep the epoch of the lowest training loss; the test data choose nothing.
        folds: None selects on the hold-out (val_size); an integer k chooses the number of epochs by stratified
            k-fold cross-validation inside the training set (the mean validation curve's minimum, in
            `best_epochs_`), then trains on every training sequence for that many epochs. k + 1 trainings.
        n_estimators: how many networks to train, from seeds seed, seed + 1, ...; more than one makes an ensemble
            (the InceptionTime recipe) that predicts their mean class probabilities, and saves and loads as one.
        model_kwargs / **hyperparameters: the model's own hyperparameters (`cnnlstm models`).
    """

    _estimator_type = "classifier"
    _combine = "probabilities"  # an ensemble (n_estimators > 1) averages its members' class probabilities

    def __init__(self, model: str = "lstm_fcn", *, val_size: float = 0.0, class_weight=None, scale: bool = True,
                 encoder: str | os.PathLike | None = None, freeze_encoder: bool = False, epochs: int = 300,
                 batch_size: int | None = None, lr: float = 1e-3, weight_decay: float = 1e-4,
                 patience: int | None = None, schedule: str = "plateau", grad_clip: float | None = 1.0,
                 device: str = "auto", amp: bool | str = True, seed: int = 0, folds: int | None = None,
                 n_estimators: int = 1, progress: bool | None = None, cuda_graph: bool = False,
                 model_kwargs: dict | None = None, **hyperparameters):
        self._store(locals())

    def _read(self, X, y, target, group):
        """(data, labels as codes' source, train and validation positions) for fit and check."""
        self._train_config()  # the settings' types first: the seed draws the validation part below
        X, y, columns = labels_from(read_if_path(X), y, target, group)
        data = self._sequences(X, group=group, columns=columns)
        labels = check_labels(y, len(data))
        if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
            value = labels[labels != np.round(labels)][0]
            raise ValueError(
                f"`y` must hold class labels, and these are continuous values ({value!r}, ... with "
                f"{len(np.unique(labels))} distinct ones among {len(labels)}). Fix: use Regressor to predict a value "
                "per sequence, or pass the class labels."
            )
        classes = np.unique(labels)
        if len(classes) < 2:
            raise ValueError(
                f"`y` must hold at least two classes. Received: only {classes.tolist()}. "
                "Fix: check that the labels were read from the right column."
            )
        codes = np.searchsorted(classes, labels)
        if self.folds is not None:  # the epochs are chosen by cross-validation inside all of the training set
            return data, classes, codes, np.arange(len(codes)), np.zeros(0, dtype=np.int64)
        train, val = stratified_split(codes, check_fraction("val_size", self.val_size), self.seed)
        return data, classes, codes, train, val

    def fit(self, X, y=None, *, target: str | None = None, group: str | None = None) -> "Classifier":
        """Train on (X, y): on all of them by default, or selecting on a stratified validation part (val_size).

        Args:
            X: array (N, T), (N, T, F) or (N, T, C, H, W); a list of (T_i, F) arrays; a wide DataFrame (one row per
                sequence) or a long one with `group`; or a CSV/Parquet path.
            y: one label per sequence (any hashable: strings, ints). Or `target`: the label column of X.
        """
        for name in ("feature_shape_", "classes_"):  # a refit starts afresh
            self.__dict__.pop(name, None)
        data, self.classes_, codes, train, val = self._read(X, y, target, group)
        self.validation_indices_ = val  # the sequences of X that picked the epoch (same for every model per seed)
        device = resolve_device(self.device)
        self._fit_common(data, train)
        weights = self._class_weights(codes[train], self.classes_, device)
        gather = self._gather(data, torch.as_tensor(codes, device=device), device)
        loss_fn = lambda logits, target: F.cross_entropy(logits, target, weight=weights)  # noqa: E731
        shape = (int(data.feature_shape[0]), len(self.classes_), self.window_, self._input_kind(data))
        folds = None if self.folds is None else fold_ids(len(train), self.folds, self.seed, codes[train])
        self._train_selected(shape, gather, train, val, folds, loss_fn, device)
        return self

    def check(self, X, y=None, *, target: str | None = None, group: str | None = None) -> dict:
        """A dry run of `fit`: read and check the data, labels and settings, split, build the network; train nothing."""
        data, classes, codes, train, val = self._read(X, y, target, group)
        self._class_weights(codes[train], classes, torch.device("cpu"))
        return {**self._summary(data, train, val, len(classes)), "classes": classes.tolist()}

    def _class_weights(self, train_codes: np.ndarray, classes: np.ndarray, device) -> torch.Tensor | None:
        if self.class_weight is None:
            return None
        counts = np.bincount(train_codes, minlength=len(classes)).astype(np.float64)
        if self.class_weight == "balanced":
            weights = counts.sum() / (len(counts) * np.maximum(counts, 1))
        elif isinstance(self.class_weight, dict):
            unknown = [k for k in self.class_weight if k not in classes.tolist()]
            if unknown:
                raise ValueError(
                    f"`class_weight` names labels absent from y: {unknown}. Received labels: {classes.tolist()}."
                )
            weights = np.array([float(self.class_weight.get(c, 1.0)) for c in classes.tolist()])
        else:
            raise ValueError(
                f"`class_weight` must be None, 'balanced' or a dict {{label: weight}}. Received: {self.class_weight!r}."
            )
        return torch.as_tensor(weights, dtype=torch.float32, device=device)

    def predict_proba(self, X, *, group: str | None = None) -> np.ndarray:
        """Class probabilities (N, K), columns in the order of `classes_`."""
        self._check_fitted()
        logits = self._outputs(self._sequences(read_if_path(X), group=group))
        return torch.softmax(torch.as_tensor(logits), dim=-1).numpy()

    def predict(self, X, *, group: str | None = None) -> np.ndarray:
        """The most probable label of every sequence."""
        probabilities = self.predict_proba(X, group=group)  # first: an unfitted estimator raises NotFittedError
        return self.classes_[probabilities.argmax(axis=1)]

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

    def evaluate(self, X, y, *, group: str | None = None) -> dict[str, float]:
        """Accuracy, balanced accuracy and macro F1 of the predictions for X against y."""
        predicted = self.predict(X, group=group)
        return classification_metrics(self._check_known(y, len(predicted)), predicted)

    def score(self, X, y, *, group: str | None = None) -> float:
        """Accuracy (scikit-learn's score for classifiers); `evaluate` gives every metric."""
        return float(self.evaluate(X, y, group=group)["accuracy"])

    def report(self, X, y, *, group: str | None = None) -> dict:
        """evaluate() plus the confusion matrix (rows: true, columns: predicted, in `classes_` order) and the
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

    def _get_state(self) -> dict:
        return {"classes": self.classes_.tolist(), "classes_dtype": self.classes_.dtype.str, **self._common_state()}

    def _set_state(self, state: dict, folder: Path) -> None:
        self.classes_ = np.asarray(state["classes"], dtype=np.dtype(state["classes_dtype"]))
        self._set_common_state(state)
