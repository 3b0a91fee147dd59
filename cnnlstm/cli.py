"""The `cnnlstm` command: a thin skin over the library. Each subcommand parses options into the arguments the
Python API takes and calls it; `--dry-run` runs the estimator's `check` (data and settings checked, the network
built, nothing trained or written).

Everything heavy (torch, pandas, the comparison) is imported inside the commands that use it, so `--help`,
`--version`, `models` and `datasets` answer at once.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import sys
from pathlib import Path

import click

from . import cpu

TASKS = ("forecast", "classify", "regress", "rul")
COMPARE_TASKS = ("auto", *TASKS)
ESTIMATOR_OF = {"forecast": "Forecaster", "classify": "Classifier", "regress": "Regressor", "rul": "UnitRegressor"}
ESTIMATOR_FILE = {"Forecaster": "forecaster", "Classifier": "classifier", "Regressor": "regressor",
                  "UnitRegressor": "units"}
OUTPUT_SUFFIXES = (".csv", ".parquet", ".json")


@functools.cache
def estimator_defaults(name: str) -> dict:
    """An estimator's keyword defaults, read from its source (so `--help` shows them without importing torch)."""
    source = (Path(__file__).parent / "estimators" / f"{ESTIMATOR_FILE[name]}.py").read_text(encoding="utf-8")
    cls = next(n for n in ast.parse(source).body if isinstance(n, ast.ClassDef) and n.name == name)
    init = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    arguments = init.args
    defaults = {a.arg: ast.literal_eval(d) for a, d in zip(arguments.args[::-1], arguments.defaults[::-1])}
    defaults.update({a.arg: ast.literal_eval(d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults)})
    general = [n for n in ast.parse(source).body if isinstance(n, ast.Assign)
               and any(getattr(t, "id", None) == "GENERAL_DEFAULTS" for t in n.targets)]
    if general:  # None means "the model's own, else this": the Forecaster's recipe defaults
        for key, value in ast.literal_eval(general[0].value).items():
            if defaults.get(key) is None:
                defaults[key] = f"the model's recipe, else {value}"
    return defaults


def _defaults_text(name: str, forecast_only: bool = False) -> str:
    """'default: 20 forecast, 100 classify, 30 regress/rul' for option `name`, from the estimators' signatures."""
    if forecast_only:
        return f"default: {estimator_defaults('Forecaster')[name]}"
    values = {task: estimator_defaults(ESTIMATOR_OF[task]).get(name) for task in TASKS}
    if len(set(map(repr, values.values()))) == 1:
        return f"default: {values['forecast']}"
    merged: dict[str, list[str]] = {}  # the value's text -> the tasks sharing it
    for task, value in values.items():
        merged.setdefault(str(value), []).append(task)
    return "default: " + ", ".join(f"{value} {'/'.join(tasks)}" for value, tasks in merged.items())


def _console():
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 160)  # pipes and CI get the whole table


def echo(*objects) -> None:
    _console().print(*objects)


# ---------------------------------------------------------------------------------------------- shared options


def _data_options(func):
    func = click.option("--data-dir", type=click.Path(file_okay=False), default=None,
                        help="Folder with local copies of the datasets (default: $CNNLSTM_DATA_DIR, then the cache).")(func)
    func = click.option("--dataset", default=None, metavar="NAME",
                        help="A named dataset (see `cnnlstm datasets`), e.g. airline, etth1, GunPoint, cmapss-fd001.")(func)
    func = click.option("--data", "data_path", type=click.Path(exists=True), default=None,
                        help="A file: CSV or Parquet (any task), .ts (classify/regress), .npy/.npz or a folder of "
                             "frames (image sequences); or a folder of <Name>_TRAIN.ts and <Name>_TEST.ts "
                             "(classify/regress: trains on TRAIN, scores on TEST); or a folder of long-format "
                             "Parquet files (forecast: a panel larger than memory, read series by series into a "
                             "memory-mapped file in the cache).")(func)
    return func


