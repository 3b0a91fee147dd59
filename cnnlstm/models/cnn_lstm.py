"""CNN-LSTM (serial): convolutions extract local patterns, an LSTM reads the shorter feature sequence.

    x (B, T, F) -> ConvStack -> (B, T', C) -> LSTMEncoder -> summary (B, H*D) -> Dropout -> Linear -> (B, out_features)

Dimension letters:
    B  batch size
    T  time steps of the input window;  T' after pooling
    F  input features (in_features)
    C  convolution filters (filters)
    H  LSTM hidden size (hidden_size)
    D  directions: 2 if bidirectional else 1

The defaults are the reference configuration: two convolutions of 64 filters with kernel 3, then
one max-pool of 2 (T' = ceil(T / 2)), then an LSTM of hidden size 128. Pass
`pool_each_layer=True` to pool after every convolution instead (T' = T / pool**num_conv_layers).
Pools that would leave fewer than one step are skipped, so any T >= 1 works; `window` is ignored.

Forecasting head: `head="linear"` maps the summary to the outputs in one linear layer; `head="segments"` decodes
every `segment`-step block of the output in parallel from the summary (layers.SegmentDecoder, SegRNN's parallel
multi-step decoding), with a learned channel embedding when the Forecaster stacks `num_channels` channels per
sample (channel independence; it sets `num_channels` itself).
"""

from __future__ import annotations

import torch
import torch.nn as nn

from cnnlstm.models.layers import ConvStack, LSTMEncoder, check_bool, check_io, constructor_arguments, forecast_head


class CNNLSTM(nn.Module):
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
        pool_each_layer: bool = False,
        hidden_size: int = 128,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.1,
        batch_norm: bool = True,
        activation: str = "relu",
        head: str = "linear",
        segment: int = 24,
        num_channels: int = 1,
    ):
        super().__init__()
        self.config = constructor_arguments(locals())
        check_io(in_features, out_features, window)
        check_bool("pool_each_layer", pool_each_layer)
        self.conv = ConvStack(
            in_features, num_conv_layers=num_conv_layers, filters=filters, kernel_size=kernel_size,
            pool=pool, dropout=dropout, batch_norm=batch_norm, activation=activation,
            pool_each_layer=pool_each_layer,
        )
        self.encoder = LSTMEncoder(
            filters, hidden_size=hidden_size, num_layers=num_layers,
            bidirectional=bidirectional, dropout=dropout,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = forecast_head(self.encoder.output_size, out_features, head=head, segment=segment,
                                  num_channels=num_channels, dropout=dropout)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        h, lengths = self.conv(x, lengths)  # (B, T, F) -> (B, T', C), pooled lengths
        _, summary = self.encoder(h, lengths)  # (B, H*D)
        return self.head(self.dropout(summary))  # (B, out_features)
