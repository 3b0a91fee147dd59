"""DCNN, the convolutional network for remaining useful life of Li, Ding & Sun (2018), "Remaining useful life
estimation in prognostics using deep convolution neural networks", Reliability Engineering & System Safety 172.

    x (B, T, F) -> (B, 1, T, F): the window as a one-channel T x F map
    -> 4 x [Conv2d(kernel K x 1, 'same') -> tanh]   (B, C, T, F)   each filter slides along time, shared by all F
    -> Conv2d(C -> 1, kernel 3 x 1, 'same') -> tanh  (B, 1, T, F) -> (B, T, F)
    -> Dropout -> flatten (B, T * F), or with no fixed window the mean over the valid steps (B, F)
    -> Linear -> tanh                                (B, D)
    -> Linear                                        (B, out_features)

With `lstm_size` H > 0 it is a CNN‖LSTM hybrid of the DAG / HDNN kind (Li, Li & He 2019, "A directed acyclic
graph network combined with CNN and LSTM for remaining useful life prediction", IEEE Access 7; Al-Dulaimi et al.
2019, "A multimodal and hybrid deep neural network model for remaining useful life estimation", Computers in
Industry 108): an LSTM path reads the same window beside the convolution path, and the two meet before the head:

    x (B, T, F) -> LSTM -> last valid step -> Dropout  (B, H)   -+
    conv path as above -> Linear -> tanh              (B, D)   -+-> cat (B, D + H) -> Linear (B, out_features)

This is the two-path shape of those papers with DCNN's convolution path, not a layer-by-layer copy of either
(DAG reports FD001 / FD002 RMSE 11.96 / 20.34, HDNN 13.017 / 15.24; quoted, not measured here).

With `lstm_input="features"` the LSTM reads the convolution path's map instead of the raw window: a serial
CNN -> LSTM whose LSTM sees the filtered sensors in order, beside the flatten path:

    conv path -> Dropout (B, T, F) -> LSTM -> last valid step -> Dropout  (B, H)   -+
                                   -> Linear -> tanh                      (B, D)   -+-> cat -> Linear

Dimension letters:
    B  batch size
    T  time steps of the input window (`window`; the paper's N_tw)
    F  input features (in_features: the paper's 14 selected sensors)
    C  convolution filters (filters, 10); K their length along time (kernel_size, 10)
    D  units of the fully connected layer (dense_size, 100)
    H  units of the LSTM path (lstm_size; 0, the default, leaves it out: the paper's DCNN)

The kernels are K x 1, so every convolution runs along time only and each sensor is filtered separately with the
same weights; the sensors meet only in the fully connected layer. The paper's defaults: four convolutions of 10
filters of length 10, a fifth of 1 filter of length 3, tanh everywhere, dropout 0.5 on the flattened map, 100 tanh
units. Weights start Xavier-normal and biases at zero, the usual start for tanh units (Glorot & Bengio 2010).

Readout (layers.Readout, the `readout` hyperparameter): with `window` known the map is flattened, as in the paper;
without it (`window=None`, how the estimators build models for series of any length), or with readout="mean", it
is averaged over the valid steps, so `lengths` work. A flattening model takes exactly its window and no `lengths`.

Published results, quoted from the paper (C-MAPSS test RMSE, RUL capped at 125, windows N_tw of 30 / 20 / 30 / 15
cycles): FD001 12.61, FD002 22.36, FD003 12.64, FD004 23.31. Not measured here.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from cnnlstm.models.layers import (
    LSTMEncoder,
    Readout,
    check_choice,
    check_dropout,
    check_io,
    check_positive_int,
    constructor_arguments,
    step_mask,
)


LSTM_INPUTS = ("window", "features")  # what the LSTM path reads: the raw window, or the convolution map


class DCNN(nn.Module):
    input_kind = "series"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        window: int | None = None,
        num_conv_layers: int = 4,
        filters: int = 10,
        kernel_size: int = 10,
        dense_size: int = 100,
        dropout: float = 0.5,
        readout: str = "auto",
        lstm_size: int = 0,
        lstm_input: str = "window",
    ):
        super().__init__()
        self.config = constructor_arguments(locals())
        check_io(in_features, out_features, window)
        check_positive_int("num_conv_layers", num_conv_layers, "pass e.g. num_conv_layers=4.")
        check_positive_int("filters", filters, "pass e.g. filters=10.")
        check_positive_int("kernel_size", kernel_size, "pass e.g. kernel_size=10.")
        check_positive_int("dense_size", dense_size, "pass e.g. dense_size=100.")
        check_dropout(dropout)
        if isinstance(lstm_size, bool) or not isinstance(lstm_size, int) or lstm_size < 0:
            raise ValueError(f"`lstm_size` must be an integer >= 0: the LSTM path's units, 0 for none. Received: "
                             f"lstm_size={lstm_size!r}. Fix: pass e.g. lstm_size=32, or 0 for the paper's DCNN.")
        check_choice("lstm_input", lstm_input, LSTM_INPUTS)
        self.lstm_input = lstm_input
        channels = [1] + [filters] * num_conv_layers + [1]
        kernels = [kernel_size] * num_conv_layers + [3]  # the fifth convolution: 1 filter of length 3
        # padding="same" keeps T for every kernel length (even ones are padded one step more after than before)
        self.convs = nn.ModuleList(
            nn.Conv2d(c_in, c_out, (k, 1), padding="same")  # (k, 1): along time, each sensor alone
            for c_in, c_out, k in zip(channels[:-1], channels[1:], kernels)
        )
        self.dropout = nn.Dropout(dropout)
        self.dense = Readout(in_features, dense_size, length=window, readout=readout)  # (B, T, F) -> (B, D)
        self.head = nn.Linear(dense_size + lstm_size, out_features)
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_normal_(module.weight)
                nn.init.zeros_(module.bias)
        # channels-last weights, after the seeded start: oneDNN runs these K x 1 convolutions about 1.4 x faster on
        # CPU (the same arithmetic, summed in another order)
        self.convs.to(memory_format=torch.channels_last)
        # the LSTM path is built after the loop above, so it keeps PyTorch's LSTM start (with lstm_size=0 the network
        # and its seeded weights are exactly the paper's DCNN as before)
        self.lstm = LSTMEncoder(in_features, hidden_size=lstm_size, dropout=0.0) if lstm_size else None

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        h = x.unsqueeze(1)  # (B, T, F) -> (B, 1, T, F)
        mask = step_mask(lengths, x.shape[1])[:, None, :, None] if lengths is not None else None  # (B, 1, T, 1)
        for conv in self.convs:
            if mask is not None:  # padded steps read as zeros, what "same" padding shows a sequence alone at its end
                h = h.masked_fill(~mask, 0.0)
            h = torch.tanh(conv(h))  # (B, C, T, F); after the last convolution (B, 1, T, F)
        h = self.dropout(h.squeeze(1))  # (B, T, F)
        merged = torch.tanh(self.dense(h, lengths))  # (B, D)
        if self.lstm is not None:  # the LSTM reads the input window (parallel) or the convolution map (serial)
            _, last = self.lstm(x if self.lstm_input == "window" else h, lengths)  # (B, H), the last valid step
            merged = torch.cat([merged, self.dropout(last)], dim=-1)  # (B, D + H)
        return self.head(merged)  # (B, out_features)
