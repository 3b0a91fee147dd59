"""Ensembles of separately trained contenders: a plain mean, and a stacked mix fitted on validation only.

Both combine predictions, never weights: forecasts (N, H, T), class probabilities (N, K) or values (N,). The
stacked weights lie on the simplex (non-negative, summing to 1) and minimise the validation loss of the mix: mean
squared error for forecasts and values, the negative log-likelihood of the true class for probabilities.
`stack_weights` sees validation predictions and validation truth only; nothing of the test part can reach it.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize


def combine(predictions: list[np.ndarray], weights) -> np.ndarray:
    """The weighted sum of predictions of one shape.

    Example:
        >>> combine([np.array([1.0, 2.0]), np.array([3.0, 6.0])], [0.5, 0.5]).tolist()
        [2.0, 4.0]
    """
    weights = np.asarray(weights, np.float64)
    return np.tensordot(weights, np.stack([np.asarray(p, np.float64) for p in predictions]), axes=1)


def stack_weights(predictions: list[np.ndarray], truth: np.ndarray, *, loss: str = "mse") -> np.ndarray:
    """Simplex weights of `predictions` that minimise the loss of their mix against `truth` (validation only).

    Args:
        predictions: one array per member, all of one shape: values or forecasts (loss="mse"), or class
            probabilities (N, K) (loss="nll").
        truth: the same shape as a prediction (mse), or (N,) integer class codes (nll).
        loss: "mse" or "nll".

    Example:
        >>> truth = np.array([1.0, 2.0, 3.0])
        >>> stack_weights([truth, truth + 10.0], truth).round(3).tolist()
        [1.0, 0.0]
    """
    if loss not in ("mse", "nll"):
        raise ValueError(f"`loss` must be 'mse' or 'nll'. Received: loss={loss!r}.")
    stacked = np.stack([np.asarray(p, np.float64) for p in predictions])  # (M, ...)
    if len(stacked) == 1:
        return np.ones(1)
    truth = np.asarray(truth)
    if loss == "mse":
        if stacked.shape[1:] != truth.shape:
            raise ValueError(f"`truth` must have the predictions' shape {stacked.shape[1:]}. Received: {truth.shape}.")
        flat = stacked.reshape(len(stacked), -1)
        target = truth.reshape(-1).astype(np.float64)
        scale = max(float(np.mean(target**2)), 1e-12)  # keeps the objective near 1 whatever the data's units
        objective = lambda w: float(np.mean((w @ flat - target) ** 2)) / scale  # noqa: E731
    else:
        chosen = stacked[:, np.arange(len(truth)), truth.astype(np.int64)]  # (M, N): each member's p(true class)
        objective = lambda w: -float(np.mean(np.log(np.clip(w @ chosen, 1e-12, None))))  # noqa: E731
    count = len(stacked)
    result = optimize.minimize(objective, np.full(count, 1.0 / count), method="SLSQP", bounds=[(0.0, 1.0)] * count,
                               constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0}])
    weights = np.clip(result.x, 0.0, None)
    return weights / weights.sum()
