"""Shared bricks for the model zoo: a convolution stack, an LSTM encoder, DLinear's decomposition.

Dimension letters used in the shape comments:
    B  batch size
    T  time steps of the input window
    T' time steps left after pooling
    F  input features (channels of the series)
    C  convolution filters
    H  LSTM hidden size
    D  LSTM directions (1, or 2 when bidirectional)

Every brick takes and returns batch-first sequences (B, T, features), the layout the models use.
The bricks validate the hyperparameters they receive, under the same names the models expose,
so an error names the argument the user actually passed.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

ACTIVATIONS = ("relu", "gelu")


# -----------------------------------------------------------------------------
# the config every model keeps, and argument checks shared by every model constructor


def constructor_arguments(arguments: dict) -> dict:
    """A model's `config`: its constructor's arguments, from `locals()` taken before `__init__` makes any local.

    Call it as `self.config = constructor_arguments(locals())` right after `super().__init__()`; then
    `type(model)(**model.config)` rebuilds the model, and a new hyperparameter is captured without restating it.
    """
    # `__class__` is the cell that zero-argument super() leaves among the locals
    return {name: value for name, value in arguments.items() if name not in ("self", "__class__")}


def check_positive_int(name: str, value, fix: str) -> None:
    """Raise ValueError unless `value` is an int >= 1 (bools are rejected)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"`{name}` must be a positive int. Received: {name}={value!r}. Fix: {fix}")


def check_dropout(value) -> None:
    """Raise ValueError unless `value` is a probability in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(
            f"`dropout` must be a float in [0, 1). Received: dropout={value!r}. "
            "Fix: pass e.g. dropout=0.1, or dropout=0.0 to switch it off."
        )


def check_choice(name: str, value, choices: tuple[str, ...]) -> None:
    """Raise ValueError unless `value` is one of `choices`."""
    if value not in choices:
        raise ValueError(
            f"`{name}` must be one of {', '.join(repr(c) for c in choices)}. "
            f"Received: {name}={value!r}. Fix: pass {name}={choices[0]!r}."
        )


def check_bool(name: str, value) -> None:
    """Raise ValueError unless `value` is a bool."""
    if not isinstance(value, bool):
        raise ValueError(f"`{name}` must be a bool. Received: {name}={value!r}. Fix: pass {name}=True or False.")


def check_io(in_features, out_features, window) -> None:
    """Check the three arguments every model shares; `window` may be None."""
    check_positive_int("in_features", in_features, "pass the number of input channels, e.g. in_features=1 for a univariate series.")
    check_positive_int("out_features", out_features, "pass the size of the output vector, e.g. out_features=horizon * targets.")
    if window is not None:
        check_positive_int("window", window, "pass the number of time steps per input window, or window=None.")


# -----------------------------------------------------------------------------
# bricks


def step_mask(lengths: torch.Tensor, steps: int) -> torch.Tensor:
    """(B,) valid lengths -> (B, steps) bool, True on the valid (left-aligned) steps. No host synchronisation."""
    return torch.arange(steps, device=lengths.device) < lengths[:, None]


def pooled_lengths(lengths: torch.Tensor, pool: int) -> torch.Tensor:
    """Valid lengths after a ceil-mode pool of `pool`: ceil(L / pool)."""
    return torch.div(lengths + pool - 1, pool, rounding_mode="floor")


def masked_mean(h: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Mean over time of (B, T, C) -> (B, C), over the first lengths[b] steps of each sequence when given."""
    if lengths is None:
        return h.mean(dim=1)
    mask = step_mask(lengths, h.shape[1]).unsqueeze(-1)  # (B, T, 1)
    return h.masked_fill(~mask, 0.0).sum(dim=1) / lengths.clamp(min=1).unsqueeze(-1).to(h.dtype)


