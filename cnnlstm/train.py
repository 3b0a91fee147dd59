"""The training loop: plain functions over a model and a way to gather batches on the device.

The data never leave the device: a batch is a set of window start rows, and `gather(rows)` slices the inputs and
targets out of one array that already lives there. The step has static shapes and no host synchronisation (the
loss is summed on the device and read once per epoch), so it can be captured in a CUDA graph.
"""

from __future__ import annotations

import copy
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from . import distributed
from .data.prepare.windows import WindowIndex

# gather(rows) -> (inputs, targets); inputs is one tensor, or a tuple of tensors passed to the model as arguments
# (a padded batch and its lengths)
Gather = Callable[[torch.Tensor], tuple[torch.Tensor | tuple, torch.Tensor]]


def call(model: nn.Module, inputs: torch.Tensor | tuple) -> torch.Tensor:
    """model(x), or model(x, lengths) when the gather gave a tuple."""
    return model(*inputs) if isinstance(inputs, tuple) else model(inputs)

# Up to this many windows an epoch is a permutation (every window once); beyond it, batches are drawn at random
# with replacement, so no per-window table (8 bytes a window, as large as the data itself) is ever built.
PERMUTATION_LIMIT = 1 << 22


class DeviceWindows:
    """A WindowIndex on the training device: window numbers map to start rows with one searchsorted, no table."""

    def __init__(self, index: WindowIndex, device: torch.device | str = "cpu"):
        self.first = torch.as_tensor(index.first, device=device)
        self.offsets = torch.as_tensor(index.offsets, device=device)
        self.stride, self.size, self.device = index.stride, len(index), torch.device(device)

    @classmethod
    def from_rows(cls, rows: torch.Tensor) -> "DeviceWindows":
        """Explicit start rows, each its own one-window run."""
        windows = cls.__new__(cls)
        windows.first, windows.offsets = rows, torch.arange(len(rows) + 1, device=rows.device)
        windows.stride, windows.size, windows.device = 1, len(rows), rows.device
        return windows

    def __len__(self) -> int:
        return self.size

    def rows(self, k: torch.Tensor) -> torch.Tensor:
        series = torch.searchsorted(self.offsets, k, right=True) - 1
        return self.first[series] + (k - self.offsets[series]) * self.stride

    def shard(self) -> "DeviceWindows":
        """This rank's share of the windows under torchrun (`cnnlstm.distributed`); self without a launch."""
        begin, end = distributed.shard_range(self.size)
        if (begin, end) == (0, self.size):
            return self
        return DeviceWindows.from_rows(self.rows(torch.arange(begin, end, device=self.device)))

    def chunks(self, size: int):
        """Start rows of every window, `size` at a time, in order."""
        for begin in range(0, self.size, size):
            yield self.rows(torch.arange(begin, min(self.size, begin + size), device=self.device))


def _as_windows(windows) -> DeviceWindows | None:
    if windows is None or isinstance(windows, DeviceWindows):
        return windows
    return DeviceWindows.from_rows(windows)


SCHEDULES = ("cosine", "plateau")
_EXAMPLES = {"epochs": 20, "batch_size": 64, "eval_batch_size": 1024, "max_steps_per_epoch": 100, "stop_after": 10}


