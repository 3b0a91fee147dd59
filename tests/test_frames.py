"""Image sequences: the contract of the frames models, their bricks, the frame readers and moving digits.

Models are kept tiny (8 filters / hidden channels, frames of at most 12x12) so the file runs in seconds.
"""

from __future__ import annotations

import io
import inspect

import numpy as np
import pytest
import torch

from cnnlstm.data.sources.frames import FrameData, pad_sequences, read_frames
from cnnlstm.data.sources.moving_digits import DIRECTION_STEPS, make_moving_digits
from cnnlstm.models import MODEL_DESCRIPTIONS, build_model, list_models
from cnnlstm.models.conv_lstm import ConvLSTM, ConvLSTMCell
from cnnlstm.models.frames import SPATIAL_POOLS, FrameEncoder, SpatialPool, TimeDistributed
from cnnlstm.models.lrcn import LRCN

# every registered frames model (small where we know how; a new one runs with its defaults), plus the variants:
# every spatial pool other than the model's default, and a small grid
SMALL = {"lrcn": dict(filters=8, hidden_size=8), "conv_lstm": dict(hidden_channels=8)}
DEFAULT_POOL = {name: inspect.signature(cls).parameters["spatial_pool"].default
                for name, cls in (("lrcn", LRCN), ("conv_lstm", ConvLSTM))}
VARIANTS = {
    **{name: (name, SMALL.get(name, {})) for name in list_models("frames")},
    "lrcn-bidirectional": ("lrcn", dict(SMALL["lrcn"], bidirectional=True)),
    "conv_lstm-next_frame": ("conv_lstm", dict(SMALL["conv_lstm"], head="next_frame")),
    **{f"{name}-{pool}": (name, dict(SMALL[name], spatial_pool=pool))
       for name in ("lrcn", "conv_lstm") for pool in SPATIAL_POOLS if pool != DEFAULT_POOL[name]},
    "lrcn-grid2": ("lrcn", dict(SMALL["lrcn"], spatial_pool="grid", grid=2)),
    "conv_lstm-grid3": ("conv_lstm", dict(SMALL["conv_lstm"], spatial_pool="grid", grid=3)),
}
CASES = list(VARIANTS)


def make(case: str, in_features: int, out_features: int, **kwargs) -> torch.nn.Module:
    name, small = VARIANTS[case]
    return build_model(name, in_features, out_features, **{**small, **kwargs})


