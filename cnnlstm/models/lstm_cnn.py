"""LSTM-CNN (serial): an LSTM contextualises every step, convolutions then look for patterns in its outputs.

    x (B, T, F) -> LSTMEncoder -> output (B, T, H*D) -> ConvStack -> (B, T', C) -> readout -> (B, out_features)

Dimension letters:
    B  batch size
    T  time steps of the input window;  T' after pooling
    F  input features (in_features)
    H  LSTM hidden size (hidden_size)
    D  directions: 2 if bidirectional else 1
    C  convolution filters (filters)

The readout flattens (B, T' * C) when `window` is known, else averages over time (B, C); see layers.Readout.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from cnnlstm.models.layers import ConvStack, LSTMEncoder, Readout, check_io, constructor_arguments


class LSTMCNN(nn.Module):
    input_kind = "series"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        window: int | None = None,
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = False,
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
        self.encoder = LSTMEncoder(
            in_features, hidden_size=hidden_size, num_layers=num_layers,
            bidirectional=bidirectional, dropout=dropout,
        )
        self.conv = ConvStack(
            self.encoder.output_size, num_conv_layers=num_conv_layers, filters=filters,
            kernel_size=kernel_size, pool=pool, dropout=dropout, batch_norm=batch_norm, activation=activation,
        )
        length = self.conv.output_length(window) if window is not None else None
        self.head = Readout(filters, out_features, length=length, readout=readout)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        h, _ = self.encoder(x, lengths)  # (B, T, F) -> (B, T, H*D)
        h, lengths = self.conv(h, lengths)  # (B, T', C), pooled lengths
        return self.head(h, lengths)  # (B, out_features)