@dataclass
class TrainConfig:
    """How to train. Every field has a default that suits small and medium data on a CPU or a GPU."""

    epochs: int = 20  # passes over the training windows
    batch_size: int = 64  # windows per step; under torchrun the global batch, each rank taking its slice
    lr: float = 1e-3  # peak learning rate of AdamW
    weight_decay: float = 1e-4
    warmup: float = 0.05  # fraction of steps spent warming the learning rate up, then a cosine decay
    # "cosine": warm-up then cosine decay over the planned steps. "plateau": the FCN / LSTM-FCN protocol: the
    # rate halves after `plateau_patience` epochs without a better monitored loss (validation loss, or training
    # loss without validation windows), down to lr / 100, and the weights of the best monitored epoch are kept
    schedule: str = "cosine"
    plateau_patience: int = 10
    grad_clip: float | None = 1.0  # max gradient norm; None turns clipping off
    patience: int | None = 5  # epochs without a better validation loss before stopping; None never stops early
    device: str = "auto"  # "auto" picks cuda, then mps, then cpu
    # True: bf16 autocast on CUDA, float32 elsewhere. "always": bf16 autocast on the CPU too, about 2 x faster for
    # convolutions on CPUs with bf16 matrix units (Intel AMX, Xeon 4th generation on) and slower on CPUs without
    # them; measured: classification accuracy kept, C-MAPSS RUL worse (BENCHMARKS.md sections 7, 8, 14).
    # False: float32 everywhere. Weights, BatchNorm and the loss stay float32 in every case.
    amp: bool | str = True
    seed: int = 0
    # None: a progress bar on an interactive terminal, quiet in CI and in pipes; a callable gets each epoch's
    # record instead (how `compare` drives its one display for the whole comparison)
    progress: bool | None | Callable[[dict], None] = None
    eval_batch_size: int = 1024
    cuda_graph: bool = False  # capture the whole training step in a CUDA graph (CUDA only; static shapes)
    max_steps_per_epoch: int | None = None  # cap for very large data: each epoch then sees a random subset
    stop_after: int | None = None  # end after this many epochs of the `epochs`-long schedule (a refit to a chosen epoch)

    def __post_init__(self):
        for name in ("epochs", "batch_size", "eval_batch_size", "max_steps_per_epoch", "stop_after"):
            value = getattr(self, name)
            if name in ("max_steps_per_epoch", "stop_after") and value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}. "
                                 f"Fix: pass a whole number of 1 or more, e.g. {name}={_EXAMPLES[name]}.")
        if not self.lr > 0:
            raise ValueError(f"`lr` must be positive. Received: lr={self.lr!r}.")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"`schedule` must be one of {SCHEDULES}. Received: schedule={self.schedule!r}. "
                             "Fix: schedule='cosine' (warm-up then cosine decay) or 'plateau' (halve on a plateau).")
        if not isinstance(self.plateau_patience, int) or isinstance(self.plateau_patience, bool) \
                or self.plateau_patience < 1:
            raise ValueError(f"`plateau_patience` must be a positive integer. Received: "
                             f"plateau_patience={self.plateau_patience!r}.")
        if self.patience is not None and self.patience < 1:
            raise ValueError(f"`patience` must be a positive integer or None. Received: patience={self.patience!r}.")


def resolve_device(name: str = "auto") -> torch.device:
    """The device to train on: cuda if present, then Apple's mps, then the cpu."""
    if name == "auto":
        if torch.cuda.is_available():
            return distributed.cuda_device()  # cuda:LOCAL_RANK under torchrun
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ValueError(f"`device` must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'. Received: device={name!r}.") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("`device` is 'cuda' but no CUDA device is available. Received: device='cuda'. Fix: use 'auto'.")
    return distributed.cuda_device() if device == torch.device("cuda") else device


def show_progress(setting) -> bool:
    if callable(setting):
        return False
    if setting is not None:
        return setting
    return sys.stderr.isatty() and not os.environ.get("CI")


def _autocast(device: torch.device, amp: bool | str, cache: bool = True):
    # bf16 keeps fp32's exponent range, so no loss scaling is needed; a captured graph wants no weight cache
    enabled = device.type == "cuda" and bool(amp) or device.type == "cpu" and amp == "always"
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=enabled, cache_enabled=cache)


def _capture(step, model: nn.Module, optimizer, example_rows: torch.Tensor, warmup: int = 3):
    """Record `step` once in a CUDA graph and return a function that replays it on new rows.

    Follows PyTorch's whole-network capture recipe: a few warm-up steps on a side stream (they allocate the
    optimizer state and pick kernels), then capture. The warm-up's updates are undone, so the captured run trains
    exactly the steps it is given.
    """
    weights = copy.deepcopy(model.state_dict())
    static_rows = example_rows.clone()
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(warmup):
            step(static_rows)
    torch.cuda.current_stream().wait_stream(side)
    with torch.no_grad():  # undo the warm-up in place: the graph keeps pointers to these very tensors
        for name, tensor in model.state_dict().items():
            tensor.copy_(weights[name])
        for state in optimizer.state.values():
            for value in state.values():
                if torch.is_tensor(value):
                    value.zero_()
    graph = torch.cuda.CUDAGraph()
    optimizer.zero_grad(set_to_none=True)
    with torch.cuda.graph(graph):
        static_loss = step(static_rows)

    def replay(rows: torch.Tensor) -> torch.Tensor:
        static_rows.copy_(rows)
        graph.replay()
        return static_loss.clone()

    return replay


