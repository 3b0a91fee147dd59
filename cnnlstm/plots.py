"""Plots take arrays (or a Backtest) and an optional ``ax``, return the axes, and never call ``show()``."""

from __future__ import annotations

import io
import os

import matplotlib

matplotlib.use("Agg")  # files only: no display is assumed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .checkpoint import atomic_write_bytes  # noqa: E402
from .data.prepare import infer_freq  # noqa: E402


def stitched(backtest, name: str, *, series=None, target: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping forecasts of one series and target, origin every `horizon` steps, laid end to end.

    Returns (times, values) covering the test part, so a plot shows what the model forecast at each point.
    """
    chosen = backtest.series[0] if series is None else series
    picked = np.flatnonzero(backtest.series == chosen)
    horizon = backtest.actual.shape[1]
    picked = picked[::horizon]
    forecast = backtest.forecasts[name][picked, :, target].ravel()
    times = _times(backtest, picked, horizon)
    return times, forecast


def _times(backtest, picked, horizon) -> np.ndarray:
    origins = backtest.origins[picked]
    if np.issubdtype(origins.dtype, np.datetime64):
        steps = pd.DatetimeIndex(backtest.origins[backtest.series == backtest.series[picked[0]]])
        freq = infer_freq(steps[: max(3, min(len(steps), 10))]) if len(steps) >= 3 else None
        if freq is not None:
            return np.concatenate([pd.date_range(o, periods=horizon, freq=freq).to_numpy() for o in origins])
    return np.concatenate([np.asarray(o) + np.arange(horizon) for o in origins])


def plot_forecast(backtest, *, names=None, history: tuple | None = None, target: int = 0, ax=None, title: str = ""):
    """Forecasts against actual values over the test part; `history` = (times, values) draws the past in grey."""
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4))
    names = list(backtest.forecasts) if names is None else names
    horizon = backtest.actual.shape[1]
    chosen = backtest.series[0]
    picked = np.flatnonzero(backtest.series == chosen)
    every = picked[::horizon]
    times = _times(backtest, every, horizon)
    actual = backtest.actual[every, :, target].ravel()
    if history is not None:
        ax.plot(history[0], history[1], color="0.6", lw=1, label="history")
    ax.plot(times, actual, color="black", lw=2, label="actual")
    for name in names:
        _, values = stitched(backtest, name, series=chosen, target=target)
        style = {"ls": "--", "lw": 1} if name in ("naive", "seasonal_naive") else {"lw": 1.5}
        ax.plot(times, values, label=name, **style)
    for origin in backtest.origins[every]:
        ax.axvline(origin, color="0.85", lw=0.8, zorder=0)
    ax.set_title(title or f"{backtest.targets[target]}: forecasts from an origin every {horizon} steps (test part)")
    ax.set_ylabel(backtest.targets[target])
    ax.legend(loc="upper left", fontsize=8, ncol=2)
    ax.grid(alpha=0.3)
    return ax


def plot_learning_curves(histories: dict[str, pd.DataFrame], *, ax=None, title: str = "Learning curves"):
    """Training (solid) and validation (dashed) loss per epoch for each named history."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for index, (name, history) in enumerate(histories.items()):
        color = f"C{index % 10}"
        ax.plot(history["epoch"], history["train_loss"], color=color, label=f"{name} train")
        if "val_loss" in history:
            ax.plot(history["epoch"], history["val_loss"], color=color, ls="--", label=f"{name} validation")
            best = history["val_loss"].idxmin()
            ax.scatter(history["epoch"][best], history["val_loss"][best], color=color, s=20, zorder=3)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (scaled data)")
    ax.set_yscale("log")
    ax.set_title(title + " (dot: restored best validation epoch)")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    return ax


def save_figure(ax, path: str | os.PathLike, *, dpi: int = 110) -> None:
    """Write the figure that holds `ax` to `path` atomically, then close it."""
    figure = ax.figure
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    plt.close(figure)
    atomic_write_bytes(path, buffer.getvalue())
