"""Tasks own what models do not: heads, losses, targets and how inputs are gathered.

Forecasting wraps any registry model, ``(B, T, F) -> (B, out)``, into ``(B, W, F) -> (B, H, targets)``, with
instance normalisation per window around it: RevIN (Kim et al. ICLR 2022, the window's mean and std) or the
window's last value subtracted and added back (SegRNN's, Lin et al. 2023).

Dimension letters: B batch, W input window, H horizon, F features (targets, past covariates, future
covariates, in that order), O observed features (targets and past covariates), T targets, K future covariates.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ._errors import unknown_name
from .intervals import pinball_loss
from .models import build_model, model_hyperparameters

LOSSES = {"mse": F.mse_loss, "mae": F.l1_loss, "huber": F.smooth_l1_loss}


def loss_function(name: str, quantiles: tuple[float, ...] | None = None):
    """The training loss `name`; with `quantiles`, the pinball loss over them in its place (the prediction has a
    last axis of Q quantiles, the target has not)."""
    if name not in LOSSES:
        raise unknown_name("loss", name, LOSSES)
    if quantiles is None:
        return LOSSES[name]
    levels: dict = {}  # the quantile tensor, on the device the first batch lives on

    def pinball(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if prediction.device not in levels:
            levels[prediction.device] = torch.tensor(quantiles, dtype=prediction.dtype, device=prediction.device)
        return pinball_loss(prediction, target, levels[prediction.device])

    return pinball


class RevIN(nn.Module):
    """Reversible instance normalisation: each window is scaled by its own mean and std, and the forecast back.

    A train-fitted z-score leaves a trending series far outside the range the network saw; per-window statistics
    keep every input near zero, whatever the level.
    """

    def __init__(self, num_features: int, *, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))

    def normalize(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mean = x.mean(dim=1, keepdim=True).detach()  # (B, 1, O)
        std = torch.sqrt(x.var(dim=1, keepdim=True, unbiased=False) + self.eps).detach()
        return (x - mean) / std * self.weight + self.bias, mean, std

    def denormalize(self, y: torch.Tensor, mean: torch.Tensor, std: torch.Tensor, count: int) -> torch.Tensor:
        """Undo `normalize` for the first `count` features; y is (B, H, count)."""
        y = (y - self.bias[:count]) / (self.weight[:count] + self.eps * self.eps)
        return y * std[..., :count] + mean[..., :count]


class LastValue(nn.Module):
    """Subtract each window's last observed value per channel, and add it back to the forecast (SegRNN's
    normalisation: the forecast is a change from now, whatever the level)."""

    def normalize(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, None]:
        last = x[:, -1:, :].detach()  # (B, 1, O)
        return x - last, last, None

    def denormalize(self, y: torch.Tensor, last: torch.Tensor, _: None, count: int) -> torch.Tensor:
        return y + last[..., :count]


NORMALIZATIONS = (True, False, "last")


class ForecastNet(nn.Module):
    """A registry model as a direct multi-step forecaster.

    Input x (B, W, F): observed features for the W input steps and the future covariates shifted forward by the
    horizon (row i holds their value at step i + H, so the last H rows are the forecast period's). Output
    (B, H, T): the next H steps of the targets, in the (globally scaled) units of the input.

    With `channel_independent=True` every observed channel is forecast from its own history alone, with shared
    weights (PatchTST's and DLinear's setting): x becomes (B*O, W, 1 + K) and the model predicts H values.

    With `quantiles` (Q of them, sorted, the median among them) the output gains a last axis, (B, H, T, Q): the
    backbone predicts Q values per step and target, trained with the pinball loss (`cnnlstm.intervals`).
    """

    def __init__(self, *, model: str, num_features: int, num_observed: int, num_targets: int, window: int,
                 horizon: int, revin: bool | str = True, channel_independent: bool = False,
                 model_kwargs: dict | None = None, quantiles: tuple[float, ...] | list[float] | None = None):
        super().__init__()
        self.config = dict(model=model, num_features=num_features, num_observed=num_observed, num_targets=num_targets,
                           window=window, horizon=horizon, revin=revin, channel_independent=channel_independent,
                           model_kwargs=dict(model_kwargs or {}))
        if quantiles is not None:  # a folder saved without quantiles keeps its config as it was
            self.config["quantiles"] = [float(q) for q in quantiles]
        self.num_observed, self.num_targets, self.horizon = num_observed, num_targets, horizon
        self.channel_independent = channel_independent
        self.num_quantiles = 1 if quantiles is None else len(quantiles)
        self.quantiles = quantiles
        num_future = num_features - num_observed
        if channel_independent:
            in_features, out_features = 1 + num_future, horizon * self.num_quantiles
        else:
            in_features, out_features = num_features, horizon * num_targets * self.num_quantiles
        model_kwargs = dict(model_kwargs or {})
        if channel_independent and "num_channels" in model_hyperparameters(model):
            model_kwargs.setdefault("num_channels", num_observed)  # rows come num_observed at a time, per sample
        self.backbone = build_model(model, in_features, out_features, window=window, **model_kwargs)
        if revin not in NORMALIZATIONS:
            raise ValueError(f"`revin` must be True (mean and std per window), 'last' (the window's last value) or "
                             f"False. Received: revin={revin!r}.")
        self.revin = LastValue() if revin == "last" else RevIN(num_observed) if revin else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        observed, future = x[..., : self.num_observed], x[..., self.num_observed :]  # (B, W, O), (B, W, K)
        if self.revin is not None:
            observed, mean, std = self.revin.normalize(observed)
        batch, window = x.shape[:2]
        q = self.num_quantiles
        if self.channel_independent:
            channels = observed.transpose(1, 2).reshape(-1, window, 1)  # (B*O, W, 1)
            repeated = future.repeat_interleave(self.num_observed, dim=0)  # (B*O, W, K)
            out = self.backbone(torch.cat([channels, repeated], dim=-1))  # (B*O, H*Q)
            out = out.view(batch, self.num_observed, self.horizon, q)[:, : self.num_targets]  # (B, T, H, Q)
            out = out.permute(0, 3, 2, 1)  # (B, Q, H, T)
        else:
            out = self.backbone(torch.cat([observed, future], dim=-1))  # (B, H*T*Q)
            out = out.view(batch, self.horizon, self.num_targets, q).permute(0, 3, 1, 2)  # (B, Q, H, T)
        out = out.reshape(batch, q * self.horizon, self.num_targets)  # (B, Q*H, T): denormalised per target
        if self.revin is not None:
            out = self.revin.denormalize(out, mean, std, self.num_targets)
        out = out.reshape(batch, q, self.horizon, self.num_targets)
        return out[:, 0] if self.quantiles is None else out.permute(0, 2, 3, 1)  # (B, H, T) or (B, H, T, Q)


class WindowGather:
    """Gathers forecasting batches out of one (N, F) tensor that lives on the training device.

    For window start rows r (B,), the block ``values[r : r + W + H]`` (B, W + H, F) gives the input (observed
    features of rows r .. r+W-1, future covariates of rows r+H .. r+W+H-1) and the target (targets of rows
    r+W .. r+W+H-1).
    """

    def __init__(self, values: torch.Tensor, *, window: int, horizon: int, num_observed: int, num_targets: int):
        self.values, self.window, self.horizon = values, window, horizon
        self.num_observed, self.num_targets = num_observed, num_targets
        self.offsets = torch.arange(window + horizon, device=values.device)  # (W + H,)

    def __call__(self, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        block = self.values[rows[:, None] + self.offsets]  # (B, W + H, F)
        return self._input(block), block[:, self.window :, : self.num_targets]  # (B, W, F), (B, H, T)

    def inputs(self, rows: torch.Tensor) -> torch.Tensor:
        return self._input(self.values[rows[:, None] + self.offsets])

    def _input(self, block: torch.Tensor) -> torch.Tensor:
        observed = block[:, : self.window, : self.num_observed]  # (B, W, O)
        if self.num_observed == block.shape[-1]:
            return observed
        future = block[:, self.horizon :, self.num_observed :]  # (B, W, K), shifted forward by H
        return torch.cat([observed, future], dim=-1)


# -----------------------------------------------------------------------------
# whole sequences: classification and sequence regression


class SequenceNet(nn.Module):
    """A registry model as a sequence classifier (logits) or regressor (values): (B, T, ...), lengths -> (B, out).

    With `freeze_encoder=True` everything but the model's `head` is frozen: no gradients, and its batch-norm and
    dropout layers stay in eval mode while the head trains (a fixed feature extractor).
    """

    def __init__(self, *, model: str, in_features: int, out_features: int, window: int | None = None,
                 freeze_encoder: bool = False, model_kwargs: dict | None = None):
        super().__init__()
        self.config = dict(model=model, in_features=in_features, out_features=out_features, window=window,
                           freeze_encoder=freeze_encoder, model_kwargs=dict(model_kwargs or {}))
        self.backbone = build_model(model, in_features, out_features, window=window, **(model_kwargs or {}))
        self.freeze_encoder = freeze_encoder
        if freeze_encoder:
            for parameter in self.encoder_parameters():
                parameter.requires_grad_(False)

    def encoder_state(self) -> dict[str, torch.Tensor]:
        """The backbone's weights and buffers outside its `head`: what transfers to another task."""
        return {k: v for k, v in self.backbone.state_dict().items() if not k.startswith("head.")}

    def encoder_parameters(self):
        return [p for name, p in self.backbone.named_parameters() if not name.startswith("head.")]

    def train(self, mode: bool = True):
        super().train(mode)
        if self.freeze_encoder:
            for name, module in self.backbone.named_children():
                if name != "head":
                    module.eval()
        return self

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.backbone(x, lengths)


COMBINES = ("probabilities", "mean")


class EnsembleNet(nn.Module):
    """Several SequenceNets of one configuration, trained from different seeds, as one network (the InceptionTime
    recipe): (B, T, ...), lengths -> (B, out).

    combine="probabilities" (classification): the output is log(mean_i softmax(logits_i)), logits whose softmax is
    the members' mean class probability, so every consumer of a classifier's logits reads the ensemble's.
    combine="mean" (regression): the mean of the members' values.
    """

    def __init__(self, *, member: dict, n_members: int, combine: str):
        super().__init__()
        if combine not in COMBINES:
            raise ValueError(f"`combine` must be one of {COMBINES}. Received: combine={combine!r}.")
        self.config = dict(member=dict(member), n_members=n_members, combine=combine)
        self.members = nn.ModuleList(SequenceNet(**member) for _ in range(n_members))
        self.combine = combine

    @property
    def backbone(self) -> nn.Module:
        return self.members[0].backbone

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        outputs = torch.stack([member(x, lengths) for member in self.members])  # (M, B, out)
        if self.combine == "mean":
            return outputs.mean(dim=0)
        log_probabilities = torch.log_softmax(outputs.float(), dim=-1)  # (M, B, classes)
        return torch.logsumexp(log_probabilities, dim=0) - math.log(len(self.members))  # log of the mean probability


def sequence_network(config: dict) -> nn.Module:
    """A SequenceNet or an EnsembleNet rebuilt from its `config` (config.json's "network")."""
    return EnsembleNet(**config) if "member" in config else SequenceNet(**config)


class SequenceGather:
    """Batches of whole sequences out of one padded tensor on the device: rows are sequence numbers.

    X (N, T, ...) and y (N, ...) live on the device; with `lengths` (N,) the inputs are (X[rows], lengths[rows]).
    """

    def __init__(self, X: torch.Tensor, y: torch.Tensor | None, lengths: torch.Tensor | None = None):
        self.X, self.y, self.lengths = X, y, lengths

    def inputs(self, rows: torch.Tensor):
        return self.X[rows] if self.lengths is None else (self.X[rows], self.lengths[rows])

    def __call__(self, rows: torch.Tensor):
        return self.inputs(rows), self.y[rows]


class GroupWindowGather:
    """Windows of W rows out of one (R, F) tensor of many units' rows; the target is the one at the window's end.

    A window starting at row r holds rows r .. r+W-1, cut at its unit's end: `unit_end` (R,) gives one past each
    row's unit's last row, so the length is min(W, unit_end[r] - r) and rows past it (another unit's, or clamped
    to the last row) are padding that the model masks. With `masked=False` every window is full and no lengths
    are passed. With `edge_pad=True` (models built for exactly W rows) a shorter window is padded on the left by
    repeating its first row, and no lengths are passed either.
    """

    def __init__(self, values: torch.Tensor, unit_end: torch.Tensor, target: torch.Tensor | None, *, window: int,
                 masked: bool, edge_pad: bool = False):
        self.values, self.unit_end, self.target, self.window, self.masked = values, unit_end, target, window, masked
        self.edge_pad = edge_pad
        self.offsets = torch.arange(window, device=values.device)  # (W,)

    def _lengths(self, rows: torch.Tensor) -> torch.Tensor:
        return (self.unit_end[rows] - rows).clamp(max=self.window)

    def inputs(self, rows: torch.Tensor):
        if self.edge_pad:  # right-aligned: position i reads row r + i - (W - length), at least r
            shift = (self.window - self._lengths(rows))[:, None]  # (B, 1)
            return self.values[rows[:, None] + (self.offsets - shift).clamp(min=0)]  # (B, W, F)
        x = self.values[(rows[:, None] + self.offsets).clamp(max=len(self.values) - 1)]  # (B, W, F)
        return (x, self._lengths(rows)) if self.masked else x

    def __call__(self, rows: torch.Tensor):
        return self.inputs(rows), self.target[rows + self._lengths(rows) - 1]  # (B,)
