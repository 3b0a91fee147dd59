"""The `cnnlstm` command: a thin skin over the library. Each subcommand parses options into the same arguments
the Python API takes and calls one function; `--dry-run` checks data and settings without training."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from . import checkpoint, config
from .comparison import compare as run_compare
from .comparison import resolve_data
from .data import datasets
from .data.io import read_table
from .estimators import Forecaster
from .evaluate import summary_metrics
from .models import MODEL_DESCRIPTIONS, list_models, model_hyperparameters

COMPARE_TASKS = ("auto", "forecast", "classify", "regress", "rul")
console = Console(width=None if sys.stdout.isatty() else 160)  # pipes and CI get the whole table

# ---------------------------------------------------------------------------------------------- shared options


def _data_options(func):
    func = click.option("--data-dir", type=click.Path(file_okay=False), default=None,
                        help="Folder with local copies of the datasets (default: $CNNLSTM_DATA_DIR).")(func)
    func = click.option("--dataset", default=None, metavar="NAME",
                        help="A named dataset (see `cnnlstm datasets`), e.g. airline or etth1.")(func)
    func = click.option("--data", "data_path", type=click.Path(dir_okay=False), default=None,
                        help="A CSV (.csv, .csv.gz) or Parquet file: a time column and value columns.")(func)
    return func


def _forecast_options(func):
    options = [
        click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
                     help="A model hyperparameter, repeatable: --set hidden_size=128 --set merge=attention."),
        click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True), default=None,
                     help="A TOML run file; options given here override it."),
        click.option("--cuda-graph", "cuda_graph", is_flag=True, default=None,
                     help="Replay the whole training step as one CUDA graph (CUDA only)."),
        click.option("--max-steps-per-epoch", type=int, default=None,
                     help="Cap the steps of each epoch (very large data)."),
        click.option("--device", default=None, help="auto (default), cpu, cuda or mps."),
        click.option("--seed", type=int, default=None, help="Random seed (default 0)."),
        click.option("--patience", type=int, default=None, help="Epochs without a better validation loss before stopping."),
        click.option("--lr", type=float, default=None, help="Peak learning rate (default 1e-3)."),
        click.option("--batch-size", type=int, default=None, help="Windows per step (default 64)."),
        click.option("--epochs", type=int, default=None, help="Passes over the training windows."),
        click.option("--loss", type=click.Choice(["mse", "mae", "huber"]), default=None, help="Training loss."),
        click.option("--channel-independent", is_flag=True, default=None,
                     help="Forecast each channel from its own history with shared weights."),
        click.option("--no-revin", "revin", flag_value=False, default=None,
                     help="Turn off per-window instance normalisation inside the network."),
        click.option("--scaler", type=click.Choice(["standard", "minmax", "none"]), default=None,
                     help="Scaling fitted on the training part (default standard)."),
        click.option("--split", default=None, metavar="A,B,C",
                     help="Train, validation, test: fractions 0.7,0.1,0.2, row counts 8640,2880,2880, "
                          "or two dates 2017-06-01,2017-10-01."),
        click.option("--freq", default=None, help="Put the data on this regular grid first, e.g. h or 15min."),
        click.option("--missing", type=click.Choice(["error", "interpolate", "ffill"]), default=None,
                     help="What to do with missing values (default: error)."),
        click.option("--id-col", default=None, help="Long layout: the column naming each series."),
        click.option("--time-col", default=None, help="The timestamp column (default: found by type or name)."),
        click.option("--calendar", default=None, metavar="auto|none|LIST",
                     help="Calendar features: auto, none, or e.g. hour,dayofweek."),
        click.option("--future-covariate", "future_covariates", multiple=True, help="A known-future column; repeatable."),
        click.option("--past-covariate", "past_covariates", multiple=True, help="An observed covariate; repeatable."),
        click.option("--target", "targets", multiple=True, help="A column to forecast; repeatable (default: all numeric)."),
        click.option("--horizon", type=int, default=None, help="Steps forecast at once."),
        click.option("--window", type=int, default=None, help="Input steps per forecast."),
    ]
    for option in options:
        func = option(func)
    return func


def _load_data(data_path, dataset, data_dir, *, required=True):
    if data_path and dataset:
        raise click.UsageError("Pass either --data or --dataset, not both.")
    if dataset:
        datasets.info(dataset)  # an unknown name fails here, with the valid names
        return resolve_data(dataset, data_dir=data_dir)
    if data_path:
        return read_table(data_path, what="--data"), {}
    if required:
        raise click.UsageError("Pass --data PATH (a CSV or Parquet file) or --dataset NAME (see `cnnlstm datasets`).")
    return None, {}


def _settings(defaults: dict, config_file, assignments, **options) -> dict:
    """Defaults < dataset settings < TOML file < command-line options."""
    settings = dict(defaults)
    if config_file:
        from_file = config.read_toml(config_file)
        hyper = from_file.pop("hyperparameters", {})
        settings.update(from_file)
        settings.update(hyper)
    for key, value in options.items():
        if value is None or value == ():
            continue
        if key in ("targets", "past_covariates", "future_covariates"):
            value = list(value)
        elif key == "split":
            value = config.parse_split(value)
        elif key == "calendar":
            value = value if value in ("auto", "none") else [v.strip() for v in value.split(",")]
            value = None if value == "none" else value
        settings[key] = value
    settings.update(config.parse_assignments(assignments, option="--set"))
    return settings


def _fail_cleanly(func):
    """Turn the library's input errors into a one-line CLI error; CNNLSTM_DEBUG=1 shows the traceback instead."""
    import functools
    import os

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (ValueError, TypeError, FileNotFoundError, datasets.DatasetUnavailableError) as error:
            if os.environ.get("CNNLSTM_DEBUG"):
                raise
            raise click.ClickException(f"{error}\n(set CNNLSTM_DEBUG=1 for the traceback)") from None

    return wrapper


