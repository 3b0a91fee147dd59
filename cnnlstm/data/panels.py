"""Panels larger than memory: a long-format Parquet dataset (a folder of files, or one file) prepared series by
series into one float32 array in a memory-mapped file in the cache.

The result is the `SeriesData` that `cnnlstm.data.prepare.prepare` builds in memory from the same rows, with the
same checks (duplicate, unsorted or irregular timestamps, gaps per `freq`, missing and non-numeric values, constant
columns), except that rows of a series may come in any order: they are sorted by time first. Its `values` and
timestamps are memory-mapped files, so windows index into them and batches are gathered from them as from any array.

How it reads (pyarrow's dataset API, only the columns it needs):

1. a sample of the first rows resolves the column roles (`resolve_spec`, as for a DataFrame);
2. one pass over the id column counts the rows of each series, in order of first appearance;
3. series are read a few at a time (about `rows_per_read` rows, at least one series), sorted by time, checked and
   appended to ``values.f32`` (and their timestamps to ``times.i8``).

Host memory holds one read (``rows_per_read`` rows, or the longest series if longer), never the panel. Files
written series by series (sorted by id) are read fast: Parquet's row-group statistics skip the other series.
Rows of every series spread over every row group cost one scan of the dataset per read.

The files live in ``<cache>/panels/<source>-<files>-<settings>/`` (the cache is ``$CNNLSTM_CACHE`` or
``~/.cache/cnnlstm``): built under a temporary name and renamed when complete, reused while the Parquet files
(names, sizes, modification times) and the settings stay the same, and removed when the files change. A
``.link`` file beside a folder names it for the settings `fit` resolved, which `predict` asks with.

Example:
    >>> panel = open_panel("sales/")                                                # doctest: +SKIP
    >>> data = prepare_panel(panel, SeriesSpec(id_col="store", time_col="date", targets=["sales"]))
    >>> type(data.values).__name__, data.num_series
    ('memmap', 4000)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import secrets
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import checkpoint
from .prepare.calendar import calendar_columns, calendar_frame
from .prepare.series import (SeriesData, SeriesSpec, _check_constant, _examples, _numeric_block,
                              _resolve_calendar, _time_index, resolve_spec, time_values,
                              unused_columns, warn_left_out)
from .sources.io import PARQUET_SUFFIXES, require_parquet
from .sources.store import cache_dir as default_cache_dir

FORMAT = 1  # bump when the files' layout changes: older cache folders are then never read
SAMPLE_ROWS = 10_000  # rows read to resolve the column roles
# One batch and one file read ahead, not Arrow's 16 and 4: those held 75-115 MB more decoded batches in the id
# pass and the reads of 20,000 series x 2,000 steps, and were no faster on two cores; 0 stalled the scans
READAHEAD = {"batch_readahead": 1, "fragment_readahead": 1}
# Rows per read. On 20,000 series x 2,000 steps (id, date, value: a 160 MB array), fit's peak above the baseline
# was 278 MB at 2 M rows, 207 MB at 1 M, 197 MB at 512 K; the same rows spread over every file (one scan of them
# per read) took 50 s, 68 s and 98 s to prepare, and 23-28 s at each size when written series by series
ROWS_PER_READ = 1 << 20
VALUES, TIMES, META = "values.f32", "times.i8", "meta.json"


@dataclass(frozen=True)
class ParquetPanel:
    """A long-format Parquet dataset, opened but not read: what `prepare_panel` reads series by series.

    Attributes:
        path: the folder (or file).
        files: the Parquet files, relative to `path`, in the order they are read.
        columns: the column names.
        num_rows: rows in all files (from the files' metadata).
        cache_dir: where the prepared files go (None: ``$CNNLSTM_CACHE/panels`` or ``~/.cache/cnnlstm/panels``).
        rows_per_read: about how many rows are read at once (at least one whole series).
    """

    path: Path
    files: tuple[str, ...]
    columns: list[str]
    num_rows: int
    cache_dir: Path | None = None
    rows_per_read: int = ROWS_PER_READ


def is_panel_source(source) -> bool:
    """Whether `source` is a folder holding Parquet files (.parquet, .pq), which `Forecaster.fit` reads as a panel.

    Example:
        >>> is_panel_source("data.csv")
        False
    """
    if not isinstance(source, (str, os.PathLike)) or not os.path.isdir(source):
        return False
    return bool(_parquet_files(Path(source)))


def _parquet_files(folder: Path) -> list[str]:
    """Parquet files under `folder`, relative and sorted; hidden and ``_``-prefixed ones (``_SUCCESS``, Spark's
    ``_metadata``) are left out, as Arrow does."""
    found = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if path.is_file() and path.suffix.lower() in PARQUET_SUFFIXES \
                and not any(part.startswith((".", "_")) for part in relative.parts):
            found.append(relative.as_posix())
    return sorted(found)


def open_panel(source: str | os.PathLike, *, cache_dir: str | os.PathLike | None = None,
               rows_per_read: int = ROWS_PER_READ, what: str = "data") -> ParquetPanel:
    """Open a long-format Parquet dataset (a folder of files, or one file) to prepare series by series.

    Args:
        source: a folder of .parquet files (read in the order of their sorted paths), or one .parquet file.
        cache_dir: where to keep the memory-mapped files (default: the cache's ``panels`` folder).
        rows_per_read: about how many rows to hold in memory at once (whole series: a longer one is read alone).
        what: the argument's name, for error messages.

    Example:
        >>> panel = open_panel("sales/")                                            # doctest: +SKIP
        >>> panel.columns, panel.num_rows
        (['store', 'date', 'sales'], 48000000)
    """
    require_parquet("Reading")
    import pyarrow.dataset as ds

    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"`{what}` must be a path to a folder of Parquet files. Received: {type(source).__name__}.")
    if not isinstance(rows_per_read, (int, np.integer)) or isinstance(rows_per_read, bool) or rows_per_read < 1:
        raise ValueError(f"`rows_per_read` must be a positive integer. Received: rows_per_read={rows_per_read!r}. "
                         "Fix: pass e.g. rows_per_read=1_000_000.")
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"`{what}` points at a path that does not exist. Received: {what}={str(path)!r}.")
    if path.is_dir():
        files = _parquet_files(path)
        if not files:
            raise ValueError(
                f"`{what}` is a folder with no Parquet files (.parquet, .pq) in it. Received: {what}={str(path)!r}. "
                "Fix: pass the folder the long-format Parquet files are in, or a CSV or Parquet file."
            )
        paths = [str(path / f) for f in files]
    elif path.suffix.lower() in PARQUET_SUFFIXES:
        files, paths = [path.name], [str(path)]
    else:
        raise ValueError(
            f"`{what}` must be a folder of Parquet files or a .parquet file. Received: {what}={str(path)!r}. "
            "Fix: write the panel as Parquet (e.g. df.to_parquet('panel/part-0.parquet')), or pass a DataFrame."
        )
    dataset = ds.dataset(paths, format="parquet")
    num_rows = int(dataset.count_rows())
    if num_rows == 0:
        raise ValueError(
            f"`{what}` is empty: its Parquet files hold 0 rows. Received: {what}={str(path)!r}. Fix: pass files "
            "with a header row and at least one row of values per series."
        )
    return ParquetPanel(path=path.resolve(), files=tuple(files), columns=list(dataset.schema.names),
                        num_rows=num_rows, cache_dir=None if cache_dir is None else Path(cache_dir),
                        rows_per_read=int(rows_per_read))


def prepare_panel(panel: ParquetPanel, spec: SeriesSpec, *, what: str = "data") -> SeriesData:
    """`prepare` for a Parquet panel: the same checks and the same array, built series by series into a
    memory-mapped file (reused while the files and `spec` stay the same).

    Text covariates are not taken (they would need every category before the first series is written).

    Example:
        >>> data = prepare_panel(open_panel("sales/"), SeriesSpec(id_col="store", targets=["sales"]))  # doctest: +SKIP
        >>> data.values.filename                                       # the float32 file under the cache
        '/home/me/.cache/cnnlstm/panels/3f2a..-9c1e..-04b7../values.f32'
    """
    root = Path(panel.cache_dir) if panel.cache_dir is not None else default_cache_dir() / "panels"
    source_key = _digest(str(panel.path))
    files_key = _digest([(f, *_stat(panel, f)) for f in panel.files])
    prefix = f"{source_key}-{files_key}-"
    folder = root / (prefix + _settings_key(spec))
    _remove_stale(root, source_key, files_key)
    link = root / (folder.name + ".link")
    if not folder.is_dir() and link.is_file():  # prepared by `fit` with settings that resolve to these
        folder = root / link.read_text(encoding="utf-8").strip()
    if folder.is_dir():
        cached = _load(folder)
        if cached is not None:
            if spec.targets is None:
                warn_left_out(cached.unused, what)
            return cached
        shutil.rmtree(folder, ignore_errors=True)  # damaged (cut short by hand): build it again
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".{folder.name}.{secrets.token_hex(4)}.tmp"
    staging.mkdir()
    try:
        _build(panel, spec, staging, what)
        try:
            os.rename(staging, folder)
        except OSError:  # another process finished the same folder first: theirs is as good
            if not folder.is_dir():
                raise
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    data = _load(folder)
    # `predict` asks again with the settings `fit` resolved (targets, frequency, calendar): the same array
    resolved = prefix + _settings_key(data.spec)
    if resolved != folder.name and not (root / resolved).is_dir():
        checkpoint.atomic_write_text(root / (resolved + ".link"), folder.name)
    return data


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:12]


def _settings_key(spec: SeriesSpec) -> str:
    return _digest([FORMAT, dataclasses.asdict(spec)])


def _stat(panel: ParquetPanel, relative: str) -> tuple[int, int]:
    stat = (panel.path / relative if panel.path.is_dir() else panel.path).stat()
    return stat.st_size, stat.st_mtime_ns


def _remove_stale(root: Path, source_key: str, files_key: str) -> None:
    """Cache folders of the same source built from other versions of its files: never to be read again."""
    if not root.is_dir():
        return
    for entry in root.glob(f"{source_key}-*"):
        if entry.name.startswith(f"{source_key}-{files_key}-"):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _dataset(panel: ParquetPanel):
    import pyarrow.dataset as ds

    paths = [str(panel.path / f) for f in panel.files] if panel.path.is_dir() else [str(panel.path)]
    return ds.dataset(paths, format="parquet")


def _resolve(panel: ParquetPanel, dataset, spec: SeriesSpec, what: str) -> tuple[SeriesSpec, dict[str, str]]:
    """The column roles, resolved on a sample of the first rows; text covariates are refused."""
    # no read-ahead: the defaults decode several row groups of several files for these few rows
    sample = dataset.head(SAMPLE_ROWS, batch_size=SAMPLE_ROWS, batch_readahead=0, fragment_readahead=0).to_pandas()
    resolved = resolve_spec(sample, spec)
    if resolved.categories:
        name, _ = next(iter(resolved.categories.items()))
        raise ValueError(
            f"`{what}` is a Parquet panel read series by series, and its covariate {name!r} is text "
            f"({_examples(sample[name])}); one-hot encoding needs every category before the first series is "
            f"written. Received: {what}={str(panel.path)!r}. Fix: store the column as numbers (e.g. one 0/1 column "
            "per category) in the files, or read the data into a DataFrame and pass that."
        )
    return resolved, unused_columns(sample, resolved)


def _series_sizes(dataset, id_col: str | None, what: str) -> dict:
    """{id: rows}, in order of first appearance: one pass over the id column only."""
    import pyarrow.compute as pc

    if id_col is None:
        return {"0": int(dataset.count_rows())}
    sizes: dict = {}
    for batch in dataset.to_batches(columns=[id_col], **READAHEAD):
        column = batch.column(0)
        if column.null_count:
            raise ValueError(
                f"`{what}` column {id_col!r} (id_col) has missing values, so some rows belong to no series. "
                "Fix: drop those rows, or fill the ids."
            )
        counts = pc.value_counts(column)  # in order of first appearance within the batch
        for key, count in zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist()):
            sizes[key] = sizes.get(key, 0) + count
    return sizes


def _reads(sizes: dict, rows_per_read: int):
    """Lists of ids to read together: about `rows_per_read` rows each, whole series, in order."""
    chunk, rows = [], 0
    for key, count in sizes.items():
        if chunk and rows + count > rows_per_read:
            yield chunk
            chunk, rows = [], 0
        chunk.append(key)
        rows += count
    if chunk:
        yield chunk


def _sorted_by_time(group: pd.DataFrame, spec: SeriesSpec) -> pd.DataFrame:
    """The rows of one series in time order (stable); left as they are when the times do not parse, for
    `_time_index` to name the problem."""
    if spec.time_col is None:
        return group
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "could not infer format": `_time_index` parses again and warns
        try:
            times = time_values(group, spec)
        except (ValueError, TypeError, OverflowError):
            return group
    if times is None or times.is_monotonic_increasing:
        return group
    return group.iloc[np.argsort(times.to_numpy(), kind="stable")]


def _build(panel: ParquetPanel, spec: SeriesSpec, folder: Path, what: str) -> None:
    """Read, check and write every series into `folder`: values.f32, times.i8 and meta.json."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dataset = _dataset(panel)
    inferred = spec.targets is None
    spec, unused = _resolve(panel, dataset, spec, what)
    if inferred:
        warn_left_out(unused, what)
    value_columns = [*spec.targets, *spec.past_covariates, *spec.future_covariates]
    time_columns = list(spec.time_parts or ([spec.time_col] if spec.time_col else []))
    id_columns = [spec.id_col] if spec.id_col else []
    read_columns = [*id_columns, *time_columns, *value_columns]
    sizes = _series_sizes(dataset, spec.id_col, what)
    width = len(value_columns)  # numbers only: no one-hot columns

    freq, calendar = spec.freq, None
    series_ids, lengths, pending = [], [], []  # pending: series waiting for the frequency "auto" calendar needs
    low = np.full(width, np.inf, dtype=np.float32)
    high = np.full(width, -np.inf, dtype=np.float32)
    with open(folder / VALUES, "wb") as values_file, open(folder / TIMES, "wb") as times_file:

        def write(index, block):
            features = block.astype(np.float32)
            np.minimum(low, features.min(axis=0), out=low)
            np.maximum(high, features.max(axis=0), out=high)
            if calendar:  # (rows, C + 2 * calendar): the columns `prepare` lays out
                features = np.hstack([features, calendar_frame(index, calendar).to_numpy().astype(np.float32)])
            features.tofile(values_file)
            if isinstance(index, pd.DatetimeIndex):
                index.as_unit("ns").asi8.tofile(times_file)

        for ids in _reads(sizes, panel.rows_per_read):
            if spec.id_col is None:
                table = dataset.to_table(columns=read_columns, **READAHEAD)
            else:
                id_type = dataset.schema.field(spec.id_col).type
                field = pc.field(spec.id_col)
                if pa.types.is_dictionary(id_type):
                    field, id_type = field.cast(id_type.value_type), id_type.value_type
                table = dataset.to_table(columns=read_columns, filter=field.isin(pa.array(ids, type=id_type)),
                                         **READAHEAD)
            frame = table.to_pandas()
            del table
            # one series per read (long series) needs no grouping, nor a copy of its rows
            rows_of = None if len(ids) == 1 else frame.groupby(spec.id_col, sort=False, observed=True).indices
            for key in ids:
                series_id = str(key)
                group = _sorted_by_time(frame if rows_of is None else frame.iloc[rows_of[key]], spec)
                index, freq, group = _time_index(group, spec, freq, series_id, what)
                block = _numeric_block(group, value_columns, spec.missing, index, series_id, what)
                series_ids.append(series_id)
                lengths.append(len(block))
                pending.append((index, block))
                if freq is not None or spec.time_col is None:
                    calendar = _resolve_calendar(spec.calendar, freq, spec.time_col is not None)
                    for item in pending:
                        write(*item)
                    pending = []
            del frame
        if pending:  # every series too short to infer a frequency
            calendar = _resolve_calendar(spec.calendar, freq, spec.time_col is not None)
            for item in pending:
                write(*item)
        values_file.flush()
        os.fsync(values_file.fileno())
        times_file.flush()
        os.fsync(times_file.fileno())
    # min and max of every column stand in for the whole array: a column is constant when they are equal
    total = int(sum(lengths))
    _check_constant(np.vstack([low, high])[: min(total, 2)], value_columns, what)
    lengths = np.array(lengths, dtype=np.int64)
    spec = SeriesSpec(**{**spec.__dict__, "calendar": calendar, "freq": freq})
    checkpoint.write_json(folder / META, {
        "format": FORMAT, "rows": total, "columns": [*value_columns, *calendar_columns(calendar)],
        "num_targets": len(spec.targets), "num_past": len(spec.past_covariates), "lengths": lengths.tolist(),
        "series_ids": series_ids, "freq": freq, "spec": dataclasses.asdict(spec), "unused": unused,
        "has_times": spec.time_col is not None,
    })


def _load(folder: Path) -> SeriesData | None:
    """The SeriesData of a cache folder, its arrays memory-mapped read-only; None when the files do not match."""
    try:
        meta = checkpoint.read_json(folder / META)
        rows, width = meta["rows"], len(meta["columns"])
        sizes = ((folder / VALUES).stat().st_size, (folder / TIMES).stat().st_size)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if meta.get("format") != FORMAT or not rows or sizes != (rows * width * 4, rows * 8 if meta["has_times"] else 0):
        return None
    values = np.memmap(folder / VALUES, dtype=np.float32, mode="r", shape=(rows, width))
    lengths = np.array(meta["lengths"], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    if meta["has_times"]:
        times = np.memmap(folder / TIMES, dtype="M8[ns]", mode="r", shape=(rows,))
        timestamps = [pd.DatetimeIndex(times[b : b + n]) for b, n in zip(starts, lengths)]  # views, no copy
    else:
        timestamps = [pd.RangeIndex(int(n)) for n in lengths]
    return SeriesData(values=values, columns=meta["columns"], num_targets=meta["num_targets"],
                      num_past=meta["num_past"], starts=starts, lengths=lengths, series_ids=meta["series_ids"],
                      timestamps=timestamps, freq=meta["freq"], spec=SeriesSpec(**meta["spec"]),
                      unused=meta["unused"])
