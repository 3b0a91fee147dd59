"""FCN, the fully convolutional network of Wang, Yan & Oates (2017), "Time series classification from scratch with
deep neural networks: a strong baseline" (IJCNN 2017, arXiv:1611.06455).

    x (B, T, F) -> block 1: Conv1d(F -> C1, k1, 'same') -> BatchNorm -> ReLU        (B, T, C1)
                -> block 2: Conv1d(C1 -> C2, k2, 'same') -> BatchNorm -> ReLU       (B, T, C2)
                -> block 3: Conv1d(C2 -> C3, k3, 'same') -> BatchNorm -> ReLU       (B, T, C3)
                -> global average pooling over T (valid steps only)                 (B, C3)
                -> Linear                                                           (B, out_features)

Dimension letters:
    B  batch size
    T  time steps of the input (any length: no pooling, every block keeps T)
    F  input features (in_features)
    C1, C2, C3  filters of the three blocks (filters, the paper's 128, 256, 128; kernels k1, k2, k3 = 8, 5, 3)

`filters` and `kernel_size` take three ints, or one int for all three blocks.
No pooling and no dropout, as in the paper; the network is the same for every window, so `window` is ignored.
With `lengths` the padded steps are zeroed before every convolution, left out of the batch-norm statistics and
out of the average (layers.ConvStack, layers.masked_mean), so a sequence gives the same output alone as padded.

The three blocks are `FCNBlocks`, which `lstm_fcn` reuses as its convolutional branch (with a squeeze-and-excite
block after the first two for MLSTM-FCN, `SqueezeExcite`).

Published results, quoted from the paper (test error rates on the UCR archive, FCN column): GunPoint 0.000,
CBF 0.000, ItalyPowerDemand 0.030, ECG200 0.100, i.e. accuracies 1.000, 1.000, 0.970, 0.900 (the figures
BENCHMARKS.md section 6 lists as FCN's). Not measured here.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from cnnlstm.models.layers import ConvStack, check_io, constructor_arguments, masked_mean


def three_positive_ints(name: str, value, example: str) -> tuple[int, int, int]:
    """An int (used by all three blocks) or three ints -> a tuple of three; a ValueError naming `name` otherwise."""
    values = (value,) * 3 if isinstance(value, int) and not isinstance(value, bool) else value
    if not (isinstance(values, (tuple, list)) and len(values) == 3
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values)):
        raise ValueError(
            f"`{name}` must be a positive int or three positive ints, one per convolution block. "
            f"Received: {name}={value!r}. Fix: pass e.g. {name}={example}."
        )
    return tuple(values)


class SqueezeExcite(nn.Module):
    """Squeeze-and-excitation (Hu et al. 2018) over time, as MLSTM-FCN places it after its first two blocks.

        h (B, T, C) -> mean over the valid steps (B, C) -> Linear(C, C // r) -> ReLU -> Linear(C // r, C) -> sigmoid
                    -> gate (B, C) -> h * gate                                                        (B, T, C)

    r is `reduction` (16 in MLSTM-FCN; the hidden size is at least 1). The two linear maps have no bias, as in
    the authors' code. Padded steps of h are zero and stay zero.
    """

    def __init__(self, channels: int, *, reduction: int = 16):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.squeeze = nn.Linear(channels, hidden, bias=False)
        self.excite = nn.Linear(hidden, channels, bias=False)

    def forward(self, h: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        summary = masked_mean(h, lengths)  # (B, T, C) -> (B, C)
        gate = torch.sigmoid(self.excite(torch.relu(self.squeeze(summary))))  # (B, C), each in (0, 1)
        return h * gate.unsqueeze(1)  # (B, T, C)


class FCNBlocks(nn.Module):
    """FCN's three convolution blocks: (B, T, F), lengths -> (B, T, C3), padded steps zero.

    Each block is a one-layer layers.ConvStack (Conv1d 'same', BatchNorm, ReLU; no pooling, no dropout), so the
    masking of variable-length input is the shared one. `squeeze_excite=True` adds a SqueezeExcite block after
    the first and the second block (MLSTM-FCN).
    """

    def __init__(self, in_channels: int, *, filters=(128, 256, 128), kernel_size=(8, 5, 3),
                 squeeze_excite: bool = False):
        super().__init__()
        filters = three_positive_ints("filters", filters, "(128, 256, 128)")
        kernel_size = three_positive_ints("kernel_size", kernel_size, "(8, 5, 3)")
        channels = (in_channels, *filters)
        self.blocks = nn.ModuleList(
            ConvStack(channels[i], num_conv_layers=1, filters=filters[i], kernel_size=kernel_size[i], pool=1,
                      dropout=0.0, batch_norm=True, activation="relu")
            for i in range(3)
        )
        self.excite = nn.ModuleList(SqueezeExcite(filters[i]) for i in range(2)) if squeeze_excite else None
        self.output_size = filters[2]

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        h = x
        for i, block in enumerate(self.blocks):
            h, _ = block(h, lengths)  # (B, T, C_i): no pooling, so the lengths are unchanged
            if self.excite is not None and i < 2:
                h = self.excite[i](h, lengths)  # (B, T, C_i), channels re-weighted
        return h  # (B, T, C3)


class FCN(nn.Module):
    input_kind = "series"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        window: int | None = None,
        filters: int | tuple[int, int, int] = (128, 256, 128),
        kernel_size: int | tuple[int, int, int] = (8, 5, 3),
    ):
        super().__init__()
        self.config = constructor_arguments(locals())
        check_io(in_features, out_features, window)
        self.blocks = FCNBlocks(in_features, filters=filters, kernel_size=kernel_size)
        self.head = nn.Linear(self.blocks.output_size, out_features)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        h = self.blocks(x, lengths)  # (B, T, F) -> (B, T, C3)
        return self.head(masked_mean(h, lengths))  # global average pooling (B, C3) -> (B, out_features)
