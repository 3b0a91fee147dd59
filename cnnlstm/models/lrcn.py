"""LRCN (Donahue et al. 2015): a 2-D CNN encodes every frame, an LSTM reads the sequence of frame vectors.

    x (B, T, C, H, W) -> TimeDistributed(FrameEncoder) -> (B, T, E) -> LSTM -> output (B, T, S*D)
      -> summary (B, S*D) -> Dropout -> Linear -> (B, out_features)

    summary, unidirectional:  output at the last valid step, t = lengths - 1 (t = T - 1 without lengths)
    summary, bidirectional:   forward direction at the last valid step ++ backward direction at step 0

Dimension letters:
    B  batch size
    T  frames per sequence (the longest, when `lengths` gives the valid ones of right-padded sequences)
    C  channels of a frame (in_features)
    H  frame height, W frame width
    K  convolution filters of the frame encoder (filters)
    E  frame vector size: K*g*g with spatial_pool="grid" (g = grid), K with "mean" or "max"
    S  LSTM hidden size (hidden_size)
    D  directions: 2 if bidirectional else 1

Padding: only the valid frames are encoded (`TimeDistributed` with lengths), so batch-norm statistics never see
padded frames, in training or not. The LSTM is the shared `LSTMEncoder`: unidirectional, it is causal, so the
padded steps after a sequence's end cannot reach its last valid output, which is gathered at lengths - 1;
bidirectional, it would read the padding backwards into step 0, so its input is packed (`pack_padded_sequence`)
and each direction stops at the sequence's own end. Either way a sequence's output is the same alone as inside
a padded batch.

The frame encoder pools every side by 2 per layer, then `spatial_pool` turns the map into a vector. "grid" (the
default) averages it over a coarse grid of grid x grid cells and keeps where things are, which motion needs:
"mean" (over the whole frame) and "max" give nearly the same vector for every frame of a digit moving on a black
canvas, and the direction is lost. Chosen on validation sequences (moving digits, 24x24, 305 sequences of train
images 0..959 to fit, 95 of images 960..1199 to validate, 8 epochs, one seed): direction accuracy grid 0.83 /
grid=2 0.74 / mean 0.17 / max 0.17 (chance 0.125); the digit is learnt more slowly with the grid (0.26, against
mean 0.37 and max 0.51), so "max" is the better choice when only what is in the frames matters. `window` is
ignored; any T, H, W work.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from cnnlstm.models.frames import FrameEncoder, TimeDistributed, check_frames, check_lengths
from cnnlstm.models.layers import LSTMEncoder, check_io, constructor_arguments


class LRCN(nn.Module):
    input_kind = "frames"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        window: int | None = None,
        num_conv_layers: int = 2,
        filters: int = 32,
        kernel_size: int = 3,
        batch_norm: bool = True,
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.1,
        spatial_pool: str = "grid",
        grid: int = 4,
    ):
        super().__init__()
        self.config = constructor_arguments(locals())
        check_io(in_features, out_features, window)
        self.frames = TimeDistributed(FrameEncoder(
            in_features, num_conv_layers=num_conv_layers, filters=filters, kernel_size=kernel_size,
            dropout=dropout, batch_norm=batch_norm, spatial_pool=spatial_pool, grid=grid,
        ))
        self.encoder = LSTMEncoder(
            self.frames.module.output_size, hidden_size=hidden_size, num_layers=num_layers,
            bidirectional=bidirectional, dropout=dropout,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.encoder.output_size, out_features)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        check_frames(x, self.config["in_features"])
        B, T = x.shape[:2]
        check_lengths(lengths, B, T)
        h = self.frames(x, lengths)  # (B, T, C, H, W) -> (B, T, E), zeros at padded steps
        _, summary = self.encoder(h, None if lengths is None else lengths.to(h.device))  # (B, S*D)
        return self.head(self.dropout(summary))  # (B, out_features)
