"""One reader per task: a dataset name, a file or an in-memory object becomes what that task's estimator fits.

`train`, `predict`, `evaluate` and `compare` (the command line and the Python API) all read data here, so a layout
that works for one works for all:

    forecast   a table (CSV, Parquet, DataFrame, array) or a forecasting dataset name; the test part is the end of
               each series, so there is no separate test data. A named dataset brings its customary settings
               (targets, split, season, time column).
    classify   (X, y); a .ts file (UCR/UEA); .npy / .npz / a folder of frames (image sequences); a table with the
    regress    label (or value) in column `target`, one row per sequence, or several rows per sequence with `group`;
               or a UCR/UEA name, or a folder holding <Name>_TRAIN.ts and <Name>_TEST.ts, which bring their test
               split (a folder is told apart from a folder of frames by the .ts files in it).
    rul        units' rows: a table with a unit column (`group`, default "unit") and a per-row target (`target`,
               default "rul"); or a C-MAPSS name ("cmapss-fd001" .. "cmapss-fd004") with its test split.

Example:
    >>> data = read_task_data("GunPoint")                                               # doctest: +SKIP
    >>> data.task, len(data.train[1]), len(data.test[1])
    ('classify', 50, 150)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .._errors import did_you_mean, unknown_name

TASKS = ("forecast", "classify", "regress", "rul")


@dataclass
class TaskData:
    """What a task's estimator is fitted and scored on.

    Attributes:
        task: forecast, classify, regress or rul.
        name: what tables and run folders call the data (the dataset or file name).
        train: forecast: a DataFrame or array; classify / regress: (X, y), or a DataFrame with `fit_kwargs`;
            rul: a DataFrame of units' rows.
        test: the same layout, or None (forecasting's test part is the end of each series).
        settings: estimator settings the data bring (a named dataset's split, targets, season, protocol).
        fit_kwargs: `group=` and `target=` where the labels or units are columns of a table.
        dataset: the dataset's name when the data came by name (None for files and objects).
    """

    task: str
    name: str
    train: object
    test: object = None
    settings: dict = field(default_factory=dict)
    fit_kwargs: dict = field(default_factory=dict)
    dataset: str | None = None


def dataset_kind(name) -> str | None:
    """The task of a named dataset ("forecast", "classify" or "rul"), or None when `name` names none."""
    if not isinstance(name, str):
        return None
    from .sources import catalogue

    names = {n.lower(): n for n in catalogue.list_datasets()}
    if name.lower() not in names:
        return None
    return catalogue.info(names[name.lower()]).task


def read_task_data(source, *, task: str = "auto", test_data=None, target: str | None = None, group: str | None = None,
                   data_dir=None, name: str | None = None, labelled: bool = True) -> TaskData:
    """Read `source` (and `test_data`) for `task`; "auto" takes the task of a named dataset, else forecasting.

    Args:
        source: a dataset name (`cnnlstm datasets`), a path, a DataFrame, an array, or (X, y).
        test_data: classify / regress / rul: the test data, in any layout `source` takes (a named dataset brings its own).
        target: the label, value or per-row target column of a table (rul: default "rul"); forecast: the one
            column to forecast.
        group: the column naming each sequence (classify / regress) or unit (rul: default "unit");
            forecast: the series id column.
        data_dir: a local copy of the datasets (default: $CNNLSTM_DATA_DIR, then the cache).
        name: what to call the data (default: the dataset or file name).
        labelled: classify / regress: a table without `target` is an error; False takes it as X alone, (X, None)
            (data to predict).
    """
    if task not in ("auto", *TASKS):
        raise unknown_name("task", task, ("auto", *TASKS))
    kind = dataset_kind(source)
    if kind is None and isinstance(source, str) and not os.path.exists(source):
        from .sources.catalogue import list_datasets

        raise ValueError(
            f"`data` must be a dataset name (`cnnlstm datasets` lists them) or a path to a file. Received: "
            f"data={source!r}, which is neither.{did_you_mean(source, list_datasets())}"
        )
    if name is None:
        name = _name(source)
    if kind is not None:
        return _named(source, kind, task, test_data, target, group, data_dir, name)
    if ts_folder(source):  # <Name>_TRAIN.ts and <Name>_TEST.ts: the archive's layout, read as a named problem is
        return _ts_folder(source, task, test_data, name)
    task = "forecast" if task == "auto" else task
    if task == "forecast":
        _no_forecast_test(test_data)
        settings = {"targets": [target]} if target is not None else {}
        if group is not None:
            settings["id_col"] = group
        return TaskData("forecast", name, _forecast_table(source), None, settings)
    if task == "rul":
        group, target = group or "unit", target or "rul"
    train, fit_kwargs = _sequences(source, task, target, group, what="data", labelled=labelled)
    test = None if test_data is None else _sequences(test_data, task, target, group, what="test data")[0]
    settings = {"protocol": "rul"} if task == "rul" else {}
    return TaskData(task, name, train, test, settings, fit_kwargs)


def _named(source: str, kind: str, task: str, test_data, target, group, data_dir, name) -> TaskData:
    from .sources import datasets

    allowed = {"forecast": ("forecast",), "classify": ("classify",), "rul": ("rul", "regress")}[kind]
    if task not in ("auto", *allowed):
        raise ValueError(f"`data` {source!r} is a {kind} dataset. Received: task={task!r}. Fix: task={kind!r}.")
    task = kind if task == "auto" else task
    if kind == "forecast":
        _no_forecast_test(test_data)
    elif test_data is not None:
        raise ValueError(f"`test_data` must be None with a dataset name: {source!r} has its own test split.")
    if kind == "forecast":
        spec = datasets.info(source)
        settings = {"split": spec.split, "season_length": spec.season_length, "time_col": spec.time_col}
        if target is not None:
            settings["targets"] = [target]
        elif spec.targets is not None:
            settings["targets"] = list(spec.targets)
        return TaskData("forecast", name, datasets.load(source, data_dir=data_dir), None, settings, dataset=source)
    train, test = (datasets.load(source, split=s, data_dir=data_dir) for s in ("train", "test"))
    if kind == "classify":
        return TaskData("classify", name, train, test, dataset=source)
    fit_kwargs = {"group": group or "unit", "target": target or "rul"}
    return TaskData(task, name, train, test, {"protocol": "rul" if task == "rul" else "plain"}, fit_kwargs,
                    dataset=source)


def ts_folder(source) -> bool:
    """Whether `source` is a folder holding a problem's ``<Name>_TRAIN.ts`` / ``<Name>_TEST.ts`` files (a folder of
    frames holds label folders instead)."""
    if not isinstance(source, (str, os.PathLike)) or not os.path.isdir(source):
        return False
    from .sources.archives import _problems_in

    return bool(_problems_in(Path(source)))


def _ts_folder(source, task: str, test_data, name: str) -> TaskData:
    from .sources import datasets

    if task not in ("classify", "regress"):
        does = "says nothing of what to learn from it" if task == "auto" else "does not read"
        raise ValueError(
            f"`data` {str(source)!r} is a folder of .ts files (whole sequences, one label or value each), and "
            f"task={task!r} {does}. Fix: task='classify' or 'regress' (--task classify)."
        )
    if test_data is not None:
        raise ValueError(
            f"`test_data` must be None with a folder of .ts files: {str(source)!r} has its own test split (its "
            "_TEST.ts file). Fix: leave test_data out, or pass the _TRAIN.ts file as the data."
        )
    train, test = (datasets.load(source, split=s) for s in ("train", "test"))
    return TaskData(task, name, train, test)


def _no_forecast_test(test_data) -> None:
    if test_data is not None:
        raise ValueError(
            "`test_data` must be None for forecasting: the test part is the end of each series, as `split` sets it. "
            "Received: test data. Fix: pass the whole history as the data and choose split=."
        )


def _name(source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name.split(".")[0] if os.path.exists(source) else str(source)
    return "data" if isinstance(source, tuple) else type(source).__name__


def _forecast_table(source):
    import numpy as np

    from .sources.io import read_table
    from .panels import is_panel_source, open_panel

    if is_panel_source(source):  # long-format Parquet files: a panel read series by series, larger than memory
        return open_panel(source)
    if isinstance(source, (str, os.PathLike)) and (
            os.path.isdir(source) or "".join(Path(source).suffixes[-2:]).lower().endswith((".ts", ".ts.gz", ".npy", ".npz"))):
        kind = "a folder" if os.path.isdir(source) else f"a {Path(source).suffix} file of whole sequences"
        raise ValueError(
            f"`data` {str(source)!r} is {kind}, which forecasting does not read: it forecasts the columns of a CSV or "
            "Parquet table (or a folder of Parquet files). Fix: pass such a table, or task='classify' or 'regress' "
            "(--task classify) for whole "
            "sequences (.ts, .npy, .npz, a folder of .ts files or of frames)."
        )
    return source if isinstance(source, np.ndarray) else read_table(source, what="data")


def read_sequences_file(path, *, what: str = "data"):
    """A file of whole sequences: (X, y) from .ts (UCR/UEA), .npy, .npz or a frame folder; a DataFrame from a table."""
    suffix = "".join(Path(path).suffixes[-2:]).lower()
    if ts_folder(path):  # the archive's layout: this split's .ts file
        from .sources import datasets

        return datasets.load(path, split="test" if what.startswith("test") else "train")
    if suffix.endswith(".ts"):
        from .sources.ts import read_ts

        data = read_ts(path)
        return data.X, data.y
    if suffix.endswith((".npy", ".npz")) or Path(path).is_dir():
        from .prepare.sequences import SequenceSet
        from .sources.frames import read_frames

        data = read_frames(path)
        return SequenceSet(data.X, data.lengths), data.y
    from .sources.io import read_table

    return read_table(path, what=what)


def _sequences(source, task: str, target, group, *, what: str, labelled: bool = True):
    """(data, fit_kwargs): (X, y) for whole sequences, or a DataFrame with group= / target= for its columns."""
    import pandas as pd

    if isinstance(source, (str, os.PathLike)):
        source = read_sequences_file(source, what=what)
    if isinstance(source, tuple):
        return source, {}
    if not isinstance(source, pd.DataFrame):
        raise TypeError(
            f"`{what}` must be (X, y), a DataFrame, or a path to a .ts, .npy, .npz, CSV or Parquet file. Received: "
            f"{type(source).__name__}. Fix: pass X and y together as a tuple."
        )
    if target is None and not labelled and task != "rul":
        return (source, None), ({"group": group} if group is not None else {})
    if target is None:
        raise ValueError(
            f"`target` must name the column of `{what}` that holds the {'label' if task == 'classify' else 'value'}"
            f" of each {'unit row' if task == 'rul' else 'sequence'}. Received: target=None with a table of columns "
            f"{list(source.columns)[:10]}. Fix: pass target='COLUMN' (--target COLUMN), and group='COLUMN' "
            "(--id-col COLUMN) when each sequence spans several rows."
        )
    if target not in source.columns:
        raise unknown_name("target", target, source.columns, f"Fix: pass the name of the column of `{what}` that "
                           "holds the targets.")
    if group is not None:
        if group not in source.columns:
            raise unknown_name("group", group, source.columns, "Fix: pass the column naming each sequence or unit.")
        return source, {"group": group, "target": target}
    return (source.drop(columns=[target]), source[target].to_numpy()), {}