def _schedule(step: int, total: int, warmup: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


@torch.no_grad()
def evaluate_loss(model: nn.Module, gather: Gather, windows, loss_fn, config: TrainConfig) -> torch.Tensor:
    """Mean loss over all `windows` (DeviceWindows or start rows), a 0-d tensor on the device (no host sync)."""
    model.eval()
    windows = _as_windows(windows)
    total = torch.zeros((), device=windows.device)
    for rows in windows.chunks(config.eval_batch_size):
        x, y = gather(rows)
        with _autocast(windows.device, config.amp):
            prediction = call(model, x)
        total += loss_fn(prediction.float(), y) * len(rows)
    return total / max(1, len(windows))


def fit(
    model: nn.Module,
    *,
    gather: Gather,
    train_windows,
    val_windows,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    config: TrainConfig,
) -> list[dict]:
    """Train `model` in place and return its history, one dict per epoch.

    `train_windows` and `val_windows` are DeviceWindows (or tensors of start rows). Each epoch visits every
    training window once in a random order; the last batch is topped up with windows from the start of the same
    permutation, so every step has the same shape. Past PERMUTATION_LIMIT windows, batches are drawn at random
    with replacement instead. With validation windows, the weights of the epoch with the lowest validation loss
    are restored at the end (early stopping on validation, never on test data).
    """
    train_windows, val_windows = _as_windows(train_windows), _as_windows(val_windows)
    device = train_windows.device
    num_train = len(train_windows)
    if num_train == 0:
        raise ValueError("There are no training windows. Fix: use a shorter window or horizon, or more data.")
    # under torchrun, batch_size is the global batch and each rank trains on its slice (`cnnlstm.distributed`)
    batch_size, local_batch = distributed.split_batch(min(config.batch_size, num_train), num_train)
    steps_per_epoch = math.ceil(num_train / batch_size)
    if config.max_steps_per_epoch is not None:
        steps_per_epoch = min(steps_per_epoch, config.max_steps_per_epoch)
    total_steps = steps_per_epoch * config.epochs

    graphed = config.cuda_graph
    if graphed and device.type != "cuda":
        raise ValueError(
            f"`cuda_graph=True` needs the data on a CUDA device. Received: device={str(device)!r}. "
            "Fix: set cuda_graph=False, or train on a machine with a GPU."
        )
    # capturable=True keeps Adam's step counter and a tensor learning rate on the device, as a graph needs
    lr = torch.tensor(config.lr, device=device) if graphed else config.lr
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=config.weight_decay, capturable=graphed)
    warmup = max(1, int(config.warmup * total_steps))
    scheduler = (torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: _schedule(s, total_steps, warmup))
                 if config.schedule == "cosine" else None)
    plateau = _Plateau(optimizer, config) if scheduler is None else None
    generator = torch.Generator(device=device).manual_seed(config.seed)  # one seed: every rank draws the same order
    net = distributed.wrap(model, device, graphed=graphed)  # DistributedDataParallel under torchrun, else model
    val_shard = val_windows.shard() if val_windows is not None else None

    def step(rows: torch.Tensor) -> torch.Tensor:
        x, y = gather(rows)  # x (B, W, F), y (B, H, T), gathered on the device
        with _autocast(device, config.amp, cache=not graphed):
            prediction = call(net, x)
        loss = loss_fn(prediction.float(), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.grad_clip is not None:  # a long LSTM can blow up on one bad batch
            nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip, foreach=True)
        optimizer.step()
        return loss.detach()

    if graphed:  # the whole step, gather to AdamW, replays as one graph: no per-kernel launch cost
        step = _capture(step, model, optimizer, train_windows.rows(torch.arange(local_batch, device=device)),
                        warmup=distributed.GRAPH_WARMUP_STEPS if distributed.launched() else 3)

    history: list[dict] = []
    best_loss, best_state, bad_epochs = math.inf, None, 0
    progress = _Progress(config.epochs, enabled=show_progress(config.progress) and distributed.is_main_process())
    with progress:
        for epoch in range(1, min(config.epochs, config.stop_after or config.epochs) + 1):
            began = time.perf_counter()
            model.train()
            running = torch.zeros((), device=device)
            for numbers in _epoch_batches(num_train, batch_size, steps_per_epoch, generator, device):
                running += step(train_windows.rows(distributed.shard(numbers)))
                if scheduler is not None:
                    scheduler.step()
            # under torchrun both losses are means over every rank, so all ranks take the same decisions below
            record = {"epoch": epoch, "train_loss": distributed.mean_over_ranks(running / steps_per_epoch).item()}
            if val_windows is not None and len(val_windows):
                val_loss = evaluate_loss(model, gather, val_shard, loss_fn, config)
                record["val_loss"] = distributed.mean_over_ranks(val_loss, len(val_shard)).item()
            record["lr"] = float(optimizer.param_groups[0]["lr"])
            record["seconds"] = time.perf_counter() - began
            history.append(record)
            progress.update(record)
            if callable(config.progress):
                config.progress({**record, "epochs": config.epochs})

            if not math.isfinite(record["train_loss"]):
                raise FloatingPointError(
                    f"The training loss became {record['train_loss']} at epoch {epoch}. "
                    "Fix: lower lr, keep grad_clip on, or check the data for extreme values."
                )
            if "val_loss" in record:  # early stopping and best-weights restore on validation loss
                if record["val_loss"] < best_loss:
                    best_loss, bad_epochs = record["val_loss"], 0
                    best_state = copy.deepcopy(model.state_dict())
                else:
                    bad_epochs += 1
                    if config.patience is not None and bad_epochs >= config.patience:
                        break
            elif plateau is not None and record["train_loss"] < best_loss:  # the FCN protocol: best training loss
                best_loss, best_state = record["train_loss"], copy.deepcopy(model.state_dict())
            if plateau is not None:
                plateau.step(record.get("val_loss", record["train_loss"]))
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return history


