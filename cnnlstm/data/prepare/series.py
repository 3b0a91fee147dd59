"""From a table to one validated float32 array of stacked series, ready to be cut into windows.

Column order in the prepared array: targets, past covariates (observed only up to the forecast origin), then
known-future covariates (given by the user, then calendar features), so that a slice by count selects each group.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..._errors import did_you_mean, unknown_name
from .calendar import auto_calendar, calendar_columns, calendar_frame

MISSING = ("error", "interpolate", "ffill")
# Names a time column usually has; the first match (case-insensitive) is taken when `time_col` is not given.
TIME_COLUMN_NAMES = ("date", "datetime", "timestamp", "time", "ds", "month", "period")


@dataclass
class SeriesSpec:
    """Which columns play which role, and how to treat gaps.

    Attributes:
        targets: columns to forecast; None takes every numeric column not named elsewhere.
        past_covariates: other observed columns, known only up to the forecast origin.
        future_covariates: columns known ahead of time (holidays, planned load); `predict` needs their next values.
        calendar: "auto" (features that suit the frequency), a list such as ["hour", "dayofweek"], or None.
        time_col: the timestamp column; None looks for a datetime column or a usual name (date, time, ...).
        id_col: long layout: the column naming each series; all series train one global model.
        missing: what to do with missing or non-numeric values: "error", "interpolate" or "ffill".
        freq: a pandas frequency such as "h"; given, the data are put on that regular grid first (gaps become
            missing values, which `missing` then handles); None infers it and rejects irregular timestamps.
    """

    targets: list[str] | None = None
    past_covariates: list[str] = field(default_factory=list)
    future_covariates: list[str] = field(default_factory=list)
    calendar: str | list[str] | None = "auto"
    time_col: str | None = None
    id_col: str | None = None
    missing: str = "error"
    freq: str | None = None


@dataclass
class SeriesData:
    """Stacked series: ``values[starts[s] : starts[s] + lengths[s]]`` is series s.

    Attributes:
        values: (N, F) float32, columns in the order targets, past covariates, future covariates.
        columns: the F column names.
        num_targets, num_past: how many of the first columns are targets, then past covariates.
        starts, lengths: (S,) int64 row offset and length of each series.
        series_ids: S names.
        timestamps: S indexes (DatetimeIndex, or RangeIndex without a time column).
        freq: the pandas frequency, or None without timestamps.
        spec: the spec with every "auto" resolved, enough to prepare new data the same way.
    """

    values: np.ndarray
    columns: list[str]
    num_targets: int
    num_past: int
    starts: np.ndarray
    lengths: np.ndarray
    series_ids: list[str]
    timestamps: list[pd.Index]
    freq: str | None
    spec: SeriesSpec

    @property
    def num_features(self) -> int:
        return self.values.shape[1]

    @property
    def num_observed(self) -> int:
        """Targets and past covariates: the columns known only up to the forecast origin."""
        return self.num_targets + self.num_past

    @property
    def num_series(self) -> int:
        return len(self.starts)

    def series_of_rows(self) -> np.ndarray:
        """(N,) the series number of every row."""
        return np.repeat(np.arange(self.num_series), self.lengths)


def _check_columns(frame: pd.DataFrame, arg: str, names) -> list[str]:
    names = [names] if isinstance(names, str) else list(names or [])
    for name in names:
        if name not in frame.columns:
            available = ", ".join(repr(c) for c in frame.columns)
            raise ValueError(
                f"`{arg}` names a column that is not in the data. Received: {arg}={name!r}. "
                f"Available columns: {available}.{did_you_mean(name, frame.columns)}"
            )
    return names


def _looks_numeric(column: pd.Series) -> bool:
    """A numeric column, or a text one (as read from a CSV) whose entries are mostly numbers: a stray "abc" in a
    column of numbers must reach the non-numeric check in `prepare`, not drop the column silently."""
    if pd.api.types.is_numeric_dtype(column):
        return True
    if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
        return False
    present = column.dropna()
    return len(present) > 0 and pd.to_numeric(present, errors="coerce").notna().mean() > 0.5


def resolve_spec(frame: pd.DataFrame, spec: SeriesSpec) -> SeriesSpec:
    """Check every column name against `frame` and fill in the defaults (targets, time column)."""
    if spec.missing not in MISSING:
        raise unknown_name("missing", spec.missing, MISSING)
    time_col = _check_columns(frame, "time_col", spec.time_col)[0] if spec.time_col else find_time_column(frame)
    id_col = _check_columns(frame, "id_col", spec.id_col)[0] if spec.id_col else None
    past = _check_columns(frame, "past_covariates", spec.past_covariates)
    future = _check_columns(frame, "future_covariates", spec.future_covariates)
    if spec.targets is None:
        taken = {time_col, id_col, *past, *future}
        targets = [c for c in frame.columns if c not in taken and _looks_numeric(frame[c])]
        if not targets:
            raise ValueError(
                "`targets` was not given and the data have no numeric column to forecast. "
                f"Columns: {', '.join(repr(c) for c in frame.columns)}. Fix: pass targets=['column']."
            )
    else:
        targets = _check_columns(frame, "targets", spec.targets)
    roles = [("targets", targets), ("past_covariates", past), ("future_covariates", future)]
    seen: dict[str, str] = {}
    for role, names in roles:
        for name in names:
            if name in seen or name in (time_col, id_col):
                other = seen.get(name, "time_col" if name == time_col else "id_col")
                raise ValueError(
                    f"Column {name!r} is given two roles: `{other}` and `{role}`. Fix: name each column once."
                )
            seen[name] = role
    return SeriesSpec(
        targets=targets,
        past_covariates=past,
        future_covariates=future,
        calendar=spec.calendar,
        time_col=time_col,
        id_col=id_col,
        missing=spec.missing,
        freq=spec.freq,
    )


def prepare(data: pd.DataFrame | np.ndarray, spec: SeriesSpec, *, what: str = "data") -> SeriesData:
    """Validate `data` and stack its series into one float32 array.

    Raises ValueError, naming the column and the first offending row, for missing, non-numeric or infinite
    values (unless `spec.missing` says how to fill them), unsorted, duplicate or irregular timestamps, and
    columns that are constant over the whole data. A NumPy array ((T,), (T, F) or (S, T, F)) skips pandas
    altogether, so its memory stays close to the array's own size.

    Example:
        >>> frame = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=4, freq="h"), "load": [1.0, 2, 3, 4]})
        >>> data = prepare(frame, SeriesSpec(calendar=["hour"]))
        >>> data.columns, data.values.shape
        (['load', 'hour_sin', 'hour_cos'], (4, 3))
    """
    if isinstance(data, np.ndarray):
        return _prepare_array(data, spec, what)
    frame = data
    spec = resolve_spec(frame, spec)
    groups = [("0", frame)] if spec.id_col is None else _groups(frame, spec.id_col)
    value_columns = [*spec.targets, *spec.past_covariates, *spec.future_covariates]

    series_ids, timestamps, blocks, freq = [], [], [], spec.freq
    for series_id, group in groups:  # one group at a time: a long frame is never copied whole
        index, freq, group = _time_index(group, spec, freq, series_id, what)
        series_ids.append(series_id)
        timestamps.append(index)
        blocks.append(_numeric_block(group, value_columns, spec.missing, index, series_id, what).astype(np.float32))

    calendar = _resolve_calendar(spec.calendar, freq, spec.time_col is not None)
    lengths = np.array([len(b) for b in blocks], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    values = np.empty((int(lengths.sum()), len(value_columns) + 2 * len(calendar)), dtype=np.float32)
    for s in range(len(blocks)):
        rows = slice(starts[s], starts[s] + lengths[s])
        values[rows, : len(value_columns)] = blocks[s]
        blocks[s] = None  # free each block as soon as it is copied
        if calendar:
            values[rows, len(value_columns) :] = calendar_frame(timestamps[s], calendar).to_numpy()
    _check_constant(values, value_columns, what)
    return SeriesData(
        values=values,
        columns=[*value_columns, *calendar_columns(calendar)],
        num_targets=len(spec.targets),
        num_past=len(spec.past_covariates),
        starts=starts,
        lengths=lengths,
        series_ids=series_ids,
        timestamps=timestamps,
        freq=freq,
        spec=SeriesSpec(**{**spec.__dict__, "calendar": calendar, "freq": freq}),
    )


def _groups(frame: pd.DataFrame, id_col: str):
    """(id, rows of that series), in order of first appearance.

    Long data usually keep each series' rows together: then every series is a slice of the frame, with no copy.
    Interleaved rows fall back to pandas' groupby, which first reorders (copies) the whole frame.
    """
    ids = frame[id_col].to_numpy()
    changes = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    bounds = np.concatenate([[0], changes, [len(ids)]])
    run_ids = ids[bounds[:-1]]
    if len(pd.unique(run_ids)) == len(run_ids):  # each series in one contiguous run
        for series_id, begin, end in zip(run_ids, bounds[:-1], bounds[1:]):
            yield str(series_id), frame.iloc[begin:end]
        return
    for series_id, group in frame.groupby(id_col, sort=False):
        yield str(series_id), group


def array_columns(array: np.ndarray) -> list[str]:
    """Column names of an array's features: ``y`` for (T,), ``x0 .. x{F-1}`` otherwise."""
    return ["y"] if array.ndim == 1 else [f"x{i}" for i in range(array.shape[-1])]


