"""DLinear (Zeng et al. 2023, "Are Transformers Effective for Time Series Forecasting?"): the linear baseline.

    x (B, T, F) -> MovingAverageDecomposition -> seasonal (B, T, F), trend (B, T, F)
    seasonal -> flatten (B, T*F) -> Linear -> (B, out_features) -+
    trend    -> flatten (B, T*F) -> Linear -> (B, out_features) -+-> sum -> (B, out_features)

Dimension letters:
    B  batch size
    T  time steps of the input window (must equal `window`)
    F  input features (in_features)

With in_features=1 and out_features=horizon this is DLinear with shared weights. With more
features the two maps see all channels at once (a flattened window), a small generalisation.
Unlike the other models it needs a fixed `window`, since its weights span the whole window.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from cnnlstm.models.layers import MovingAverageDecomposition, check_io, constructor_arguments


class DLinear(nn.Module):
    input_kind = "series"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        window: int | None = None,
        moving_avg: int = 25,
    ):
        super().__init__()
        self.config = constructor_arguments(locals())
        if window is None:
            raise ValueError(
                "`window` must be a positive int for the linear model. Received: window=None. "
                "Fix: pass the input length, e.g. build_model('linear', 1, 12, window=24); "
                "its weights span the whole window."
            )
        check_io(in_features, out_features, window)
        self.window = window
        self.in_features = in_features
        self.decomposition = MovingAverageDecomposition(moving_avg)
        self.seasonal = nn.Linear(window * in_features, out_features)
        self.trend = nn.Linear(window * in_features, out_features)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if lengths is not None:
            raise ValueError(
                "The linear model's weights span a fixed window, so it cannot take variable-length input. "
                "Received: lengths=... . Fix: pad or crop every sequence to the window, or choose another model."
            )
        if x.dim() != 3 or x.shape[1:] != (self.window, self.in_features):
            raise ValueError(
                f"`x` must have shape (B, window={self.window}, in_features={self.in_features}). "
                f"Received: x.shape={tuple(x.shape)}. "
                "Fix: feed windows of the length the model was built with, or rebuild it with that window."
            )
        seasonal, trend = self.decomposition(x)  # (B, T, F) each
        seasonal = self.seasonal(seasonal.flatten(1))  # (B, T*F) -> (B, out_features)
        trend = self.trend(trend.flatten(1))  # (B, T*F) -> (B, out_features)
        return seasonal + trend  # (B, out_features)
