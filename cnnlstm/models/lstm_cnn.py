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
With `head="segments"` the readout gives a vector of H*D values that layers.SegmentDecoder decodes.

Forecasting head: `head="linear"` maps the summary to the outputs in one linear layer; `head="segments"` decodes
every `segment`-step block of the output in parallel from the summary (layers.SegmentDecoder, SegRNN's parallel
multi-step decoding), with a learned channel embedding when the Forecaster stacks `num_channels` channels per
sample (channel independence; it sets `num_channels` itself).
"""

from __future__ import annotations

import torch
import torch.nn as nn

from cnnlstm.models.layers import (
    ConvStack,
    LSTMEncoder,
    Readout,
    check_io,
    constructor_arguments,
    forecast_head,
)


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
        head: str = "linear",
        segment: int = 24,
        num_channels: int = 1,
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
        summary = out_features if head == "linear" else self.encoder.output_size
        self.head = Readout(filters, summary, length=length, readout=readout)
        self.decoder = None if head == "linear" else forecast_head(  # decodes the readout's (B, H*D) summary
            summary, out_features, head=head, segment=segment, num_channels=num_channels, dropout=dropout)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        h, _ = self.encoder(x, lengths)  # (B, T, F) -> (B, T, H*D)
        h, lengths = self.conv(h, lengths)  # (B, T', C), pooled lengths
        out = self.head(h, lengths)  # (B, out_features), or (B, H*D) for the decoder
        return out if self.decoder is None else self.decoder(out)  # (B, out_features)
