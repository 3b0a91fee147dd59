"""Segment-recurrent CNN-LSTM (SegRNN's design, Lin et al. 2023, arXiv 2308.11200): a strided convolution embeds
each segment of the window, an LSTM reads the few segment embeddings, and every output segment is decoded in
parallel from the final state.

    x (B, T, F) -> left-pad to N*S -> Conv1d(F, H, kernel=S, stride=S) + ReLU -> (B, N, H)      segment embeddings
                -> LSTM cell over the N segments -> final state (h, c) (B, H)
    decoder input per output segment j and row b: cat(position[j], channel[b % num_channels])   (B*M, H)
                -> one LSTM step from (h, c), all M segments at once -> (B*M, H)
                -> Dropout -> Linear(H, S) -> (B, M*S) -> first out_features                  (B, out_features)

Dimension letters:
    B  batch size
    T  time steps of the input window;  N = ceil(T / S) input segments (the window is left-padded with zeros)
    F  input features (in_features)
    S  segment length (segment)
    H  hidden size (hidden_size): the embedding, the recurrent state and the decoder input
    M  output segments, ceil(out_features / S); the last one is cropped

The recurrence runs over N steps (4 for a 96-step window of 24-step segments), not T, and the decoding is one
batched step: SegRNN's "parallel multi-step forecasting". It is meant for channel-independent forecasting (the
Forecaster's default for this model): each row of the batch is one channel's window and `out_features` its next
values. With `num_channels=C`, rows come C at a time (row r is channel r % C, the order in which the forecasting
head stacks the channels of a sample) and a learned channel embedding tells them apart; the Forecaster sets it.

Variable length: with `lengths`, each sequence is right-aligned and left-padded as it would be alone, and the
recurrent state stays at zero over the segments before its first one, so a sequence gives the same output alone
and inside a padded batch. `cell="gru"` swaps the LSTM cell for a GRU cell (SegRNN's own choice).
"""

from __future__ import annotations

import torch
import torch.nn as nn

from cnnlstm.models.layers import SegmentDecoder, check_choice, check_io, check_positive_int, constructor_arguments

CELLS = ("lstm", "gru")


class SegLSTM(nn.Module):
    input_kind = "series"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        window: int | None = None,
        segment: int = 24,
        hidden_size: int = 512,
        cell: str = "lstm",
        dropout: float = 0.5,
        num_channels: int = 1,
    ):
        super().__init__()
        self.config = constructor_arguments(locals())
        check_io(in_features, out_features, window)
        check_positive_int("segment", segment, "pass the steps per segment, e.g. segment=24.")
        check_positive_int("hidden_size", hidden_size, "pass e.g. hidden_size=512.")
        check_choice("cell", cell, CELLS)
        self.segment, self.hidden_size, self.cell_kind = segment, hidden_size, cell
        self.embed = nn.Conv1d(in_features, hidden_size, kernel_size=segment, stride=segment)
        self.cell = nn.LSTMCell(hidden_size, hidden_size) if cell == "lstm" else nn.GRUCell(hidden_size, hidden_size)
        self.decoder = SegmentDecoder(hidden_size, out_features, segment=segment, num_channels=num_channels,
                                      dropout=dropout, own_cell=False)  # decodes with self.cell, as SegRNN does

    def _right_aligned(self, x: torch.Tensor, lengths: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(B, N*S, F) with each sequence ending at the last step and zeros before it; (B,) its segment count."""
        batch, steps, features = x.shape
        padded = -(-steps // self.segment) * self.segment
        if lengths is None:
            return nn.functional.pad(x, (0, 0, padded - steps, 0)), None  # zeros on the left
        position = torch.arange(padded, device=x.device)  # (N*S,)
        source = position[None, :] - (padded - lengths[:, None])  # (B, N*S): the input step at each position
        valid = source >= 0
        gathered = torch.gather(x, 1, source.clamp(0, steps - 1).unsqueeze(-1).expand(-1, -1, features))
        return torch.where(valid.unsqueeze(-1), gathered, 0.0), -(-lengths // self.segment)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        batch = x.shape[0]
        x, num_segments = self._right_aligned(x, lengths)  # (B, N*S, F)
        segments = torch.relu(self.embed(x.transpose(1, 2))).transpose(1, 2)  # (B, N, H)
        steps = segments.shape[1]
        h = segments.new_zeros(batch, self.hidden_size)
        c = segments.new_zeros(batch, self.hidden_size)
        for n in range(steps):
            if self.cell_kind == "lstm":
                h_next, c_next = self.cell(segments[:, n], (h, c))
            else:
                h_next = c_next = self.cell(segments[:, n], h)
            if num_segments is None:
                h, c = h_next, c_next
            else:  # a shorter sequence has not started yet: its state stays at zero
                started = (n >= steps - num_segments).unsqueeze(-1)  # (B, 1)
                h, c = torch.where(started, h_next, h), torch.where(started, c_next, c)
        return self.decoder(h, c if self.cell_kind == "lstm" else None, cell=self.cell)  # (B, out_features)
