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
from .data.prepare.series import infer_freq  # noqa: E402


def _plotted(backtest, series, max_origins: int | None) -> np.ndarray:
    """Windows drawn: one origin every `horizon` steps of one series, the last `max_origins` of them."""
    chosen = backtest.series[0] if series is None else series
    horizon = backtest.actual.shape[1]
    picked = np.flatnonzero(backtest.series == chosen)[::horizon]
    return picked if max_origins is None else picked[-max_origins:]


def stitched(backtest, name: str, *, series=None, target: int = 0, max_origins: int | None = None):
    """Non-overlapping forecasts of one series and target, an origin every `horizon` steps, laid end to end.

    Returns (times, values), so a plot shows what the model forecast at each point of the test part.
    """
    picked = _plotted(backtest, series, max_origins)
    return _times(backtest, picked), backtest.forecasts[name][picked, :, target].ravel()


def _times(backtest, picked) -> np.ndarray:
    horizon = backtest.actual.shape[1]
    origins = backtest.origins[picked]
    if np.issubdtype(origins.dtype, np.datetime64):
        steps = pd.DatetimeIndex(backtest.origins[backtest.series == backtest.series[picked[0]]][:10])
        freq = infer_freq(steps) if len(steps) >= 3 else None
        if freq is not None:
            return np.concatenate([pd.date_range(o, periods=horizon, freq=freq).to_numpy() for o in origins])
    return np.concatenate([np.asarray(o) + np.arange(horizon) for o in origins])


def plot_forecast(backtest, *, names=None, history: tuple | None = None, target: int = 0, series=None,
                  max_origins: int | None = 8, ax=None, title: str = ""):
    """Forecasts against actual values over the end of the test part.

    One origin every `horizon` steps, the last `max_origins` of them (None: all), so each forecast is drawn
    whole and the picture stays readable on long test parts. `history` = (times, values) of the target draws
    the past before the first drawn origin in grey. The backtest's prediction intervals (`backtest.intervals`,
    the first forecaster's) are shaded around its line, the widest lightest.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4))
    names = list(backtest.forecasts) if names is None else names
    horizon = backtest.actual.shape[1]
    picked = _plotted(backtest, series, max_origins)
    times = _times(backtest, picked)
    if history is not None:
        past = np.asarray(history[0]) < times[0]
        ax.plot(np.asarray(history[0])[past][-4 * horizon :], np.asarray(history[1])[past][-4 * horizon :],
                color="0.6", lw=1, label="history")
    ax.plot(times, backtest.actual[picked, :, target].ravel(), color="black", lw=2, label="actual")
    for index, name in enumerate(names):
        style = {"ls": "--", "lw": 1} if name in ("naive", "seasonal_naive") else {"lw": 1.5}
        (line,) = ax.plot(times, backtest.forecasts[name][picked, :, target].ravel(), label=name, **style)
        if index == 0 and name == next(iter(backtest.forecasts)):  # the intervals are the model's, drawn first
            for shade, level in enumerate(sorted(backtest.intervals, reverse=True)):
                lower, upper = backtest.intervals[level]
                ax.fill_between(times, lower[picked, :, target].ravel(), upper[picked, :, target].ravel(),
                                color=line.get_color(), alpha=0.15 + 0.1 * shade, lw=0, label=f"{level}% interval")
    for origin in backtest.origins[picked]:
        ax.axvline(origin, color="0.85", lw=0.8, zorder=0)
    ax.set_title(title or f"{backtest.targets[target]}: test-part forecasts, a new origin every {horizon} steps "
                          f"(grey lines), last {len(picked)} shown")
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


def plot_confusion_matrix(matrix, classes, *, ax=None, title: str = "Confusion matrix (test)"):
    """A confusion matrix (rows: true class, columns: predicted) drawn by scikit-learn; returns the axes."""
    from sklearn.metrics import ConfusionMatrixDisplay

    if ax is None:
        size = min(12, 3 + 0.45 * len(classes))
        _, ax = plt.subplots(figsize=(size, size))
    ConfusionMatrixDisplay(np.asarray(matrix), display_labels=[str(c) for c in classes]).plot(
        ax=ax, colorbar=False, cmap="Blues", values_format="d", xticks_rotation=45 if len(classes) > 6 else "horizontal")
    ax.set_title(title)
    return ax


def plot_rul(units, y_true, y_pred, *, lower=None, upper=None, level: int | None = None, ax=None,
             title: str = "Remaining useful life at each test unit's last cycle"):
    """Predicted against true RUL per unit, units sorted by true RUL (the usual C-MAPSS picture); `lower` and
    `upper` (a prediction interval at `level` percent) are drawn as a bar on each prediction."""
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4))
    order = np.argsort(np.asarray(y_true), kind="stable")
    positions = np.arange(len(order))
    if lower is not None and upper is not None:
        ax.vlines(positions, np.asarray(lower)[order], np.asarray(upper)[order], color="tab:red", alpha=0.3, lw=2,
                  label=f"{level}% interval" if level is not None else "interval")
    ax.plot(positions, np.asarray(y_true)[order], "o-", ms=3, color="black", label="true")
    ax.plot(positions, np.asarray(y_pred)[order], "o", ms=3, color="tab:red", label="predicted")
    ax.set_xlabel("test unit, sorted by true RUL")
    ax.set_ylabel("RUL (cycles)")
    ax.set_title(title)
    ax.legend()
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