def _training_options(func):
    """Options that map to estimator parameters; each is checked against the chosen task's estimator."""
    options = [
        click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
                     help="A model hyperparameter, repeatable: --set hidden_size=128 --set merge=attention "
                          "(`cnnlstm models` lists them)."),
        click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True), default=None,
                     help="A TOML run file of estimator settings (a [hyperparameters] table for the model); "
                          "options given here override it."),
        click.option("--cuda-graph", "cuda_graph", is_flag=True, default=None,
                     help="Replay the whole training step as one CUDA graph (CUDA only)."),
        click.option("--max-steps-per-epoch", type=int, default=None,
                     help="forecast: cap the steps of each epoch (very large data; default: none)."),
        click.option("--device", default=None, help="auto, cpu, cuda or mps (default: auto)."),
        click.option("--seed", type=int, default=None, help="Random seed (default: 0)."),
        click.option("--patience", type=int, default=None,
                     help="Epochs without a better validation loss before stopping ("
                          + _defaults_text("patience") + "; None: never)."),
        click.option("--lr", type=float, default=None, help="Peak learning rate (" + _defaults_text("lr") + ")."),
        click.option("--batch-size", type=int, default=None,
                     help="Windows or sequences per step (" + _defaults_text("batch_size") + "; None: automatic)."),
        click.option("--epochs", type=int, default=None, help="Passes over the training data ("
                     + _defaults_text("epochs") + ")."),
        click.option("--val-size", type=float, default=None,
                     help="classify/regress/rul: fraction of the training sequences or units held out to pick the "
                          "epoch (default: 0 classify: all sequences train, the lowest training loss is kept; "
                          "0.2 regress/rul, where rul then trains again on every unit for the chosen epochs)."),
        click.option("--loss", type=click.Choice(["mse", "mae", "huber"]), default=None,
                     help="forecast: the training loss (default: mse)."),
        click.option("--quantiles", default=None, metavar="Q1,Q2,...",
                     help="forecast/regress/rul: predict these quantiles, e.g. 0.1,0.5,0.9, trained with the pinball "
                          "loss (the median is the prediction); intervals are then conformalized quantiles "
                          "(default: none: a point prediction, intervals from its validation residuals)."),
        click.option("--channel-independent", is_flag=True, default=None,
                     help="forecast: each channel from its own history with shared weights (default: the model's, "
                          "see `cnnlstm models`; off where it has none)."),
        click.option("--revin", type=click.Choice(["mean", "last", "none"]), default=None,
                     help="forecast: per-window normalisation inside the network: mean (RevIN: the window's mean "
                          "and std), last (the window's last value), none (default: the model's, see `cnnlstm "
                          "models`; mean where it has none)."),
        click.option("--channel-dependent", "channel_independent", flag_value=False, default=None,
                     help="forecast: read every channel together, for models that default to channel independence."),
        click.option("--scaler", type=click.Choice(["standard", "minmax", "none"]), default=None,
                     help="forecast: scaling fitted on the training part (default: standard)."),
        click.option("--split", default=None, metavar="A,B,C",
                     help="forecast: train, validation, test as fractions 0.7,0.1,0.2 (the default), row counts "
                          "8640,2880,2880 or two dates 2017-06-01,2017-10-01; a named dataset brings its own."),
        click.option("--freq", default=None, help="forecast: put the data on this regular grid first, e.g. h or 15min."),
        click.option("--missing", type=click.Choice(["error", "interpolate", "ffill"]), default=None,
                     help="forecast: what to do with missing values (default: error)."),
        click.option("--id-col", default=None,
                     help="forecast: the column naming each series (long layout); classify/regress: the column "
                          "naming each sequence of several rows; rul: the unit column (default: unit)."),
        click.option("--time-col", default=None,
                     help="forecast/rul: the time column (default: a datetime column, else one named date, time, ... "
                          "whose values parse as dates, else integer year,month,day,hour columns assembled; integers are "
                          "never read as dates), or the columns to assemble, e.g. year,month,day,hour; rul: cycle when "
                          "present."),
        click.option("--calendar", default=None, metavar="auto|none|LIST",
                     help="forecast: calendar features: auto (the default), none, or e.g. hour,dayofweek."),
        click.option("--future-covariate", "future_covariates", multiple=True,
                     help="forecast: a known-future column; repeatable; a text column is one-hot encoded."),
        click.option("--past-covariate", "past_covariates", multiple=True,
                     help="forecast: an observed covariate; repeatable; a text column is one-hot encoded."),
        click.option("--target", "targets", multiple=True,
                     help="forecast: a column to forecast, repeatable (default: a named dataset's customary "
                          "target, else every numeric column); classify/regress: the label or value column of a "
                          "table; rul: the per-row target (default: rul)."),
        click.option("--horizon", type=int, default=None,
                     help="forecast: steps forecast at once (default: a named dataset's season, else 24)."),
        click.option("--window", type=int, default=None,
                     help="forecast: input steps per forecast (default: two seasons, else four horizons); rul: rows "
                          f"per window (default: {estimator_defaults('UnitRegressor')['window']})."),
    ]
    for option in options:
        func = option(func)
    return func


def _fail_cleanly(func):
    """Turn the library's input errors into a one-line CLI error; CNNLSTM_DEBUG=1 shows the traceback instead."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from .data.sources.store import DatasetUnavailableError

        try:
            _apply_threads()
            return func(*args, **kwargs)
        except (ValueError, TypeError, OSError, ImportError, DatasetUnavailableError) as error:
            if os.environ.get("CNNLSTM_DEBUG"):
                raise
            if isinstance(error, OSError) and error.filename is not None:  # the system's own: permissions, a full disk
                error = (f"{error.strerror}: {error.filename!r}. Fix: check that path (and its permissions), or choose "
                         "another.")
            raise click.ClickException(f"{error}\n(set CNNLSTM_DEBUG=1 for the traceback)") from None

    return wrapper


def _source(data_path, dataset, *, required: bool = True):
    if data_path and dataset:
        raise click.UsageError("Pass either --data or --dataset, not both.")
    source = dataset or data_path
    if source is None and required:
        raise click.UsageError("Pass --data PATH (a CSV, Parquet, .ts or .npz file) or --dataset NAME "
                               "(see `cnnlstm datasets`).")
    return source


def _resolve_settings(task_data, config_file, assignments, options: dict, extra: dict) -> dict:
    """Estimator settings: the data's < the TOML file's < the command line's; each checked against the task's
    estimator (its parameters and the models' hyperparameters)."""
    from . import config

    task = task_data.task
    settings = dict(task_data.settings)
    if config_file:
        settings.update(config.read_toml(config_file, estimator=_estimator_class(task, task_data)))
    given = {k: v for k, v in options.items() if v is not None and v != ()}
    for key in ("targets", "id_col"):
        given.pop(key, None)  # read with the data: targets / target, id column / group
    for key, value in given.items():
        if key == "revin":
            value = {"mean": True, "last": "last", "none": False}[value]
        elif key in ("past_covariates", "future_covariates"):
            value = list(value)
        elif key == "split":
            value = config.parse_split(value)
        elif key == "quantiles":
            value = _parse_quantiles(value)
        elif key == "calendar":
            value = None if value == "none" else value if value == "auto" else [v.strip() for v in value.split(",")]
        settings[key] = value
    settings.update(extra)
    settings.update(config.parse_assignments(assignments, option="--set"))
    estimator = _estimator_class(task, task_data)
    config.check_keys({k: v for k, v in settings.items() if k not in task_data.settings}, estimator=estimator,
                      where=f"--task {task}", option_names=True)
    return settings


def _parse_quantiles(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise click.BadParameter(f"must be numbers separated by commas, e.g. 0.1,0.5,0.9. Received: --quantiles {text}.",
                                 param_hint="--quantiles") from None


def _estimator_class(task: str, task_data=None):
    from . import estimators

    if task == "regress" and task_data is not None and task_data.fit_kwargs.get("group") \
            and task_data.settings.get("protocol"):
        return estimators.UnitRegressor  # a named C-MAPSS set read for plain regression: windows of units' rows
    return getattr(estimators, ESTIMATOR_OF[task])


def _seed_globally(seed: int) -> None:
    import numpy as np
    import torch

    torch.manual_seed(seed)
    np.random.seed(seed)


def _print_check(report: dict, out) -> None:
    echo(f"[bold]dry run[/bold]: {report['estimator']}, {report['parameters']:,} parameters")
    for key, value in report.items():
        if key not in ("estimator", "parameters"):
            echo(f"  {key}: {value}")
    echo(f"  would write {out}; nothing was trained or written.")


def _print_settings(estimator, task_data) -> None:
    shown = {k: v for k, v in estimator.get_params().items() if k not in ("progress", "device", "model_kwargs")}
    echo(f"[bold]{task_data.task}[/bold] on {task_data.name}: " + ", ".join(f"{k}={v!r}" for k, v in shown.items()))


def _metrics_table(rows: dict[str, dict], title: str):
    from rich.table import Table

    table = Table(title=title)
    table.add_column("model")
    columns = [c for c in next(iter(rows.values())) if c in ("rmse", "mae", "smape", "mase", "scaled_mse",
                                                               "scaled_mae")]
    for column in columns:
        table.add_column(column, justify="right")
    for name, row in rows.items():
        table.add_row(str(name), *[f"{row[c]:.4g}" for c in columns])
    return table


def _scalar_table(metrics: dict, title: str):
    from rich.table import Table

    table = Table(title=title)
    shown = {k: v for k, v in metrics.items() if isinstance(v, float)}
    for key in shown:
        table.add_column(key, justify="right")
    table.add_row(*[f"{v:.4g}" for v in shown.values()])
    return table


# ---------------------------------------------------------------------------------------------- the group


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="cnnlstm")
@click.option("--threads", type=int, default=None, envvar="CNNLSTM_THREADS",
              help="CPU threads for torch (default: the cores not already busy, sampled for 50 ms, "
                   "at least 1; OMP_NUM_THREADS wins when set). On a busy machine extra threads can slow small "
                   "models down many times; on a free one they help.")
def main(threads):
    """Hybrid CNN-LSTM networks for time series: train, evaluate, predict and compare.

    \b
    Start here:
      cnnlstm compare                          every model on the bundled airline data, ranked
      cnnlstm train --dataset airline --model cnn_lstm --window 24 --horizon 12
      cnnlstm models                           the architectures and their hyperparameters
      cnnlstm datasets                         named datasets and where they are found

    Every command takes --help and --dry-run (checks data and settings, trains nothing).
    """
    if threads is not None and threads < 1:
        raise click.BadParameter(f"must be a positive integer. Received: --threads {threads}.", param_hint="--threads")
    # applied when a command starts working, so that --help, models and datasets never load torch (BENCHMARKS.md
    # section 13 for why, cpu.py for the rule)
    _THREADS["chosen"] = cpu.default_threads_for() if threads is None else threads


_THREADS: dict = {"chosen": None}  # the torch thread count `main` chose, applied by `_fail_cleanly`'s commands


def _apply_threads() -> None:
    if _THREADS["chosen"] is not None:
        import torch

        torch.set_num_threads(_THREADS["chosen"])


@main.command()
@_data_options
@click.option("--task", type=click.Choice(TASKS), default=None,
              help="forecast the next steps; classify or regress whole sequences; rul: remaining useful life of "
                   "units' rows (default: a named dataset's task, else forecast).")
@click.option("--test-data", "test_path", type=click.Path(exists=True), default=None,
              help="classify/regress/rul: the test file (named datasets bring their official test split).")
@click.option("--model", default=None,
              help="Architecture, see `cnnlstm models` (" + _defaults_text("model") + ").")
@click.option("--encoder", type=click.Path(file_okay=False, exists=True), default=None,
              help="classify/regress/rul: a saved run folder whose backbone (all but its head) starts this model.")
@click.option("--freeze-encoder", is_flag=True, default=False,
              help="With --encoder: train only the new head (the encoder's weights stay as saved).")
@_training_options
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Run folder to write (default: runs/<model>-<data>). It is written beside and then renamed into "
                   "place, so an interrupted run leaves the previous folder whole.")