def _seed_globally(seed: int) -> None:
    import torch

    torch.manual_seed(seed)
    np.random.seed(seed)


def _metrics_table(frame: pd.DataFrame, title: str,
                   columns=("rmse", "mae", "smape", "mase", "scaled_mse", "scaled_mae")) -> Table:
    table = Table(title=title)
    table.add_column("model")
    shown = [c for c in frame.columns if c in columns or c in ("rank", "train_s", "parameters")]
    for column in shown:
        table.add_column(column, justify="right")
    for name, row in frame.iterrows():
        cells = []
        for column in shown:
            value = row[column]
            cells.append(f"{int(value)}" if column in ("rank", "parameters") else f"{value:.4g}")
        table.add_row(str(name), *cells)
    return table


# ---------------------------------------------------------------------------------------------- the group


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="cnnlstm")
@click.option("--threads", type=int, default=None, envvar="CNNLSTM_THREADS",
              help="CPU threads for torch (default: torch's own choice). Small models often run fastest on 1, "
                   "and on a busy machine extra threads can slow them down many times.")
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
    if threads is not None:
        import torch

        if threads < 1:
            raise click.BadParameter(f"must be a positive integer. Received: --threads {threads}.", param_hint="--threads")
        torch.set_num_threads(threads)


TASKS = ("forecast", "classify", "regress", "rul")


@main.command()
@_data_options
@click.option("--task", type=click.Choice(TASKS), default="forecast", show_default=True,
              help="forecast the next steps; classify or regress whole sequences; rul: remaining useful life.")
@click.option("--test-data", "test_path", type=click.Path(dir_okay=False), default=None,
              help="classify/regress/rul: the test file (named datasets bring their official test split).")
@click.option("--model", default=None, help="Architecture, see `cnnlstm models` (default: cnn_lstm; parallel to classify).")
@click.option("--encoder", type=click.Path(file_okay=False, exists=True), default=None,
              help="classify/regress/rul: a saved run folder whose backbone (all but its head) starts this model.")
@click.option("--freeze-encoder", is_flag=True, default=False,
              help="With --encoder: train only the new head (the encoder's weights stay as saved).")
