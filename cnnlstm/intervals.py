"""Prediction intervals: the pinball loss over chosen quantiles and split-conformal calibration, as plain functions.

Split conformal prediction (Vovk et al. 2005; Lei et al. 2018): on a calibration part the network never trained
on (the validation part), compute one nonconformity score s_i per example and output; the interval at level L %
widens the prediction by q_L, the ceil((n + 1) L / 100)-th smallest of the n scores, and then covers a new
exchangeable example with probability at least L % (infinite when n is too small for L).

    residual   no quantiles: s = |y - y_hat|; the interval is y_hat -+ q_L
    cqr        quantiles (conformalized quantile regression, Romano et al. 2019): s = max(lo - y, y - hi) for the
               quantile pair (lo, hi) whose nominal coverage is nearest L; the interval is [lo - q_L, hi + q_L]
               (q_L < 0 narrows quantiles that were too wide)

Scores are kept per output (each horizon step and target of a forecast), so a band widens with the horizon; they
are computed on the network's scaled units, so series of different scales share one calibration. With a `scale`
per example (a forecast's: the standard deviation of each target over its input window) the scores are divided by
it and the offsets multiplied back (locally weighted conformal, Lei et al. 2018, section 5.2): the band follows
the series' volatility, so a calmer or rougher test period than the validation part keeps its coverage. Windows of
a time series are not exchangeable, so coverage on new data is approximate; `benchmarks/intervals.py` measures it.

Shapes: N calibration examples, O... the outputs of one example ((H, T) for a forecast, (K,) for a regressor),
Q quantiles, L = 99 the whole-number levels 1 .. 99.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

LEVELS = tuple(range(1, 100))  # every whole-number level is calibrated, so `level` is free at predict time
MEDIAN = 0.5
# A scale never counts for less than this fraction of its mean on the calibration part: a window that barely
# moves would otherwise get a band of no width.
SCALE_FLOOR = 0.1


def check_quantiles(quantiles) -> tuple[float, ...] | None:
    """The quantiles a network is trained for, sorted, with the median added (it is the point prediction).

    Example:
        >>> check_quantiles((0.9, 0.1))
        (0.1, 0.5, 0.9)
    """
    if quantiles is None:
        return None
    fix = "Fix: pass quantiles=(0.1, 0.5, 0.9), or None for a point prediction with residual conformal intervals."
    if isinstance(quantiles, (str, bytes)) or not hasattr(quantiles, "__iter__"):
        raise TypeError(f"`quantiles` must be a sequence of numbers between 0 and 1. Received: "
                        f"quantiles={quantiles!r}. {fix}")
    values = list(quantiles)
    if not all(isinstance(q, (int, float, np.integer, np.floating)) and not isinstance(q, bool) and 0 < q < 1
               for q in values) or len(set(values)) != len(values):
        raise ValueError(f"`quantiles` must be distinct numbers strictly between 0 and 1. Received: "
                         f"quantiles={quantiles!r}. {fix}")
    if not (any(q < MEDIAN for q in values) and any(q > MEDIAN for q in values)):
        raise ValueError(f"`quantiles` must hold at least one quantile below 0.5 and one above, the ends of an "
                         f"interval. Received: quantiles={quantiles!r}. {fix}")
    return tuple(sorted({float(q) for q in values} | {MEDIAN}))


def check_levels(level) -> list[int]:
    """`level` as a sorted list of whole-number percentages from 1 to 99.

    Example:
        >>> check_levels(80), check_levels([90, 80])
        ([80], [80, 90])
    """
    values = list(level) if isinstance(level, (list, tuple, np.ndarray)) else [level]
    valid = lambda v: (isinstance(v, (int, np.integer)) and not isinstance(v, bool)) or (  # noqa: E731
        isinstance(v, (float, np.floating)) and float(v).is_integer())
    if not values or not all(valid(v) and 1 <= v <= 99 for v in values):
        raise ValueError(f"`level` must be a whole-number percentage from 1 to 99, or a list of them. Received: "
                         f"level={level!r}. Fix: pass e.g. level=80 or level=[80, 90].")
    return sorted({int(v) for v in values})


def pinball_loss(prediction: torch.Tensor, target: torch.Tensor, quantiles: torch.Tensor) -> torch.Tensor:
    """The mean pinball (quantile) loss: prediction (..., Q) against target (...), quantiles (Q,).

    Example:
        >>> round(float(pinball_loss(torch.tensor([[0.0, 1.0]]), torch.tensor([0.5]), torch.tensor([0.1, 0.9]))), 4)
        0.05
    """
    error = target.unsqueeze(-1) - prediction  # (..., Q)
    return torch.maximum(quantiles * error, (quantiles - 1) * error).mean()


def quantile_pair(quantiles: tuple[float, ...], level: int) -> tuple[int, int]:
    """The indices (lo, hi) of the quantile pair, outermost first, whose nominal coverage hi - lo is nearest
    level / 100 (the wider one on a tie): what CQR widens or narrows to reach `level`.

    Example:
        >>> quantile_pair((0.05, 0.1, 0.5, 0.9, 0.95), 80), quantile_pair((0.05, 0.1, 0.5, 0.9, 0.95), 95)
        ((1, 3), (0, 4))
    """
    count = len(quantiles)
    pairs = [(i, count - 1 - i) for i in range(count // 2) if quantiles[i] < MEDIAN < quantiles[count - 1 - i]]
    return min(pairs, key=lambda p: abs(quantiles[p[1]] - quantiles[p[0]] - level / 100))


def rearranged(predicted: np.ndarray, quantiles: tuple[float, ...] | None) -> np.ndarray:
    """Quantile outputs (..., Q) sorted along Q, so they never cross (the monotone rearrangement of Chernozhukov
    et al. 2010, which can only lower the pinball loss); a point prediction as it is."""
    return predicted if quantiles is None else np.sort(predicted, axis=-1)


def point(predicted: np.ndarray, quantiles: tuple[float, ...] | None) -> np.ndarray:
    """The point prediction: the output itself, or its median quantile (..., Q) -> (...)."""
    return predicted if quantiles is None else rearranged(predicted, quantiles)[..., quantiles.index(MEDIAN)]


def scores(actual: np.ndarray, predicted: np.ndarray, quantiles: tuple[float, ...] | None,
           level: int) -> np.ndarray:
    """Nonconformity scores (N, O...): |y - y_hat|, or CQR's max(lo - y, y - hi) for `level`'s quantile pair."""
    if quantiles is None:
        return np.abs(actual - predicted)
    lo, hi = quantile_pair(quantiles, level)
    predicted = rearranged(predicted, quantiles)
    return np.maximum(predicted[..., lo] - actual, actual - predicted[..., hi])


def conformal_quantile(sorted_scores: np.ndarray, level: int) -> np.ndarray:
    """The ceil((n + 1) level / 100)-th smallest of n sorted scores along axis 0; infinite when that is past n.

    Example:
        >>> conformal_quantile(np.arange(1.0, 10.0), 80), conformal_quantile(np.arange(1.0, 10.0), 95)
        (array(8.), array(inf))
    """
    n = len(sorted_scores)
    k = math.ceil((n + 1) * level / 100)
    if k > n:
        return np.full(sorted_scores.shape[1:], np.inf)
    return np.asarray(sorted_scores[k - 1], dtype=np.float64)


@dataclass
class Calibration:
    """Conformal offsets at every whole-number level, learned on a calibration part, in the network's units.

    Attributes:
        offsets: (L, O...) q_L for level L = 1 .. 99 (row L - 1), per output.
        quantiles: the network's quantiles (CQR), or None (residual conformal around a point prediction).
        size: the number of calibration examples n.
        floor: None, or the smallest scale counted (scales broadcast against O...) when scores are normalized.
    """

    offsets: np.ndarray
    quantiles: tuple[float, ...] | None
    size: int
    floor: np.ndarray | None = None

    @classmethod
    def fit(cls, actual, predicted, quantiles: tuple[float, ...] | None = None, scale=None) -> "Calibration":
        """Offsets from calibration targets `actual` (N, O...) and the network's outputs (N, O...[, Q]); with
        `scale` (positive, broadcast against (N, O...)) the scores are divided by it.

        Example:
            >>> cal = Calibration.fit(np.zeros(99), np.arange(1, 100) / 100)   # scores 0.01 .. 0.99
            >>> cal.bounds(np.array([0.0]), 50)
            (array([-0.5]), array([0.5]))
        """
        actual, predicted = np.asarray(actual, np.float64), np.asarray(predicted, np.float64)
        if len(actual) == 0:
            raise ValueError("Conformal calibration needs at least one calibration example. Received: none. "
                             "Fix: keep a validation part when fitting.")
        floor, divide = None, 1.0
        if scale is not None:
            scale = np.asarray(scale, np.float64)
            floor = np.maximum(SCALE_FLOOR * scale.mean(axis=0), np.finfo(np.float32).tiny).astype(np.float32)
            divide = np.maximum(scale, floor)
        by_pair: dict = {}  # levels sharing a quantile pair share their sorted scores
        offsets = []
        for level in LEVELS:
            key = None if quantiles is None else quantile_pair(quantiles, level)
            if key not in by_pair:
                by_pair[key] = np.sort(scores(actual, predicted, quantiles, level) / divide, axis=0)
            offsets.append(conformal_quantile(by_pair[key], level))
        # float32, the network's precision: 9 significant digits then write them exactly (`state_dict`)
        return cls(offsets=np.stack(offsets).astype(np.float32), quantiles=quantiles, size=len(actual), floor=floor)

    @property
    def method(self) -> str:
        return "residual" if self.quantiles is None else "cqr"

    def bounds(self, predicted: np.ndarray, level: int, scale=None) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) at `level` around the network's outputs (N, O...[, Q]), in the network's units; a
        normalized calibration needs each example's `scale`, as in `fit`. A CQR interval is stretched to hold the
        median, the point prediction, where a narrowing offset would leave it outside (widening never lowers
        coverage)."""
        offset = self.offsets[level - 1]
        if self.floor is not None:
            assert scale is not None, "a normalized calibration needs the scale of each example"
            offset = offset * np.maximum(np.asarray(scale, np.float32), self.floor)
        if self.quantiles is None:
            return predicted - offset, predicted + offset
        lo, hi = quantile_pair(self.quantiles, level)
        predicted = rearranged(predicted, self.quantiles)
        median = point(predicted, self.quantiles)
        return (np.minimum(predicted[..., lo] - offset, median), np.maximum(predicted[..., hi] + offset, median))

    def state_dict(self) -> dict:
        """JSON-able: one space-separated row of offsets (O... flattened in C order) per level, 9 significant
        digits, exact for float32 ("inf" where n is too small for the level)."""
        floor = None if self.floor is None else {"shape": list(self.floor.shape), "values": _row(self.floor)}
        return {"method": self.method, "quantiles": None if self.quantiles is None else list(self.quantiles),
                "size": self.size, "levels": [LEVELS[0], LEVELS[-1]], "shape": list(self.offsets.shape[1:]),
                "offsets": [_row(row) for row in self.offsets], "scale_floor": floor}

    @classmethod
    def from_state_dict(cls, state: dict) -> "Calibration":
        shape = tuple(int(s) for s in state["shape"])
        offsets = np.array([_values(row, shape) for row in state["offsets"]])
        if offsets.shape[0] != len(LEVELS) or np.isnan(offsets).any():
            raise ValueError(f"expected {len(LEVELS)} rows of offsets of shape {shape}, found {offsets.shape}")
        quantiles = None if state["quantiles"] is None else tuple(float(q) for q in state["quantiles"])
        floor = state.get("scale_floor")
        floor = None if floor is None else _values(floor["values"], tuple(int(s) for s in floor["shape"]))
        return cls(offsets=offsets, quantiles=quantiles, size=int(state["size"]), floor=floor)


def _row(values: np.ndarray) -> str:
    return " ".join(f"{v:.9g}" for v in np.asarray(values, np.float32).ravel())


def _values(row: str, shape: tuple) -> np.ndarray:
    return np.array(row.split(), dtype=np.float32).reshape(shape)


def interval_columns(name: str, level: int) -> tuple[str, str]:
    """The statsforecast / NeuralForecast column names: `<name>-lo-<level>`, `<name>-hi-<level>`."""
    return f"{name}-lo-{level}", f"{name}-hi-{level}"