def _prepare_array(array: np.ndarray, spec: SeriesSpec, what: str) -> SeriesData:
    """`prepare` for arrays: (T,) and (T, F) are one series, (S, T, F) are S series of T steps."""
    if array.ndim not in (1, 2, 3) or array.size == 0:
        raise ValueError(
            f"`{what}` as an array must have shape (T,), (T, F) or (S, T, F) and hold values. "
            f"Received: {what} with shape {array.shape}."
        )
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(f"`{what}` must be a numeric array. Received: dtype {array.dtype}. Fix: convert it with .astype(float).")
    if spec.time_col is not None or spec.id_col is not None:
        raise ValueError(
            f"`{what}` is an array, which has no time or id column. Received: time_col={spec.time_col!r}, "
            f"id_col={spec.id_col!r}. Fix: leave them None, or pass a DataFrame."
        )
    columns = array_columns(array)
    stack = array.reshape(1, -1, 1) if array.ndim == 1 else array.reshape(-1, *array.shape[-2:])  # (S, T, F)
    spec = resolve_spec(pd.DataFrame(columns=columns, dtype=np.float32), spec)
    value_columns = [*spec.targets, *spec.past_covariates, *spec.future_covariates]
    order = [columns.index(c) for c in value_columns]
    num_series, length = stack.shape[:2]
    if order == list(range(stack.shape[2])) and stack.dtype == np.float32 and stack.flags.c_contiguous:
        values = stack.reshape(num_series * length, -1)  # a view: no copy of the caller's data
    else:
        values = np.ascontiguousarray(stack[..., order], dtype=np.float32).reshape(num_series * length, -1)
    starts = np.arange(num_series, dtype=np.int64) * length
    for s, begin in enumerate(starts):
        block = values[begin : begin + length]
        if not np.isfinite(block).all():  # rare: let the frame path name the cell and apply `missing`
            series_id = str(s) if num_series > 1 else "0"
            filled = _numeric_block(pd.DataFrame(block, columns=value_columns), value_columns, spec.missing,
                                    pd.RangeIndex(length), series_id, what)
            if not values.flags.writeable or np.shares_memory(values, array):
                values = values.copy()
            values[begin : begin + length] = filled
    calendar = _resolve_calendar(spec.calendar, None, False)
    _check_constant(values, value_columns, what)
    return SeriesData(
        values=values,
        columns=value_columns,
        num_targets=len(spec.targets),
        num_past=len(spec.past_covariates),
        starts=starts,
        lengths=np.full(num_series, length, dtype=np.int64),
        series_ids=[str(s) for s in range(num_series)] if num_series > 1 else ["0"],
        timestamps=[pd.RangeIndex(length) for _ in range(num_series)],
        freq=None,
        spec=SeriesSpec(**{**spec.__dict__, "calendar": calendar, "freq": None}),
    )