@_forecast_options
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Run folder to write (default: runs/<model>-<data>).")
@click.option("--dry-run", is_flag=True, help="Load and check data and settings, build the model, train nothing.")
@_fail_cleanly
def train(data_path, dataset, data_dir, task, test_path, model, encoder, freeze_encoder, out, dry_run, config_file,
          assignments, **options):
    """Train one model, evaluate it on test data, and write a run folder.

    forecast: the run folder holds the model (config.json, model.pt, scaler.json), metrics.json (test metrics
    beside the naive and seasonal naive forecasts), history.csv, forecast.png and learning_curve.png.
    classify / regress / rul: the model, metrics.json (test metrics; for classify the confusion matrix and the
    per-class report), history.csv, learning_curve.png, and confusion_matrix.png or rul.png.

    \b
    Example:
      cnnlstm train --dataset etth1 --model parallel --set merge=attention --window 96 --horizon 24 --epochs 10
      cnnlstm train --data load.csv --target load --time-col timestamp --horizon 24 --out runs/load
      cnnlstm train --task classify --dataset GunPoint --model parallel --set merge=attention --epochs 100
      cnnlstm train --task classify --data train.csv --test-data test.csv --target label
      cnnlstm train --task rul --dataset cmapss-fd001 --model cnn_lstm --window 30 --epochs 30
      cnnlstm train --task classify --dataset CBF --model cnn_lstm --encoder runs/cnn_lstm-GunPoint --freeze-encoder
    """
    if task != "forecast":
        transfer = {"encoder": encoder, "freeze_encoder": freeze_encoder} if encoder or freeze_encoder else {}
        return _train_sequences(task, data_path, dataset, data_dir, test_path, model, out, dry_run, config_file,
                                assignments, options, transfer)
    if encoder or freeze_encoder:
        raise click.UsageError("--encoder and --freeze-encoder apply to --task classify, regress and rul.")
    model = model or "cnn_lstm"
    frame, defaults = _load_data(data_path, dataset, data_dir)
    settings = _settings({**defaults, "model": model}, config_file, assignments, **options)
    from .comparison import default_window

    settings.setdefault("horizon", 24)
    settings.setdefault("window", default_window(settings["horizon"], settings.get("season_length")))
    name = dataset or (Path(data_path).name.split(".")[0] if data_path else "data")
    out = Path(out or f"runs/{settings['model']}-{name}")
    if dry_run:
        return _dry_run_forecaster(frame, settings, out)
    _seed_globally(settings.get("seed", 0))
    estimator = Forecaster(**settings).fit(frame)
    backtest = estimator.backtest(frame)
    metrics = summary_metrics(backtest)  # one backtest serves the table, metrics.json and the plot
    estimator.metrics_ = {"test": metrics}
    backtest.forecasts = {settings["model"] if k == "model" else k: v for k, v in backtest.forecasts.items()}
    estimator.save(out)
    result = {"test": metrics, "table": backtest.metrics.to_dict(orient="index")}
    if settings["model"] == "parallel" and settings.get("merge") in ("weighted", "attention"):
        estimator.predict(frame)  # attention weights are those of the last forward pass: the latest forecast
        result["branch_weights"] = estimator.branch_weights()
        console.print("Branch contributions (parallel, merge=" + settings["merge"] + "): "
                      + ", ".join(f"{k} {v:.2f}" for k, v in result["branch_weights"].items()))
    checkpoint.write_json(out / "metrics.json", result)
    _write_plots(out, {settings["model"]: estimator.history_}, backtest, frame, estimator)
    console.print(_metrics_table(backtest.metrics.rename(index={"model": settings["model"]}),
                                 f"Test backtest, {len(backtest.origins)} origins"))
    console.print(f"Run folder: {out}")


# options of `train` that whole-sequence tasks take; the rest are forecasting's
SEQUENCE_OPTIONS = {"epochs", "batch_size", "lr", "patience", "seed", "device", "cuda_graph", "window", "targets",
                    "id_col", "time_col"}


def _read_sequences(path, what: str):
    """A file for classify/regress/rul: .ts (UCR/UEA), .npy/.npz or a frame folder (image sequences), or a table."""
    suffix = "".join(Path(path).suffixes[-2:]).lower()
    if suffix.endswith(".ts"):
        from .data.ts import read_ts

        data = read_ts(path)
        return data.X, data.y
    if suffix.endswith((".npy", ".npz")) or Path(path).is_dir():
        from .data.frames import read_frames
        from .data.sequences import SequenceSet

        data = read_frames(path)
        return SequenceSet(data.X, data.lengths), data.y
    return read_table(path, what=what), None