def make_frames(batch: int, steps: int, channels: int, height: int, width: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(batch, steps, channels, height, width, generator=torch.Generator().manual_seed(seed))


def output_shape(case: str, batch: int, out_features: int, height: int, width: int) -> tuple:
    return (batch, out_features, height, width) if case.endswith("next_frame") else (batch, out_features)


def with_garbage(x: torch.Tensor, lengths: torch.Tensor, seed: int = 1) -> torch.Tensor:
    """x with every padded frame replaced by large random numbers."""
    generator = torch.Generator().manual_seed(seed)
    x = x.clone()
    for i, length in enumerate(lengths.tolist()):
        x[i, length:] = 100 * torch.randn(x[i, length:].shape, generator=generator)
    return x


# -----------------------------------------------------------------------------
# the model contract


@pytest.mark.parametrize("steps,height,width", [(1, 5, 7), (4, 8, 8), (3, 1, 1), (2, 9, 2)])
@pytest.mark.parametrize("case", CASES)
def test_output_shape(case, steps, height, width):
    model = make(case, 2, 3)
    y = model(make_frames(2, steps, 2, height, width))
    assert y.shape == output_shape(case, 2, 3, height, width) and y.dtype == torch.float32


@pytest.mark.parametrize("case", CASES)
def test_backward_is_finite(case):
    torch.manual_seed(0)
    model = make(case, 1, 2)
    (model(make_frames(3, 4, 1, 8, 8)) - 1.0).square().mean().backward()
    grads = {n: p.grad for n, p in model.named_parameters()}
    assert not [n for n, g in grads.items() if g is None], "parameters without a gradient"
    assert all(torch.isfinite(g).all() for g in grads.values())
    assert any(g.abs().sum() > 0 for g in grads.values())


@pytest.mark.parametrize("case", CASES)
def test_overfits_one_batch(case):
    torch.manual_seed(0)
    x = make_frames(8, 4, 1, 8, 8)
    if case.endswith("next_frame"):
        y = x[:, -1]  # reproduce the last frame, (8, 1, 8, 8)
        model = make(case, 1, 1)
    else:  # a deterministic function of the frames: the mean of the first and of the last one
        y = torch.stack([x[:, 0].mean(dim=(1, 2, 3)), x[:, -1].mean(dim=(1, 2, 3))], dim=1) * 5  # (8, 2)
        model = make(case, 1, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    with torch.no_grad():
        initial = (model.eval()(x) - y).square().mean().item()
    for step in range(1, 151):
        loss = (model.train()(x) - y).square().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 25 == 0:  # judged in eval mode: batch-norm running statistics, no dropout
            with torch.no_grad():
                final = (model.eval()(x) - y).square().mean().item()
            if final < 0.1 * initial:
                break
    assert final < 0.1 * initial, f"{case}: MSE {initial:.4f} -> {final:.4f}"


@pytest.mark.parametrize("case", CASES)
def test_save_load_gives_identical_predictions(case):
    model = make(case, 2, 3)
    x = make_frames(3, 4, 2, 6, 6)
    model(x)  # one training-mode pass moves the batch-norm running statistics off their defaults
    model.eval()
    parameters = inspect.signature(type(model).__init__).parameters
    assert set(model.config) == set(parameters) - {"self"}  # config holds every constructor argument
    buffer = io.BytesIO()
    torch.save({"config": model.config, "state_dict": model.state_dict()}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer)
    rebuilt = type(model)(**saved["config"])
    rebuilt.load_state_dict(saved["state_dict"])
    rebuilt.eval()
    with torch.no_grad():
        assert torch.equal(model(x), rebuilt(x))


@pytest.mark.parametrize("case", CASES)
def test_deterministic_under_seed(case):
    x = make_frames(2, 3, 1, 6, 6)
    outputs = []
    for _ in range(2):
        torch.manual_seed(123)
        with torch.no_grad():
            outputs.append(make(case, 1, 3).eval()(x))
    assert torch.equal(outputs[0], outputs[1])


@pytest.mark.parametrize("case", CASES)
def test_padded_sequence_gives_the_output_it_gives_alone(case):
    torch.manual_seed(0)
    model = make(case, 2, 3)
    model(make_frames(4, 5, 2, 7, 6))  # batch-norm running statistics off their defaults
    model.eval()
    lengths = torch.tensor([5, 2, 3, 1])
    x = with_garbage(make_frames(4, 5, 2, 7, 6), lengths)
    with torch.no_grad():
        batch = model(x, lengths)
        for i, length in enumerate(lengths.tolist()):
            alone = model(x[i : i + 1, :length])
            torch.testing.assert_close(batch[i : i + 1], alone, atol=1e-5, rtol=0)
        # lengths that cover every frame change nothing
        torch.testing.assert_close(model(x, torch.full((4,), 5)), model(x), atol=1e-5, rtol=0)


@pytest.mark.parametrize("case", CASES)
def test_padding_does_not_reach_training(case):
    # train mode, no dropout: batch-norm statistics and gradients must not see what the padding holds
    lengths = torch.tensor([4, 2, 3])
    x = make_frames(3, 4, 1, 6, 6)
    runs = []
    for seed in (1, 2):
        torch.manual_seed(0)
        model = make(case, 1, 2, dropout=0.0).train()
        y = model(with_garbage(x, lengths, seed=seed), lengths)
        y.square().mean().backward()
        runs.append((y.detach(), [p.grad.clone() for p in model.parameters()]))
    torch.testing.assert_close(runs[0][0], runs[1][0], atol=1e-5, rtol=0)
    for a, b in zip(runs[0][1], runs[1][1]):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("use_lengths", [False, True])
@pytest.mark.parametrize("case", CASES)
def test_permuting_the_batch_permutes_the_output(case, use_lengths):
    model = make(case, 1, 3).eval()
    lengths = torch.tensor([3, 1, 4, 2, 4]) if use_lengths else None
    x = make_frames(5, 4, 1, 6, 6)
    perm = torch.tensor([3, 0, 4, 1, 2])
    with torch.no_grad():
        permuted = model(x[perm], lengths[perm] if use_lengths else None)
        torch.testing.assert_close(permuted, model(x, lengths)[perm], atol=1e-5, rtol=0)


@pytest.mark.parametrize("case", CASES)
def test_frames_input_errors(case):
    model = make(case, 2, 3)
    with pytest.raises(ValueError, match=r"`x` must be a float tensor of shape \(B, T, C=2, H, W\).*Received: "
                                         r"x\.shape=\(2, 4, 8, 8\), dtype=torch\.float32\. Fix:"):
        model(torch.randn(2, 4, 8, 8))
    with pytest.raises(ValueError, match=r"`x` must be .*Received: x\.shape=\(2, 4, 3, 8, 8\)"):
        model(torch.randn(2, 4, 3, 8, 8))
    x = torch.randn(2, 4, 2, 8, 8)
    with pytest.raises(ValueError, match=r"`lengths` must lie in \[1, T=4\].*Received: lengths from 0 to 4\. Fix:"):
        model(x, torch.tensor([4, 0]))
    with pytest.raises(ValueError, match=r"`lengths` must lie in \[1, T=4\].*Received: lengths from 2 to 5"):
        model(x, torch.tensor([5, 2]))
    with pytest.raises(ValueError, match=r"`lengths` must be a \(B,\) integer tensor.*B=2\. Received: "
                                         r"lengths\.shape=\(3,\), dtype=torch\.int64\. Fix:"):
        model(x, torch.tensor([4, 4, 4]))
    with pytest.raises(ValueError, match=r"Received: lengths\.shape=\(2,\), dtype=torch\.float32"):
        model(x, torch.tensor([4.0, 2.0]))


def test_constructor_errors():
    with pytest.raises(ValueError, match=r"`head` must be one of 'classify', 'next_frame'\. Received: head='frame'"):
        ConvLSTM(1, 1, head="frame")
    with pytest.raises(ValueError, match=r"`hidden_channels` must be a positive int\. Received: hidden_channels=0"):
        ConvLSTM(1, 1, hidden_channels=0)
    with pytest.raises(ValueError, match=r"`in_features` must be a positive int\. Received: in_features=0\. Fix:"):
        LRCN(0, 1)
    with pytest.raises(ValueError, match=r"`filters` must be a positive int\. Received: filters=0\. Fix:"):
        LRCN(1, 1, filters=0)
    with pytest.raises(ValueError, match=r"`dropout` must be a float in \[0, 1\)\. Received: dropout=1\.0"):
        LRCN(1, 1, dropout=1.0)
    for model in (LRCN, ConvLSTM):
        with pytest.raises(ValueError, match=r"`spatial_pool` must be one of 'grid', 'mean', 'max'\. Received: "
                                             r"spatial_pool='sum'\. Fix: pass spatial_pool='grid'"):
            model(1, 1, spatial_pool="sum")
        with pytest.raises(ValueError, match=r"`grid` must be a positive int\. Received: grid=0\. Fix: pass e\.g\. "
                                             r"grid=4"):
            model(1, 1, grid=0)


def test_registry_lists_the_frames_models():
    assert list_models("frames") == ["lrcn", "conv_lstm"]
    assert all(MODEL_DESCRIPTIONS[name].startswith("Frames:") for name in list_models("frames"))
    assert isinstance(build_model("lrcn", 3, 2), LRCN) and isinstance(build_model("conv_lstm", 3, 2), ConvLSTM)
    with pytest.raises(ValueError, match=r"`hidden_size` is not a hyperparameter of model 'conv_lstm'.*Fix: use one "
                                         r"of: window, num_layers, hidden_channels, kernel_size, dropout, head"):
        build_model("conv_lstm", 1, 1, hidden_size=8)


def test_next_frame_head_is_a_frame():
    model = ConvLSTM(3, 3, hidden_channels=4, head="next_frame")
    assert model(make_frames(2, 5, 3, 10, 12)).shape == (2, 3, 10, 12)  # a frame like the input's
    assert ConvLSTM(3, 1, hidden_channels=4, head="next_frame")(make_frames(2, 5, 3, 10, 12)).shape == (2, 1, 10, 12)


# -----------------------------------------------------------------------------
# bricks


def test_time_distributed_equals_a_loop_over_time():
    module = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3, padding=1), torch.nn.ReLU()).eval()
    x = make_frames(3, 4, 2, 5, 5)
    loop = torch.stack([module(x[:, t]) for t in range(4)], dim=1)  # (3, 4, 3, 5, 5)
    with torch.no_grad():
        torch.testing.assert_close(TimeDistributed(module)(x), loop.detach())
        # with lengths: the valid steps as in the loop, zeros at the padding
        lengths = torch.tensor([4, 1, 2])
        out = TimeDistributed(module)(x, lengths)
    for i, length in enumerate(lengths.tolist()):
        torch.testing.assert_close(out[i, :length], loop[i, :length].detach())
        assert torch.equal(out[i, length:], torch.zeros_like(out[i, length:]))
    linear = torch.nn.Linear(6, 2)
    v = torch.randn(2, 3, 6)
    torch.testing.assert_close(TimeDistributed(linear)(v), torch.stack([linear(v[:, t]) for t in range(3)], dim=1))