@click.option("--overwrite", is_flag=True, default=False,
              help="Replace the run folder --out (as a whole) when it already holds a run (default: refuse).")
@click.option("--level", "levels", type=int, multiple=True,
              help="Prediction intervals at this level in percent, repeatable (--level 80 --level 90), calibrated on "
                   "the validation part: their coverage, width and interval score go to metrics.json, and "
                   "forecast.png or rul.png draw them (default: 80 for a forecast with a validation part, else none).")
@click.option("--dry-run", is_flag=True, help="Load and check data and settings, build the model, train nothing.")
@_fail_cleanly
def train(data_path, dataset, data_dir, task, test_path, model, encoder, freeze_encoder, out, overwrite, levels,
          dry_run, config_file, assignments, **options):
    """Train one model, evaluate it on test data, and write a run folder.

    forecast: the run folder holds the model (config.json, model.pt, scaler.json), metrics.json (test metrics
    beside the naive and seasonal naive forecasts), history.csv, forecast.png and learning_curve.png.
    classify / regress / rul: the model, metrics.json (test metrics; for classify the confusion matrix and the
    per-class report), history.csv, learning_curve.png, and confusion_matrix.png or rul.png.

    \b
    Example:
      cnnlstm train --dataset etth1 --model parallel --set merge=attention --window 96 --horizon 24 --epochs 10
      cnnlstm train --data load.csv --target load --time-col timestamp --horizon 24 --out runs/load
      cnnlstm train --task classify --dataset GunPoint
    cnnlstm train --task classify --dataset GunPoint --model parallel --set merge=attention --epochs 100
      cnnlstm train --task classify --data train.csv --test-data test.csv --target label
      cnnlstm train --task rul --data units.csv --test-data units_test.csv --id-col unit --target rul
      cnnlstm train --task rul --dataset cmapss-fd001 --model cnn_lstm --window 30 --epochs 30
      cnnlstm train --task classify --dataset CBF --model cnn_lstm --encoder runs/cnn_lstm-GunPoint --freeze-encoder
    """
    from . import checkpoint
    from .data.tasks import read_task_data
    from .distributed import is_main_process

    source = _source(data_path, dataset)
    targets = list(options["targets"])
    task_data = read_task_data(source, task=task or "auto", test_data=test_path, data_dir=data_dir,
                               target=targets[0] if len(targets) == 1 and task not in (None, "forecast") else None,
                               group=options["id_col"] if task not in (None, "forecast") else None)
    if levels and task_data.task == "classify":
        raise click.UsageError("--level applies to forecast, regress and rul, not to --task classify.")
    if task_data.task == "forecast":
        if encoder or freeze_encoder:
            raise click.UsageError("--encoder and --freeze-encoder apply to --task classify, regress and rul.")
        extra = {"targets": targets} if targets else {}
        if options["id_col"]:
            extra["id_col"] = options["id_col"]
    else:
        if len(targets) > 1:
            raise click.UsageError(f"--task {task_data.task} takes one --target. Received: {len(targets)}.")
        extra = {"encoder": encoder, "freeze_encoder": True} if freeze_encoder else \
            ({"encoder": encoder} if encoder else {})
    if model:
        extra["model"] = model
    settings = _resolve_settings(task_data, config_file, assignments, options, extra)
    settings.setdefault("model", estimator_defaults(ESTIMATOR_OF[task_data.task])["model"])
    if task_data.task == "forecast":
        from .comparison import default_window

        settings.setdefault("horizon", 24)
        settings.setdefault("window", default_window(settings["horizon"], settings.get("season_length")))
    out = Path(out or f"runs/{settings['model']}-{task_data.name}")
    folder_checks = dict(overwrite=overwrite, argument="--out", overwrite_flag="--overwrite")
    checkpoint.check_replaceable(out, **folder_checks)  # before training, not after
    estimator = _estimator_class(task_data.task, task_data)(**settings)
    if dry_run:
        return _print_check(estimator.check(task_data.train if task_data.task == "forecast" else
                                            _X(task_data.train), *_y(task_data), **task_data.fit_kwargs), out)
    _seed_globally(settings.get("seed", 0))
    if not is_main_process():  # torchrun: the other ranks train their slice of each batch; rank 0 writes the run
        _fit(estimator, task_data)
        return
    _print_settings(estimator, task_data)
    # the whole run (model, metrics, plots) is written beside `out`, then takes its place in one step
    with checkpoint.replacing_folder(out, **folder_checks) as folder:
        if task_data.task == "forecast":
            _train_forecaster(estimator, task_data, folder, levels)
        else:
            _train_sequences(estimator, task_data, folder, levels)
    echo(f"Run folder: {out}")