def _sequence_data(task, data_path, dataset, data_dir, test_path):
    """(train, test) for a whole-sequence task; each is (X, y) or a DataFrame (labels or units in columns)."""
    if data_path and dataset:
        raise click.UsageError("Pass either --data or --dataset, not both.")
    if dataset:
        from .data.archives import archive_info

        spec = archive_info(dataset)  # an unknown name fails here, with the valid names
        if (spec.archive == "CMAPSS") != (task == "rul" or task == "regress"):
            kind = "remaining useful life (--task rul)" if spec.archive == "CMAPSS" else "classification (--task classify)"
            raise click.UsageError(f"--dataset {dataset} is a {kind} dataset. Received: --task {task}.")
        return (datasets.load(dataset, split="train", data_dir=data_dir),
                datasets.load(dataset, split="test", data_dir=data_dir))
    if not data_path:
        raise click.UsageError("Pass --data PATH (.ts, .npz, .npy, a frame folder, CSV or Parquet) or --dataset NAME.")
    return _read_sequences(data_path, "--data"), (_read_sequences(test_path, "--test-data") if test_path else None)


def _train_sequences(task, data_path, dataset, data_dir, test_path, model, out, dry_run, config_file, assignments,
                     options, transfer):
    from . import plots
    from .estimators import Classifier, Regressor

    wrong = [k for k, v in options.items() if v not in (None, ()) and k not in SEQUENCE_OPTIONS]
    if wrong:
        flag = "--" + wrong[0].replace("_", "-")
        raise click.UsageError(f"{flag} applies to --task forecast only. Received it with --task {task}.")
    settings = {**_settings({}, config_file, assignments, **options), **transfer}
    targets = settings.pop("targets", None)
    target = targets[0] if targets else None
    group = settings.pop("id_col", None)
    settings["model"] = model or ("parallel" if task == "classify" else "cnn_lstm")
    if task == "rul" or (task == "regress" and dataset and dataset.lower().startswith("cmapss")):
        settings.setdefault("window", 30)
        target, group = target or "rul", group or "unit"
        settings["protocol"] = "rul" if task == "rul" else "plain"
    if "time_col" in settings and task == "classify":
        raise click.UsageError("--time-col applies to --task forecast, regress and rul only.")
    (train_data, test_data) = _sequence_data(task, data_path, dataset, data_dir, test_path)
    name = dataset or (Path(data_path).name.split(".")[0] if data_path else "data")
    out = Path(out or f"runs/{settings['model']}-{name}")
    estimator_class = Classifier if task == "classify" else Regressor
    estimator = estimator_class(**({**settings, "epochs": 1} if dry_run else settings))
    fit_kwargs = {"target": target, "group": group} if isinstance(train_data, pd.DataFrame) else {}
    if isinstance(train_data, pd.DataFrame) and target is None:
        raise click.UsageError(f"--task {task} on a table needs --target COLUMN (the label or value), and --id-col "
                               "COLUMN when each sequence spans several rows.")
    X, y = (train_data, None) if isinstance(train_data, pd.DataFrame) else train_data
    if dry_run:
        return _dry_run_sequences(estimator, X, y, fit_kwargs, test_data, out)
    _seed_globally(settings.get("seed", 0))
    estimator.fit(X, y, **fit_kwargs)
    estimator.save(out)
    result: dict = {"task": task, "validation_loss": float(estimator.history_["val_loss"].min())
                    if "val_loss" in estimator.history_ else None}
    plots.save_figure(plots.plot_learning_curves({settings["model"]: estimator.history_}), out / "learning_curve.png")
    if test_data is None:
        console.print("No test data (--test-data): the model was trained and saved, and nothing was scored.")
    elif task == "classify":
        X_test, y_test = (test_data.drop(columns=[target]), test_data[target]) if isinstance(test_data, pd.DataFrame) \
            else test_data
        result["test"] = report = estimator.report(X_test, y_test, group=group)
        plots.save_figure(plots.plot_confusion_matrix(report["confusion_matrix"], report["classes"]),
                          out / "confusion_matrix.png")
    else:
        if isinstance(test_data, pd.DataFrame) and estimator.mode_ == "units":
            result["test"] = estimator.score(test_data, target=target)
            units = estimator.last_cycle(test_data, target=target)
            plots.save_figure(plots.plot_rul(units[group], units["true"], units["prediction"]), out / "rul.png")
        else:
            X_test, y_test = test_data
            result["test"] = estimator.score(X_test, y_test, group=group)
    checkpoint.write_json(out / "metrics.json", result)
    if "test" in result:
        table = Table(title=f"Test metrics: {settings['model']} on {name} ({task})")
        shown = {k: v for k, v in result["test"].items() if isinstance(v, float)}
        for key in shown:
            table.add_column(key, justify="right")
        table.add_row(*[f"{v:.4g}" for v in shown.values()])
        console.print(table)
    console.print(f"Run folder: {out}")


