"""The training loop: host synchronisation only at epoch ends, static batch shapes, early stopping."""

from __future__ import annotations

import sys

import pytest
import torch

from cnnlstm.tasks import ForecastNet, WindowGather
from cnnlstm.train import TrainConfig, fit, resolve_device


def _setup(num_rows=200, window=16, horizon=4):
    torch.manual_seed(0)
    values = torch.randn(num_rows, 2).cumsum(0)
    gather = WindowGather(values, window=window, horizon=horizon, num_observed=2, num_targets=2)
    net = ForecastNet(model="cnn", num_features=2, num_observed=2, num_targets=2, window=window, horizon=horizon,
                      model_kwargs={"filters": 8, "num_conv_layers": 1})
    return net, gather, torch.arange(0, 120), torch.arange(120, 180)


def test_the_loss_is_read_once_per_epoch(monkeypatch):
    """No .item(), .cpu(), .tolist() or truth test inside the step: the host waits for the device only at the end
    of an epoch (train loss, validation loss), so the step can be captured in a CUDA graph."""
    net, gather, train_starts, val_starts = _setup()
    reads = []
    for name in ("item", "cpu", "tolist", "numpy", "__bool__"):
        original = getattr(torch.Tensor, name)

        def counting(self, *args, _original=original, _name=name, **kwargs):
            caller = sys._getframe(1).f_code.co_filename
            # Adam keeps its step counter on the host unless capturable, so reading it syncs nothing
            if "torch/optim" not in caller.replace("\\", "/"):
                reads.append((_name, caller.split("/")[-1]))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counting)
    config = TrainConfig(epochs=3, batch_size=16, patience=None, progress=False)  # 8 steps per epoch
    fit(net, gather=gather, train_windows=train_starts, val_windows=val_starts,
        loss_fn=torch.nn.functional.mse_loss, config=config)
    monkeypatch.undo()
    assert [name for name, _ in reads] == ["item", "item"] * 3, reads
    assert {file for _, file in reads} == {"train.py"}


def test_every_step_has_the_same_batch_shape():
    net, gather, train_starts, _ = _setup()
    shapes = []
    net.register_forward_pre_hook(lambda module, args: shapes.append(tuple(args[0].shape)))
    fit(net, gather=gather, train_windows=train_starts[:50], val_windows=None, loss_fn=torch.nn.functional.mse_loss,
        config=TrainConfig(epochs=2, batch_size=16, progress=False))
    assert set(shapes) == {(16, 16, 2)} and len(shapes) == 2 * 4  # 50 windows: 4 steps, the last topped up


def test_history_and_patience():
    net, gather, train_starts, val_starts = _setup()
    history = fit(net, gather=gather, train_windows=train_starts, val_windows=val_starts,
                  loss_fn=torch.nn.functional.mse_loss,
                  config=TrainConfig(epochs=40, batch_size=16, patience=2, lr=0.05, progress=False))
    assert {"epoch", "train_loss", "val_loss", "lr", "seconds"} <= set(history[0])
    losses = [h["val_loss"] for h in history]
    best = losses.index(min(losses))
    assert len(history) == 40 or len(history) - 1 - best == 2


def test_plateau_schedule_halves_on_a_training_loss_plateau_and_keeps_the_best_training_epoch():
    from cnnlstm.train import evaluate_loss

    net, gather, train_starts, _ = _setup()
    loss_fn = torch.nn.functional.mse_loss
    end_of_epoch = []  # the loss of the weights as each epoch ends (the progress callback sees them)

    def progress(record):
        end_of_epoch.append(evaluate_loss(net, gather, train_starts, loss_fn, config).item())

    config = TrainConfig(epochs=30, batch_size=16, lr=0.5, schedule="plateau", plateau_patience=2, progress=progress)
    history = fit(net, gather=gather, train_windows=train_starts, val_windows=None, loss_fn=loss_fn, config=config)
    rates = [h["lr"] for h in history]  # lr 0.5 is too high: the loss plateaus, so the rate halves
    assert rates[0] == 0.5 and min(rates) < 0.5
    assert all(b in (a, max(a / 2, 0.005)) for a, b in zip(rates, rates[1:])) and min(rates) >= 0.005
    best = min(range(len(history)), key=lambda i: history[i]["train_loss"])
    kept = evaluate_loss(net, gather, train_starts, loss_fn, config).item()
    assert kept == pytest.approx(end_of_epoch[best], rel=1e-6)  # the weights of the best training epoch
    assert best != len(history) - 1 or end_of_epoch[-1] == pytest.approx(kept)