@pytest.mark.parametrize("spatial_pool,grid,size", [("grid", 4, 5 * 16), ("grid", 2, 5 * 4), ("mean", 4, 5),
                                                    ("max", 4, 5)])
def test_frame_encoder_pools_while_a_side_is_long_enough(spatial_pool, grid, size):
    encoder = FrameEncoder(3, num_conv_layers=3, filters=5, spatial_pool=spatial_pool, grid=grid)
    assert encoder.output_size == size
    assert encoder(torch.randn(4, 3, 24, 24)).shape == (4, size)
    assert encoder(torch.randn(4, 3, 1, 1)).shape == (4, size)  # nothing to pool; a grid repeats the one cell
    assert encoder(torch.randn(4, 3, 1, 9)).shape == (4, size)  # only the width is pooled


def test_spatial_pool_grid_keeps_where_and_mean_does_not():
    x = torch.zeros(2, 1, 8, 8)
    x[0, 0, 1, 1] = x[1, 0, 6, 5] = 1.0  # one bright pixel, in two places
    mean, peak, grid = (SpatialPool(1, how=how, grid=4) for how in ("mean", "max", "grid"))
    assert torch.equal(mean(x)[0], mean(x)[1]) and torch.equal(peak(x)[0], peak(x)[1])  # the same, wherever it is
    expected = torch.zeros(2, 16)
    expected[0, 0 * 4 + 0] = expected[1, 3 * 4 + 2] = 0.25  # 2x2 cells, row-major: (0, 0) and (3, 2)
    torch.testing.assert_close(grid(x), expected)
    channels = torch.arange(2.0).view(1, 2, 1, 1).expand(1, 2, 4, 4)  # channel-major: channel 0's cells, then 1's
    assert SpatialPool(2, how="grid", grid=4)(channels).tolist() == [[0.0] * 16 + [1.0] * 16]