def _dry_run_sequences(estimator, X, y, fit_kwargs, test_data, out):
    """Fit one epoch on a handful of training sequences (a few per class, or six units): checks data, labels,
    model and settings end to end, and writes nothing."""
    from .estimators import Classifier

    group = fit_kwargs.get("group")
    if isinstance(X, pd.DataFrame) and group:
        units = X[group].drop_duplicates().iloc[:6]
        small_X, small_y, count = X[X[group].isin(units)], None, f"{len(units)} units"
    else:
        from .data.sequences import as_sequences

        data = as_sequences(X)
        labels = np.asarray(y)
        keep = np.concatenate([np.flatnonzero(labels == c)[:3] for c in np.unique(labels)]) \
            if isinstance(estimator, Classifier) else np.arange(min(8, len(data)))
        small_X, small_y, count = data.subset(keep), labels[keep], f"{len(keep)} sequences"
    estimator.progress = False
    estimator.fit(small_X, small_y, **fit_kwargs)
    console.print(f"[bold]dry run[/bold]: {estimator!r}, {estimator.num_parameters():,} parameters, one epoch on "
                  f"{count}; test data: {'given' if test_data is not None else 'none'}.")
    console.print(f"  would write {out}; nothing was written.")


def _dry_run_forecaster(frame, settings, out):
    import torch

    estimator = Forecaster(**{**settings, "epochs": 1})
    from .data.prepare import prepare
    from .data.splits import check_split, split_bounds
    from .tasks import ForecastNet

    series = prepare(frame, estimator._spec())
    split = check_split(estimator.split)
    bounds = [split_bounds(int(n), split, t) for n, t in zip(series.lengths, series.timestamps)]
    estimator._check_lengths(series, bounds, split)
    net = ForecastNet(model=estimator.model, num_features=series.num_features, num_observed=series.num_observed,
                      num_targets=series.num_targets, window=estimator.window, horizon=estimator.horizon,
                      revin=estimator.revin, channel_independent=estimator.channel_independent,
                      model_kwargs=estimator.model_kwargs)
    with torch.no_grad():
        shape = tuple(net(torch.zeros(2, estimator.window, series.num_features)).shape)
    console.print(f"[bold]dry run[/bold]: model {estimator.model!r}, {sum(p.numel() for p in net.parameters()):,} parameters")
    console.print(f"  data: {series.num_series} series, {int(series.lengths.sum())} rows, freq {series.freq}, "
                  f"columns {series.columns}")
    console.print(f"  split (train, validation, test ends): {[tuple(b.__dict__.values()) for b in bounds][:3]}")
    console.print(f"  window {estimator.window}, horizon {estimator.horizon}: output {shape} (batch, horizon, targets)")
    console.print(f"  would write {out}; nothing was trained or written.")


def _write_plots(out: Path, histories, backtest, frame, estimator) -> None:
    from . import plots

    history = None
    spec = estimator.spec_
    if spec.id_col is None and spec.time_col is not None:
        history = (pd.to_datetime(frame[spec.time_col]).to_numpy(), frame[spec.targets[0]].to_numpy())
    plots.save_figure(plots.plot_forecast(backtest, history=history), out / "forecast.png")
    plots.save_figure(plots.plot_learning_curves(histories), out / "learning_curve.png")