def _X(data):
    return data[0] if isinstance(data, tuple) else data


def _y(task_data) -> tuple:
    return (task_data.train[1],) if isinstance(task_data.train, tuple) else ()


def _fit(estimator, task_data):
    if task_data.task == "forecast":
        return estimator.fit(task_data.train)
    return estimator.fit(_X(task_data.train), *_y(task_data), **task_data.fit_kwargs)


def _train_forecaster(estimator, task_data, out: Path, levels: tuple = ()) -> None:
    from . import checkpoint
    from .data.prepare.series import describe_time
    from .evaluate import summary_metrics

    frame = task_data.train
    _fit(estimator, task_data)
    spec = estimator.spec_
    echo(f"  targets {list(spec.targets)}, time column {describe_time(spec)}, freq {estimator.freq_!r}, past "
         f"covariates {list(spec.past_covariates)}, future covariates {list(spec.future_covariates)}, calendar "
         f"{list(spec.calendar)}; {estimator.num_train_windows_} training and {estimator.num_val_windows_} "
         "validation windows")
    if spec.categories:
        echo("  one-hot encoded: " + "; ".join(f"{name!r} {values}" for name, values in spec.categories.items()))
    if estimator.unused_columns_:
        echo("  columns not used: " + "; ".join(f"{name!r} ({why})" for name, why in estimator.unused_columns_.items()))
    from .estimators.forecaster import backtest_interval_metrics

    if not levels and estimator.calibration_ is not None:
        levels = (80,)  # the band forecast.png draws, and its coverage
    backtest = estimator.backtest(frame, level=list(levels) or None)
    metrics = summary_metrics(backtest)  # one backtest serves the table, metrics.json and the plot
    intervals = backtest_interval_metrics(backtest)
    metrics.update(intervals)
    for level in levels:
        echo(f"  {level}% interval on the test part: coverage {intervals[f'coverage_{level}']:.1f}%, mean width "
             f"{intervals[f'width_{level}']:.4g}, MSIS {intervals[f'msis_{level}']:.4g}")
    estimator.metrics_ = {"test": metrics}
    backtest.forecasts = {estimator.model if k == "model" else k: v for k, v in backtest.forecasts.items()}
    estimator.save(out)
    result = {"test": metrics, "table": backtest.metrics.to_dict(orient="index")}
    merge = estimator.get_params().get("merge")
    if estimator.model == "parallel" and merge in ("weighted", "attention"):
        estimator.predict(frame)  # attention weights are those of the last forward pass: the latest forecast
        result["branch_weights"] = estimator.branch_weights()
        echo(f"Branch contributions (parallel, merge={merge}): "
             + ", ".join(f"{k} {v:.2f}" for k, v in result["branch_weights"].items()))
    checkpoint.write_json(out / "metrics.json", result)
    _forecast_plots(out, estimator, backtest, frame)
    echo(_metrics_table(result["table"], f"Test backtest, {len(backtest.origins)} origins"))


def _forecast_plots(out: Path, estimator, backtest, frame) -> None:
    import pandas as pd

    from . import plots
    from .data.prepare.series import time_values

    history = None
    spec = estimator.spec_
    times = time_values(frame, spec) if spec.id_col is None and isinstance(frame, pd.DataFrame) else None
    if times is not None:
        history = (times.to_numpy(), frame[spec.targets[0]].to_numpy())
    plots.save_figure(plots.plot_forecast(backtest, history=history), out / "forecast.png")
    plots.save_figure(plots.plot_learning_curves({estimator.model: estimator.history_}), out / "learning_curve.png")


def _train_sequences(estimator, task_data, out: Path, levels: tuple = ()) -> None:
    from . import checkpoint, plots

    kwargs = task_data.fit_kwargs
    _fit(estimator, task_data)
    estimator.save(out)
    result: dict = {"task": task_data.task, "validation_loss": float(estimator.history_["val_loss"].min())
                    if "val_loss" in estimator.history_ else None}
    plots.save_figure(plots.plot_learning_curves({estimator.model: estimator.history_}), out / "learning_curve.png")
    test = task_data.test
    if test is None:
        echo("No test data (--test-data): the model was trained and saved, and nothing was scored.")
    else:
        result["test"] = _evaluate(estimator, test, kwargs, out, levels=list(levels) or None)
    checkpoint.write_json(out / "metrics.json", result)
    if "test" in result:
        echo(_scalar_table(result["test"], f"Test metrics: {estimator.model} on {task_data.name} ({task_data.task})"))


