"""The model registry: one explicit entry per architecture, readable without importing torch.

Each entry says which file and class build the model, what it is in one line, which input it takes and which
tasks it serves; `compare` takes its contenders from here, and `cnnlstm models` its listing. The hyperparameters
are read from the constructor's source with `ast`, so listing models and their defaults costs no torch import;
the class itself is imported only when a model is built.

Adding a model is one file in this folder and one entry below: `build_model`, `cnnlstm models`, the contract
tests and every `compare` of the tasks it serves pick it up from here.
"""

from __future__ import annotations

import ast
import functools
import importlib
from dataclasses import dataclass, field
from pathlib import Path

from cnnlstm._errors import unknown_name

INPUT_KINDS = ("series", "frames")  # (B, T, F) sequences, (B, T, C, H, W) image sequences
TASKS = ("forecast", "classify", "regress")
SEQUENCE_TASKS = ("classify", "regress")  # one output per whole sequence


@dataclass(frozen=True)
class ModelEntry:
    """One registered model.

    Attributes:
        module: the file in cnnlstm/models/ that defines it, without ".py".
        class_name: the nn.Module subclass in that file.
        description: one line for `cnnlstm models`.
        input_kind: "series" or "frames"; the class attribute `input_kind` says the same.
        tasks: the tasks `compare` runs it for.
        contenders: compare contender name -> the hyperparameters it fixes; empty means one contender of the
            model's own name with its defaults.
        forecast_defaults: what the Forecaster uses for this model where its settings are left at None ("auto"):
            `channel_independent`, `revin` (True: mean/std per window, "last": the window's last value, False)
            and training settings of the model's recipe (`epochs`, `batch_size`, `lr`); the rest take the
            Forecaster's general defaults. Any other key is a model hyperparameter of the recipe (e.g.
            head="segments"), used unless the user sets that hyperparameter.
        window: how a whole-sequence estimator (Classifier, Regressor) builds it: "any" (for any length,
            `window=None`), "fixed" (for the training length, which every sequence must have: DLinear's weights
            span it) or "preferred" (for the training length when every sequence has it, so the model can use
            its fixed-window form, e.g. LSTM-FCN's dimension shuffle; for any length otherwise).
    """

    module: str
    class_name: str
    description: str
    input_kind: str
    tasks: tuple[str, ...]
    contenders: dict[str, dict] = field(default_factory=dict)
    forecast_defaults: dict = field(default_factory=dict)
    window: str = "any"