def _saved_model_and_data(run_dir, data_path, dataset, data_dir, dry_run: bool, would: str):
    """Load a run folder's model and the data; on a dry run check the data against the model and return None."""
    estimator = Forecaster.load(run_dir)
    frame, _ = _load_data(data_path, dataset, data_dir)
    if not dry_run:
        return estimator, frame
    series = estimator._prepare(frame)
    console.print(f"[bold]dry run[/bold]: {estimator!r} from {run_dir}; data: {series.num_series} series, "
                  f"{int(series.lengths.sum())} rows; would {would.format(horizon=estimator.horizon)}.")
    return None


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@_data_options
@click.option("--future", "future_path", type=click.Path(dir_okay=False), default=None,
              help="Future covariates for the forecast period, when the model uses them.")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write the forecast to this CSV.")
@click.option("--dry-run", is_flag=True, help="Load the model and the data and check them; forecast nothing.")
@_fail_cleanly
def predict(run_dir, data_path, dataset, data_dir, future_path, out, dry_run):
    """Forecast the next `horizon` steps after the end of the data, on the original scale.

    \b
    Example:
      cnnlstm predict runs/cnn_lstm-airline --dataset airline --out forecast.csv
    """
    loaded = _saved_model_and_data(run_dir, data_path, dataset, data_dir, dry_run,
                                   would="forecast {horizon} steps per series")
    if loaded is None:
        return
    estimator, frame = loaded
    forecast = estimator.predict(frame, future=read_table(future_path, what="--future") if future_path else None)
    if out:
        checkpoint.atomic_write_text(out, forecast.to_csv(index=False))
        console.print(f"Forecast written to {out}")
    console.print(forecast.to_string(index=False))


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@_data_options
@click.option("--stride", type=int, default=1, show_default=True, help="Steps between forecast origins.")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write the metrics to this JSON file.")
@click.option("--dry-run", is_flag=True, help="Load the model and the data and check them; evaluate nothing.")
@_fail_cleanly
def evaluate(run_dir, data_path, dataset, data_dir, stride, out, dry_run):
    """Backtest a saved model over the test part of the data, beside the naive forecasts.

    \b
    Example:
      cnnlstm evaluate runs/cnn_lstm-airline --dataset airline
    """
    loaded = _saved_model_and_data(run_dir, data_path, dataset, data_dir, dry_run,
                                   would=f"backtest the test part with stride {stride}")
    if loaded is None:
        return
    estimator, frame = loaded
    backtest = estimator.backtest(frame, stride=stride)
    if out:
        checkpoint.write_json(out, backtest.metrics.to_dict(orient="index"))
    console.print(_metrics_table(backtest.metrics.rename(index={"model": estimator.model}),
                                 f"Test backtest, {len(backtest.origins)} origins"))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the registry as JSON.")
@click.option("--dry-run", is_flag=True, help="Same as without: listing is harmless.")
def models(as_json, dry_run):
    """List the architectures, what each does, and their hyperparameters with defaults."""
    registry = {name: {"description": MODEL_DESCRIPTIONS[name], "hyperparameters": model_hyperparameters(name)}
                for name in list_models()}
    if as_json:
        click.echo(json.dumps(registry, indent=2, default=str))
        return
    table = Table(title="Models (set hyperparameters with --set KEY=VALUE)")
    for column in ("name", "what it is", "hyperparameters (defaults)"):
        table.add_column(column)
    for name, entry in registry.items():
        hyper = ", ".join(f"{k}={v}" for k, v in entry["hyperparameters"].items())
        table.add_row(name, entry["description"], hyper)
    console.print(table)


@main.command(name="datasets")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help="Folder with local copies.")
@click.option("--dry-run", is_flag=True, help="Same as without: listing is harmless.")
def datasets_command(data_dir, dry_run):
    """List the named datasets and where each is found (packaged, local copy, cache, or to download)."""
    table = Table(title="Datasets (load with --dataset NAME or cnnlstm.datasets.load(NAME))")
    for column in ("name", "freq", "where", "description"):
        table.add_column(column)
    for row in datasets.info_table(data_dir):
        table.add_row(row["name"], str(row["freq"]), row["where"], row["description"])
    console.print(table)


@main.command()
@_data_options
@click.option("--task", type=click.Choice(COMPARE_TASKS), default="auto", show_default=True,
              help="auto: from the dataset (UCR/UEA classify, C-MAPSS rul), else forecast.")