def _evaluate(estimator, test, kwargs: dict, plots_to: Path | None = None, levels: list[int] | None = None) -> dict:
    """Every test metric of a whole-sequence or units' estimator (and its plot, when `plots_to` is a folder)."""
    from . import plots
    from .estimators import Classifier, UnitRegressor
    from .intervals import interval_columns

    if isinstance(estimator, UnitRegressor):
        metrics = estimator.evaluate(test, level=levels)
        if plots_to is not None:
            units = estimator.last_cycle(test, level=levels)
            band = {}
            if levels:  # the widest interval asked for
                band = dict(zip(("lower", "upper"), (units[c] for c in interval_columns("prediction", max(levels)))),
                            level=max(levels))
            plots.save_figure(plots.plot_rul(units[estimator.group_], units["true"], units["prediction"], **band),
                              plots_to / "rul.png")
        return metrics
    X, y = (test, None) if not isinstance(test, tuple) else test
    group = kwargs.get("group")
    if y is None:  # a long table: labels in the target column, constant within each group
        from .estimators.sequences import labels_from

        X, y, _ = labels_from(X, None, kwargs["target"], group)
    if isinstance(estimator, Classifier):
        report = estimator.report(X, y, group=group)
        if plots_to is not None:
            plots.save_figure(plots.plot_confusion_matrix(report["confusion_matrix"], report["classes"]),
                              plots_to / "confusion_matrix.png")
        return report
    return estimator.evaluate(X, y, group=group, level=levels)


# ---------------------------------------------------------------------------------------------- predict, evaluate


def _load_run(run_dir):
    import cnnlstm

    return cnnlstm.load(run_dir)


def _run_task(estimator) -> str:
    """The task a loaded estimator serves: forecast, classify, regress or rul."""
    return {v: k for k, v in ESTIMATOR_OF.items()}[type(estimator).__name__]


def _read_for(estimator, source, data_dir, target, group, *, labelled: bool):
    """Data for a saved estimator, read by its task's reader (units' columns as fitted)."""
    from .estimators import UnitRegressor
    from .data.tasks import read_task_data

    task = _run_task(estimator)
    if isinstance(estimator, UnitRegressor):
        target, group = target or estimator.target_, group or estimator.group_
    if task == "forecast":
        target = group = None
    return read_task_data(source, task=task, target=target, group=group, data_dir=data_dir, labelled=labelled)


def _check_out(out, results: str, **inputs) -> None:
    """Refuse an --out that is one of the input files: writing it would destroy the data it was computed from."""
    if out is None:
        return
    for option, path in inputs.items():
        if path is not None and Path(path).exists() and Path(out).exists() and os.path.samefile(out, path):
            raise click.UsageError(
                f"--out {out} is the {option} file itself: writing there would replace the data with the results. "
                f"Fix: choose another file, e.g. --out {Path(out).with_stem(Path(out).stem + '_' + results)}."
            )


def _check_forecast_options(estimator, **options) -> None:
    """--target and --id-col name a table's columns for whole sequences; a forecaster knows its own columns."""
    from .estimators import Forecaster

    given = [name for name, value in options.items() if value is not None]
    if isinstance(estimator, Forecaster) and given:
        raise click.UsageError(
            f"{given[0]} applies to classify and regress runs; this run folder holds a Forecaster, which reads the "
            f"columns it was trained with (targets {list(estimator.spec_.targets)}). Fix: leave {given[0]} out."
        )


def _prediction_frame(estimator, data, levels: list[int] | None = None):
    """What `predict` writes: a forecast table; labels and probabilities; values; units' predictions; with
    `levels`, each prediction interval's `-lo-<level>` and `-hi-<level>` columns."""
    import numpy as np
    import pandas as pd

    from .estimators import Classifier, Forecaster, UnitRegressor

    if isinstance(estimator, (Forecaster, UnitRegressor)):
        return estimator.predict(data, level=levels)
    X = _X(data)
    if levels:
        if isinstance(estimator, Classifier):
            raise click.UsageError("--level applies to forecasters and regressors, not to a classifier.")
        return estimator.predict(X, level=levels)
    if isinstance(estimator, Classifier):
        probabilities = estimator.predict_proba(X)
        frame = pd.DataFrame({"prediction": estimator.classes_[probabilities.argmax(axis=1)]})
        for k, label in enumerate(estimator.classes_.tolist()):
            frame[f"proba_{label}"] = probabilities[:, k]
        return frame
    values = np.asarray(estimator.predict(X))
    if values.ndim == 1:
        return pd.DataFrame({"prediction": values})
    return pd.DataFrame(values.reshape(len(values), -1)).add_prefix("prediction_")


def write_output(frame, path) -> None:
    """Write a table by the suffix of `path`: .csv, .parquet or .json (records); anything else is refused."""
    from . import checkpoint

    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise ValueError(f"`--out` must end in {', '.join(OUTPUT_SUFFIXES)}. Received: --out {path}. "
                         "Fix: e.g. --out forecast.csv.")
    if suffix == ".csv":
        checkpoint.atomic_write_text(path, frame.to_csv(index=False))
    elif suffix == ".json":
        checkpoint.atomic_write_text(path, frame.to_json(orient="records", date_format="iso", indent=2) + "\n")
    else:
        import io

        from .data.sources.io import require_parquet

        require_parquet("Writing")
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        checkpoint.atomic_write_bytes(path, buffer.getvalue())


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@_data_options
@click.option("--future", "future_path", type=click.Path(dir_okay=False, exists=True), default=None,
              help="forecast: the future covariates for the forecast period, when the model uses them.")
@click.option("--target", default=None, help="classify/regress: a label column of the table to leave out.")
@click.option("--id-col", default=None, help="classify/regress: the column naming each sequence of several rows.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write the predictions here: .csv, .parquet or .json (by the suffix).")
@click.option("--level", "levels", type=int, multiple=True,
              help="Add a prediction interval at this level in percent, repeatable (--level 80 --level 90): columns "
                   "<target>-lo-80 and <target>-hi-80 (prediction-lo-80 ... for regressors).")