REGISTRY: dict[str, ModelEntry] = {
    "cnn": ModelEntry(
        "cnn", "CNN",
        "1-D convolutions + max-pooling; the feature sequence is flattened (or averaged) into a linear head.",
        "series", TASKS,
    ),
    "lstm": ModelEntry("lstm", "LSTM", "Stacked LSTM; its last step's output feeds a linear head.", "series", TASKS),
    # its forecasting recipe, chosen on ETTh1's validation part (horizon 96, seed 0; BENCHMARKS.md 12): channel
    # independence with the window's last value subtracted and the segment-decoding head, best validation MSE
    # 0.6960, against 0.6973 with the linear head and 0.7677 with channels mixed and mean/std normalisation. The
    # Forecaster keeps the linear head for horizons under two segments (airline's validation RMSE at horizon 12:
    # 37.5 linear, 40.0 segments)
    "cnn_lstm": ModelEntry(
        "cnn_lstm", "CNNLSTM",
        "Serial hybrid: convolutions + pooling extract local features, an LSTM reads them, linear head.",
        "series", TASKS,
        forecast_defaults={"channel_independent": True, "revin": "last", "head": "segments"},
    ),
    # the same forecasting recipe as cnn_lstm, chosen on ETTh1's validation part (horizon 96, seed 0): best
    # validation MSE 0.6719 against 0.7827 with channels mixed and mean/std normalisation (BENCHMARKS.md 12);
    # the linear head under two segments of horizon (airline at 12: validation RMSE 32.0 linear, 37.7 segments)
    "lstm_cnn": ModelEntry(
        "lstm_cnn", "LSTMCNN",
        "Serial hybrid: an LSTM's output sequence goes through convolutions, then a flatten (or mean) readout.",
        "series", TASKS,
        forecast_defaults={"channel_independent": True, "revin": "last", "head": "segments"},
    ),
    "parallel": ModelEntry(
        "parallel", "ParallelCNNLSTM",
        "Parallel hybrid (LSTM-FCN shape): CNN and LSTM branches merged by concat, learned weights or attention.",
        "series", TASKS,
        contenders={"parallel": {"merge": "concat"}, "parallel_weighted": {"merge": "weighted"},
                    "parallel_attention": {"merge": "attention"}},
    ),
    # its weights span a fixed window, so it forecasts but cannot read sequences of varying length
    "linear": ModelEntry(
        "linear", "DLinear",
        "DLinear baseline: moving-average trend/seasonal split, one linear map each, summed. Needs `window`.",
        "series", ("forecast",), window="fixed",
    ),
    # SegRNN's design with an LSTM cell. Its recipe: channel independence and the window's last value subtracted
    # (SegRNN's), and a peak learning rate of 3e-4, chosen on ETTh1's validation part only (horizon 96, seed 0:
    # best validation MSE 0.6552 at 3e-4, 0.6573 at 1e-3, 0.6584 at 1e-3 with batches of 256; BENCHMARKS.md 12)
    "seg_lstm": ModelEntry(
        "seg_lstm", "SegLSTM",
        "Segment-recurrent hybrid (SegRNN): strided-conv segment embeddings, an LSTM over them, every output "
        "segment decoded in parallel.",
        "series", ("forecast",),
        forecast_defaults={"channel_independent": True, "revin": "last", "lr": 3e-4},
    ),
    # faithful reference networks, each with its paper and published figures in its file
    "fcn": ModelEntry(
        "fcn", "FCN",
        "FCN (Wang et al. 2017): three conv blocks (128/256/128 filters, kernels 8/5/3, batch norm, ReLU), global "
        "average pooling, linear head.",
        "series", SEQUENCE_TASKS,
    ),
    "lstm_fcn": ModelEntry(
        "lstm_fcn", "LSTMFCN",
        "LSTM-FCN (Karim et al. 2018): an LSTM over the dimension-shuffled window beside FCN's conv blocks; "
        "ALSTM-FCN with attention, MLSTM-FCN with squeeze-and-excite (by default on multivariate input).",
        "series", SEQUENCE_TASKS,
        contenders={"lstm_fcn": {"squeeze_excite": False}, "alstm_fcn": {"attention": True, "squeeze_excite": False},
                    "mlstm_fcn": {"squeeze_excite": True}},  # each paper's network exactly (the model's "auto" aside)
        window="preferred",
    ),
    # its recipe and published figures are remaining useful life (regression); it has no classification record
    "dcnn": ModelEntry(
        "dcnn", "DCNN",
        "DCNN for remaining useful life (Li et al. 2018): five tanh convolutions along time, shared across sensors, "
        "flatten, dense 100.",
        "series", ("regress",), window="preferred",
    ),
    "lrcn": ModelEntry(
        "lrcn", "LRCN", "Frames: a 2-D CNN encodes each frame to a vector, an LSTM reads the vectors, linear head.",
        "frames", SEQUENCE_TASKS,
    ),
    "conv_lstm": ModelEntry(
        "conv_lstm", "ConvLSTM",
        "Frames: stacked ConvLSTM cells (convolution gates); pooled state to a linear head, or a next frame.",
        "frames", SEQUENCE_TASKS,
    ),
}


def model_entry(name: str) -> ModelEntry:
    """The registry entry of model `name`; an unknown name raises a ValueError listing the valid ones."""
    if name not in REGISTRY:
        raise unknown_name("name", name, REGISTRY, "Fix: pass one of the names listed by cnnlstm.models.list_models().")
    return REGISTRY[name]


