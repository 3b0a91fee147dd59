"""Forecast metrics as pure functions ``metric(y_true, y_pred)``; scikit-learn computes what it can.

Arrays of any shape are compared element-wise (flattened). MASE divides by a scale computed on the training
part (the mean absolute error of the seasonal naive forecast there), broadcast against the errors.
"""

from __future__ import annotations

import numpy as np

# scikit-learn is imported inside each function: its import (scipy included) costs over a second, and
# `import cnnlstm` and `from cnnlstm import Forecaster` must stay light


def _flat(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"`y_true` and `y_pred` must have the same shape. Received: {y_true.shape} and {y_pred.shape}.")
    return y_true.ravel(), y_pred.ravel()


def mse(y_true, y_pred) -> float:
    from sklearn.metrics import mean_squared_error

    return float(mean_squared_error(*_flat(y_true, y_pred)))


def rmse(y_true, y_pred) -> float:
    return float(np.sqrt(mse(y_true, y_pred)))


def mae(y_true, y_pred) -> float:
    from sklearn.metrics import mean_absolute_error

    return float(mean_absolute_error(*_flat(y_true, y_pred)))


def mape(y_true, y_pred) -> float:
    """Mean absolute percentage error, in percent; NaN (undefined, written as null in metrics.json) when an
    actual value is zero or the actual values change sign, as Darts and sktime treat it: a percentage of values
    that reach zero is meaningless (scikit-learn's would read 1e16 and more). Prefer sMAPE or MASE there.

    Example:
        >>> mape([100.0, 200.0], [110.0, 180.0])
        10.0
        >>> mape([-1.0, 2.0], [0.0, 2.0])
        nan
    """
    from sklearn.metrics import mean_absolute_percentage_error

    y_true, y_pred = _flat(y_true, y_pred)
    if len(y_true) == 0 or (y_true == 0).any() or (y_true.min() < 0 < y_true.max()):
        return float("nan")
    return float(100 * mean_absolute_percentage_error(y_true, y_pred))


def smape(y_true, y_pred) -> float:
    """Symmetric MAPE in percent, 0..200; a pair of zeros counts as no error."""
    y_true, y_pred = _flat(y_true, y_pred)
    denominator = np.abs(y_true) + np.abs(y_pred)
    ratio = np.divide(2 * np.abs(y_pred - y_true), denominator, out=np.zeros_like(denominator), where=denominator > 0)
    return float(100 * ratio.mean())


def mase(y_true, y_pred, scale) -> float:
    """Mean absolute scaled error; `scale` broadcasts against y_true (per series and target)."""
    y_true, y_pred = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    return float(np.mean(np.abs(y_true - y_pred) / np.asarray(scale, dtype=np.float64)))


def seasonal_scale(history: np.ndarray, season: int) -> np.ndarray:
    """MASE's denominator: mean |y[t] - y[t - season]| over `history` (T, C), per column; 1 where it is zero."""
    lag = season if len(history) > season else 1
    scale = np.mean(np.abs(history[lag:] - history[:-lag]), axis=0)
    return np.where(scale > 0, scale, 1.0)


def forecast_metrics(y_true, y_pred, *, mase_scale=None) -> dict[str, float]:
    """Every forecasting metric at once."""
    result = {
        "mse": mse(y_true, y_pred),
        "rmse": rmse(y_true, y_pred),
        "mae": mae(y_true, y_pred),
        "mape": mape(y_true, y_pred),
        "smape": smape(y_true, y_pred),
    }
    if mase_scale is not None:
        result["mase"] = mase(y_true, y_pred, mase_scale)
    return result


# -----------------------------------------------------------------------------
# prediction intervals: (lower, upper) against the actual values, element-wise


def _bounds(y_true, lower, upper) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y_true, lower, upper = (np.asarray(v, dtype=np.float64) for v in (y_true, lower, upper))
    if not y_true.shape == lower.shape == upper.shape:
        raise ValueError(f"`y_true`, `lower` and `upper` must have the same shape. Received: {y_true.shape}, "
                         f"{lower.shape} and {upper.shape}.")
    return y_true, lower, upper


