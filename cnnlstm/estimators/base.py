"""The estimator core: what every estimator shares, written once.

    parameters      `get_params` / `set_params` read from the signature (scikit-learn's contract): `__init__` only
                    stores its arguments, model hyperparameters given as keywords are parameters too, so `clone`,
                    `Pipeline`, `GridSearchCV` and `cross_val_score` work
    training        seeded (the seed reaches initialisation and dropout, never the caller's RNG), early stopping on
                    validation, the best weights kept (`cnnlstm.train.fit`)
    transfer        `encoder=` a saved folder whose backbone (all but the head) starts the model
    saving          one folder: config.json (one schema, a checked format version), model.pt (weights only:
                    nothing is unpickled on load), history.csv, and what the estimator adds
    not fitted      one error, `NotFittedError` (a ValueError and an AttributeError, as scikit-learn's)

An estimator subclass declares its own `__init__` (arguments stored untouched, `**hyperparameters` for the model)
and implements `fit`, `predict`, `score` (one float, higher is better), `evaluate` (every metric) and `check`
(a dry run: data and settings checked, the network built, nothing trained).
"""

from __future__ import annotations

import contextlib
import inspect
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .. import checkpoint, distributed
from .._errors import NotFittedError, did_you_mean, unknown_name
from ..models.registry import REGISTRY, list_models, model_hyperparameters
from ..train import TrainConfig, resolve_device

FORMAT_VERSION = 2  # 2: one schema for every estimator ("state"); 1 is still read
READABLE_VERSIONS = (1, 2)
TRAIN_PARAMS = ("epochs", "batch_size", "lr", "weight_decay", "patience", "schedule", "grad_clip", "device", "amp",
                "seed", "progress", "cuda_graph")


def _library_version() -> str:
    from .. import __version__

    return __version__


def all_hyperparameter_names() -> set[str]:
    """Every hyperparameter of every registered model: what `set_params` accepts besides the signature."""
    return {name for model in REGISTRY for name in model_hyperparameters(model)}