def test_config_and_device_errors():
    with pytest.raises(ValueError, match="`epochs` must be a positive integer"):
        TrainConfig(epochs=0)
    with pytest.raises(ValueError, match="`lr` must be positive"):
        TrainConfig(lr=0)
    with pytest.raises(ValueError, match=r"`schedule` must be one of \('cosine', 'plateau'\). Received: schedule='step'"):
        TrainConfig(schedule="step")
    with pytest.raises(ValueError, match="`plateau_patience` must be a positive integer"):
        TrainConfig(plateau_patience=0)
    with pytest.raises(ValueError, match="`device` must be"):
        resolve_device("gpu0")
    assert resolve_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            resolve_device("cuda")
    net, gather, _, _ = _setup()
    with pytest.raises(ValueError, match="no training windows"):
        fit(net, gather=gather, train_windows=torch.zeros(0, dtype=torch.long), val_windows=None,
            loss_fn=torch.nn.functional.mse_loss, config=TrainConfig(progress=False))


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error raised without a GPU")
def test_cuda_graph_needs_cuda():
    net, gather, train_starts, _ = _setup()
    with pytest.raises(ValueError, match="`cuda_graph=True` needs the data on a CUDA device"):
        fit(net, gather=gather, train_windows=train_starts, val_windows=None, loss_fn=torch.nn.functional.mse_loss,
            config=TrainConfig(cuda_graph=True, progress=False))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU: run on a CUDA machine")
def test_cuda_graph_trains_like_eager():
    """Captured and eager steps give the same weights (fp32, no dropout)."""
    results = []
    for graphed in (False, True):
        net, gather, train_starts, val_starts = _setup()
        net = net.cuda()
        for module in net.modules():  # dropout masks differ between eager and replayed kernels
            if isinstance(module, torch.nn.Dropout):
                module.p = 0.0
        gather = WindowGather(gather.values.cuda(), window=16, horizon=4, num_observed=2, num_targets=2)
        fit(net, gather=gather, train_windows=train_starts.cuda(), val_windows=val_starts.cuda(),
            loss_fn=torch.nn.functional.mse_loss,
            config=TrainConfig(epochs=2, batch_size=16, amp=False, cuda_graph=graphed, progress=False))
        results.append([p.detach().cpu() for p in net.parameters()])
    for eager, graphed in zip(*results):
        torch.testing.assert_close(eager, graphed, rtol=1e-4, atol=1e-5)


def test_max_steps_per_epoch_caps_each_epoch():
    net, gather, train_starts, _ = _setup()
    calls = []
    net.register_forward_pre_hook(lambda module, args: calls.append(1))
    fit(net, gather=gather, train_windows=train_starts, val_windows=None, loss_fn=torch.nn.functional.mse_loss,
        config=TrainConfig(epochs=2, batch_size=16, max_steps_per_epoch=3, progress=False))
    assert len(calls) == 2 * 3
    with pytest.raises(ValueError, match="`max_steps_per_epoch` must be a positive integer"):
        TrainConfig(max_steps_per_epoch=0)


def test_device_windows_map_numbers_to_the_materialised_starts():
    from cnnlstm.data.prepare.windows import window_index
    from cnnlstm.train import DeviceWindows

    index = window_index([0, 50, 80], [0, 10, 0], [50, 30, 60], window=8, horizon=3, stride=2)
    windows = DeviceWindows(index)
    assert len(windows) == len(index.starts())
    numbers = torch.arange(len(windows))
    assert windows.rows(numbers).tolist() == index.starts().tolist()
    assert torch.cat(list(windows.chunks(7))).tolist() == index.starts().tolist()


def test_huge_data_draws_random_batches_without_a_permutation(monkeypatch):
    import cnnlstm.train as train

    net, gather, train_starts, _ = _setup()
    monkeypatch.setattr(train, "PERMUTATION_LIMIT", 10)  # pretend 120 windows are too many to permute
    monkeypatch.setattr(torch, "randperm", lambda *a, **k: pytest.fail("no permutation past the limit"))
    seen = []
    net.register_forward_pre_hook(lambda module, args: seen.append(tuple(args[0].shape)))
    fit(net, gather=gather, train_windows=train_starts, val_windows=None, loss_fn=torch.nn.functional.mse_loss,
        config=TrainConfig(epochs=1, batch_size=16, progress=False))
    assert seen == [(16, 16, 2)] * 8