def _batch_norm(norm: nn.Module, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """BatchNorm1d over (B, C, T) whose training statistics come from the valid steps only.

    Padding would otherwise pull the batch mean towards zero and make a sequence's output depend on how much
    padding its batch holds. In eval mode (running statistics) the plain layer is already per-step.
    """
    if mask is None or not isinstance(norm, nn.BatchNorm1d) or not norm.training:
        return norm(x)
    weights = mask.unsqueeze(1).to(x.dtype)  # (B, 1, T)
    count = weights.sum().clamp(min=2.0)
    mean = (x * weights).sum(dim=(0, 2)) / count  # (C,)
    var = (((x - mean[:, None]) ** 2) * weights).sum(dim=(0, 2)) / count  # (C,), biased, as BatchNorm normalises
    with torch.no_grad():  # running statistics as nn.BatchNorm1d keeps them (unbiased variance)
        norm.running_mean.lerp_(mean.detach().to(norm.running_mean.dtype), norm.momentum)
        norm.running_var.lerp_((var.detach() * count / (count - 1)).to(norm.running_var.dtype), norm.momentum)
        norm.num_batches_tracked.add_(1)
    x = (x - mean[:, None]) / torch.sqrt(var[:, None] + norm.eps)
    return x * norm.weight[:, None] + norm.bias[:, None]


class ConvStack(nn.Module):
    """`num_conv_layers` x [Conv1d (length kept) -> BatchNorm? -> ReLU/GELU -> MaxPool1d? -> Dropout].

    (B, T, F) -> (B, T', C). Pooling uses ceil_mode, so T' = ceil(T / pool) per pool: an odd T keeps its last (most
    recent) step and any T >= 1 works (T=8 with two layers and pool=2 gives 8 -> 4 -> 2; T=1 stays 1).
    With `pool_each_layer=False` a single pool follows the last layer instead (the classic
    Conv-Conv-MaxPool front of a CNN-LSTM).

    Variable length: with `lengths` (B,) the padded steps are zeroed before every convolution (what "same"
    padding shows a sequence alone at its end), set to -inf before every pool, left out of the batch-norm
    statistics, and zero in the output; the returned lengths are the pooled ones. So a sequence gives the same
    output alone as inside a padded batch.
    """

    def __init__(
        self,
        in_channels: int,
        *,
        num_conv_layers: int = 2,
        filters: int = 64,
        kernel_size: int = 3,
        pool: int = 2,
        dropout: float = 0.1,
        batch_norm: bool = True,
        activation: str = "relu",
        pool_each_layer: bool = True,
    ):
        super().__init__()
        check_positive_int("num_conv_layers", num_conv_layers, "pass e.g. num_conv_layers=2.")
        check_positive_int("filters", filters, "pass e.g. filters=64.")
        check_positive_int("kernel_size", kernel_size, "pass e.g. kernel_size=3.")
        check_positive_int("pool", pool, "pass e.g. pool=2, or pool=1 for no pooling.")
        check_dropout(dropout)
        check_bool("batch_norm", batch_norm)
        check_choice("activation", activation, ACTIVATIONS)
        self.pool = pool
        self.pool_each_layer = pool_each_layer
        self.output_size = filters
        channels = [in_channels] + [filters] * num_conv_layers
        # padding="same" keeps T for every kernel size (even ones are padded asymmetrically)
        self.convs = nn.ModuleList(
            nn.Conv1d(c_in, c_out, kernel_size, padding="same", bias=not batch_norm)
            for c_in, c_out in zip(channels[:-1], channels[1:])
        )
        self.norms = nn.ModuleList(nn.BatchNorm1d(filters) if batch_norm else nn.Identity() for _ in self.convs)
        self.act = nn.ReLU() if activation == "relu" else nn.GELU()
        self.dropout = nn.Dropout(dropout)

    def _pools_after(self, layer: int) -> bool:
        return self.pool > 1 and (self.pool_each_layer or layer == len(self.convs) - 1)

    def output_length(self, length: int) -> int:
        """T' for an input of T = `length` steps (the pooling arithmetic of `forward`)."""
        for i in range(len(self.convs)):
            if self._pools_after(i):
                length = -(-length // self.pool)
        return length

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(B, T, F), lengths (B,) or None -> (B, T', C), pooled lengths (B,) or None."""
        x = x.transpose(1, 2)  # (B, T, F) -> (B, F, T): Conv1d wants channels first
        mask = None
        for i, (conv, norm) in enumerate(zip(self.convs, self.norms)):
            if lengths is not None:
                mask = step_mask(lengths, x.shape[-1])  # (B, T)
                x = x.masked_fill(~mask.unsqueeze(1), 0.0)
            # contiguous: oneDNN may return a channels-last map (a one-channel or transposed input), on which
            # BatchNorm takes a slow path (about 4 x slower on CPU); the copy costs far less than that
            x = self.act(_batch_norm(norm, conv(x).contiguous(), mask))  # (B, C, T)
            if self._pools_after(i):
                if lengths is not None:
                    x = x.masked_fill(~mask.unsqueeze(1), float("-inf"))
                    lengths = pooled_lengths(lengths, self.pool)
                x = ceil_max_pool1d(x, self.pool)  # (B, C, T) -> (B, C, ceil(T / pool))
            x = self.dropout(x)
        if lengths is not None:  # padded steps leave as zeros (a pool of padding alone gave -inf)
            x = x.masked_fill(~step_mask(lengths, x.shape[-1]).unsqueeze(1), 0.0)
        return x.transpose(1, 2), lengths  # (B, T', C)


def ceil_max_pool1d(x: torch.Tensor, pool: int) -> torch.Tensor:
    """(B, C, T) -> (B, C, ceil(T / pool)): the max of each whole pool, the last one padded with -inf.

    The numbers of `F.max_pool1d(x, pool, ceil_mode=True)`, written so that an ONNX export keeps T dynamic
    (torch.export fixes the length for ceil_mode's output-size rule).
    """
    pools = (x.shape[-1] + pool - 1) // pool
    x = F.pad(x, (0, pools * pool - x.shape[-1]), value=float("-inf"))
    return x.reshape(*x.shape[:-1], pools, pool).amax(dim=-1)


READOUTS = ("auto", "flatten", "mean")


class Readout(nn.Module):
    """From a feature sequence (B, T', C) to the output (B, out_features).

    "flatten" keeps where in the window each feature was seen (what a forecast needs; T' must be fixed), "mean"
    averages over time (any length, padded steps left out; what a classifier of variable-length series needs).
    "auto" flattens when the window length is known and averages otherwise.
    """

    def __init__(self, channels: int, out_features: int, *, length: int | None, readout: str = "auto"):
        super().__init__()
        check_choice("readout", readout, READOUTS)
        if readout == "auto":
            readout = "flatten" if length is not None else "mean"
        if readout == "flatten" and length is None:
            raise ValueError(
                "`readout='flatten'` needs the window length. Received: window=None. "
                "Fix: pass window=..., or readout='mean' for inputs of any length."
            )
        self.mode, self.length = readout, length
        self.linear = nn.Linear(channels * (length if readout == "flatten" else 1), out_features)

    def forward(self, h: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if self.mode == "mean":
            return self.linear(masked_mean(h, lengths))  # (B, C) -> (B, out_features)
        if lengths is not None:
            raise ValueError(
                "This model flattens a fixed window (readout='flatten') and cannot take variable lengths. "
                "Received: lengths=... . Fix: build it with window=None or readout='mean' for variable-length input."
            )
        if h.shape[1] != self.length:
            raise ValueError(
                f"This model flattens {self.length} feature steps but received {h.shape[1]}: the input window "
                "differs from the one it was built for. Fix: pass windows of the built length, or readout='mean'."
            )
        return self.linear(h.flatten(1))  # (B, T' * C) -> (B, out_features)


class LSTMEncoder(nn.Module):
    """Stacked, optionally bidirectional LSTM returning the whole sequence and a summary vector.

    (B, T, F), lengths (B,) or None -> output (B, T, H*D), summary (B, H*D).
    The summary is the last (valid) step's output; when bidirectional it is the forward direction at the last
    step concatenated with the backward direction at the first step (each has then seen the whole sequence).
    Dropout acts between stacked layers, as in nn.LSTM.

    Variable length: a unidirectional LSTM is causal, so padding after a sequence cannot reach its valid steps;
    the summary is gathered at step lengths-1, with no packing and no host synchronisation (a CUDA graph can
    capture it). A bidirectional one reads backwards from the end, so it packs the batch
    (`pack_padded_sequence`, which needs the lengths on the CPU). Padded output steps are zero.
    """

    def __init__(
        self,
        input_size: int,
        *,
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.1,
    ):
        super().__init__()
        check_positive_int("hidden_size", hidden_size, "pass e.g. hidden_size=64.")
        check_positive_int("num_layers", num_layers, "pass e.g. num_layers=1.")
        check_bool("bidirectional", bidirectional)
        check_dropout(dropout)
        self.hidden_size = hidden_size
        self.bidirectional = bidirectional
        self.output_size = hidden_size * (2 if bidirectional else 1)
        self.lstm = nn.LSTM(
            input_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if num_layers > 1 else 0.0,  # nn.LSTM warns on dropout with one layer
        )
        # forget-gate bias 1 (Jozefowicz et al. 2015): remember by default early in training.
        # PyTorch packs the gates as [input, forget, cell, output]; bias_ih + bias_hh is the bias.
        with torch.no_grad():
            for name, param in self.lstm.named_parameters():
                if name.startswith("bias_ih"):
                    param[hidden_size : 2 * hidden_size].fill_(1.0)
                elif name.startswith("bias_hh"):
                    param[hidden_size : 2 * hidden_size].fill_(0.0)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        if lengths is None:
            output, _ = self.lstm(x)  # (B, T, F) -> (B, T, H*D)
            last = output[:, -1]
        else:
            steps = x.shape[1]
            if self.bidirectional:
                packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
                output, _ = nn.utils.rnn.pad_packed_sequence(self.lstm(packed)[0], batch_first=True, total_length=steps)
            else:
                output, _ = self.lstm(x)
                output = output.masked_fill(~step_mask(lengths, steps).unsqueeze(-1), 0.0)
            index = (lengths - 1).clamp(min=0).view(-1, 1, 1).expand(-1, 1, output.shape[-1])
            last = output.gather(1, index).squeeze(1)  # (B, H*D): each sequence's last valid step
        if self.bidirectional:
            H = self.hidden_size
            summary = torch.cat([last[:, :H], output[:, 0, H:]], dim=-1)  # (B, 2H)
        else:
            summary = last  # (B, H)
        return output, summary


class MovingAverageDecomposition(nn.Module):
    """DLinear's series_decomp: trend = moving average over time, seasonal = x - trend.

    (B, T, F) -> seasonal (B, T, F), trend (B, T, F). Both ends are padded by repeating the first
    and last step, so T is kept for any kernel size, even one longer than the window.
    """

    def __init__(self, kernel_size: int = 25):
        super().__init__()
        check_positive_int("moving_avg", kernel_size, "pass an odd window length for the moving average, e.g. moving_avg=25.")
        self.kernel_size = kernel_size

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        k = self.kernel_size
        front = x[:, :1].expand(-1, (k - 1) // 2, -1)  # (B, (k-1)//2, F)
        back = x[:, -1:].expand(-1, k - 1 - (k - 1) // 2, -1)  # (B, k//2, F)
        padded = torch.cat([front, x, back], dim=1)  # (B, T + k - 1, F)
        trend = F.avg_pool1d(padded.transpose(1, 2), k, stride=1).transpose(1, 2)  # (B, T, F)
        return x - trend, trend


# -----------------------------------------------------------------------------
# forecasting heads

HEADS = ("linear", "segments")


class SegmentDecoder(nn.Module):
    """Parallel multi-step decoding (SegRNN's "PMF", Lin et al. 2023): every output segment is decoded at once,
    each by one recurrent step from the summary, told apart by learned position and channel embeddings.

        summary h (B, D) -> Linear to H when D != H (the initial state; c = 0 unless given)
        input of output segment j for row b: cat(position[j], channel[b % num_channels])     (B*M, H)
        -> one LSTM-cell step from (h, c), all M segments at once -> Dropout -> Linear(H, S)
        -> (B, M*S) -> first out_features                                                  (B, out_features)

    S is `segment`, M = ceil(out_features / S), H `hidden_size` (D when None). With channel-independent
    forecasting, rows come `num_channels` at a time (row r is channel r % num_channels) and the channel embedding
    tells them apart. `seg_lstm` passes its encoder's cell to `forward` (SegRNN shares it); the other models'
    heads own theirs (`own_cell=True`).
    """

    def __init__(self, in_size: int, out_features: int, *, segment: int = 24, hidden_size: int | None = None,
                 num_channels: int = 1, dropout: float = 0.0, own_cell: bool = True):
        super().__init__()
        check_positive_int("segment", segment, "pass the steps per output segment, e.g. segment=24.")
        check_positive_int("num_channels", num_channels, "pass the channels stacked per sample, or 1.")
        check_dropout(dropout)
        hidden = hidden_size or in_size
        self.hidden_size, self.segment, self.num_channels, self.out_features = hidden, segment, num_channels, out_features
        self.out_segments = -(-out_features // segment)  # M = ceil(out_features / S)
        self.project = nn.Identity() if hidden == in_size else nn.Linear(in_size, hidden)
        self.position = nn.Parameter(torch.randn(self.out_segments, hidden // 2))
        self.channel = nn.Parameter(torch.randn(num_channels, hidden - hidden // 2))
        self.cell = nn.LSTMCell(hidden, hidden) if own_cell else None
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, segment)

    def forward(self, h: torch.Tensor, c: torch.Tensor | None = None, cell: nn.Module | None = None) -> torch.Tensor:
        cell = cell if cell is not None else self.cell
        h = self.project(h)  # (B, H)
        batch, segments = h.shape[0], self.out_segments
        rows = torch.arange(batch, device=h.device) % self.num_channels
        inputs = torch.cat([self.position.unsqueeze(0).expand(batch, -1, -1),  # (B, M, H/2)
                            self.channel[rows].unsqueeze(1).expand(-1, segments, -1)],  # (B, M, H/2)
                           dim=-1).reshape(batch * segments, self.hidden_size)  # (B*M, H)
        h = h.repeat_interleave(segments, dim=0)  # (B*M, H)
        if isinstance(cell, nn.GRUCell):
            decoded = cell(inputs, h)
        else:
            c = torch.zeros_like(h) if c is None else c.repeat_interleave(segments, dim=0)
            decoded, _ = cell(inputs, (h, c))
        out = self.head(self.dropout(decoded)).view(batch, segments * self.segment)  # (B, M*S)
        return out[:, : self.out_features]  # (B, out_features)


def forecast_head(in_size: int, out_features: int, *, head: str, segment: int, num_channels: int,
                  dropout: float) -> nn.Module:
    """The last layer from a summary vector (B, in_size) to (B, out_features): "linear" (one linear map) or
    "segments" (SegmentDecoder: parallel multi-step decoding, meant for long forecasting horizons)."""
    check_choice("head", head, HEADS)
    if head == "linear":
        return nn.Linear(in_size, out_features)
    return SegmentDecoder(in_size, out_features, segment=segment, num_channels=num_channels, dropout=dropout)