class Estimator:
    """The base of Forecaster, Classifier, Regressor and UnitRegressor (see the module docstring)."""

    _estimator_type: str | None = None  # "classifier" or "regressor": how scikit-learn's model selection treats it
    _network_class: type  # ForecastNet or SequenceNet: rebuilt from config.json's "network" on load

    # ------------------------------------------------------------------ parameters
    def _store(self, arguments: dict) -> None:
        """Store `__init__`'s arguments untouched; keyword hyperparameters become parameters of their own."""
        hyperparameters = arguments.pop("hyperparameters", {})
        for name, value in arguments.items():
            if name not in ("self", "__class__"):
                setattr(self, name, value)
        self._hyperparameter_names = list(hyperparameters)
        for name, value in hyperparameters.items():
            setattr(self, name, value)

    @classmethod
    def _param_names(cls) -> list[str]:
        return [p.name for p in inspect.signature(cls.__init__).parameters.values()
                if p.name != "self" and p.kind is not inspect.Parameter.VAR_KEYWORD]

    def get_params(self, deep: bool = True) -> dict:
        """The estimator's parameters: the signature's, then the model hyperparameters given as keywords."""
        names = self._param_names() + list(getattr(self, "_hyperparameter_names", []))
        return {name: getattr(self, name) for name in names}

    def set_params(self, **params) -> "Estimator":
        """Set parameters (and model hyperparameters, e.g. hidden_size=128); returns self."""
        valid = set(self._param_names())
        for name, value in params.items():
            if name not in valid and name not in self._hyperparameter_names:
                if name not in all_hyperparameter_names():
                    options = sorted(valid | all_hyperparameter_names())
                    raise ValueError(
                        f"`{name}` is not a parameter of {type(self).__name__} nor a hyperparameter of any model. "
                        f"Received: {name}={value!r}.{did_you_mean(name, options)} Fix: see "
                        f"help({type(self).__name__}) and `cnnlstm models`."
                    )
                self._hyperparameter_names.append(name)
            setattr(self, name, value)
        return self

    def _model_kwargs(self) -> dict:
        """The model's hyperparameters as built: `model_kwargs` updated by the keyword hyperparameters."""
        return {**(self.model_kwargs or {}), **{k: getattr(self, k) for k in self._hyperparameter_names}}

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        shown = []
        for name, value in self.get_params().items():
            default = defaults.get(name, inspect.Parameter.empty)
            if name == "model" or default is inspect.Parameter.empty or _differs(value, default):
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def __sklearn_tags__(self):
        # imported here: scikit-learn's import costs more than a second, and only model selection asks for tags
        from sklearn.utils import ClassifierTags, InputTags, RegressorTags, Tags, TargetTags

        kind = self._estimator_type
        return Tags(estimator_type=kind, target_tags=TargetTags(required=kind is not None),
                    transformer_tags=None, input_tags=InputTags(three_d_array=True, allow_nan=False),
                    classifier_tags=ClassifierTags() if kind == "classifier" else None,
                    regressor_tags=RegressorTags() if kind == "regressor" else None)

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "net_")

    def _check_fitted(self) -> None:
        if not hasattr(self, "net_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet. Call `fit` first, or `load` a saved one.")

    def num_parameters(self) -> int:
        self._check_fitted()
        return sum(p.numel() for p in self.net_.parameters())

    def branch_weights(self) -> dict[str, float]:
        """How much each branch of a `parallel` model contributes (merge="weighted": the learned weights;
        "attention": the mean attention of the last forward pass)."""
        self._check_fitted()
        if not hasattr(self.net_.backbone, "branch_weights"):
            raise ValueError(f"`branch_weights` needs model='parallel'. Received: model={self.model!r}.")
        return self.net_.backbone.branch_weights()

    # ------------------------------------------------------------------ ONNX export
    def to_onnx(self, path: str | os.PathLike) -> Path:
        """Export the whole predictor as one ONNX graph: raw values in, original-scale outputs out (probabilities
        for a classifier), dynamic batch; `path` ends in .onnx and its metadata (inputs, outputs, shapes, columns,
        library version) goes beside it as .json. Needs the `onnx` extra. See `cnnlstm.export`.

        Example:
            >>> model.to_onnx("model.onnx")                                          # doctest: +SKIP
            >>> onnxruntime.InferenceSession("model.onnx").run(None, model.onnx_inputs(data))[0]
        """
        from ..export import export_onnx  # here: export.py builds on every estimator module

        return export_onnx(self, path)

    def onnx_inputs(self, data, **predict_kwargs) -> dict[str, np.ndarray]:
        """The exported graph's inputs (name -> array) for the data `predict` takes (and its keyword arguments:
        `future=`, `group=`, `every_window=`); the graph's first output then equals predict's values."""
        from ..export import onnx_inputs

        return onnx_inputs(self, data, **predict_kwargs)

    # ------------------------------------------------------------------ training
    def _train_config(self, num_train: int | None = None, **overrides) -> TrainConfig:
        _check_training_types(self)
        settings = {name: getattr(self, name) for name in TRAIN_PARAMS}
        if settings["batch_size"] is None:  # "auto": about ten steps an epoch on small data, 16 to 128 a batch
            settings["batch_size"] = min(128, max(16, (num_train or 0) // 10))
        return TrainConfig(**{**settings, **overrides})

    @contextlib.contextmanager
    def _seeded(self, device: torch.device, offset: int = 0):
        """The seed (plus `offset`: an ensemble's member number) reaches initialisation and dropout inside, and the
        caller's random state is left alone."""
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(self.seed + offset)
            yield

    def _check_model(self, input_kind: str) -> None:
        if self.model not in REGISTRY:
            raise unknown_name("model", self.model, REGISTRY)
        kind = REGISTRY[self.model].input_kind
        if kind != input_kind:
            shape = "(N, T, C, H, W) image sequences" if input_kind == "frames" else "(N, T, F) series"
            suitable = ", ".join(list_models(input_kind))
            raise ValueError(
                f"`model` {self.model!r} takes {kind}, but the data are {shape}. Received: model={self.model!r}. "
                f"Fix: pick one of: {suitable}."
            )

    # ------------------------------------------------------------------ transfer learning
    def _transfer_encoder(self, net) -> None:
        """Copy the backbone of the saved model `self.encoder` (all but its head) into `net`."""
        if self.encoder is None:
            if self.freeze_encoder:
                raise ValueError(
                    "`freeze_encoder=True` needs a pre-trained encoder. Received: encoder=None. "
                    "Fix: pass encoder='path/to/a/saved/model' (any estimator's save folder), or freeze_encoder=False."
                )
            return
        folder = Path(self.encoder)
        if not (folder / "config.json").exists() or not (folder / "model.pt").exists():
            raise FileNotFoundError(
                f"`encoder` must be a folder written by an estimator's save() (config.json and model.pt). "
                f"Received: encoder={str(folder)!r}. Fix: fit and save a model there first."
            )
        network, prefix = read_config(folder)["network"], "backbone."
        if "member" in network:  # a seed ensemble: its first member's encoder
            network, prefix = network["member"], "members.0.backbone."
        if network["model"] != self.model:
            raise ValueError(
                f"The encoder in {str(folder)!r} is a {network['model']!r} model; this estimator builds "
                f"model={self.model!r}. Fix: pass model={network['model']!r} (and the same hyperparameters)."
            )
        saved = {k[len(prefix):]: v for k, v in checkpoint.load_weights(folder / "model.pt").items()
                 if k.startswith(prefix) and not k.startswith(prefix + "head.")}
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

    # ------------------------------------------------------------------ save / load
    def _get_state(self) -> dict:
        """What `fit` learned besides the weights, JSON-able (config.json's "state")."""
        return {}

    def _set_state(self, state: dict, folder: Path) -> None:
        """Restore `_get_state`'s dict (and any file of the estimator's own in `folder`)."""

    def _write_files(self, folder: Path) -> None:
        """Files of the estimator's own, written before config.json (which marks the folder complete)."""

    def save(self, path: str | os.PathLike) -> Path:
        """Write the model folder: config.json, model.pt (weights only), history.csv and the estimator's own files.

        The folder is written beside `path` and then takes its place in one step, replacing a model saved there
        before as a whole: a crash at any point leaves the complete old folder or the complete new one, never a mix
        (`cnnlstm.checkpoint.replacing_folder`). A folder holding other files but no config.json is refused.
        Under torchrun every rank holds the same model and only rank 0 writes it (`cnnlstm.distributed`).
        """
        self._check_fitted()
        path = Path(path)
        if not distributed.is_main_process():
            return path
        config = {"format_version": FORMAT_VERSION, "library_version": _library_version(),
                  "estimator": type(self).__name__, "params": _json_params(self.get_params()),
                  "network": self.net_.config, "state": self._get_state()}
        with checkpoint.replacing_folder(path) as folder:
            checkpoint.save_weights(folder / "model.pt", self.net_.state_dict())
            checkpoint.atomic_write_text(folder / "history.csv", self.history_.to_csv(index=False))
            self._write_files(folder)
            checkpoint.write_json(folder / "config.json", config)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, *, device: str = "auto"):
        """Rebuild a saved estimator. Nothing is unpickled: weights load with ``weights_only=True``."""
        path = Path(path)
        config = read_config(path)
        if config.get("estimator") != cls.__name__:
            raise ValueError(
                f"{str(path)!r} holds a {config.get('estimator')}, not a {cls.__name__}. "
                f"Fix: load it with cnnlstm.load({str(path)!r}), which picks the right estimator."
            )
        return cls._from_config(config, path, device)

    @classmethod
    def _from_config(cls, config: dict, path: Path, device: str):
        file = str(path / "config.json")
        try:
            estimator = cls(**cls._params_from_json({**config["params"], "device": device}))
        except (TypeError, ValueError, KeyError) as error:
            raise checkpoint.DamagedFileError(
                f"{file!r} has \"params\" that make no {cls.__name__} ({checkpoint.one_line(error)}). "
                "Fix: keep config.json as save() wrote it, or save the model again."
            ) from error
        estimator.device_ = resolve_device(device)
        try:
            estimator.net_ = cls._rebuild_network(cls._network_from_json(config["network"]))
        except (TypeError, ValueError, KeyError, RuntimeError) as error:
            raise checkpoint.DamagedFileError(
                f"{file!r} has a \"network\" that cannot be built ({checkpoint.one_line(error)}). "
                "Fix: keep config.json as save() wrote it, or save the model again."
            ) from error
        checkpoint.load_state(estimator.net_, path / "model.pt")  # every weight's name and shape checked first
        estimator.net_.to(estimator.device_).eval()
        estimator.history_ = _read_history(path)
        try:
            estimator._set_state(config["state"], path)
        except checkpoint.DamagedFileError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
            what = (f"lacks the key {error}" if isinstance(error, KeyError)
                    else f"is damaged ({checkpoint.one_line(error)})")
            raise checkpoint.DamagedFileError(
                f"{file!r}: its \"state\" {what}. Fix: keep config.json as save() wrote it, or save the model again."
            ) from error
        return estimator

    @classmethod
    def _params_from_json(cls, params: dict) -> dict:
        return params

    @classmethod
    def _network_from_json(cls, network: dict) -> dict:
        return network

    @classmethod
    def _rebuild_network(cls, network: dict) -> torch.nn.Module:
        return cls._network_class(**network)


def read_config(folder: Path) -> dict:
    """config.json of a model folder, its format version and its parts checked."""
    file = Path(folder) / "config.json"
    if not file.is_file():
        interrupted = checkpoint.interrupted_save(folder)
        if interrupted:
            raise FileNotFoundError(interrupted)
        held = ""
        if Path(folder).is_dir():
            names = sorted(p.name for p in Path(folder).iterdir())
            held = f" (it holds {', '.join(names[:5]) + (', ...' if len(names) > 5 else '') or 'nothing'})"
        raise FileNotFoundError(
            f"`path` must be a model folder written by an estimator's save() (with config.json). "
            f"Received: path={str(folder)!r}{held}. Fix: pass the folder given to save() or `cnnlstm train --out`."
        )
    config = checkpoint.read_json(file)
    if not isinstance(config, dict):
        raise checkpoint.DamagedFileError(
            f"{str(file)!r} must hold a JSON object (format_version, estimator, params, network, state). "
            f"Received: a JSON {type(config).__name__}. Fix: keep config.json as save() wrote it, or save the "
            "model again."
        )
    version = config.get("format_version")
    if type(version) is not int or version not in READABLE_VERSIONS:  # true and 2.0 are not versions either
        newer = type(version) is int and version > FORMAT_VERSION
        origin = f", and {version} is newer than this cnnlstm writes" if newer else ""
        raise checkpoint.DamagedFileError(
            f"{str(file)!r} has format_version {version!r}; this cnnlstm ({_library_version()}) reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}{origin}. Fix: load it with the cnnlstm version that saved it "
            "(config.json's library_version), or retrain and save with this one."
        )
    if version == 1:
        config = _from_version_1(config)
    for key, kind in (("estimator", str), ("params", dict), ("network", dict), ("state", dict)):
        if not isinstance(config.get(key), kind):
            received = "nothing" if key not in config else f"a JSON {type(config[key]).__name__}"
            raise checkpoint.DamagedFileError(
                f"{str(file)!r} must have {key!r} as a JSON {'string' if kind is str else 'object'}, as save() "
                f"writes it. Received: {received}. Fix: keep config.json as save() wrote it, or save the model again."
            )
    return config


def _check_training_types(estimator) -> None:
    """The training settings' types, checked before any is used: a string where a number belongs would otherwise
    fail deep inside the optimizer, or (a truthy "no") be taken as True."""
    real = lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)  # noqa: E731
    integer = lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool)  # noqa: E731
    checks = {  # name: (valid, what it must be, an example)
        "lr": (lambda v: v is None or real(v), "a positive number", "lr=1e-3"),  # None: the Forecaster's recipe
        "weight_decay": (real, "a number >= 0", "weight_decay=1e-4"),
        "grad_clip": (lambda v: v is None or real(v), "a positive number or None", "grad_clip=1.0"),
        "patience": (lambda v: v is None or integer(v), "a positive integer or None", "patience=5"),
        "seed": (integer, "an integer", "seed=0"),
        "amp": (lambda v: isinstance(v, (bool, np.bool_)) or isinstance(v, str) and v == "always",
                'True (bf16 on CUDA), False, or "always" (bf16 on the CPU too)', 'amp=False, or amp="always"'),
    }
    for name, (valid, expected, example) in checks.items():
        value = getattr(estimator, name)
        if not valid(value):
            raise TypeError(f"`{name}` must be {expected}. Received: {name}={value!r} ({type(value).__name__}). "
                            f"Fix: pass e.g. {example}.")
    if estimator.weight_decay < 0:
        raise ValueError(f"`weight_decay` must be a number >= 0. Received: weight_decay={estimator.weight_decay!r}. "
                         "Fix: pass e.g. weight_decay=1e-4, or 0 for none.")


