"""Bricks for image sequences: apply a module to every frame, and a small 2-D convolutional frame encoder.

    TimeDistributed(module):   x (B, T, *rest) -> fold time into batch (B*T, *rest) -> module -> (B, T, *out)
                               with lengths: only the N valid frames go through the module; the padded steps of
                               the output are zeros
    FrameEncoder:              (N, C, H, W) -> num_conv_layers x [Conv2d -> BatchNorm2d? -> ReLU -> MaxPool2d(2)?
                               -> Dropout] -> SpatialPool -> (N, K*g*g) with "grid", (N, K) with "mean" / "max"
    SpatialPool:               (N, K, H, W) -> "grid": adaptive average pool to g x g, flattened -> (N, K*g*g)
                                               "mean" / "max": over all of H, W -> (N, K)

Dimension letters:
    B  batch size
    T  time steps (frames) of a sequence;  lengths (B,) holds the valid ones, the rest is right padding
    N  frames encoded at once: B*T, or the number of valid frames when lengths are given
    C  channels of a frame (in_features)
    H  frame height, W frame width;  H', W' after pooling
    K  convolution filters (filters), or channels of whatever map is pooled
    g  side of the pooling grid (grid)

Why only valid frames are encoded: in training mode BatchNorm normalises with the statistics of the batch it sees,
so padded frames (zeros, or garbage) would shift the statistics of the real ones, and one sequence's output would
depend on how much padding its batch carries. Gathering the valid frames first keeps training exact under padding,
and skips the compute the padding would waste.

Why a grid: averaging a feature map over the whole frame keeps *what* it shows and discards *where*. On moving
digits that leaves a model unable to tell the direction of motion (an LSTM over whole-frame means sees the same
vector at every step), and a ConvLSTM's mostly black state dilutes the digit. A coarse g x g grid of averages keeps
where, at the cost of g*g times more features.

Also here: `check_frames` and `check_lengths`, the argument checks every frames model runs at `forward`.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from cnnlstm.models.layers import check_bool, check_choice, check_dropout, check_positive_int, step_mask

SPATIAL_POOLS = ("grid", "mean", "max")


# -----------------------------------------------------------------------------
# argument checks at forward


def check_frames(x, in_features: int) -> None:
    """Raise ValueError unless `x` is a float tensor (B, T, C=in_features, H, W)."""
    if not isinstance(x, torch.Tensor) or x.dim() != 5 or x.shape[2] != in_features or not x.is_floating_point():
        if isinstance(x, torch.Tensor):
            received = f"x.shape={tuple(x.shape)}, dtype={x.dtype}"
        else:
            received = f"x of type {type(x).__name__}"
        raise ValueError(
            f"`x` must be a float tensor of shape (B, T, C={in_features}, H, W): batch, frames, channels, height, "
            f"width. Received: {received}. Fix: stack the frames as (B, T, C, H, W); a grayscale video (B, T, H, W) "
            "becomes x.unsqueeze(2)."
        )


def check_lengths(lengths, batch: int, steps: int) -> None:
    """Raise ValueError unless `lengths` is None or a (B,) integer tensor with values in [1, T]."""
    if lengths is None:
        return
    if (
        not isinstance(lengths, torch.Tensor)
        or lengths.dim() != 1
        or lengths.numel() != batch
        or lengths.is_floating_point()
        or lengths.dtype == torch.bool
    ):
        received = (
            f"lengths.shape={tuple(lengths.shape)}, dtype={lengths.dtype}"
            if isinstance(lengths, torch.Tensor) else f"lengths of type {type(lengths).__name__}"
        )
        raise ValueError(
            f"`lengths` must be a (B,) integer tensor, one count of valid frames per sequence, with B={batch}. "
            f"Received: {received}. Fix: pass torch.tensor([...], dtype=torch.int64), or lengths=None when no "
            "sequence is padded."
        )
    low, high = int(lengths.min()), int(lengths.max())
    if low < 1 or high > steps:
        raise ValueError(
            f"`lengths` must lie in [1, T={steps}]: every sequence has at least one valid frame and at most the "
            f"T frames of x. Received: lengths from {low} to {high}. Fix: drop empty sequences, and pad x to the "
            "longest sequence."
        )


# -----------------------------------------------------------------------------
# bricks


class TimeDistributed(nn.Module):
    """Apply `module` to every time step: (B, T, *rest) -> module((B*T, *rest)) -> (B, T, *out_rest).

    With `lengths` (B,), only the valid steps go through the module (so batch statistics and compute see no padding)
    and the padded steps of the output are zeros.

    Example:
        >>> td = TimeDistributed(nn.Conv2d(3, 8, 3, padding=1))
        >>> td(torch.randn(2, 5, 3, 16, 16)).shape
        torch.Size([2, 5, 8, 16, 16])
    """

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        B, T = x.shape[:2]
        if lengths is None:
            y = self.module(x.reshape(B * T, *x.shape[2:]))  # (B*T, *rest) -> (B*T, *out)
            return y.reshape(B, T, *y.shape[1:])  # (B, T, *out)
        rows = step_mask(lengths.to(x.device), T).reshape(B * T).nonzero().squeeze(1)  # (N,) flat (b, t) indices
        y = self.module(x.reshape(B * T, *x.shape[2:]).index_select(0, rows))  # (N, *rest) -> (N, *out)
        out = y.new_zeros(B * T, *y.shape[1:]).index_copy(0, rows, y)  # (B*T, *out), zeros at the padding
        return out.reshape(B, T, *y.shape[1:])


class SpatialPool(nn.Module):
    """Pool a feature map over space: (N, K, H, W) -> (N, output_size).

    how="grid":  adaptive average pool to a grid x grid map, flattened channel-major -> (N, K*grid*grid); keeps
                 coarse position. A side shorter than `grid` is repeated, so any H, W >= 1 work.
    how="mean":  average over H, W -> (N, K); what is there, not where.
    how="max":   maximum over H, W -> (N, K); the strongest response anywhere, however small the object.

    Example:
        >>> SpatialPool(8, how="grid", grid=4)(torch.randn(2, 8, 6, 6)).shape
        torch.Size([2, 128])
    """

    def __init__(self, channels: int, *, how: str = "grid", grid: int = 4):
        super().__init__()
        check_choice("spatial_pool", how, SPATIAL_POOLS)
        check_positive_int("grid", grid, "pass e.g. grid=4 (a 4x4 grid of averages).")
        self.how, self.grid = how, grid
        self.output_size = channels * grid * grid if how == "grid" else channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.how == "grid":
            return F.adaptive_avg_pool2d(x, self.grid).flatten(1)  # (N, K, g, g) -> (N, K*g*g)
        if self.how == "max":
            return x.amax(dim=(-2, -1))  # (N, K)
        return x.mean(dim=(-2, -1))  # (N, K)


class FrameEncoder(nn.Module):
    """`num_conv_layers` x [Conv2d (size kept) -> BatchNorm2d? -> ReLU -> MaxPool2d(2)? -> Dropout] -> SpatialPool.

    (N, C, H, W) -> (N, output_size): K*grid*grid with spatial_pool="grid" (the default: keeps coarse position),
    K with "mean" or "max". Each side is halved (ceil_mode, so an odd side keeps its last row or column) while it
    is at least 2 long, so any frame size works: 24x24 with two layers gives 24 -> 12 -> 6, then a 4x4 grid; a 1x1
    frame stays 1x1.
    """

    def __init__(
        self,
        in_channels: int,
        *,
        num_conv_layers: int = 2,
        filters: int = 32,
        kernel_size: int = 3,
        dropout: float = 0.1,
        batch_norm: bool = True,
        spatial_pool: str = "grid",
        grid: int = 4,
    ):
        super().__init__()
        check_positive_int("num_conv_layers", num_conv_layers, "pass e.g. num_conv_layers=2.")
        check_positive_int("filters", filters, "pass e.g. filters=32.")
        check_positive_int("kernel_size", kernel_size, "pass e.g. kernel_size=3.")
        check_dropout(dropout)
        check_bool("batch_norm", batch_norm)
        channels = [in_channels] + [filters] * num_conv_layers
        # padding="same" keeps H, W for every kernel size (even ones are padded asymmetrically)
        self.convs = nn.ModuleList(
            nn.Conv2d(c_in, c_out, kernel_size, padding="same", bias=not batch_norm)
            for c_in, c_out in zip(channels[:-1], channels[1:])
        )
        self.norms = nn.ModuleList(nn.BatchNorm2d(filters) if batch_norm else nn.Identity() for _ in self.convs)
        self.dropout = nn.Dropout(dropout)
        self.pool = SpatialPool(filters, how=spatial_pool, grid=grid)
        self.output_size = self.pool.output_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv, norm in zip(self.convs, self.norms):
            x = F.relu(norm(conv(x)))  # (N, K, H, W)
            pool = (2 if x.shape[-2] >= 2 else 1, 2 if x.shape[-1] >= 2 else 1)
            if pool != (1, 1):
                x = F.max_pool2d(x, pool, ceil_mode=True)  # (N, K, H', W'), H' = ceil(H / 2) when H >= 2
            x = self.dropout(x)
        return self.pool(x)  # (N, K*g*g) or (N, K)
