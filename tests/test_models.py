"""Contract tests for the sequence models, run over every entry of MODELS taking "series" (plus each parallel merge).

A series model registered in cnnlstm.models.MODELS is covered here without writing a test; image-sequence models
("frames") have theirs in test_frames.py.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from cnnlstm.models import MODEL_DESCRIPTIONS, MODELS, build_model, list_models, model_hyperparameters
from cnnlstm.models.layers import ConvStack, LSTMEncoder, MovingAverageDecomposition, SegmentDecoder
from cnnlstm.models.registry import REGISTRY, TASKS, compare_contenders

# every registered model with its defaults, plus the parallel merges that are not the default
SERIES = list_models("series")
CASES = [(name, {}) for name in SERIES] + [
    ("parallel", {"merge": "weighted"}),
    ("parallel", {"merge": "attention"}),
] + [  # the segment-decoding forecasting head; 5 does not divide the outputs, so the last segment is cropped
    (name, {"head": "segments", "segment": 5}) for name in ("cnn_lstm", "lstm_cnn", "parallel")
] + [  # ALSTM-FCN, MLSTM-FCN, and LSTM-FCN's LSTM reading the series unshuffled
    ("lstm_fcn", {"attention": True}),
    ("lstm_fcn", {"squeeze_excite": True}),
    ("lstm_fcn", {"shuffle": False}),
    ("dcnn", {"lstm_size": 8}),  # the CNN‖LSTM of the DAG / HDNN kind
    ("dcnn", {"lstm_size": 8, "lstm_input": "features"}),  # its LSTM reading the convolution map: CNN -> LSTM
]
CASE_IDS = [name + "".join(f"-{k}={v}" if isinstance(v, bool) else f"-{v}" for k, v in kwargs.items())
            for name, kwargs in CASES]


def make(name: str, in_features: int, out_features: int, window: int, **kwargs) -> torch.nn.Module:
    # every model accepts `window`; only linear needs it
    return build_model(name, in_features, out_features, window=window, **kwargs)


def make_batch(batch: int, window: int, in_features: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, window, in_features, generator=generator)


# -----------------------------------------------------------------------------
# the contract


@pytest.mark.parametrize("in_features", [1, 7])
@pytest.mark.parametrize("out_features", [1, 24])
@pytest.mark.parametrize("name,kwargs", CASES, ids=CASE_IDS)
def test_output_shape(name, kwargs, in_features, out_features):
    model = make(name, in_features, out_features, window=16, **kwargs)
    y = model(make_batch(4, 16, in_features))
    assert y.shape == (4, out_features)
    assert y.dtype == torch.float32


@pytest.mark.parametrize("name,kwargs", CASES, ids=CASE_IDS)
def test_backward_is_finite(name, kwargs):
    torch.manual_seed(0)
    model = make(name, 3, 5, window=16, **kwargs)
    loss = (model(make_batch(8, 16, 3)) - 1.0).square().mean()
    loss.backward()
    grads = {n: p.grad for n, p in model.named_parameters()}
    missing = [n for n, g in grads.items() if g is None]
    assert not missing, f"parameters without a gradient: {missing}"
    assert all(torch.isfinite(g).all() for g in grads.values())
    assert any(g.abs().sum() > 0 for g in grads.values())


@pytest.mark.parametrize("name,kwargs", CASES, ids=CASE_IDS)
def test_overfits_one_batch(name, kwargs):
    torch.manual_seed(0)
    x = make_batch(16, 32, 2)
    # a deterministic function of the input: the last three steps of channel 0 plus the mean of channel 1
    y = x[:, -3:, 0] + x[:, :, 1].mean(dim=1, keepdim=True)  # (16, 3)
    model = make(name, 2, 3, window=32, **kwargs)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    with torch.no_grad():
        initial = (model.eval()(x) - y).square().mean().item()
    for step in range(1, 301):
        loss = (model.train()(x) - y).square().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 20 == 0:  # judged in eval mode: batch-norm running statistics and no dropout
            with torch.no_grad():
                final = (model.eval()(x) - y).square().mean().item()
            if final < 0.1 * initial:
                break
    assert final < 0.1 * initial, f"{name}: MSE {initial:.4f} -> {final:.4f}"


@pytest.mark.parametrize("name,kwargs", CASES, ids=CASE_IDS)
def test_rebuild_from_config_gives_identical_outputs(name, kwargs):
    model = make(name, 3, 4, window=12, **kwargs)
    x = make_batch(6, 12, 3)
    model(x)  # one training-mode pass moves the batch-norm running statistics off their defaults
    model.eval()

    # config holds exactly the constructor's keyword arguments
    parameters = inspect.signature(type(model).__init__).parameters
    assert set(model.config) == set(parameters) - {"self"}
    rebuilt = type(model)(**model.config)
    rebuilt.load_state_dict(model.state_dict())
    rebuilt.eval()
    with torch.no_grad():
        assert torch.equal(model(x), rebuilt(x))


@pytest.mark.parametrize("name,kwargs", CASES, ids=CASE_IDS)
def test_deterministic_under_seed(name, kwargs):
    x = make_batch(4, 16, 2)
    outputs = []
    for _ in range(2):
        torch.manual_seed(123)
        model = make(name, 2, 3, window=16, **kwargs).eval()
        with torch.no_grad():
            outputs.append(model(x))
    assert torch.equal(outputs[0], outputs[1])


@pytest.mark.parametrize("window", [8, 3])
@pytest.mark.parametrize("name,kwargs", CASES, ids=CASE_IDS)
def test_short_windows(name, kwargs, window):
    # window 8 with two convolutions and pool 2 must keep at least one step
    extra = {"num_conv_layers": 2, "pool": 2} if "pool" in model_hyperparameters(name) else {}
    model = make(name, 2, 5, window=window, **kwargs, **extra)
    y = model(make_batch(4, window, 2))
    assert y.shape == (4, 5)
    y.sum().backward()


@pytest.mark.parametrize("name", [n for n in SERIES if n != "linear"])
def test_length_agnostic_models_run_on_a_single_step(name):
    extra = {"pool": 2} if "pool" in model_hyperparameters(name) else {}
    model = make(name, 2, 3, window=None, **extra)
    assert model(make_batch(4, 1, 2)).shape == (4, 3)


@pytest.mark.parametrize("name", SERIES)
def test_invalid_in_features_is_rejected(name):
    with pytest.raises(ValueError, match=r"`in_features` must be a positive int\. Received: in_features=0\. Fix:"):
        make(name, 0, 3, window=8)


@pytest.mark.parametrize("name", list(MODELS))
def test_every_model_has_a_description(name):
    assert MODEL_DESCRIPTIONS[name] and "\n" not in MODEL_DESCRIPTIONS[name]


# -----------------------------------------------------------------------------
# the registry


def test_list_models_is_registry_order():
    assert list_models("series") == ["cnn", "lstm", "cnn_lstm", "lstm_cnn", "parallel", "linear", "seg_lstm", "fcn",
                                     "lstm_fcn", "dcnn"]
    assert set(list_models("series")) | set(list_models("frames")) == set(list_models())


def test_list_models_rejects_an_unknown_input_kind():
    with pytest.raises(ValueError, match="input_kind"):
        list_models("images")


def test_unknown_model_name_lists_names_and_suggests():
    with pytest.raises(ValueError, match=r"`name` must be one of 'cnn', 'lstm', .*'conv_lstm'\. Received: name='cnn_lstn'\. Did you mean 'cnn_lstm'\?"):
        build_model("cnn_lstn", 1, 1)


def test_unknown_hyperparameter_names_the_key_and_lists_valid_ones():
    with pytest.raises(ValueError, match=r"`hiden_size` is not a hyperparameter of model 'lstm'.*Did you mean 'hidden_size'\?.*Fix: use one of: window, hidden_size, num_layers, bidirectional, dropout"):
        build_model("lstm", 1, 1, hiden_size=32)


def test_model_hyperparameters_reads_defaults():
    assert model_hyperparameters("linear") == {"moving_avg": 25}
    cnn_lstm = model_hyperparameters("cnn_lstm")
    # the reference configuration: 2 convolutions of 64 filters, kernel 3, max-pool 2, LSTM hidden 128
    assert {k: cnn_lstm[k] for k in ("num_conv_layers", "filters", "kernel_size", "pool", "hidden_size")} == {
        "num_conv_layers": 2, "filters": 64, "kernel_size": 3, "pool": 2, "hidden_size": 128,
    }


def test_build_model_passes_hyperparameters_through():
    model = build_model("cnn_lstm", 7, 24, hidden_size=32, bidirectional=True)
    assert model.config["hidden_size"] == 32 and model.config["bidirectional"] is True
    assert model(make_batch(2, 20, 7)).shape == (2, 24)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_hyperparameters_read_from_the_source_match_the_signature(name):
    # the registry reads them with ast, without torch; the imported class must agree
    parameters = inspect.signature(MODELS[name].__init__).parameters.values()
    signature = {p.name: p.default for p in parameters if p.kind is p.KEYWORD_ONLY and p.name != "window"}
    assert model_hyperparameters(name) == signature
    assert MODELS[name].__name__ == REGISTRY[name].class_name
    assert MODELS[name].input_kind == REGISTRY[name].input_kind


def test_the_registry_imports_without_torch():
    # the top package is stubbed so that only cnnlstm.models is judged here, whatever cnnlstm/__init__ imports
    package = Path(__file__).resolve().parents[1] / "cnnlstm"
    code = (
        "import sys, types\n"
        f"stub = types.ModuleType('cnnlstm'); stub.__path__ = [{str(package)!r}]; sys.modules['cnnlstm'] = stub\n"
        "from cnnlstm.models.registry import compare_contenders\n"
        "from cnnlstm.models import MODEL_DESCRIPTIONS, list_models, model_hyperparameters\n"
        "list_models(); list_models('frames'); compare_contenders('forecast')\n"
        "[model_hyperparameters(name) for name in MODEL_DESCRIPTIONS]\n"
        "print(sorted(m for m in ('torch', 'numpy', 'pandas') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_compare_contenders_follow_the_registry():
    from cnnlstm.comparison import NEURAL

    assert NEURAL == compare_contenders()
    assert list(NEURAL) == ["cnn", "lstm", "cnn_lstm", "lstm_cnn", "parallel", "parallel_weighted",
                            "parallel_attention", "linear", "seg_lstm", "fcn", "lstm_fcn", "alstm_fcn", "mlstm_fcn",
                            "dcnn", "lrcn", "conv_lstm"]
    assert NEURAL["parallel_attention"] == ("parallel", {"merge": "attention"})
    assert NEURAL["alstm_fcn"] == ("lstm_fcn", {"attention": True, "squeeze_excite": False})
    assert NEURAL["lstm_fcn"] == ("lstm_fcn", {"squeeze_excite": False})  # the paper's, not the model's "auto"
    assert NEURAL["mlstm_fcn"] == ("lstm_fcn", {"squeeze_excite": True})
    assert {model for model, _ in NEURAL.values()} == set(REGISTRY)
    with pytest.raises(ValueError, match=r"`task` must be one of 'forecast', 'classify', 'regress'"):
        compare_contenders("rul")


def _problems(input_kind: str) -> dict:
    """A comparison problem of each task on tiny data of `input_kind`, as `compare` builds them."""
    from cnnlstm.comparison.forecast import ForecastProblem
    from cnnlstm.comparison.sequences import ClassifyProblem, RegressProblem

    shape = (4, 6, 2) if input_kind == "series" else (4, 6, 1, 5, 5)
    X = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    labels, values = np.array([0, 1, 0, 1]), np.arange(4.0)
    problems = {
        "classify": ClassifyProblem((X, labels), (X, labels), name="tiny", settings={}),
        "regress": RegressProblem((X, values), (X, values), name="tiny", settings={}),
    }
    if input_kind == "series":
        problems["forecast"] = ForecastProblem(None, name="tiny", window=6, horizon=1, stride=1, settings={})
    return problems


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_model_is_a_compare_contender_of_the_tasks_it_serves(name):
    # a newly registered model cannot be left out of `compare` silently, nor slip into a task it does not serve
    entry = REGISTRY[name]
    assert entry.tasks and set(entry.tasks) <= set(TASKS)
    own = list(entry.contenders or [name])
    problems = _problems(entry.input_kind)
    for task in TASKS:
        suitable = problems[task].default_models() if task in problems else []
        if task in entry.tasks:
            assert set(own) <= set(suitable), f"{name} serves {task} but is no contender there: {suitable}"
        else:
            assert not set(own) & set(suitable), f"{name} does not serve {task} but is a contender there"


# -----------------------------------------------------------------------------
# per-model behaviour


@pytest.mark.parametrize("name", list(REGISTRY))
def test_forecast_defaults_are_forecaster_settings_or_the_models_hyperparameters(name):
    from cnnlstm.estimators.forecaster import GENERAL_DEFAULTS

    unknown = set(REGISTRY[name].forecast_defaults) - set(GENERAL_DEFAULTS) - set(model_hyperparameters(name))
    assert not unknown, f"{name}'s forecast_defaults has keys that are neither: {sorted(unknown)}"


def test_linear_without_window_raises():
    with pytest.raises(ValueError, match=r"`window` must be a positive int for the linear model\. Received: window=None\. Fix:"):
        build_model("linear", 1, 12)


def test_linear_rejects_a_different_window_at_forward():
    model = build_model("linear", 1, 12, window=24)
    with pytest.raises(ValueError, match=r"`x` must have shape \(B, window=24, in_features=1\)\. Received: x\.shape=\(2, 30, 1\)"):
        model(make_batch(2, 30, 1))


def test_linear_is_dlinear_with_constant_input():
    # a constant series has no seasonal part, so only the trend map contributes
    model = build_model("linear", 1, 4, window=10)
    seasonal, trend = model.decomposition(torch.full((2, 10, 1), 3.0))
    assert torch.allclose(seasonal, torch.zeros_like(seasonal)) and torch.allclose(trend, torch.full_like(trend, 3.0))


def test_parallel_rejects_unknown_merge():
    with pytest.raises(ValueError, match=r"`merge` must be one of 'concat', 'weighted', 'attention'\. Received: merge='sum'\. Fix:"):
        build_model("parallel", 1, 1, merge="sum")


def test_parallel_weighted_branch_weights_sum_to_one():
    model = build_model("parallel", 2, 3, merge="weighted")
    assert model.branch_weights() == {"cnn": 0.5, "lstm": 0.5}  # equal at initialisation
    with torch.no_grad():
        model.branch_logits.copy_(torch.tensor([1.0, -1.0]))
    weights = model.branch_weights()
    assert set(weights) == {"cnn", "lstm"} and weights["cnn"] > weights["lstm"]
    assert sum(weights.values()) == pytest.approx(1.0)


def test_parallel_attention_scores_are_per_sample_and_sum_to_one():
    model = build_model("parallel", 2, 3, merge="attention")
    with pytest.raises(RuntimeError, match=r"no forward pass has run yet\. Fix: call the model on a batch first"):
        model.branch_weights()
    model(make_batch(5, 16, 2))
    assert model.last_attention.shape == (5, 2)
    assert not model.last_attention.requires_grad
    assert torch.allclose(model.last_attention.sum(dim=1), torch.ones(5))
    weights = model.branch_weights()
    assert sum(weights.values()) == pytest.approx(1.0)
    assert weights["cnn"] == pytest.approx(model.last_attention[:, 0].mean().item())


def test_parallel_concat_has_no_branch_weights():
    with pytest.raises(RuntimeError, match=r"needs merge='weighted' or merge='attention'\. Received: merge='concat'"):
        build_model("parallel", 1, 1).branch_weights()


def test_fcn_has_the_published_layer_sizes():
    # Wang et al. 2017: Conv1d 128 k8, 256 k5, 128 k3, each with batch norm and ReLU, no pooling, GAP, linear
    model = build_model("fcn", 3, 2)
    convs = [block.convs[0] for block in model.blocks.blocks]
    assert [(c.in_channels, c.out_channels, c.kernel_size[0]) for c in convs] == [(3, 128, 8), (128, 256, 5),
                                                                                  (256, 128, 3)]
    assert all(isinstance(block.norms[0], torch.nn.BatchNorm1d) and block.pool == 1 for block in model.blocks.blocks)
    assert model.blocks(make_batch(2, 11, 3)).shape == (2, 11, 128)  # every block keeps T
    assert (model.head.in_features, model.head.out_features) == (128, 2)
    narrow = build_model("fcn", 3, 2, filters=8, kernel_size=(7, 5, 3))  # one int serves all three blocks
    assert [block.convs[0].out_channels for block in narrow.blocks.blocks] == [8, 8, 8]


def test_fcn_filters_and_kernel_sizes_are_one_or_three_positive_ints():
    with pytest.raises(ValueError, match=r"`filters` must be a positive int or three positive ints, one per "
                                         r"convolution block\. Received: filters=\(64, 128\)\. Fix: pass e\.g\. "
                                         r"filters=\(128, 256, 128\)"):
        build_model("fcn", 1, 2, filters=(64, 128))
    with pytest.raises(ValueError, match=r"`kernel_size` must be .*Received: kernel_size=\[8, 0, 3\]"):
        build_model("lstm_fcn", 1, 2, kernel_size=[8, 0, 3])
    assert build_model("lstm_fcn", 1, 2, filters=[16, 32, 16]).head.in_features == 128 + 16  # a list from JSON


def test_lstm_fcn_dimension_shuffle_reads_the_window_transposed():
    # the LSTM reads F steps of T values: input size T = window, as many steps as channels
    model = build_model("lstm_fcn", 3, 2, window=40)
    assert model.shuffled and model.encoder.lstm.input_size == 40 and model.encoder.lstm.hidden_size == 128
    seen = []
    model.encoder.register_forward_hook(lambda module, args, out: seen.append(out[0].shape))
    assert model(make_batch(5, 40, 3)).shape == (5, 2)
    assert seen == [(5, 3, 128)]
    assert model.dropout.p == 0.8 and model.head.in_features == 128 + 128
    # without a window, or with shuffle=False, the LSTM reads T steps of F values
    assert build_model("lstm_fcn", 3, 2).encoder.lstm.input_size == 3
    assert build_model("lstm_fcn", 3, 2, window=40, shuffle=False).encoder.lstm.input_size == 3


def test_a_shuffled_lstm_fcn_refuses_lengths_and_other_windows():
    model = build_model("lstm_fcn", 2, 3, window=8)
    with pytest.raises(ValueError, match=r"reads its window transposed \(shuffle=True with window=8\) and cannot "
                                         r"take variable lengths.*Fix: build it with window=None or shuffle=False"):
        model(make_batch(2, 8, 2), torch.tensor([8, 5]))
    with pytest.raises(ValueError, match=r"reads windows of 8 steps transposed \(shuffle=True\), but received 9 "
                                         r"steps\. Fix:"):
        model(make_batch(2, 9, 2))


def test_alstm_fcn_attention_weights_sum_to_one_over_the_valid_steps():
    torch.manual_seed(0)
    model = build_model("lstm_fcn", 2, 3, attention=True).eval()  # no window: the LSTM reads T steps
    assert model.last_attention is None
    model(make_batch(4, 9, 2), torch.tensor([9, 4, 1, 6]))
    weights = model.last_attention
    assert weights.shape == (4, 9) and not weights.requires_grad
    torch.testing.assert_close(weights.sum(dim=1), torch.ones(4))
    assert torch.all(weights[1, 4:] == 0) and torch.all(weights[2, 1:] == 0) and weights[2, 0] == 1
    shuffled = build_model("lstm_fcn", 3, 2, window=16, attention=True)
    shuffled(make_batch(2, 16, 3))
    assert shuffled.last_attention.shape == (2, 3)  # one weight per channel, the steps of the shuffled window


def test_mlstm_fcn_squeeze_excite_after_the_first_two_blocks():
    from cnnlstm.models.fcn import SqueezeExcite

    model = build_model("lstm_fcn", 2, 3, squeeze_excite=True)
    assert [(se.squeeze.in_features, se.squeeze.out_features) for se in model.blocks.excite] == [(128, 8), (256, 16)]
    assert build_model("lstm_fcn", 2, 3, squeeze_excite=False).blocks.excite is None
    # "auto", the default: LSTM-FCN for one channel, MLSTM-FCN for several (the papers' choice)
    assert build_model("lstm_fcn", 1, 3).blocks.excite is None
    assert build_model("lstm_fcn", 2, 3).blocks.excite is not None
    with pytest.raises(ValueError, match="squeeze_excite.*'auto'"):
        build_model("lstm_fcn", 2, 3, squeeze_excite="yes")
    se = SqueezeExcite(32)
    h = torch.rand(3, 10, 32)
    h[1, 6:] = 0.0  # padded steps arrive as zeros
    out = se(h, torch.tensor([10, 6, 10]))
    assert out.shape == (3, 10, 32) and torch.all(out[1, 6:] == 0)
    gate = out[0, 0] / h[0, 0]
    assert torch.all((gate > 0) & (gate < 1))
    torch.testing.assert_close(out[0] / h[0], gate.expand(10, -1))  # one gate per channel, the same at every step


def test_dcnn_has_the_published_layer_sizes():
    # Li et al. 2018 on C-MAPSS: 14 sensors, window 30; four convolutions of 10 filters 10 x 1, a fifth of 1 filter
    # 3 x 1, tanh; dropout 0.5, flatten, 100 tanh units, one output
    model = build_model("dcnn", 14, 1, window=30)
    shapes = [(c.in_channels, c.out_channels, c.kernel_size) for c in model.convs]
    assert shapes == [(1, 10, (10, 1))] + [(10, 10, (10, 1))] * 3 + [(10, 1, (3, 1))]
    assert model.dropout.p == 0.5 and model.dense.mode == "flatten"
    assert (model.dense.linear.in_features, model.dense.linear.out_features) == (30 * 14, 100)
    assert (model.head.in_features, model.head.out_features) == (100, 1)
    assert model(make_batch(4, 30, 14)).shape == (4, 1)
    assert build_model("dcnn", 14, 1).dense.mode == "mean"  # no window: averaged over the valid steps
    assert model.lstm is None  # lstm_size=0: the paper's network, no LSTM path


def test_dcnn_with_an_lstm_path_merges_it_before_the_head():
    hybrid = build_model("dcnn", 14, 1, window=30, lstm_size=16)
    assert (hybrid.lstm.lstm.input_size, hybrid.lstm.hidden_size) == (14, 16)
    assert (hybrid.head.in_features, hybrid.head.out_features) == (100 + 16, 1)
    x = make_batch(4, 30, 14)
    x_late = x.clone()
    x_late[:, -1] += 1.0
    hybrid.eval()
    assert hybrid(x).shape == (4, 1) and not torch.equal(hybrid(x), hybrid(x_late))
    with pytest.raises(ValueError, match=r"`lstm_size` must be an integer >= 0.*Fix: pass e.g. lstm_size=32"):
        build_model("dcnn", 14, 1, lstm_size=-1)


def test_dcnn_serial_lstm_reads_the_convolution_map_not_the_window():
    serial = build_model("dcnn", 14, 1, window=30, lstm_size=16, lstm_input="features").eval()
    seen = []
    serial.lstm.register_forward_hook(lambda module, inputs, output: seen.append(inputs[0]))
    x = make_batch(4, 30, 14)
    serial(x)
    expected = x.unsqueeze(1)  # (B, 1, T, F), as the network reads it
    for conv in serial.convs:
        expected = torch.tanh(conv(expected))
    torch.testing.assert_close(seen[0], expected.squeeze(1))  # (B, T, F): the filtered sensors, in time order
    with pytest.raises(ValueError, match=r"`lstm_input` must be one of 'window', 'features'"):
        build_model("dcnn", 14, 1, lstm_size=8, lstm_input="map")


def test_dcnn_filters_every_sensor_alone_with_shared_weights():
    model = build_model("dcnn", 4, 1, window=12).eval()
    maps = []
    model.convs[-1].register_forward_hook(lambda module, args, out: maps.append(out))
    x = make_batch(2, 12, 4)
    changed = x.clone()
    changed[:, :, 2] += 1.0
    swapped = x[:, :, [1, 0, 2, 3]]
    with torch.no_grad():
        model(x), model(changed), model(swapped)
    base, after, after_swap = maps  # (B, 1, T, F) each
    assert torch.equal(base[..., [0, 1, 3]], after[..., [0, 1, 3]]) and not torch.equal(base[..., 2], after[..., 2])
    torch.testing.assert_close(after_swap, base[..., [1, 0, 2, 3]])  # the same filters for every sensor
    with pytest.raises(ValueError, match="readout='flatten'.*Fix: build it with window=None or readout='mean'"):
        model(x, torch.tensor([12, 5]))


# -----------------------------------------------------------------------------
# bricks


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_conv_stack_pooling_arithmetic():
    stack = ConvStack(3, num_conv_layers=2, filters=8, kernel_size=4, pool=2)
    h, lengths = stack(torch.randn(2, 9, 3))
    assert h.shape == (2, 3, 8) and lengths is None  # 9 -> 5 -> 3 (ceil keeps the last step)
    assert stack(torch.randn(2, 1, 3))[0].shape == (2, 1, 8)  # ceil(1 / 2) = 1: a single step survives
    assert stack.output_length(9) == 3 and stack.output_length(1) == 1
    once = ConvStack(3, num_conv_layers=2, filters=8, pool=2, pool_each_layer=False)
    assert once(torch.randn(2, 8, 3))[0].shape == (2, 4, 8)


def test_conv_stack_pools_lengths_and_zeroes_padding():
    stack = ConvStack(2, num_conv_layers=2, filters=4, pool=2).eval()
    h, lengths = stack(torch.randn(3, 9, 2), torch.tensor([9, 5, 1]))
    assert lengths.tolist() == [3, 2, 1]  # 9 -> 5 -> 3, 5 -> 3 -> 2, 1 -> 1 -> 1
    assert h.shape == (3, 3, 4) and torch.all(h[1, 2:] == 0) and torch.all(h[2, 1:] == 0)


def test_masked_batch_norm_ignores_padding_in_training():
    # batch statistics over valid steps only: more padding must not change the training output
    torch.manual_seed(0)
    stack = ConvStack(2, num_conv_layers=1, filters=4, pool=1, dropout=0.0).train()
    x = torch.randn(2, 6, 2)
    lengths = torch.tensor([6, 3])
    padded = torch.cat([x, torch.randn(2, 10, 2)], dim=1)
    a, _ = stack(x, lengths)
    b, _ = stack(padded, lengths)
    assert torch.allclose(a, b[:, :6], atol=1e-5)
    assert torch.all(stack.norms[0].running_var > 0)


def test_lstm_encoder_summary_is_the_last_valid_step():
    encoder = LSTMEncoder(3, hidden_size=5).eval()
    x = torch.randn(2, 7, 3)
    output, summary = encoder(x, torch.tensor([7, 4]))
    alone, alone_summary = encoder(x[1:, :4])
    assert torch.allclose(summary[1], alone_summary[0], atol=1e-6)
    assert torch.all(output[1, 4:] == 0)


def test_lstm_encoder_bidirectional_summary_and_forget_bias():
    encoder = LSTMEncoder(3, hidden_size=5, num_layers=2, bidirectional=True)
    output, summary = encoder(torch.randn(2, 7, 3))
    assert output.shape == (2, 7, 10) and summary.shape == (2, 10)
    assert torch.equal(summary[:, :5], output[:, -1, :5]) and torch.equal(summary[:, 5:], output[:, 0, 5:])
    output, summary = encoder(torch.randn(2, 7, 3), torch.tensor([7, 3]))
    assert torch.all(output[1, 3:] == 0) and torch.equal(summary[1, :5], output[1, 2, :5])
    bias = encoder.lstm.bias_ih_l0 + encoder.lstm.bias_hh_l0
    assert torch.equal(bias[5:10], torch.ones(5))


def test_moving_average_keeps_length_and_recovers_input():
    x = torch.randn(2, 10, 3)
    for kernel_size in (1, 4, 25):
        seasonal, trend = MovingAverageDecomposition(kernel_size)(x)
        assert seasonal.shape == trend.shape == x.shape
        assert torch.allclose(seasonal + trend, x, atol=1e-6)


def test_brick_errors_name_the_model_argument():
    with pytest.raises(ValueError, match=r"`dropout` must be a float in \[0, 1\)\. Received: dropout=1\.5\. Fix:"):
        build_model("cnn", 1, 1, dropout=1.5)
    with pytest.raises(ValueError, match=r"`activation` must be one of 'relu', 'gelu'\. Received: activation='tanh'"):
        build_model("cnn_lstm", 1, 1, activation="tanh")
    with pytest.raises(ValueError, match=r"`hidden_size` must be a positive int\. Received: hidden_size=True"):
        build_model("lstm", 1, 1, hidden_size=True)


@pytest.mark.parametrize("name", ["cnn", "lstm_cnn"])
def test_readout_flattens_with_a_window_and_averages_without(name):
    flat = build_model(name, 3, 5, window=16)
    assert flat.head.mode == "flatten"
    assert flat(torch.randn(2, 16, 3)).shape == (2, 5)
    with pytest.raises(ValueError, match="flattens 4 feature steps but received 5"):
        flat(torch.randn(2, 20, 3))
    mean = build_model(name, 3, 5)
    assert mean.head.mode == "mean"
    assert mean(torch.randn(2, 20, 3)).shape == (2, 5) and mean(torch.randn(2, 7, 3)).shape == (2, 5)
    with pytest.raises(ValueError, match="`readout='flatten'` needs the window length"):
        build_model(name, 3, 5, readout="flatten")


# -----------------------------------------------------------------------------
# variable length and batch order

# every series model that takes any length, uni- and bidirectional, and every merge; cnn and lstm_cnn average
# over time (window=None picks readout="mean"), as a classifier of variable-length series builds them
LENGTH_CASES = [c for c in CASES if c[0] != "linear"] + [
    (name, {"bidirectional": True}) for name in SERIES if "bidirectional" in model_hyperparameters(name)
] + [("cnn", {"pool": 3, "num_conv_layers": 3}), ("cnn_lstm", {"pool_each_layer": True})]
LENGTH_IDS = [name + "".join(f"-{k}={v}" for k, v in kwargs.items()) for name, kwargs in LENGTH_CASES]


@pytest.mark.parametrize("name,kwargs", LENGTH_CASES, ids=LENGTH_IDS)
def test_a_sequence_gives_the_same_output_alone_and_padded(name, kwargs):
    torch.manual_seed(0)
    model = make(name, 3, 4, window=None, **kwargs)
    model.train()  # move the batch-norm running statistics away from their (0, 1) start
    for _ in range(3):
        model(make_batch(8, 20, 3, seed=1), torch.tensor([20, 17, 13, 9, 5, 3, 2, 1]))
    model.eval()
    lengths = torch.tensor([29, 7, 16, 1, 11, 24])
    x = make_batch(len(lengths), int(lengths.max()), 3, seed=2)
    for i, length in enumerate(lengths.tolist()):  # garbage, not zeros, in the padding
        x[i, length:] = 1e3 * torch.randn(int(lengths.max()) - length, 3)
    with torch.no_grad():
        batched = model(x, lengths)
        for i, length in enumerate(lengths.tolist()):
            alone = model(x[i : i + 1, :length])
            torch.testing.assert_close(batched[i : i + 1], alone, atol=1e-5, rtol=1e-5)


def test_segment_decoder_tells_channels_and_segments_apart():
    torch.manual_seed(0)
    decoder = SegmentDecoder(8, 10, segment=4, num_channels=3)  # 3 segments, the last cropped to 2 values
    summary = torch.randn(1, 8).expand(6, -1)  # one summary for 6 rows: channels 0, 1, 2, 0, 1, 2
    out = decoder(summary)
    assert out.shape == (6, 10)
    torch.testing.assert_close(out[:3], out[3:])  # the same channel gets the same forecast
    assert not torch.allclose(out[0], out[1])  # another channel embedding, another forecast
    assert not torch.allclose(out[0, :4], out[0, 4:8])  # another position, another segment


def test_an_unknown_head_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="head.*'linear'.*'segments'"):
        build_model("cnn_lstm", 1, 4, head="segment")


def test_the_linear_model_refuses_lengths():
    model = make("linear", 2, 3, window=8)
    with pytest.raises(ValueError, match="cannot take variable-length input.*Fix: pad or crop"):
        model(make_batch(2, 8, 2), torch.tensor([8, 5]))


def test_a_flattening_readout_refuses_lengths():
    model = make("cnn", 2, 3, window=8)
    with pytest.raises(ValueError, match="readout='flatten'.*Fix: build it with window=None or readout='mean'"):
        model(make_batch(2, 8, 2), torch.tensor([8, 5]))


@pytest.mark.parametrize("name,kwargs", CASES, ids=CASE_IDS)
def test_reordering_the_batch_reorders_the_outputs(name, kwargs):
    # catches a batch axis taken for the time axis (sktime #9108: GRU-FCN changed its predictions when the test
    # set was re-ordered)
    torch.manual_seed(0)
    model = make(name, 3, 4, window=12, **kwargs).eval()
    x = make_batch(9, 12, 3, seed=3)
    perm = torch.randperm(9, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        torch.testing.assert_close(model(x[perm]), model(x)[perm], atol=1e-5, rtol=1e-5)
        if name != "linear":
            lengths = torch.tensor([12, 3, 7, 12, 1, 9, 5, 11, 2])
            loose = make(name, 3, 4, window=None, **kwargs).eval()
            torch.testing.assert_close(loose(x[perm], lengths[perm]), loose(x, lengths)[perm], atol=1e-5, rtol=1e-5)
