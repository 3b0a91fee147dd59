"""LSTM: a stacked LSTM whose summary vector feeds one linear layer.

    x (B, T, F) -> LSTMEncoder -> summary (B, H*D) -> Dropout -> Linear -> (B, out_features)

Dimension letters:
    B  batch size
    T  time steps of the input window
    F  input features (in_features)
    H  LSTM hidden size (hidden_size)
    D  directions: 2 if bidirectional else 1

The summary is the last step's output (forward last step + backward first step when
bidirectional). Runs on any window length; `window` is ignored.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from cnnlstm.models.layers import LSTMEncoder, check_io, constructor_arguments


class LSTM(nn.Module):
    input_kind = "series"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        window: int | None = None,
        hidden_size: int = 64,
        num_layers: int = 2,
        bidirectional: bool = False,
        dropout: float = 0.1,
    ):
        super().__init__()
        self.config = constructor_arguments(locals())
        check_io(in_features, out_features, window)
        self.encoder = LSTMEncoder(
            in_features, hidden_size=hidden_size, num_layers=num_layers,
            bidirectional=bidirectional, dropout=dropout,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.encoder.output_size, out_features)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        _, summary = self.encoder(x, lengths)  # (B, T, F) -> (B, H*D)
        return self.head(self.dropout(summary))  # (B, out_features)