def _where(series_id: str, what: str) -> str:
    return f"`{what}`" if series_id == "0" else f"`{what}` (series {series_id!r})"


def _time_index(group: pd.DataFrame, spec: SeriesSpec, freq, series_id: str, what: str):
    """The series' timestamps, checked for order, duplicates and a regular step; returns (index, freq, group)."""
    if spec.time_col is None:
        return pd.RangeIndex(len(group)), None, group.reset_index(drop=True)
    raw = group[spec.time_col]
    try:
        index = pd.DatetimeIndex(pd.to_datetime(raw))
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{_where(series_id, what)} has a time column {spec.time_col!r} that does not parse as dates: {error}. "
            "Fix: pass time_col= naming the right column, or convert it with pd.to_datetime."
        ) from None
    where = _where(series_id, what)
    if index.hasnans:
        row = int(np.flatnonzero(index.isna())[0])
        raise ValueError(f"{where} has a missing timestamp in {spec.time_col!r} at row {row}. Fix: drop or fill that row.")
    duplicated = index.duplicated()
    if duplicated.any():
        first = index[duplicated][0]
        raise ValueError(
            f"{where} has {int(duplicated.sum())} duplicate timestamps in {spec.time_col!r}, the first at {first}. "
            "Fix: aggregate them, e.g. df.groupby(time_col).mean(), or pass id_col= if several series are stacked."
        )
    if not index.is_monotonic_increasing:
        row = int(np.flatnonzero(np.diff(index.asi8) < 0)[0]) + 1
        raise ValueError(
            f"{where} has timestamps out of order in {spec.time_col!r}: row {row} ({index[row]}) comes before "
            f"the row above it ({index[row - 1]}). Fix: sort the data, e.g. df.sort_values({spec.time_col!r})."
        )
    group = group.reset_index(drop=True)
    if spec.freq is not None:
        grid = pd.date_range(index[0], index[-1], freq=spec.freq)
        off_grid = ~index.isin(grid)
        if off_grid.any():
            raise ValueError(
                f"{where} has timestamps off the regular grid of freq={spec.freq!r}, the first at {index[off_grid][0]}. "
                "Fix: pass the right freq, or resample the data first, e.g. df.resample(freq, on=time_col).mean()."
            )
        group = group.set_index(index).reindex(grid).reset_index(drop=True)  # gaps become missing values
        return grid, spec.freq, group
    if len(index) < 3:
        return index, freq, group
    inferred = infer_freq(index)
    if inferred is None:
        steps = pd.Series(index[1:] - index[:-1])  # Timedeltas: asi8 counts in the index's unit, not always ns
        usual = steps.mode().iloc[0]
        row = int(np.flatnonzero(steps.to_numpy() != usual)[0]) + 1
        raise ValueError(
            f"{where} has an irregular time step: most rows are {usual} apart, but row {row} "
            f"({index[row]}) is {steps[row - 1]} after the row above it. Fix: pass freq= "
            "(e.g. freq='h') to put the data on a regular grid, with missing='interpolate' or 'ffill' for the gaps."
        )
    if freq is not None and pd.tseries.frequencies.to_offset(inferred) != pd.tseries.frequencies.to_offset(freq):
        raise ValueError(
            f"{where} has frequency {inferred!r} but an earlier series has {freq!r}. "
            "Fix: resample all series to one frequency, or pass freq=."
        )
    return index, inferred, group