def test_conv_lstm_cell_keeps_the_frame_size_and_starts_remembering():
    cell = ConvLSTMCell(2, 4, kernel_size=5)
    zeros = torch.zeros(3, 4, 7, 9)
    h, c = cell(torch.randn(3, 2, 7, 9), (zeros, zeros))
    assert h.shape == c.shape == (3, 4, 7, 9)
    assert torch.equal(cell.conv.bias[4:8], torch.ones(4))  # forget gate


# -----------------------------------------------------------------------------
# readers


def test_read_npy_rank_4_and_5(tmp_path):
    array = np.random.default_rng(0).random((3, 4, 5, 6))
    np.save(tmp_path / "a.npy", array)
    data = read_frames(tmp_path / "a.npy")
    assert isinstance(data, FrameData) and data.y is None
    assert data.X.shape == (3, 4, 1, 5, 6) and data.X.dtype == np.float32
    assert data.lengths.tolist() == [4, 4, 4] and data.lengths.dtype == np.int64
    np.testing.assert_allclose(data.X[:, :, 0], array, rtol=1e-6)
    np.save(tmp_path / "b.npy", np.zeros((2, 3, 3, 4, 4), dtype=np.uint8))
    assert read_frames(tmp_path / "b.npy").X.shape == (2, 3, 3, 4, 4)