def _read_history(folder: Path) -> pd.DataFrame:
    """history.csv of a model folder: the learning curve, one row per epoch."""
    file = Path(folder) / "history.csv"
    if not file.is_file():
        raise checkpoint.DamagedFileError(
            f"{str(folder)!r} lacks history.csv, which save() writes: the folder is incomplete or was edited. "
            "Fix: save the model again, or copy the whole folder again."
        )
    try:
        return pd.read_csv(file)
    except (ValueError, UnicodeDecodeError) as error:  # pandas' EmptyDataError and ParserError are ValueErrors
        raise checkpoint.DamagedFileError(
            f"{str(file)!r} is not the CSV save() wrote ({checkpoint.one_line(error)}). Fix: save the model again."
        ) from None


def _from_version_1(config: dict) -> dict:
    """cnnlstm 0.1's folders: the Forecaster kept its state under "data", and a Regressor fitted on units' rows
    (now a UnitRegressor) kept its data steps flat in "state"."""
    state = config.get("state", config.get("data", {}))
    if config.get("estimator") == "Regressor" and state.get("mode") == "units":
        scaler = state["scaler"]
        preparation = {"group": state["group"], "target": state["target"], "time_col": state["time_col"],
                       "protocol": state["protocol"], "settings": state["settings"], "features": state["features"],
                       "n_conditions": len(scaler["centres"]) if scaler else 1, "scaler": scaler}
        state = {"preparation": preparation, "target_mean": float(np.ravel(state["target_mean"])[0]),
                 "target_std": float(np.ravel(state["target_std"])[0])}
        return {**config, "estimator": "UnitRegressor", "state": state}
    return {**config, "state": state}


def _json_params(params: dict) -> dict:
    """Parameters as JSON: paths and timestamps as strings, tuples as lists (restored by `_params_from_json`)."""
    safe = {}
    for name, value in params.items():
        if isinstance(value, os.PathLike):
            value = str(value)
        elif isinstance(value, tuple):
            value = [str(v) if isinstance(v, pd.Timestamp) else v for v in value]
        elif callable(value):  # a progress callback does not survive a save
            value = None
        safe[name] = value
    return safe


def _differs(value, default) -> bool:
    if isinstance(value, np.ndarray) or isinstance(default, np.ndarray):
        return True
    try:
        return bool(value != default)
    except (TypeError, ValueError):
        return True