@click.option("--test-data", "test_path", type=click.Path(dir_okay=False), default=None,
              help="classify / regress: the test file the contenders are ranked on.")
@click.option("--models", "model_names", default=None, metavar="A,B,...",
              help="Neural contenders (default: every one that suits the task), e.g. cnn,lstm,parallel_attention.")
@click.option("--baselines", "baseline_names", default=None, metavar="A,B,...|none",
              help="Classical baselines (default: every one installed for the task), or none.")
@click.option("--no-ensembles", "ensembles", flag_value=False, default=True,
              help="Leave out mean(cnn,lstm) and the stacked ensemble.")
@click.option("--seeds", type=int, default=3, show_default=True, help="Runs per contender (seeds 0..N-1).")
@click.option("--stride", type=int, default=1, show_default=True, help="forecast: steps between test origins.")
@_forecast_options
@click.option("--out", type=click.Path(file_okay=False), default="runs/compare", show_default=True,
              help="Run folder: results as they finish (a rerun resumes), table.csv, comparison.json, report.html.")
@click.option("--dry-run", is_flag=True, help="Check data, settings and every contender; train nothing, write nothing.")
@_fail_cleanly
def compare(data_path, dataset, data_dir, task, test_path, model_names, baseline_names, ensembles, seeds, stride, out,
            dry_run, config_file, assignments, **options):
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
    if not data_path and not dataset:
        dataset = "airline"
    if data_path and dataset:
        raise click.UsageError("Pass either --data or --dataset, not both.")
    if options.get("seed") is not None:
        raise click.UsageError("--seed does not apply to compare: it runs seeds 0..N-1 (--seeds N).")
    settings = _settings({}, config_file, assignments, **options)
    targets = settings.pop("targets", None)
    target = targets[0] if targets and len(targets) == 1 else None
    kwargs = dict(task=task, name=dataset or Path(data_path).name, models=_names(model_names),
                  baselines=_names(baseline_names), ensembles=ensembles, seeds=seeds, horizon=settings.pop("horizon", None), window=settings.pop("window", None),
                  stride=stride, data_dir=data_dir)
    if dataset:
        data = dataset
    elif task in ("classify", "regress", "rul"):
        data = _read_sequences(data_path, "--data")
        group = settings.pop("id_col", None)
        if isinstance(data, tuple) and data[1] is None:  # a table: labels or units in columns
            data = data[0]
        test = _read_sequences(test_path, "--test-data") if test_path else None
        test = test[0] if isinstance(test, tuple) and test[1] is None else test
        if isinstance(data, pd.DataFrame) and group is None:  # one row per sequence: the target column is the label
            if target is None:
                raise click.UsageError(f"--task {task} on a table needs --target COLUMN (and --id-col for units).")
            data = (data.drop(columns=[target]), data[target])
            test = (test.drop(columns=[target]), test[target]) if isinstance(test, pd.DataFrame) else test
        kwargs.update(test_data=test, group=group, target=target)
    else:
        data = read_table(data_path, what="--data")
        if targets:
            settings["targets"] = targets
    if dry_run:
        return _dry_run_compare(data, kwargs, settings, out)
    result = run_compare(data, out=out, **kwargs, **settings)
    _print_comparison(result)


def _names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [] if text.strip().lower() == "none" else [n.strip() for n in text.split(",") if n.strip()]


def _print_comparison(result) -> None:
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
    console.print(shown)
    console.print(payload["significance"])
    for note in payload.get("notes", []):
        console.print(f"note: {note}")
    import torch

    console.print(f"torch threads: {torch.get_num_threads()}")
    if result.folder is not None:
        console.print(f"Table, results and report in {result.folder}/ (table.csv, comparison.json, report.html)")


def _dry_run_compare(data, kwargs, settings, out) -> None:
    """One epoch of every neural contender on a small slice (forecasting: one batch of windows), the baselines
    checked for their library; nothing is written."""
    plan = run_compare(data, out=None, report=False, dry_run=True, **kwargs, **settings).payload["plan"]
    for line in plan:
        console.print(line)
    console.print(f"  would write {out}; nothing was written.")


if __name__ == "__main__":  # pragma: no cover
    main()
