"""The model zoo: one explicit registry of every architecture, and a builder that checks its arguments.

Every model has the same contract:
    Model(in_features, out_features, *, window=None, <hyperparameters>)
    forward(x, lengths=None) -> (B, out_features)
where x is (B, T, in_features) for a model whose class attribute `input_kind` is "series", and
(B, T, C, H, W) with C = in_features for "frames" (image sequences). `lengths` (B,) int64, optional, gives
the valid steps of each right-padded sequence: a sequence's output is the same alone as inside a padded
batch of longer ones. Every model keeps the keyword arguments it was built with in `model.config`, so
`type(model)(**model.config)` rebuilds it. Adding a model is one file and one entry in registry.py.

Listing the models, their descriptions and hyperparameters imports no torch; the model classes (and `MODELS`,
name -> class) are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnnlstm._errors import did_you_mean
from cnnlstm.models.registry import (
    INPUT_KINDS,
    REGISTRY,
    list_models,
    model_class,
    model_hyperparameters,
)

if TYPE_CHECKING:
    import torch.nn as nn

__all__ = [
    "MODELS",
    "MODEL_DESCRIPTIONS",
    "INPUT_KINDS",
    "build_model",
    "list_models",
    "model_hyperparameters",
    "CNN",
    "LSTM",
    "CNNLSTM",
    "LSTMCNN",
    "ParallelCNNLSTM",
    "DLinear",
    "LRCN",
    "ConvLSTM",
    "SegLSTM",
    "FCN",
    "LSTMFCN",
    "DCNN",
]

MODEL_DESCRIPTIONS: dict[str, str] = {name: entry.description for name, entry in REGISTRY.items()}


def __getattr__(attribute: str):
    # PEP 562: `MODELS` and the classes import torch, so they are built when first asked for
    if attribute == "MODELS":
        models = {name: model_class(name) for name in REGISTRY}
        globals()["MODELS"] = models
        return models
    for name, entry in REGISTRY.items():
        if entry.class_name == attribute:
            globals()[attribute] = model_class(name)
            return globals()[attribute]
    raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def build_model(name: str, in_features: int, out_features: int, **kwargs) -> nn.Module:
    """Build registered model `name`; `kwargs` are `window` and the model's hyperparameters.

    Example:
        >>> model = build_model("cnn_lstm", in_features=7, out_features=24, hidden_size=128)
        >>> model(torch.randn(32, 96, 7)).shape
        torch.Size([32, 24])
    """
    valid = ["window", *model_hyperparameters(name)]  # an unknown name raises here, listing the valid ones
    unknown = [key for key in kwargs if key not in valid]
    if unknown:
        bad = unknown[0]
        raise ValueError(
            f"`{bad}` is not a hyperparameter of model {name!r}. Received: {bad}={kwargs[bad]!r}."
            f"{did_you_mean(bad, valid)} "
            f"Fix: use one of: {', '.join(valid)}."
        )
    return model_class(name)(in_features, out_features, **kwargs)
