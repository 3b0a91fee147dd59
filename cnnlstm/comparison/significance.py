"""Is the winner really better? Tests that keep a comparison from crowning noise.

* Forecasts: the Diebold-Mariano test on the per-origin loss differential, with the small-sample correction of
  Harvey, Leybourne and Newbold (1997) and a long-run variance over the lags that overlapping multi-step
  forecasts correlate (h - 1).
* Classification and regression over seeds: a paired t-test, seed by seed (scipy's `ttest_rel`); a deterministic
  contender (one run) is tested against the other's seeds with a one-sample t-test.

`verdicts` turns p-values into "best", "tie" (not significantly different at `level`) or "worse".
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def diebold_mariano(loss_a, loss_b, *, lag: int = 1) -> tuple[float, float]:
    """Diebold-Mariano test that two forecasters have equal expected loss, with the HLN correction.

    Args:
        loss_a, loss_b: (N,) loss of each forecaster at the same N origins, in time order (e.g. squared errors
            averaged over the horizon).
        lag: the forecast horizon h in origins: the loss differential is treated as correlated up to lag h - 1
            (overlapping h-step forecasts). 1 for one-step or non-overlapping forecasts.

    Returns:
        (statistic, two-sided p-value) from Student's t with N - 1 degrees of freedom. A positive statistic means
        `loss_a` is larger (a is worse). Identical losses give (0.0, 1.0).

    Example:
        >>> diebold_mariano([1.0, 2.0, 3.0, 4.0], [0.5, 1.0, 2.5, 3.0])
        (5.196152422706632, 0.013846832988859045)
    """
    d = np.asarray(loss_a, np.float64) - np.asarray(loss_b, np.float64)
    if d.ndim != 1 or len(d) < 2 or not np.isfinite(d).all():
        raise ValueError(
            "`loss_a` and `loss_b` must be finite 1-D arrays of the same length, at least 2 origins. Received: "
            f"differential of shape {d.shape}{'' if np.isfinite(d).all() else ' with NaN or inf'}."
        )
    if int(lag) < 1:
        raise ValueError(f"`lag` must be a positive integer (the horizon in origins). Received: lag={lag!r}.")
    n, h = len(d), min(int(lag), len(d) - 1)
    centred = d - d.mean()
    gamma = [centred[k:] @ centred[: n - k] / n for k in range(h)]  # autocovariances at lags 0 .. h-1
    variance = gamma[0] + 2 * sum(gamma[1:])
    if variance <= 0:  # the truncated long-run variance can go negative; fall back to the lag-0 variance
        variance = gamma[0]
    if variance == 0:
        return (0.0, 1.0) if d.mean() == 0 else (math.copysign(math.inf, d.mean()), 0.0)
    statistic = d.mean() / math.sqrt(variance / n)
    statistic *= math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)  # Harvey, Leybourne and Newbold (1997)
    return float(statistic), float(2 * stats.t.sf(abs(statistic), df=n - 1))


def paired_test(scores_a, scores_b) -> float:
    """Two-sided p-value that two contenders score the same over seeds.

    Paired by seed (`ttest_rel`) when both have the same number of runs; a single run (a deterministic
    baseline) is compared with the other's runs by a one-sample t-test. Identical scores give 1.0; fewer than two
    runs on both sides give NaN (no test is possible).

    Example:
        >>> round(paired_test([0.90, 0.92, 0.91], [0.80, 0.83, 0.81]), 4)
        0.0012
    """
    a, b = np.asarray(scores_a, np.float64).ravel(), np.asarray(scores_b, np.float64).ravel()
    if len(a) == 0 or len(b) == 0:
        raise ValueError(f"`scores_a` and `scores_b` must be non-empty. Received: {len(a)} and {len(b)} scores.")
    if len(a) == len(b) and len(a) > 1:
        differences = a - b
        if np.allclose(differences, differences[0]):  # constant difference: t is 0/0 or infinite
            return 1.0 if differences[0] == 0 else 0.0
        return float(stats.ttest_rel(a, b).pvalue)
    if len(a) == 1 and len(b) == 1:
        return 1.0 if a[0] == b[0] else math.nan
    many, single = (a, b[0]) if len(b) == 1 else (b, a[0]) if len(a) == 1 else (None, None)
    if many is None:  # unequal numbers of runs on both sides: compare the runs unpaired
        return float(stats.ttest_ind(a, b, equal_var=False).pvalue)
    if np.allclose(many, many[0]):
        return 1.0 if many[0] == single else 0.0
    return float(stats.ttest_1samp(many, single).pvalue)


def verdicts(p_values: dict[str, float], best: str, *, level: float = 0.05) -> dict[str, str]:
    """"best" for `best`; "tie" where the p-value against it is `level` or more (or no test was possible);
    "worse" where it is significant.

    Example:
        >>> verdicts({"a": float("nan"), "b": 0.30, "c": 0.001}, best="a")
        {'a': 'best', 'b': 'tie', 'c': 'worse'}
    """
    return {name: "best" if name == best else "worse" if p < level else "tie" for name, p in p_values.items()}