@click.option("--dry-run", is_flag=True, help="Load the model and the data and check them; predict nothing.")
@_fail_cleanly
def predict(run_dir, data_path, dataset, data_dir, future_path, target, id_col, out, levels, dry_run):
    """Predict with a saved model of any task: the next `horizon` steps of a forecaster; labels and class
    probabilities of a classifier; values of a regressor; each unit's remaining useful life.

    \b
    Example:
      cnnlstm predict runs/cnn_lstm-airline --dataset airline --out forecast.csv
      cnnlstm predict runs/cnn_lstm-airline --dataset airline --level 80 --level 90
      cnnlstm predict runs/lstm_fcn-GunPoint --data new.ts --out labels.parquet
      cnnlstm predict runs/cnn_lstm-cmapss-fd001 --dataset cmapss-fd001 --out rul.json
    """
    if out is not None and Path(out).suffix.lower() not in OUTPUT_SUFFIXES:
        raise click.UsageError(f"--out must end in {', '.join(OUTPUT_SUFFIXES)}. Received: --out {out}.")
    _check_out(out, "predictions", **{"--data": data_path, "--future": future_path})
    estimator = _load_run(run_dir)
    _check_forecast_options(estimator, **{"--target": target, "--id-col": id_col})
    task_data = _read_for(estimator, _source(data_path, dataset), data_dir, target, id_col, labelled=False)
    data = task_data.test if task_data.test is not None else task_data.train  # a named set: its test split
    if dry_run:
        echo(f"[bold]dry run[/bold]: {estimator!r} from {run_dir}; data {task_data.name} read for "
             f"{task_data.task}; would predict{' and write ' + str(out) if out else ''}.")
        return
    if future_path:
        from .data.sources.io import read_table

        frame = estimator.predict(data, future=read_table(future_path, what="--future"), level=list(levels) or None)
    else:
        frame = _prediction_frame(estimator, data, list(levels) or None)
    if out:
        write_output(frame, out)
        echo(f"Predictions written to {out}")
    echo(frame.to_string(index=False, max_rows=40))


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@_data_options
@click.option("--target", default=None, help="classify/regress: the label or value column of a table.")
@click.option("--id-col", default=None, help="classify/regress: the column naming each sequence of several rows.")
@click.option("--stride", type=int, default=1, show_default=True, help="forecast: steps between test origins.")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write the metrics to this JSON file.")
@click.option("--dry-run", is_flag=True, help="Load the model and the data and check them; evaluate nothing.")
@_fail_cleanly
def evaluate(run_dir, data_path, dataset, data_dir, target, id_col, stride, out, dry_run):
    """Score a saved model of any task on test data: a forecaster's backtest over the test part beside the naive
    forecasts; a classifier's accuracy, balanced accuracy, F1 and confusion matrix; a regressor's RMSE, MAE, R²
    (and the PHM08 score for remaining useful life).

    \b
    Example:
      cnnlstm evaluate runs/cnn_lstm-airline --dataset airline
      cnnlstm evaluate runs/lstm_fcn-GunPoint --dataset GunPoint
      cnnlstm evaluate runs/cnn-labels --data test.csv --target label --out metrics.json
    """
    from . import checkpoint

    _check_out(out, "metrics", **{"--data": data_path})
    estimator = _load_run(run_dir)
    _check_forecast_options(estimator, **{"--target": target, "--id-col": id_col})
    task_data = _read_for(estimator, _source(data_path, dataset), data_dir, target, id_col, labelled=True)
    if dry_run:
        echo(f"[bold]dry run[/bold]: {estimator!r} from {run_dir}; data {task_data.name} read for {task_data.task}; "
             "would evaluate.")
        return
    if task_data.task == "forecast":
        backtest = estimator.backtest(task_data.train, stride=stride)
        result = backtest.metrics.to_dict(orient="index")
        echo(_metrics_table({estimator.model if k == "model" else k: v for k, v in result.items()},
                            f"Test backtest, {len(backtest.origins)} origins"))
    else:
        data = task_data.test if task_data.test is not None else task_data.train
        result = _evaluate(estimator, data, task_data.fit_kwargs)
        echo(_scalar_table(result, f"Test metrics: {estimator.model} on {task_data.name}"))
    if out:
        checkpoint.write_json(out, result)


@main.command(name="serve")
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface; put a reverse proxy in front, see README).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--max-body-mb", type=float, default=8.0, show_default=True,
              help="Largest request body read, in MiB; a larger one gets 413.")
@click.option("--dry-run", is_flag=True, help="Load the model and build the app; start no server.")
@click.pass_context
@_fail_cleanly
def serve_command(ctx, run_dir, host, port, max_body_mb, dry_run):
    """Serve a saved model's predictions over HTTP (FastAPI + uvicorn: pip install 'cnnlstm[serve]'):
    POST /predict (JSON records or a CSV body), GET /health, GET /metadata. Torch runs on --threads threads
    (default here: 1, fastest for small models); one process, see README for several workers.

    \b
    Example:
      cnnlstm --threads 1 serve runs/cnn_lstm-airline --port 8000
      curl -H 'Content-Type: text/csv' --data-binary @history.csv http://127.0.0.1:8000/predict
    """
    from . import serve as serving

    if max_body_mb <= 0:
        raise click.BadParameter(f"must be positive. Received: --max-body-mb {max_body_mb}.", param_hint="--max-body-mb")
    threads = ctx.find_root().params.get("threads") or 1
    max_body_bytes = int(max_body_mb * 1024 * 1024)
    if dry_run:
        app = serving.create_app(run_dir, max_body_bytes=max_body_bytes, threads=threads)
        meta = app.state.metadata
        echo(f"[bold]dry run[/bold]: {meta['estimator']} ({meta['model']}, task {meta['task']}) from {run_dir}; would "
             f"serve POST /predict, GET /health, GET /metadata on http://{host}:{port} with {threads} torch "
             f"thread(s), bodies up to {max_body_bytes:,} bytes.")
        return
    serving.serve(run_dir, host=host, port=port, max_body_bytes=max_body_bytes, threads=threads)


@main.command(name="export")
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--format", "export_format", type=click.Choice(["onnx"]), default="onnx", show_default=True,
              help="The file format.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="The .onnx file to write (default: RUN_DIR/model.onnx); its metadata goes beside it as .json.")
@click.option("--dry-run", is_flag=True, help="Load the model and check the exporter is installed; write nothing.")
@_fail_cleanly
def export_command(run_dir, export_format, out, dry_run):
    """Export a saved model of any task as one ONNX graph (pip install 'cnnlstm[onnx]'): raw values in,
    original-scale outputs out, dynamic batch, with a .json beside it naming the inputs, outputs and shapes.

    \b
    Example:
      cnnlstm export runs/cnn_lstm-airline --format onnx
      cnnlstm export runs/lstm_fcn-GunPoint --out gunpoint.onnx
    """
    from .export import check_onnx_available, metadata_path

    out = Path(out) if out else Path(run_dir) / "model.onnx"
    estimator = _load_run(run_dir)
    if dry_run:
        check_onnx_available()
        echo(f"[bold]dry run[/bold]: {estimator!r} from {run_dir}; would write {out} and {metadata_path(out)}.")
        return
    estimator.to_onnx(out)
    echo(f"ONNX graph written to {out}, its inputs and outputs to {metadata_path(out)}")


