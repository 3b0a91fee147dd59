"""The model zoo: one explicit registry of every architecture, and a builder that checks its arguments.

Every model has the same contract:
    Model(in_features, out_features, *, window=None, <hyperparameters>)
    forward(x, lengths=None) -> (B, out_features)
where x is (B, T, in_features) for a model whose class attribute `input_kind` is "series", and
(B, T, C, H, W) with C = in_features for "frames" (image sequences). `lengths` (B,) int64, optional, gives
the valid steps of each right-padded sequence: a sequence's output is the same alone as inside a padded
batch of longer ones. Every model keeps the keyword arguments it was built with in `model.config`, so
`type(model)(**model.config)` rebuilds it. Adding a model is one file and one line below.
"""

from __future__ import annotations

import inspect

import torch.nn as nn

from cnnlstm._errors import did_you_mean, unknown_name

from cnnlstm.models.cnn import CNN
from cnnlstm.models.cnn_lstm import CNNLSTM
from cnnlstm.models.conv_lstm import ConvLSTM
from cnnlstm.models.linear import DLinear
from cnnlstm.models.lrcn import LRCN
from cnnlstm.models.lstm import LSTM
from cnnlstm.models.lstm_cnn import LSTMCNN
from cnnlstm.models.parallel import ParallelCNNLSTM

__all__ = [
    "MODELS",
    "MODEL_DESCRIPTIONS",
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
]

MODELS: dict[str, type[nn.Module]] = {
    "cnn": CNN,
    "lstm": LSTM,
    "cnn_lstm": CNNLSTM,
    "lstm_cnn": LSTMCNN,
    "parallel": ParallelCNNLSTM,
    "linear": DLinear,
    "lrcn": LRCN,
    "conv_lstm": ConvLSTM,
}

MODEL_DESCRIPTIONS: dict[str, str] = {
    "cnn": "1-D convolutions + max-pooling; the feature sequence is flattened (or averaged) into a linear head.",
    "lstm": "Stacked LSTM; its last step's output feeds a linear head.",
    "cnn_lstm": "Serial hybrid: convolutions + pooling extract local features, an LSTM reads them, linear head.",
    "lstm_cnn": "Serial hybrid: an LSTM's output sequence goes through convolutions, then a flatten (or mean) readout.",
    "parallel": "Parallel hybrid (LSTM-FCN shape): CNN and LSTM branches merged by concat, learned weights or attention.",
    "linear": "DLinear baseline: moving-average trend/seasonal split, one linear map each, summed. Needs `window`.",
    "lrcn": "Frames: a 2-D CNN encodes each frame to a vector, an LSTM reads the vectors, linear head.",
    "conv_lstm": "Frames: stacked ConvLSTM cells (convolution gates); pooled state to a linear head, or a next frame.",
}
assert MODELS.keys() == MODEL_DESCRIPTIONS.keys(), "every model needs a one-line description"


INPUT_KINDS = ("series", "frames")


def list_models(input_kind: str | None = None) -> list[str]:
    """Names of the registered models, in registry order; `input_kind` keeps those taking "series" or "frames".

    Example:
        >>> list_models("series")
        ['cnn', 'lstm', 'cnn_lstm', 'lstm_cnn', 'parallel', 'linear']
    """
    if input_kind is None:
        return list(MODELS)
    if input_kind not in INPUT_KINDS:
        raise unknown_name("input_kind", input_kind, INPUT_KINDS)
    return [name for name, cls in MODELS.items() if cls.input_kind == input_kind]


def _model_class(name: str) -> type[nn.Module]:
    if name not in MODELS:
        raise unknown_name("name", name, MODELS, "Fix: pass one of the names listed by cnnlstm.models.list_models().")
    return MODELS[name]


def model_hyperparameters(name: str) -> dict[str, object]:
    """The hyperparameters of model `name` with their defaults, read from its constructor.

    `window` is left out: it describes the data, not the model, and is passed separately.

    Example:
        >>> model_hyperparameters("linear")
        {'moving_avg': 25}
    """
    signature = inspect.signature(_model_class(name).__init__)
    return {
        p.name: p.default
        for p in signature.parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name != "window"
    }


def build_model(name: str, in_features: int, out_features: int, **kwargs) -> nn.Module:
    """Build registered model `name`; `kwargs` are `window` and the model's hyperparameters.

    Example:
        >>> model = build_model("cnn_lstm", in_features=7, out_features=24, hidden_size=128)
        >>> model(torch.randn(32, 96, 7)).shape
        torch.Size([32, 24])
    """
    cls = _model_class(name)
    valid = ["window", *model_hyperparameters(name)]
    unknown = [key for key in kwargs if key not in valid]
    if unknown:
        bad = unknown[0]
        raise ValueError(
            f"`{bad}` is not a hyperparameter of model {name!r}. Received: {bad}={kwargs[bad]!r}."
            f"{did_you_mean(bad, valid)} "
            f"Fix: use one of: {', '.join(valid)}."
        )
    return cls(in_features, out_features, **kwargs)