def infer_freq(index: pd.DatetimeIndex) -> str | None:
    """pandas' inferred frequency as a string (newer pandas may return an offset object)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        inferred = pd.infer_freq(index)
    return getattr(inferred, "freqstr", inferred)


def _numeric_block(group: pd.DataFrame, columns: list[str], missing: str, index, series_id: str, what: str):
    block = np.empty((len(group), len(columns)), dtype=np.float64)
    where = _where(series_id, what)
    for j, column in enumerate(columns):
        raw = group[column]
        numbers = pd.to_numeric(raw, errors="coerce").astype("float64")
        bad = numbers.isna() & raw.notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            if missing == "error":
                raise ValueError(
                    f"{where} column {column!r} holds non-numeric values, the first {raw.iloc[row]!r} at "
                    f"{_row(index, row)}. Fix: clean the column, or pass missing='interpolate' or 'ffill' to treat "
                    "such entries as missing."
                )
        values = numbers.to_numpy()
        infinite = np.isinf(values)
        if infinite.any():
            row = int(np.flatnonzero(infinite)[0])
            raise ValueError(
                f"{where} column {column!r} holds {int(infinite.sum())} infinite values, the first at "
                f"{_row(index, row)}. Fix: replace them (e.g. df.replace([np.inf, -np.inf], np.nan)) and fill them."
            )
        gaps = np.isnan(values)
        if gaps.any():
            if missing == "error":
                row = int(np.flatnonzero(gaps)[0])
                raise ValueError(
                    f"{where} column {column!r} has {int(gaps.sum())} missing values, the first at {_row(index, row)}. "
                    "Fix: pass missing='interpolate' (linear in time) or missing='ffill' (carry the last value)."
                )
            if gaps.all():
                raise ValueError(f"{where} column {column!r} has no values at all. Fix: drop it.")
            filled = pd.Series(values)
            filled = filled.interpolate(limit_direction="both") if missing == "interpolate" else filled.ffill().bfill()
            values = filled.to_numpy()
        block[:, j] = values
    return block


def _row(index, row: int) -> str:
    return f"row {row} ({index[row]})" if isinstance(index, pd.DatetimeIndex) else f"row {row}"


def _resolve_calendar(calendar, freq, has_time: bool) -> list[str]:
    if calendar is None or calendar is False or calendar == "none" or len(calendar) == 0:
        return []
    if calendar == "auto":
        return auto_calendar(freq) if has_time else []
    names = [calendar] if isinstance(calendar, str) else list(calendar)
    if not has_time:
        raise ValueError(
            f"`calendar` features need timestamps, but the data have no time column. Received: calendar={calendar!r}. "
            "Fix: pass time_col=, or calendar=None."
        )
    return names


def _check_constant(values: np.ndarray, columns: list[str], what: str):
    for j, column in enumerate(columns):
        if np.ptp(values[:, j]) == 0:
            raise ValueError(
                f"`{what}` column {column!r} is constant (every value is {values[0, j]:g}); it carries no signal and "
                "cannot be scaled. Fix: leave it out of targets and covariates."
            )


def future_index(index: pd.Index, freq: str | None, horizon: int) -> pd.Index:
    """The `horizon` timestamps after the end of `index` (or the next integer positions)."""
    if isinstance(index, pd.DatetimeIndex) and freq is not None:
        return pd.date_range(index[-1], periods=horizon + 1, freq=freq)[1:]
    start = len(index) if not len(index) or not isinstance(index[-1], (int, np.integer)) else int(index[-1]) + 1
    return pd.RangeIndex(start, start + horizon)


def find_time_column(frame: pd.DataFrame) -> str | None:
    """The column that holds timestamps: a datetime column, else the first one with a usual name."""
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            return column
    lowered = {c.lower(): c for c in frame.columns}
    for name in TIME_COLUMN_NAMES:
        if name in lowered:
            return lowered[name]
    return None