def coverage(y_true, lower, upper) -> float:
    """The fraction of actual values inside their interval [lower, upper], in percent.

    Example:
        >>> coverage([1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0], [2.0, 2.0, 2.0, 2.0])
        50.0
    """
    y_true, lower, upper = _bounds(y_true, lower, upper)
    return float(100 * np.mean((lower <= y_true) & (y_true <= upper)))


def mean_width(lower, upper) -> float:
    """The mean width upper - lower of the intervals, in the data's units."""
    lower, upper = np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)
    return float(np.mean(upper - lower))


def interval_score(y_true, lower, upper, level: float) -> float:
    """The mean interval (Winkler) score at `level` percent, a proper score (Gneiting and Raftery 2007): the width
    plus 2 / alpha times how far each actual value falls outside, alpha = 1 - level / 100. Lower is better.

    Example:
        >>> interval_score([0.0, 3.0], [-1.0, -1.0], [1.0, 1.0], 80)        # (2 + (2 + 2 / 0.2 * 2)) / 2
        12.0
    """
    y_true, lower, upper = _bounds(y_true, lower, upper)
    alpha = (100 - level) / 100
    below, above = np.maximum(lower - y_true, 0), np.maximum(y_true - upper, 0)
    return float(np.mean(upper - lower + 2 / alpha * (below + above)))


def msis(y_true, lower, upper, level: float, scale) -> float:
    """The mean scaled interval score (M4 competition): the interval score of each value divided by `scale`, the
    in-sample seasonal naive MAE (MASE's denominator, broadcast per series and target). Lower is better."""
    y_true, lower, upper = _bounds(y_true, lower, upper)
    alpha = (100 - level) / 100
    below, above = np.maximum(lower - y_true, 0), np.maximum(y_true - upper, 0)
    score = upper - lower + 2 / alpha * (below + above)
    return float(np.mean(score / np.asarray(scale, dtype=np.float64)))


def interval_metrics(y_true, lower, upper, level: int, *, scale=None) -> dict[str, float]:
    """coverage_<level> (percent), width_<level> and, with a MASE `scale`, msis_<level>; else the unscaled
    interval score, interval_score_<level>."""
    metrics = {f"coverage_{level}": coverage(y_true, lower, upper), f"width_{level}": mean_width(lower, upper)}
    if scale is None:
        metrics[f"interval_score_{level}"] = interval_score(y_true, lower, upper, level)
    else:
        metrics[f"msis_{level}"] = msis(y_true, lower, upper, level, scale)
    return metrics


# -----------------------------------------------------------------------------
# classification: labels in, numbers out (scikit-learn computes them)


def classification_metrics(y_true, y_pred) -> dict[str, float]:
    """Accuracy, balanced accuracy (the mean per-class recall) and macro F1.

    Example:
        >>> classification_metrics(["a", "a", "b"], ["a", "b", "b"])["accuracy"]
        0.6666666666666666
    """
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
    }


def regression_metrics(y_true, y_pred) -> dict[str, float]:
    """RMSE, MAE and R² of one value (or one vector) per sequence."""
    from sklearn.metrics import r2_score

    y_true, y_pred = _flat(y_true, y_pred)
    return {"rmse": rmse(y_true, y_pred), "mae": mae(y_true, y_pred), "r2": float(r2_score(y_true, y_pred))}


def phm08_score(y_true, y_pred) -> float:
    """The PHM08 challenge score: with d = predicted - true, the sum of exp(-d/13) - 1 for d < 0 and
    exp(d/10) - 1 for d >= 0. Late predictions (d > 0) cost more than early ones; lower is better, 0 is perfect.

    Example:
        >>> round(phm08_score([100, 50, 20], [90, 60, 20]), 4)                 # exp(10/13) - 1 + exp(1) - 1 + 0
        2.8764
    """
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"`y_pred` must have the shape of `y_true`. Received: {y_pred.shape} and {y_true.shape}. "
            "Fix: score one prediction per test unit (its last cycle)."
        )
    d = y_pred - y_true
    return float(np.sum(np.where(d < 0, np.exp(-d / 13.0) - 1.0, np.exp(d / 10.0) - 1.0)))