# ---------------------------------------------------------------------------------------------- listings


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the registry as JSON.")
@click.option("--dry-run", is_flag=True, help="Same as without: listing is harmless.")
def models(as_json, dry_run):
    """List the architectures, what each does, the tasks it serves and its hyperparameters with defaults."""
    from .models.registry import REGISTRY, model_hyperparameters

    registry = {name: {"description": entry.description, "input": entry.input_kind, "tasks": list(entry.tasks),
                       "hyperparameters": model_hyperparameters(name),
                       "forecaster_defaults": {"channel_independent": False, "revin": True, **{
                           k: "segments (horizon >= 2 segments)" if (k, v) == ("head", "segments") else v
                           for k, v in entry.forecast_defaults.items()}}
                       if "forecast" in entry.tasks else {}} for name, entry in REGISTRY.items()}
    if as_json:
        click.echo(json.dumps(registry, indent=2, default=str))
        return
    from rich.table import Table

    table = Table(title="Models (set hyperparameters with --set KEY=VALUE, or as keywords in Python)")
    for column in ("name", "what it is", "tasks", "hyperparameters (defaults)", "Forecaster defaults"):
        table.add_column(column)
    for name, entry in registry.items():
        hyper = ", ".join(f"{k}={v}" for k, v in entry["hyperparameters"].items())
        forecaster = ", ".join(f"{k}={v}" for k, v in entry["forecaster_defaults"].items())
        table.add_row(name, entry["description"], ", ".join(entry["tasks"]), hyper, forecaster)
    echo(table)


@main.command(name="datasets")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help="Folder with local copies.")
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
@click.option("--dry-run", is_flag=True, help="Same as without: listing is harmless.")
def datasets_command(data_dir, as_json, dry_run):
    """List every named dataset of every task: its task, licence, and where it would be read from (packaged, a
    local copy, the cache, or a download)."""
    from .data.sources.catalogue import info_table

    rows = info_table(data_dir)
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    from rich.table import Table

    table = Table(title="Datasets (load with --dataset NAME or cnnlstm.datasets.load(NAME))")
    columns = ["name", "task", "freq", "shape", "license", "read_from", "description"]
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*[str(row.get(c, "")) for c in columns])
    echo(table)


# ---------------------------------------------------------------------------------------------- compare


@main.command()
@_data_options
@click.option("--task", type=click.Choice(COMPARE_TASKS), default="auto", show_default=True,
              help="auto: from the dataset (UCR/UEA classify, C-MAPSS rul), else forecast.")
@click.option("--test-data", "test_path", type=click.Path(exists=True), default=None,
              help="classify / regress / rul: the test file the contenders are ranked on.")
@click.option("--models", "model_names", default=None, metavar="A,B,...",
              help="Neural contenders (default: every one that suits the task), e.g. cnn,lstm,parallel_attention.")
@click.option("--baselines", "baseline_names", default=None, metavar="A,B,...|none",
              help="Classical baselines (default: every one installed for the task), or none.")
@click.option("--no-ensembles", "ensembles", flag_value=False, default=True,
              help="Leave out mean(cnn,lstm) and the stacked ensemble.")
@click.option("--seeds", type=int, default=3, show_default=True, help="Runs per contender (seeds 0..N-1).")
@click.option("--stride", type=int, default=1, show_default=True, help="forecast: steps between test origins.")
@click.option("--jobs", type=int, default=1, show_default=True,
              help="Runs trained at once, each in its own process: one GPU each where there are GPUs, the --threads "
                   "shared out on CPU. The results are those of --jobs 1.")
@_training_options
@click.option("--out", type=click.Path(file_okay=False), default="runs/compare", show_default=True,
              help="Run folder: results as they finish (a rerun resumes), table.csv, comparison.json, report.html.")
@click.option("--dry-run", is_flag=True, help="Check data, settings and every contender; train nothing, write nothing.")
@_fail_cleanly
def compare(data_path, dataset, data_dir, task, test_path, model_names, baseline_names, ensembles, seeds, stride, jobs,
            out, dry_run, config_file, assignments, **options):
    """Train every architecture, two ensembles and the classical baselines over several seeds on one split; print
    the ranked table (ties with the best marked) and write an HTML report.

    Without --data or --dataset it runs on the airline data that ship with the package. Interrupted, it resumes
    from --out: finished results are kept.

    \b
    Example:
      cnnlstm compare                                             # airline: forecasting
      cnnlstm compare --data my.csv --target load --horizon 24
      cnnlstm compare --dataset GunPoint --seeds 5 --out runs/gunpoint       # classification
      cnnlstm compare --dataset cmapss-fd001 --out runs/fd001                # remaining useful life
      cnnlstm compare --dataset etth1 --horizon 96 --window 96 --stride 24 --models cnn_lstm,linear
    """
    from .comparison import compare as run_compare
    from .data.tasks import read_task_data

    if options.get("seed") is not None:
        raise click.UsageError("--seed does not apply to compare: it runs seeds 0..N-1 (--seeds N).")
    source = _source(data_path, dataset, required=False) or "airline"
    targets = list(options["targets"])
    target = targets[0] if len(targets) == 1 else None
    task_data = read_task_data(source, task=task, test_data=test_path, data_dir=data_dir,
                               target=target, group=options["id_col"])
    extra = {"targets": targets} if task_data.task == "forecast" and len(targets) > 1 else {}
    settings = _resolve_settings(task_data, config_file, assignments, options, extra)
    settings = {k: v for k, v in settings.items() if k not in task_data.settings or v != task_data.settings[k]}
    kwargs = dict(name=task_data.name, models=_names(model_names), baselines=_names(baseline_names),
                  ensembles=ensembles, seeds=seeds, horizon=settings.pop("horizon", None),
                  window=settings.pop("window", None), stride=stride, jobs=jobs)
    if dry_run:
        plan = run_compare(task_data, out=None, report=False, dry_run=True, **kwargs, **settings).payload["plan"]
        for line in plan:
            echo(line)
        echo(f"  would write {out}; nothing was written.")
        return
    _print_comparison(run_compare(task_data, out=out, **kwargs, **settings))


