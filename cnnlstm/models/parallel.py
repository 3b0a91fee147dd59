"""Parallel CNN-LSTM (the LSTM-FCN shape): a CNN branch and an LSTM branch read the same window, then merge.

    x (B, T, F) -+-> ConvStack -> (B, T', C) -> mean over T' -> cnn  (B, C)   -+
                 +-> LSTMEncoder -> summary -> Dropout ->        lstm (B, H*D) -+-> merge -> Linear -> (B, out_features)

    merge="concat":    cat(cnn, lstm)                                  (B, C + H*D)
    merge="weighted":  w0 * P_cnn(cnn) + w1 * P_lstm(lstm)             (B, M),  w = softmax(2 learned logits)
    merge="attention": a0 * P_cnn(cnn) + a1 * P_lstm(lstm)             (B, M),  a = softmax over the 2 branches
                       of score(tanh(P(branch))), per sample

Dimension letters:
    B  batch size
    T  time steps of the input window;  T' after pooling
    F  input features (in_features)
    C  convolution filters (filters)
    H  LSTM hidden size (hidden_size)
    D  directions: 2 if bidirectional else 1
    M  common size both branches are projected to (merge_size), for "weighted" and "attention"

The CNN branch defaults are FCN-like (Wang et al. 2017; tsai's LSTM_FCN): three convolutions of
128 filters, batch norm, no pooling, global average pooling. `branch_weights()` reports how much
each branch counts: the learned weights, or the mean attention of the last forward pass.
Runs on any window length; `window` is ignored.

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
    check_choice,
    check_io,
    check_positive_int,
    constructor_arguments,
    forecast_head,
    masked_mean,
)

MERGES = ("concat", "weighted", "attention")


class ParallelCNNLSTM(nn.Module):
    input_kind = "series"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        window: int | None = None,
        num_conv_layers: int = 3,
        filters: int = 128,
        kernel_size: int = 3,
        pool: int = 1,
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.1,
        batch_norm: bool = True,
        activation: str = "relu",
        merge: str = "concat",
        merge_size: int = 64,
        head: str = "linear",
        segment: int = 24,
        num_channels: int = 1,
    ):
        super().__init__()
        self.config = constructor_arguments(locals())
        check_io(in_features, out_features, window)
        check_choice("merge", merge, MERGES)
        check_positive_int("merge_size", merge_size, "pass e.g. merge_size=64 (used by merge='weighted' and 'attention').")
        self.merge = merge
        self.conv = ConvStack(
            in_features, num_conv_layers=num_conv_layers, filters=filters, kernel_size=kernel_size,
            pool=pool, dropout=dropout, batch_norm=batch_norm, activation=activation,
        )
        self.encoder = LSTMEncoder(
            in_features, hidden_size=hidden_size, num_layers=num_layers,
            bidirectional=bidirectional, dropout=dropout,
        )
        self.dropout = nn.Dropout(dropout)
        lstm_size = self.encoder.output_size
        if merge == "concat":
            self.head = forecast_head(filters + lstm_size, out_features, head=head, segment=segment,
                                      num_channels=num_channels, dropout=dropout)
        else:
            self.project_cnn = nn.Linear(filters, merge_size)
            self.project_lstm = nn.Linear(lstm_size, merge_size)
            self.head = forecast_head(merge_size, out_features, head=head, segment=segment,
                                      num_channels=num_channels, dropout=dropout)
        if merge == "weighted":
            self.branch_logits = nn.Parameter(torch.zeros(2))  # equal weights at start
        if merge == "attention":
            self.score = nn.Linear(merge_size, 1)
        self.last_attention: torch.Tensor | None = None  # (B, 2), set by forward when merge="attention"

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        h, pooled = self.conv(x, lengths)  # (B, T, F) -> (B, T', C)
        cnn = masked_mean(h, pooled)  # (B, C), padded steps left out
        _, lstm = self.encoder(x, lengths)  # (B, H*D)
        lstm = self.dropout(lstm)
        if self.merge == "concat":
            return self.head(torch.cat([cnn, lstm], dim=-1))  # (B, C + H*D) -> (B, out_features)
        branches = torch.stack([self.project_cnn(cnn), self.project_lstm(lstm)], dim=1)  # (B, 2, M)
        if self.merge == "weighted":
            weights = torch.softmax(self.branch_logits, dim=0).view(1, 2, 1)  # (1, 2, 1)
        else:
            scores = self.score(torch.tanh(branches)).squeeze(-1)  # (B, 2)
            attention = torch.softmax(scores, dim=1)  # (B, 2), rows sum to 1
            self.last_attention = attention.detach()
            weights = attention.unsqueeze(-1)  # (B, 2, 1)
        merged = (weights * branches).sum(dim=1)  # (B, M)
        return self.head(merged)  # (B, out_features)

    def branch_weights(self) -> dict[str, float]:
        """How much each branch counts in the merge, as {"cnn": w0, "lstm": w1} summing to 1.

        merge="weighted": softmax of the learned logits. merge="attention": the attention weights
        of the last forward pass, averaged over its batch.

        Example:
            >>> m = ParallelCNNLSTM(1, 1, merge="weighted")
            >>> m.branch_weights()
            {'cnn': 0.5, 'lstm': 0.5}
        """
        if self.merge == "weighted":
            w = torch.softmax(self.branch_logits.detach(), dim=0)
        elif self.merge == "attention":
            if self.last_attention is None:
                raise RuntimeError(
                    "`branch_weights()` with merge='attention' reports the attention of the last forward pass, "
                    "and no forward pass has run yet. Fix: call the model on a batch first, e.g. model(x)."
                )
            w = self.last_attention.mean(dim=0)
        else:
            raise RuntimeError(
                "`branch_weights()` needs merge='weighted' or merge='attention'. Received: merge='concat', "
                "which has no branch weights. Fix: build the model with merge='weighted' or merge='attention'."
            )
        return {"cnn": float(w[0]), "lstm": float(w[1])}