def test_read_npz_with_labels_and_lengths(tmp_path):
    X = np.ones((2, 3, 1, 4, 4))
    np.savez(tmp_path / "a.npz", X=X, y=np.array(["up", "down"]), lengths=np.array([3, 1]))
    data = read_frames(tmp_path / "a.npz")
    assert data.y.tolist() == ["up", "down"] and data.lengths.tolist() == [3, 1]
    np.savez(tmp_path / "b.npz", X=X, label=np.array([0, 1]))
    assert read_frames(tmp_path / "b.npz").y is None
    assert read_frames(tmp_path / "b.npz", label_key="label").y.tolist() == [0, 1]


def test_read_array_errors(tmp_path):
    np.save(tmp_path / "rank3.npy", np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"rank3\.npy must be an array of numbers of rank 4 \(N, T, H, W\) or 5 "
                                         r"\(N, T, C, H, W\).*Received: shape \(2, 3, 4\), dtype float64\. Fix:"):
        read_frames(tmp_path / "rank3.npy")
    np.savez(tmp_path / "keys.npz", frames=np.zeros((1, 2, 3, 3)), labels=np.zeros(1))
    with pytest.raises(ValueError, match=r"under the key 'X'.*Received: keys \['frames', 'labels'\] in .*keys\.npz\. "
                                         r"Fix: save it with np\.savez\(path, X=frames, y=labels\)"):
        read_frames(tmp_path / "keys.npz")
    bad = np.zeros((2, 3, 4, 4))
    bad[1, 2, 0, 3] = np.nan
    bad[1, 2, 1, 1] = np.inf
    np.save(tmp_path / "nan.npy", bad)
    with pytest.raises(ValueError, match=r"nan\.npy must hold finite values\. Received: nan at index \(1, 2, 0, 3\) "
                                         r"and 1 more non-finite values\. Fix:"):
        read_frames(tmp_path / "nan.npy")
    np.savez(tmp_path / "y.npz", X=np.zeros((2, 3, 4, 4)), y=np.array(["a", "b", "c"]))
    with pytest.raises(ValueError, match=r"`y` in .*y\.npz must hold one label per sequence, shape \(2,\)\. "
                                         r"Received: shape \(3,\)"):
        read_frames(tmp_path / "y.npz")
    np.savez(tmp_path / "lengths.npz", X=np.zeros((2, 3, 4, 4)), lengths=np.array([3, 4]))
    with pytest.raises(ValueError, match=r"`lengths` in .* must be integers in \[1, T=3\].*values 3 to 4\. Fix:"):
        read_frames(tmp_path / "lengths.npz")
    (tmp_path / "broken.npy").write_bytes(b"not numpy")
    with pytest.raises(ValueError, match=r"`path`: could not read .*broken\.npy\. Received: \w+: .*Fix:"):
        read_frames(tmp_path / "broken.npy")
    with pytest.raises(FileNotFoundError, match=r"Received: path='.*missing\.npy', which does not exist"):
        read_frames(tmp_path / "missing.npy")
    (tmp_path / "a.csv").write_text("x\n1\n")
    with pytest.raises(ValueError, match=r"`path` must be a \.npy or \.npz file or a folder laid out"):
        read_frames(tmp_path / "a.csv")
    np.save(tmp_path / "gray.npy", np.zeros((2, 3, 4, 4)))
    with pytest.raises(ValueError, match=r"`channels` must match the C of the array in .*gray\.npy\. Received: "
                                         r"channels=3, X\.shape=\(2, 3, 1, 4, 4\)\. Fix:"):
        read_frames(tmp_path / "gray.npy", channels=3)
    with pytest.raises(ValueError, match=r"`channels` must be None, 1 or 3\. Received: channels=2\. Fix:"):
        read_frames(tmp_path / "gray.npy", channels=2)