def list_models(input_kind: str | None = None) -> list[str]:
    """Names of the registered models, in registry order; `input_kind` keeps those taking "series" or "frames".

    Example:
        >>> list_models("series")
        ['cnn', 'lstm', 'cnn_lstm', 'lstm_cnn', 'parallel', 'linear', 'seg_lstm', 'fcn', 'lstm_fcn', 'dcnn']
    """
    if input_kind is None:
        return list(REGISTRY)
    if input_kind not in INPUT_KINDS:
        raise unknown_name("input_kind", input_kind, INPUT_KINDS)
    return [name for name, entry in REGISTRY.items() if entry.input_kind == input_kind]


def model_hyperparameters(name: str) -> dict[str, object]:
    """The hyperparameters of model `name` with their defaults, read from its constructor's source (no torch).

    They are the constructor's keyword-only parameters; `window` is left out: it describes the data, not the
    model, and is passed separately.

    Example:
        >>> model_hyperparameters("linear")
        {'moving_avg': 25}
    """
    entry = model_entry(name)
    return dict(_keyword_defaults(entry.module, entry.class_name))


@functools.cache
def _keyword_defaults(module: str, class_name: str) -> dict[str, object]:
    source = Path(__file__).with_name(f"{module}.py").read_text(encoding="utf-8")
    classes = [node for node in ast.parse(source).body if isinstance(node, ast.ClassDef) and node.name == class_name]
    assert classes, f"cnnlstm/models/{module}.py defines no class {class_name}"
    init = [node for node in classes[0].body if isinstance(node, ast.FunctionDef) and node.name == "__init__"]
    assert init, f"{class_name} defines no __init__"
    arguments = init[0].args
    defaults = {}
    for parameter, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        if parameter.arg == "window":
            continue
        # a model's hyperparameters are keyword-only with literal defaults, so they read without running the file
        assert default is not None, f"{class_name}: keyword-only `{parameter.arg}` needs a default"
        try:
            defaults[parameter.arg] = ast.literal_eval(default)
        except ValueError:
            raise AssertionError(f"{class_name}: the default of `{parameter.arg}` must be a literal") from None
    return defaults


def forecast_defaults(name: str) -> dict:
    """The Forecaster's defaults for model `name` (see `ModelEntry.forecast_defaults`); {} for an unknown name
    (the Forecaster reports that itself)."""
    return dict(REGISTRY[name].forecast_defaults) if name in REGISTRY else {}


def model_class(name: str) -> type:
    """The nn.Module class of model `name`, importing its file (and torch) on first use."""
    entry = model_entry(name)
    return getattr(importlib.import_module(f"{__package__}.{entry.module}"), entry.class_name)


def compare_contenders(task: str | None = None, input_kind: str | None = None) -> dict[str, tuple[str, dict]]:
    """`compare`'s neural contenders, in registry order: contender name -> (registry model, fixed hyperparameters).

    `task` ("forecast", "classify", "regress") keeps the models serving it, `input_kind` those taking that input.

    Example:
        >>> list(compare_contenders("classify", "frames"))
        ['lrcn', 'conv_lstm']
        >>> compare_contenders()["parallel_weighted"]
        ('parallel', {'merge': 'weighted'})
    """
    if task is not None and task not in TASKS:
        raise unknown_name("task", task, TASKS)
    if input_kind is not None and input_kind not in INPUT_KINDS:
        raise unknown_name("input_kind", input_kind, INPUT_KINDS)
    contenders = {}
    for name, entry in REGISTRY.items():
        if (task is None or task in entry.tasks) and (input_kind is None or entry.input_kind == input_kind):
            for contender, fixed in (entry.contenders or {name: {}}).items():
                contenders[contender] = (name, dict(fixed))
    return contenders
