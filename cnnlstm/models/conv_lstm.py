"""ConvLSTM (Shi et al. 2015): an LSTM whose state is an image, so every gate is a convolution and space is kept.

One cell, one step (all tensors (B, ., H, W); * is the elementwise product):

    [i, f, g, o] = Conv2d(cat(x_t, h_{t-1}))          (B, 4G, H, W), split into four (B, G, H, W)
    c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g)
    h_t = sigmoid(o) * tanh(c_t)

The model stacks `num_layers` cells (layer l reads layer l-1's h_t) and runs them over the T frames from a zero
state:

    x (B, T, C, H, W) -> for t in 0..T-1: cell_1 -> cell_2 -> ... -> final h of the last layer (B, G, H, W)
      head="classify":    SpatialPool -> (B, G*g*g) ("grid") or (B, G) ("mean", "max") -> Dropout -> Linear
                          -> (B, out_features)
      head="next_frame":  Conv2d 1x1 -> (B, out_features, H, W)

Dimension letters:
    B  batch size
    T  frames per sequence (the longest, when `lengths` gives the valid ones of right-padded sequences)
    C  channels of a frame (in_features)
    H  frame height, W frame width (kept by every convolution: padding="same")
    G  hidden channels of every cell (hidden_channels)
    g  side of the pooling grid (grid), for spatial_pool="grid"

spatial_pool (head="classify" only; next_frame keeps the whole frame) turns the final state map into a vector:
"max" (the default) keeps each channel's strongest response wherever it is; "mean" averages over the frame; "grid"
averages over a coarse grid x grid map, flattened. On a digit moving over a mostly black canvas, "mean" dilutes
the few cells that hold it and training sits on a long plateau. Chosen on validation sequences (moving digits,
24x24, 305 sequences of train images 0..959 to fit, 95 of images 960..1199 to validate, 8 epochs, one seed):
digit accuracy max 0.19 / grid 0.08 / mean 0.08, direction max 0.98 / grid 0.91 / mean 0.31. Direction needs
no grid here: the recurrent convolutions can write the motion into the state's channels themselves.

head="next_frame" is the one output in the zoo that is a frame, not a vector: the predicted frame after the last
one, (B, out_features, H, W); pass out_features=C to predict frames like the input. It is unbounded (no
sigmoid): pair it with MSE, or with BCE-with-logits for frames in [0, 1].

Padding: with `lengths`, a sequence's state stops changing after its last valid frame (h, c = where(t < length,
new, old)), so the final state is the one at its last valid frame; padded frames are zeroed first, so garbage
there (even NaN) reaches neither the output nor the gradients. The loop stops at the longest valid length.
The gates use no peephole terms (Shi et al.'s W_ci * c): one convolution gives all four, as in most
implementations. The forget-gate bias starts at 1, as in the LSTM encoder. `window` is ignored; any T, H, W work.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from cnnlstm.models.frames import SpatialPool, check_frames, check_lengths
from cnnlstm.models.layers import (
    check_choice,
    check_dropout,
    check_io,
    check_positive_int,
    constructor_arguments,
    step_mask,
)

HEADS = ("classify", "next_frame")


class ConvLSTMCell(nn.Module):
    """One ConvLSTM step: (x_t (B, C, H, W), (h, c) each (B, G, H, W)) -> (h_t, c_t), each (B, G, H, W).

    Example:
        >>> cell = ConvLSTMCell(1, 8)
        >>> h = c = torch.zeros(2, 8, 16, 16)
        >>> h, c = cell(torch.randn(2, 1, 16, 16), (h, c))
        >>> h.shape
        torch.Size([2, 8, 16, 16])
    """

    def __init__(self, in_channels: int, hidden_channels: int, *, kernel_size: int = 3):
        super().__init__()
        check_positive_int("hidden_channels", hidden_channels, "pass e.g. hidden_channels=32.")
        check_positive_int("kernel_size", kernel_size, "pass e.g. kernel_size=3.")
        self.hidden_channels = hidden_channels
        # gates packed as [input, forget, cell, output], PyTorch's LSTM order
        self.conv = nn.Conv2d(in_channels + hidden_channels, 4 * hidden_channels, kernel_size, padding="same")
        with torch.no_grad():  # forget-gate bias 1 (Jozefowicz et al. 2015): remember by default early in training
            self.conv.bias[hidden_channels : 2 * hidden_channels].fill_(1.0)

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        h, c = state
        gates = self.conv(torch.cat([x, h], dim=1))  # (B, C + G, H, W) -> (B, 4G, H, W)
        i, f, g, o = gates.chunk(4, dim=1)  # each (B, G, H, W)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c


class ConvLSTM(nn.Module):
    input_kind = "frames"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        window: int | None = None,
        num_layers: int = 2,
        hidden_channels: int = 32,
        kernel_size: int = 3,
        dropout: float = 0.1,
        head: str = "classify",
        spatial_pool: str = "max",
        grid: int = 4,
    ):
        super().__init__()
        self.config = constructor_arguments(locals())
        check_io(in_features, out_features, window)
        check_positive_int("num_layers", num_layers, "pass e.g. num_layers=2.")
        check_dropout(dropout)
        check_choice("head", head, HEADS)
        self.hidden_channels = hidden_channels
        self.cells = nn.ModuleList(
            ConvLSTMCell(in_features if layer == 0 else hidden_channels, hidden_channels, kernel_size=kernel_size)
            for layer in range(num_layers)
        )
        self.dropout = nn.Dropout(dropout)
        self.pool = SpatialPool(hidden_channels, how=spatial_pool, grid=grid)  # checked even when head="next_frame"
        if head == "classify":
            self.head = nn.Linear(self.pool.output_size, out_features)
        else:
            self.head = nn.Conv2d(hidden_channels, out_features, kernel_size=1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        check_frames(x, self.config["in_features"])
        B, T, _, H, W = x.shape
        check_lengths(lengths, B, T)
        if lengths is not None:
            lengths = lengths.to(x.device)
            valid = step_mask(lengths, T).view(B, T, 1, 1, 1)
            x = torch.where(valid, x, torch.zeros((), dtype=x.dtype, device=x.device))  # garbage never enters
            T = int(lengths.max())  # no sequence has a valid frame after this
        zeros = x.new_zeros(B, self.hidden_channels, H, W)
        states = [(zeros, zeros) for _ in self.cells]  # per layer (h, c), each (B, G, H, W)
        for t in range(T):
            inputs = x[:, t]  # (B, C, H, W)
            for layer, cell in enumerate(self.cells):
                h, c = cell(inputs, states[layer])  # (B, G, H, W) each
                if lengths is not None:
                    keep = (t < lengths).view(B, 1, 1, 1)  # a finished sequence keeps its state
                    h, c = torch.where(keep, h, states[layer][0]), torch.where(keep, c, states[layer][1])
                states[layer] = (h, c)
                inputs = h
        h = states[-1][0]  # (B, G, H, W): the last layer at each sequence's last valid frame
        if self.config["head"] == "next_frame":
            return self.head(h)  # (B, out_features, H, W)
        return self.head(self.dropout(self.pool(h)))  # (B, G*g*g) or (B, G) -> (B, out_features)