def write_frame(path, value: float, size=(4, 5)) -> None:
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    plt.imsave(path, np.full(size, value), cmap="gray", vmin=0, vmax=1)


def test_read_a_folder_of_pngs(tmp_path):
    # natural order: frame2 before frame10; the sequences have 3 and 2 frames
    for name, value in (("frame1.png", 0.0), ("frame2.png", 0.2), ("frame10.png", 1.0)):
        write_frame(tmp_path / "walk" / "seq1" / name, value)
    for name, value in (("a.png", 0.6), ("b.png", 0.4)):
        write_frame(tmp_path / "run" / "s" / name, value)
    (tmp_path / "run" / "s" / "notes.txt").write_text("not a frame")
    data = read_frames(tmp_path, channels=1)
    assert data.X.shape == (2, 3, 1, 4, 5) and data.X.dtype == np.float32
    assert data.y.tolist() == ["run", "walk"] and data.lengths.tolist() == [2, 3]
    np.testing.assert_allclose(data.X[:, :, 0, 0, 0], [[0.6, 0.4, 0.0], [0.0, 0.2, 1.0]], atol=0.01)
    assert read_frames(tmp_path).X.shape == (2, 3, 4, 4, 5)  # matplotlib writes RGBA
    assert read_frames(tmp_path, channels=3).X.shape == (2, 3, 3, 4, 5)


def test_read_folder_errors(tmp_path):
    with pytest.raises(ValueError, match=r"`path` must be a folder laid out <path>/<label>/<sequence>/<frame files>\. "
                                         r"Received: .* holds no label folders\. Fix:"):
        read_frames(tmp_path)
    write_frame(tmp_path / "a" / "s1" / "f1.png", 0.5)
    (tmp_path / "b").mkdir()
    with pytest.raises(ValueError, match=r"Received: the label folder .*b holds no sequence folder\. Fix: put each "
                                         r"sequence's frames in its own folder"):
        read_frames(tmp_path)
    (tmp_path / "b" / "s1").mkdir()
    with pytest.raises(ValueError, match=r"Received: the sequence folder .*s1 holds no image file"):
        read_frames(tmp_path)
    write_frame(tmp_path / "b" / "s1" / "f1.png", 0.5, size=(6, 5))
    with pytest.raises(ValueError, match=r"every frame must have the size of the first one, \(C, H, W\)=\(4, 4, 5\) in "
                                         r".*f1\.png\. Received: \(C, H, W\)=\(4, 6, 5\) in .*f1\.png \(sequence b/s1, "
                                         r"frame 0\)\. Fix: resize"):
        read_frames(tmp_path)
    (tmp_path / "b" / "s1" / "f1.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match=r"`path`: could not read .*f1\.png\. Received: .*Fix: replace or remove"):
        read_frames(tmp_path)


def test_pad_sequences():
    X, lengths = pad_sequences([np.ones((2, 1, 3, 3)), np.full((4, 1, 3, 3), 2.0)])
    assert X.shape == (2, 4, 1, 3, 3) and X.dtype == np.float32 and lengths.tolist() == [2, 4]
    assert X[0, 2:].sum() == 0 and X[1].min() == 2
    with pytest.raises(ValueError, match=r"`sequences` must be a non-empty list.*Received: an empty list\. Fix:"):
        pad_sequences([])
    with pytest.raises(ValueError, match=r"`sequences` must share one frame size \(C, H, W\)\. Received: "
                                         r"sequences\[0\] has \(1, 3, 3\), sequences\[1\] has \(1, 3, 4\)\. Fix:"):
        pad_sequences([np.ones((2, 1, 3, 3)), np.ones((2, 1, 3, 4))])
    with pytest.raises(ValueError, match=r"Received: sequences\[0\]\.shape=\(2, 3, 3\)\. Fix: add the channel axis"):
        pad_sequences([np.ones((2, 3, 3))])


# -----------------------------------------------------------------------------
# moving digits


def test_moving_digits_shapes_and_labels():
    data = make_moving_digits(20, num_frames=5, canvas=14, seed=0)
    assert data.X.shape == (20, 5, 1, 14, 14) and data.X.dtype == np.float32
    assert data.next_frame.shape == (20, 1, 14, 14)
    assert 0.0 <= data.X.min() and data.X.max() <= 1.0 and data.X.max() > 0.5
    assert set(data.digit) <= set(range(10)) and set(data.direction) <= set(range(8))
    assert data.direction_names == ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
    from sklearn.datasets import load_digits

    np.testing.assert_array_equal(data.digit, load_digits().target[data.image_index])


def test_moving_digits_is_deterministic():
    a, b = make_moving_digits(10, seed=3), make_moving_digits(10, seed=3)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.digit, b.digit) and np.array_equal(a.direction, b.direction)
    assert not np.array_equal(a.X, make_moving_digits(10, seed=4).X)


