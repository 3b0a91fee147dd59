"""LSTM-FCN (Karim, Majumdar, Darabi & Chen 2018, "LSTM Fully Convolutional Networks for Time Series
Classification", IEEE Access 6), with its attention variant ALSTM-FCN (same paper) and its squeeze-and-excite
variant MLSTM-FCN (Karim, Majumdar, Darabi & Harford 2019, "Multivariate LSTM-FCNs for time series
classification", Neural Networks 116).

    x (B, T, F) -+-> shuffle: (B, F, T) -> LSTM (B, S, H) -> last step, or attention context (B, H)
                 |   -> Dropout(0.8)                                                      lstm (B, H)   -+
                 +-> FCN blocks, SE after blocks 1 and 2 if squeeze_excite (B, T, C3)                       +-> cat
                     -> global average pooling over the valid steps                       cnn (B, C3)  -+
    cat (B, H + C3) -> Linear -> (B, out_features)

Dimension letters:
    B  batch size
    T  time steps of the input window (`window`)
    F  input features (in_features)
    S  steps the LSTM reads: F with the dimension shuffle, T without
    H  LSTM hidden size (hidden_size; the papers try 8 to 128 cells, 128 here as in tsai's LSTM_FCN)
    C1, C2, C3  filters of the three convolution blocks (filters); their kernels are kernel_size

The dimension shuffle: the LSTM reads the window transposed, one step per input channel holding all T values of
that channel (a univariate series is a single step of T values), so its input size is T and the model needs a
fixed `window`. Without one (`window=None`, the way the estimators build models for series of any length), or with
`shuffle=False`, the LSTM reads the series as it comes: T steps of F values, padded steps masked when `lengths`
are given. A model built with the shuffle for a window takes exactly that many steps and no `lengths`.

ALSTM-FCN (`attention=True`): additive (Bahdanau) attention scores every LSTM output step,
a_s = softmax_s(v . tanh(W h_s + b)) over the valid steps, and the context sum_s a_s h_s replaces the last state.
This is attention pooling over the LSTM's outputs; the authors' Keras AttentionLSTM attends inside the recurrence,
so this is a simplification of theirs. `last_attention` keeps the weights of the last forward pass (B, S).

MLSTM-FCN (`squeeze_excite=True`): a squeeze-and-excitation block (reduction 16) after the first and the second
convolution block (fcn.SqueezeExcite). The default, "auto", follows the papers: LSTM-FCN for a univariate series,
MLSTM-FCN (the blocks on) for more than one channel.

Published results: the papers report test accuracies on the UCR problems (LSTM-FCN, ALSTM-FCN) and on
multivariate benchmarks (MLSTM-FCN); none is quoted from the papers here. The figures this project quotes for
LSTM-FCN (GunPoint 1.000, ItalyPowerDemand 0.962, ECG200 0.870, CBF 0.996) come from the authors' published
result files as quoted in the issue (BENCHMARKS.md section 6), not from the paper's tables. Not measured here.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from cnnlstm.models.fcn import FCNBlocks
from cnnlstm.models.layers import (
    LSTMEncoder,
    check_bool,
    check_dropout,
    check_io,
    constructor_arguments,
    masked_mean,
    step_mask,
)


class AdditivePooling(nn.Module):
    """Bahdanau-style attention pooling: (B, S, H), lengths (B,) or None -> context (B, H), weights (B, S).

        score_s = v . tanh(W h_s + b)      (B, S)
        a = softmax over the valid steps   (B, S), rows sum to 1, padded steps 0
        context = sum_s a_s h_s            (B, H)
    """

    def __init__(self, hidden_size: int):
        super().__init__()
        self.project = nn.Linear(hidden_size, hidden_size)
        self.score = nn.Linear(hidden_size, 1, bias=False)

    def forward(self, h: torch.Tensor, lengths: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        scores = self.score(torch.tanh(self.project(h))).squeeze(-1)  # (B, S)
        if lengths is not None:
            scores = scores.masked_fill(~step_mask(lengths, h.shape[1]), float("-inf"))
        weights = torch.softmax(scores, dim=1)  # (B, S)
        context = torch.bmm(weights.unsqueeze(1), h).squeeze(1)  # (B, 1, S) @ (B, S, H) -> (B, H)
        return context, weights


class LSTMFCN(nn.Module):
    input_kind = "series"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        window: int | None = None,
        hidden_size: int = 128,
        dropout: float = 0.8,
        filters: int | tuple[int, int, int] = (128, 256, 128),
        kernel_size: int | tuple[int, int, int] = (8, 5, 3),
        attention: bool = False,
        squeeze_excite: bool | str = "auto",
        shuffle: bool = True,
    ):
        super().__init__()
        self.config = constructor_arguments(locals())
        check_io(in_features, out_features, window)
        check_dropout(dropout)
        check_bool("attention", attention)
        if isinstance(squeeze_excite, str) and squeeze_excite == "auto":  # the papers' choice: MLSTM-FCN's
            squeeze_excite = in_features > 1                                # blocks for multivariate input only
        if not isinstance(squeeze_excite, bool):
            raise ValueError(f"`squeeze_excite` must be True, False or 'auto' (on for more than one channel). "
                             f"Received: squeeze_excite={squeeze_excite!r}. Fix: pass squeeze_excite='auto'.")
        check_bool("shuffle", shuffle)
        self.window = window
        self.shuffled = shuffle and window is not None  # the LSTM reads F steps of T values
        self.encoder = LSTMEncoder(window if self.shuffled else in_features, hidden_size=hidden_size, dropout=0.0)
        self.attention = AdditivePooling(hidden_size) if attention else None
        self.dropout = nn.Dropout(dropout)
        self.blocks = FCNBlocks(in_features, filters=filters, kernel_size=kernel_size, squeeze_excite=squeeze_excite)
        self.head = nn.Linear(hidden_size + self.blocks.output_size, out_features)
        self.last_attention: torch.Tensor | None = None  # (B, S), set by forward when attention=True

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if self.shuffled:
            if lengths is not None:
                raise ValueError(
                    "This LSTM-FCN reads its window transposed (shuffle=True with window="
                    f"{self.window}) and cannot take variable lengths. Received: lengths=... . Fix: build it with "
                    "window=None or shuffle=False for variable-length input."
                )
            if x.shape[1] != self.window:
                raise ValueError(
                    f"This LSTM-FCN reads windows of {self.window} steps transposed (shuffle=True), but received "
                    f"{x.shape[1]} steps. Fix: pass windows of the built length, or build it with shuffle=False."
                )
            steps, step_lengths = x.transpose(1, 2), None  # (B, T, F) -> (B, F, T): F steps of T values
        else:
            steps, step_lengths = x, lengths  # T steps of F values
        output, last = self.encoder(steps, step_lengths)  # (B, S, H), (B, H)
        if self.attention is not None:
            last, weights = self.attention(output, step_lengths)  # (B, H), (B, S)
            self.last_attention = weights.detach()
        lstm = self.dropout(last)  # (B, H)
        cnn = masked_mean(self.blocks(x, lengths), lengths)  # (B, T, F) -> (B, T, C3) -> (B, C3)
        return self.head(torch.cat([lstm, cnn], dim=-1))  # (B, H + C3) -> (B, out_features)
