"""Data-parallel training under `torchrun`, with no code change: what `cnnlstm.train.fit` asks of the launch.

    torchrun --nproc_per_node 2 -m cnnlstm.cli train --dataset etth1 --horizon 24      # 2 GPUs, or 2 CPU processes
    torchrun --nproc_per_node 2 my_script.py                                           # Forecaster(...).fit(...) inside

torchrun sets WORLD_SIZE, RANK and LOCAL_RANK in each process it starts. Seeing them, `fit` joins the process group
(gloo for CPU tensors, nccl for CUDA ones; once per process), trains a DistributedDataParallel wrapper of the model
and unwraps it again at the end. Without them (a plain `python`), every function here is a no-op and training is
exactly the one-process loop.

The batch is split, not multiplied: `batch_size` stays the global batch, every rank draws the same permutation of
window numbers (one seed) and takes its own contiguous slice of each batch, so the steps, the learning-rate schedule
and the gradient (DDP averages the ranks' mean losses) are those of one process with that batch. A batch size that
does not divide by the number of processes is rounded up to the next multiple. Validation windows are shared out
too, and the loss sums are added across ranks, so every rank reads the same validation loss and takes the same
early-stopping decision. Only rank 0 writes files (`Estimator.save`, the CLI's run folder).

Rank layout of one batch of 8 window numbers on 2 ranks (the table the tests check):

    batch     [17, 3, 40, 8, 21, 5, 33, 12]
    rank 0    [17, 3, 40, 8]
    rank 1                   [21, 5, 33, 12]
"""

from __future__ import annotations

import atexit
import math
import os
import warnings

import torch
import torch.distributed as dist
from torch import nn

# DDP buckets its gradients during its first iterations; PyTorch's CUDA graph notes ask for 11 eager steps first
GRAPH_WARMUP_STEPS = 11


def launched() -> bool:
    """True in a process that torchrun (or another env:// launcher) started, or once a process group exists."""
    if not dist.is_available():
        return False
    return dist.is_initialized() or ("WORLD_SIZE" in os.environ and "RANK" in os.environ)


def world_size() -> int:
    """How many processes train together (1 without a launch)."""
    if not launched():
        return 1
    return dist.get_world_size() if dist.is_initialized() else int(os.environ["WORLD_SIZE"])


def rank() -> int:
    """This process's number among them (0 without a launch).

    Example:
        >>> rank()  # under a plain python
        0
    """
    if not launched():
        return 0
    return dist.get_rank() if dist.is_initialized() else int(os.environ["RANK"])


def is_main_process() -> bool:
    """Whether this process writes files: rank 0, or the only process."""
    return rank() == 0


def cuda_device() -> torch.device:
    """The CUDA device of this process: cuda:LOCAL_RANK under torchrun (made the current device), else cuda."""
    if not launched():
        return torch.device("cuda")
    device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
    torch.cuda.set_device(device)  # streams, graphs and NCCL use the current device
    return device


def init(device: torch.device) -> None:
    """Join the process group once (torchrun's env:// rendezvous): gloo for CPU tensors, nccl for CUDA ones."""
    if not launched() or dist.is_initialized():
        return
    if device.type == "cuda":
        torch.cuda.set_device(device)
    backend = "cpu:gloo,cuda:nccl" if torch.cuda.is_available() and dist.is_nccl_available() else "gloo"
    dist.init_process_group(backend=backend)
    atexit.register(_leave)


def _leave() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def split_batch(batch_size: int, num_windows: int) -> tuple[int, int]:
    """(global batch, this rank's share): the global batch rounded up to a multiple of the number of processes.

    Example:
        >>> split_batch(64, 1000)  # one process
        (64, 64)
    """
    world = world_size()
    if world == 1:
        return batch_size, batch_size
    if num_windows < world:
        raise ValueError(
            f"There are {num_windows} training windows for {world} processes: each process needs at least one. "
            f"Fix: launch at most {num_windows} processes, or use more data."
        )
    local = math.ceil(batch_size / world)
    return local * world, local


def wrap(model: nn.Module, device: torch.device, *, graphed: bool = False) -> nn.Module:
    """`model` in DistributedDataParallel under a launch (the gradients averaged across ranks), else `model`.

    The wrapper is for the training steps only: evaluation, best-weight copies and saving use `model` itself.
    """
    if not launched():
        return model
    init(device)
    # a size-1 dimension (a conv over one channel) has nominal strides that differ while the memory layout is the
    # same: DDP's warning about it is spurious (pytorch/pytorch#47163)
    warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")
    device_ids = [device] if device.type == "cuda" else None
    if not graphed:
        return nn.parallel.DistributedDataParallel(model, device_ids=device_ids)
    side = torch.cuda.Stream()  # a captured backward needs DDP built on a side stream (PyTorch's CUDA graph notes)
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        wrapped = nn.parallel.DistributedDataParallel(model, device_ids=device_ids)
    torch.cuda.current_stream().wait_stream(side)
    return wrapped


def shard(numbers: torch.Tensor) -> torch.Tensor:
    """This rank's contiguous slice of one global batch of window numbers (all of them without a launch)."""
    world = world_size()
    if world == 1:
        return numbers
    local = len(numbers) // world
    return numbers[rank() * local : (rank() + 1) * local]


def shard_range(count: int) -> tuple[int, int]:
    """This rank's [begin, end) of `count` items shared out as evenly as possible (validation windows).

    Example:
        >>> shard_range(10)  # one process takes all
        (0, 10)
    """
    world, me = world_size(), rank()
    return count * me // world, count * (me + 1) // world


def mean_over_ranks(mean: torch.Tensor, count: int | None = None) -> torch.Tensor:
    """The mean over every rank's items, from this rank's `mean` over its `count` items (None: equal counts).

    A 0-d tensor on the device; every rank gets the same value, so every rank takes the same decision on it.
    """
    if world_size() == 1:
        return mean
    if count is None:
        total = mean.detach().clone()
        dist.all_reduce(total)
        return total / world_size()
    pair = torch.stack([mean.detach() * count, torch.tensor(float(count), device=mean.device)])
    dist.all_reduce(pair)
    return pair[0] / pair[1].clamp(min=1)