def test_moving_digits_move_one_pixel_per_frame_in_the_stated_direction():
    data = make_moving_digits(40, num_frames=6, canvas=16, seed=1)
    frames = np.concatenate([data.X, data.next_frame[:, None]], axis=1)[:, :, 0]  # (N, T + 1, 16, 16)
    for i in range(len(frames)):
        d_row, d_col = DIRECTION_STEPS[data.direction[i]]
        for t in range(6):
            # the next frame is this one shifted by (d_row, d_col), nothing wrapping round the border
            shifted = np.zeros_like(frames[i, t])
            shifted[max(d_row, 0) : 16 + min(d_row, 0), max(d_col, 0) : 16 + min(d_col, 0)] = frames[i, t][
                max(-d_row, 0) : 16 + min(-d_row, 0), max(-d_col, 0) : 16 + min(-d_col, 0)]
            assert np.array_equal(frames[i, t + 1], shifted), (i, t)
        # frame 0 shows the digit at `start`, the rest of the canvas is black
        row, col = data.start[i]
        from sklearn.datasets import load_digits

        digit = load_digits().images[data.image_index[i]] / 16
        np.testing.assert_allclose(frames[i, 0, row : row + 8, col : col + 8], digit)
        assert frames[i, 0].sum() == pytest.approx(digit.sum(), rel=1e-5)
    assert {data.direction_names[d] for d in data.direction} == set(data.direction_names)  # every direction seen


def test_moving_digits_train_and_test_images_are_disjoint():
    train = make_moving_digits(300, digits="train", seed=0)
    test = make_moving_digits(300, digits="test", seed=0)
    assert train.image_index.max() < 1200 <= test.image_index.min()
    assert not np.array_equal(train.X, test.X)
    assert set(test.digit) == set(range(10))  # the test part holds every digit


def test_moving_digits_errors():
    with pytest.raises(ValueError, match=r"`canvas` must be at least num_frames \+ 8 = 18.*Received: canvas=16, "
                                         r"num_frames=10\. Fix: pass canvas=18"):
        make_moving_digits(2, canvas=16)
    with pytest.raises(ValueError, match=r"`digits` must be one of 'train', 'test', 'all'\. Received: digits='val'"):
        make_moving_digits(2, digits="val")
    with pytest.raises(ValueError, match=r"`num_frames` must be a positive int\. Received: num_frames=0"):
        make_moving_digits(2, num_frames=0)
