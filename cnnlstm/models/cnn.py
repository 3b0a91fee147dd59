"""CNN: a 1-D convolution stack, then a linear readout of the feature sequence.

    x (B, T, F) -> ConvStack -> (B, T', C) -> flatten (B, T' * C) or mean over T' (B, C) -> Linear -> (B, out_features)

Dimension letters:
    B  batch size
    T  time steps of the input window;  T' after pooling
    F  input features (in_features)
    C  convolution filters (filters)

With `window` known the readout flattens (it keeps where each pattern was seen, which a forecast needs);
without it, or with readout="mean", it averages over time and runs on any length.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from cnnlstm.models.layers import ConvStack, Readout, check_io, constructor_arguments


class CNN(nn.Module):
    input_kind = "series"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        window: int | None = None,
        num_conv_layers: int = 2,
        filters: int = 64,
        kernel_size: int = 3,
        pool: int = 2,
        dropout: float = 0.1,
        batch_norm: bool = True,
        activation: str = "relu",
        readout: str = "auto",
    ):
        super().__init__()
        self.config = constructor_arguments(locals())
        check_io(in_features, out_features, window)
        self.conv = ConvStack(
            in_features, num_conv_layers=num_conv_layers, filters=filters, kernel_size=kernel_size,
            pool=pool, dropout=dropout, batch_norm=batch_norm, activation=activation,
        )
        length = self.conv.output_length(window) if window is not None else None
        self.head = Readout(filters, out_features, length=length, readout=readout)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        h, lengths = self.conv(x, lengths)  # (B, T, F) -> (B, T', C)
        return self.head(h, lengths)  # (B, out_features)
