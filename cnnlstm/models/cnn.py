"""CNN: a 1-D convolution stack, global average pooling over time, one linear layer.

    x (B, T, F) -> ConvStack -> (B, T', C) -> mean over T' -> (B, C) -> Linear -> (B, out_features)

Dimension letters:
    B  batch size
    T  time steps of the input window;  T' after pooling
    F  input features (in_features)
    C  convolution filters (filters)

Global average pooling, not flattening, makes the head independent of T, so the model runs on
any window length and `window` is ignored.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from cnnlstm.models.layers import ConvStack, check_io


class CNN(nn.Module):
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
    ):
        super().__init__()
        check_io(in_features, out_features, window)
        self.config = dict(
            in_features=in_features, out_features=out_features, window=window,
            num_conv_layers=num_conv_layers, filters=filters, kernel_size=kernel_size, pool=pool,
            dropout=dropout, batch_norm=batch_norm, activation=activation,
        )
        self.conv = ConvStack(
            in_features, num_conv_layers=num_conv_layers, filters=filters, kernel_size=kernel_size,
            pool=pool, dropout=dropout, batch_norm=batch_norm, activation=activation,
        )
        self.head = nn.Linear(filters, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(x)  # (B, T, F) -> (B, T', C)
        h = h.mean(dim=1)  # (B, C)
        return self.head(h)  # (B, out_features)