class _Plateau:
    """Halves the learning rate after `plateau_patience` epochs without a better monitored loss, down to lr / 100
    (Keras' ReduceLROnPlateau as the FCN and LSTM-FCN papers use it). Sets a tensor rate in place, so a captured
    CUDA graph sees the change."""

    def __init__(self, optimizer, config: TrainConfig):
        self.optimizer, self.patience = optimizer, config.plateau_patience
        self.floor, self.best, self.bad = config.lr / 100, math.inf, 0

    def step(self, loss: float) -> None:
        if loss < self.best:
            self.best, self.bad = loss, 0
            return
        self.bad += 1
        if self.bad < self.patience:
            return
        self.bad = 0
        for group in self.optimizer.param_groups:
            new = max(self.floor, float(group["lr"]) * 0.5)
            if torch.is_tensor(group["lr"]):
                group["lr"].fill_(new)
            else:
                group["lr"] = new


def _epoch_batches(num_windows: int, batch_size: int, steps: int, generator, device):
    """Window numbers for each step of one epoch, `batch_size` at a time (always the same shape)."""
    if num_windows > PERMUTATION_LIMIT:  # huge data: random draws, no per-window permutation in memory
        for _ in range(steps):
            yield torch.randint(num_windows, (batch_size,), device=device, generator=generator)
        return
    order = torch.randperm(num_windows, device=device, generator=generator)
    order = torch.cat([order, order[: max(0, steps * batch_size - num_windows)]])  # top the last batch up
    yield from order[: steps * batch_size].view(steps, batch_size)


class _Progress:
    """A rich progress bar: epoch, loss, validation loss and time left. Does nothing when disabled."""

    def __init__(self, epochs: int, enabled: bool):
        self.epochs, self.enabled = epochs, enabled

    def __enter__(self):
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("epoch"), MofNCompleteColumn(), BarColumn(), TextColumn("{task.fields[losses]}"),
                TimeRemainingColumn(), transient=True,
            )
            self.bar.__enter__()
            self.task = self.bar.add_task("train", total=self.epochs, losses="")
        return self

    def update(self, record: dict):
        if self.enabled:
            losses = f"loss {record['train_loss']:.4f}"
            if "val_loss" in record:
                losses += f"  val {record['val_loss']:.4f}"
            self.bar.update(self.task, advance=1, losses=losses)

    def __exit__(self, *exc):
        if self.enabled:
            self.bar.__exit__(*exc)
        return False


@torch.no_grad()
def predict(model: nn.Module, inputs: Callable[[torch.Tensor], torch.Tensor], windows, *,
            batch_size: int = 1024, amp: bool | str = True) -> torch.Tensor:
    """Model outputs for every window (DeviceWindows or start rows), in batches; `inputs(rows)` gathers the input."""
    model.eval()
    windows = _as_windows(windows)
    outputs = [_forward(model, inputs(rows), windows.device, amp) for rows in windows.chunks(batch_size)]
    return torch.cat(outputs) if outputs else torch.zeros(0, device=windows.device)


def _forward(model: nn.Module, x, device: torch.device, amp: bool | str) -> torch.Tensor:
    with _autocast(device, amp):
        return call(model, x).float()
