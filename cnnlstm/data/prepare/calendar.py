"""Calendar features derived from timestamps, as sine/cosine pairs so that 23:00 sits next to 00:00."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..._errors import unknown_name

# name -> (how to read it off a DatetimeIndex, its period)
CALENDAR_FEATURES = {
    "minute": (lambda t: t.minute, 60),
    "hour": (lambda t: t.hour, 24),
    "dayofweek": (lambda t: t.day_of_week, 7),
    "dayofmonth": (lambda t: t.day - 1, 31),
    "dayofyear": (lambda t: t.day_of_year - 1, 366),
    "month": (lambda t: t.month - 1, 12),
}


def auto_calendar(freq: str | None) -> list[str]:
    """The calendar features that vary within a season of data sampled at `freq`.

    Example:
        >>> auto_calendar("h")
        ['hour', 'dayofweek']
        >>> auto_calendar("MS")
        ['month']
    """
    if freq is None:
        return []
    step = _step(freq)
    if step is None:  # monthly, quarterly, yearly: no fixed length in seconds
        offset = pd.tseries.frequencies.to_offset(freq)
        return ["month"] if offset.rule_code.lstrip("B").startswith(("M", "Q", "SM")) else []
    seconds = step.total_seconds()
    if seconds < 3600:
        return ["minute", "hour", "dayofweek"]
    if seconds < 86400:
        return ["hour", "dayofweek"]
    if seconds < 7 * 86400:
        return ["dayofweek", "month"]
    return ["month"]


def _step(freq: str) -> pd.Timedelta | None:
    offset = pd.tseries.frequencies.to_offset(freq)
    # weeks (anchored on a weekday) and business days are no fixed-length ticks, yet have a usual step
    if isinstance(offset, pd.offsets.Week):
        return pd.Timedelta(weeks=offset.n)
    if isinstance(offset, pd.offsets.BusinessDay):
        return pd.Timedelta(days=offset.n)
    try:
        return pd.Timedelta(offset)
    except ValueError:
        return None


def calendar_columns(features: list[str]) -> list[str]:
    """Column names of `features`: ``hour_sin, hour_cos, ...``."""
    return [f"{name}_{part}" for name in features for part in ("sin", "cos")]


def calendar_values(index: pd.DatetimeIndex, features: list[str]) -> np.ndarray:
    """(timestamps, 2 * features) float64: the sine and cosine of each feature, in `calendar_columns` order; values
    lie in [-1, 1]. `calendar_frame` without the DataFrame (what `prepare` and `predict` store)."""
    columns = []
    for name in features:
        if name not in CALENDAR_FEATURES:
            raise unknown_name("calendar", name, CALENDAR_FEATURES)
        read, period = CALENDAR_FEATURES[name]
        angle = 2 * np.pi * np.asarray(read(index), dtype=np.float64) / period
        columns += [np.sin(angle), np.cos(angle)]
    return np.stack(columns, axis=1) if columns else np.zeros((len(index), 0))


def calendar_frame(index: pd.DatetimeIndex, features: list[str]) -> pd.DataFrame:
    """Sine/cosine columns for each feature, one row per timestamp; values lie in [-1, 1]."""
    return pd.DataFrame(calendar_values(index, features), columns=calendar_columns(features), index=index)