def _names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [] if text.strip().lower() == "none" else [n.strip() for n in text.split(",") if n.strip()]


def _print_comparison(result) -> None:
    from rich.table import Table

    payload = result.payload
    shown = Table(title=f"{payload['title']}: test part, ranked by {payload['metric']} "
                        f"({'higher' if payload['higher_is_better'] else 'lower'} is better)")
    metrics = [c for c in payload["columns"] if c not in ("rank", "contender", "kind", "p_value", "verdict", "train_s",
                                                          "predict_s", "parameters")]
    columns = ["rank", "contender", "kind", payload["metric"], "p_value", "verdict",
               *[m for m in metrics if m != payload["metric"]][:3], "train_s", "parameters"]  # the rest: table.csv
    for column in columns:
        shown.add_column(column, justify="left" if column in ("contender", "kind", "verdict") else "right",
                         no_wrap=column in ("contender", "verdict"))
    for row in payload["table"]:
        shown.add_row(*["" if row.get(c) is None else str(row.get(c)) for c in columns])
    echo(shown)
    echo(payload["significance"])
    for note in payload.get("notes", []):
        echo(f"note: {note}")
    import torch

    echo(f"torch threads: {torch.get_num_threads()}")
    if result.folder is not None:
        echo(f"Table, results and report in {result.folder}/ (table.csv, comparison.json, report.html)")


# ---------------------------------------------------------------------------------------------- tune


@main.command()
@_data_options
@click.option("--task", type=click.Choice(TASKS), default=None,
              help="forecast, classify, regress or rul (default: a named dataset's task, else forecast).")
@click.option("--test-data", "test_path", type=click.Path(exists=True), default=None,
              help="classify/regress/rul: the test file (checked with the data; never used by the search).")
@click.option("--model", default=None, help="Architecture to tune, see `cnnlstm models` ("
                                            + _defaults_text("model") + ").")
@_training_options
@click.option("--trials", type=int, default=20, show_default=True,
              help="Trials to run now (a resumed study keeps its earlier ones).")
@click.option("--storage", default=None, metavar="URL",
              help="Optuna storage, e.g. sqlite:///study.db: an interrupted search resumes, and several processes "
                   "or machines running this command share the study (default: in memory).")
@click.option("--study", "study_name", default=None, help="The study's name (default: cnnlstm-<model>-<data>).")
@click.option("--space", type=click.Path(dir_okay=False, exists=True), default=None,
              help="A TOML file changing the search space: name = {low = 16, high = 128, log = true}, "
                   "name = [choices] or name = value (fixed).")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="The TOML run file of the best settings, for `cnnlstm train --config` "
                   "(default: runs/tune-<model>-<data>.toml).")
@click.option("--dry-run", is_flag=True, help="Check data, settings and search space; print the space; run no trial.")
@_fail_cleanly
def tune(data_path, dataset, data_dir, task, test_path, model, trials, storage, study_name, space, out, dry_run,
         config_file, assignments, **options):
    """Search a model's hyperparameters with Optuna on the validation part; write the best as a TOML run file.

    The space comes from the model's hyperparameters (`cnnlstm models`) and the learning rate; --space changes it.
    Trials going worse than the median of earlier ones at the same epoch are pruned. Needs the `tune` extra.

    \b
    Example:
      cnnlstm tune --dataset airline --model cnn --trials 30 --epochs 40
      cnnlstm tune --dataset etth1 --model seg_lstm --horizon 96 --storage sqlite:///etth1.db --study seg96
      cnnlstm train --dataset airline --config runs/tune-cnn-airline.toml
    """
    from .data.tasks import read_task_data
    from .tuning import tune as run_tune

    source = _source(data_path, dataset)
    targets = list(options["targets"])
    task_data = read_task_data(source, task=task or "auto", test_data=test_path, data_dir=data_dir,
                               target=targets[0] if len(targets) == 1 and task not in (None, "forecast") else None,
                               group=options["id_col"] if task not in (None, "forecast") else None)
    extra = {}
    if task_data.task == "forecast":
        extra = {"targets": targets} if targets else {}
        if options["id_col"]:
            extra["id_col"] = options["id_col"]
    elif len(targets) > 1:
        raise click.UsageError(f"--task {task_data.task} takes one --target. Received: {len(targets)}.")
    settings = _resolve_settings(task_data, config_file, assignments, options, extra)
    model = model or settings.pop("model", None) or estimator_defaults(ESTIMATOR_OF[task_data.task])["model"]
    settings.pop("model", None)
    out = Path(out or f"runs/tune-{model}-{task_data.name}.toml")
    result = run_tune(task_data, model=model, trials=trials, storage=storage, study=study_name, space=space,
                      out=None if dry_run else out, dry_run=dry_run, **settings)
    echo(f"[bold]search space[/bold] of {model} on {task_data.name}: " + ", ".join(
        f"{name} {_shown_range(how)}" for name, how in result.space.items()))
    if dry_run:
        echo(f"  would run {trials} trials and write {out}; nothing was trained or written.")
        return
    _print_trials(result)
    echo(f"Best settings (validation loss {result.best_value:.6g}) in {result.config}. Train with: cnnlstm train "
         f"{'--dataset ' + task_data.dataset if task_data.dataset else '--data ...'} --config {result.config}")


def _shown_range(how) -> str:
    if isinstance(how, tuple):
        return "{" + ", ".join(map(str, how)) + "}"
    return f"[{how.low}, {how.high}]" + (" log" if how.log else "") + (f" step {how.step}" if how.step else "")


def _print_trials(result, limit: int = 10) -> None:
    from rich.table import Table

    trials = sorted(result.study.trials, key=lambda t: (t.value is None, t.value if t.value is not None else 0))
    shown = Table(title=f"Study {result.study.study_name}: {len(trials)} trials, the best {min(limit, len(trials))} "
                        "by validation loss")
    for column in ("trial", "state", "validation loss", "epochs", "settings"):
        shown.add_column(column)
    for trial in trials[:limit]:
        settings = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in trial.params.items())
        shown.add_row(str(trial.number), trial.state.name, "" if trial.value is None else f"{trial.value:.6g}",
                      str(trial.last_step or ""), settings)
    echo(shown)


if __name__ == "__main__":  # pragma: no cover
    main()
