"""Hyperparameter search on Optuna (`pip install 'cnnlstm[tune]'`): `tune` and `cnnlstm tune`.

The search space of a model comes from its registry hyperparameters (`cnnlstm models`): each one named in RANGES is
searched around its default, the others keep theirs, and the learning rate is searched for every model. A `space`
(a dict, or a TOML file of the same shape) changes any of it:

    hidden_size = {low = 16, high = 128, log = true}   # an integer range (floats where low or high is one)
    merge = ["concat", "attention"]                     # choices
    kernel_size = 5                                     # fixed: not searched
    window = {low = 12, high = 48, step = 12}           # estimator settings may be searched too

Every trial trains on the training part and is judged on the validation part only: its value is the validation
loss of the epoch early stopping keeps. Each epoch's validation loss goes to Optuna's MedianPruner, which stops a
trial doing worse than the median of earlier trials at the same epoch. With a `storage` URL
(`sqlite:///study.db`) the study lives in a database: an interrupted search resumes where it stopped, and several
processes or machines may run trials of one study at once. The best settings are written as a TOML run file that
`cnnlstm train --config` takes. The test part is never read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ._errors import did_you_mean, unknown_name

SIZES = ("hidden_size", "filters", "merge_size", "dense_size", "hidden_channels")
LAYERS = ("num_layers", "num_conv_layers")
CHOICES = {"merge": ("concat", "weighted", "attention"), "bidirectional": (False, True), "batch_norm": (False, True)}
NOT_SEARCHABLE = ("model", "progress", "model_kwargs", "device", "cuda_graph", "seed")
DEFAULT_TRIALS = 20


@dataclass(frozen=True)
class Range:
    """Numbers from low to high (integers when kind is "int"), on a log scale with `log`, in steps of `step`."""

    kind: str
    low: float
    high: float
    log: bool = False
    step: float | None = None


LEARNING_RATE = Range("float", 1e-4, 1e-2, log=True)


def default_range(name: str, default) -> Range | tuple | None:
    """How `tune` searches hyperparameter `name` whose default is `default`: a Range, a tuple of choices, or None
    (it keeps its default).

    Example:
        >>> default_range("hidden_size", 64)
        Range(kind='int', low=16, high=128, log=True, step=None)
        >>> default_range("merge", "concat")
        ('concat', 'weighted', 'attention')
    """
    integer = isinstance(default, int) and not isinstance(default, bool)
    if name in SIZES and integer:  # a quarter to twice the default, on a log scale
        return Range("int", max(4, default // 4), default * 2, log=True)
    if name in LAYERS and integer:  # never deeper than the default (pooling shortens the sequence each layer)
        return Range("int", 1, max(2, default))
    if name == "kernel_size" and integer:  # odd, so 'same' padding is symmetric
        return Range("int", min(3, default), 2 * default + 1, step=2)
    if name == "dropout" and isinstance(default, float):
        return Range("float", 0.0, max(0.5, default))
    if name in CHOICES and default in CHOICES[name]:
        return CHOICES[name]
    return None


@dataclass
class TuneResult:
    """The outcome of `tune`.

    Attributes:
        study: the Optuna study (every trial, its values and state; `study.trials_dataframe()`).
        best_value: the best trial's validation loss.
        best_params: the searched values of the best trial.
        settings: every estimator setting of the best trial (the fixed ones and the searched ones).
        config: the TOML run file written (None when `out` was None).
        space: what was searched: name -> a Range or a tuple of choices.
    """

    study: object
    best_value: float
    best_params: dict
    settings: dict
    config: Path | None = None
    space: dict | None = None


def tune(data="airline", *, model: str = "cnn_lstm", task: str = "auto", test_data=None, trials: int = DEFAULT_TRIALS,
         storage: str | None = None, study: str | None = None, space=None, out=None, pruner="median",
         sampler_seed: int | None = None, timeout: float | None = None, data_dir=None, target: str | None = None,
         group: str | None = None, dry_run: bool = False, **settings) -> TuneResult:
    """Search the hyperparameters of `model` on the validation part of `data` with Optuna; write the best settings.

    Args:
        data: a dataset name, a DataFrame, an array, a path or (X, y), as `compare` takes it.
        model: a registry model (`cnnlstm models`).
        task: "auto" (from the dataset, else forecast), "forecast", "classify", "regress" or "rul".
        test_data: classify / regress / rul: the test data (read to check the data only; never used in the search).
        trials: trials to run in this call (a resumed study keeps its earlier ones).
        storage: an Optuna storage URL, e.g. "sqlite:///study.db"; None keeps the study in memory.
        study: the study's name in `storage` (default: "cnnlstm-<model>-<data name>"); an existing one resumes.
        space: changes to the search space: a dict or a TOML file path (see the module docstring).
        out: the TOML run file to write with the best settings (for `cnnlstm train --config`); None writes none.
        pruner: "median" (Optuna's MedianPruner: pruning starts after 5 trials, from epoch 2), None, or any
            Optuna pruner.
        sampler_seed: seeds Optuna's TPE sampler (offset by the trials already in the study, so a resumed search
            does not repeat itself); None draws it at random, as workers sharing a study should.
        timeout: stop starting trials after this many seconds.
        target, group, data_dir: read the data as `cnnlstm train` does.
        dry_run: check the data, the settings and the space (a dry run of `fit`), run no trial, write nothing:
            the result holds the settings and the space, and no study.
        **settings: estimator settings shared by every trial (epochs, window, horizon, split, ...) and fixed model
            hyperparameters.

    Example:
        >>> result = tune("airline", model="cnn", trials=20, epochs=30, out="best.toml")   # doctest: +SKIP
        >>> result.best_params                      # then: cnnlstm train --dataset airline --config best.toml
    """
    optuna = _optuna()
    from .data.tasks import TaskData, read_task_data
    from .models.registry import REGISTRY

    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ValueError(f"`trials` must be a positive integer: the trials to run now. Received: trials={trials!r}. "
                         f"Fix: e.g. trials={DEFAULT_TRIALS}.")
    if model not in REGISTRY:
        raise unknown_name("model", model, REGISTRY, "Fix: see `cnnlstm models`.")
    task_data = data if isinstance(data, TaskData) else read_task_data(
        data, task=task, test_data=test_data, target=target, group=group, data_dir=data_dir)
    estimator = estimator_class(task_data)
    settings = {**task_data.settings, **settings, "model": model}
    searched, fixed = search_space(model, estimator, space)
    settings.update(fixed)
    if task_data.task == "forecast":  # as `cnnlstm train` picks them, so the run file trains what was tuned
        from .comparison import default_window

        settings.setdefault("horizon", 24)
        settings.setdefault("window", default_window(settings["horizon"], settings.get("season_length")))
    _check_settings(settings, estimator, task_data)
    if dry_run:
        return TuneResult(study=None, best_value=float("nan"), best_params={}, settings=settings, space=searched)

    name = study or f"cnnlstm-{model}-{task_data.name}"
    the_study = optuna.create_study(study_name=name, storage=storage, load_if_exists=True, direction="minimize",
                                    pruner=_pruner(optuna, pruner))
    _claim_study(the_study, model, task_data, storage)
    _check_resumed_space(optuna, the_study, searched)
    if sampler_seed is not None:  # offset, so a resumed study draws new points
        the_study.sampler = optuna.samplers.TPESampler(seed=sampler_seed + len(the_study.trials))

    def objective(trial) -> float:
        chosen = {key: _suggest(trial, key, how) for key, how in searched.items()}

        def report(record: dict) -> None:  # the per-epoch hook of training: prune a trial going badly
            if "val_loss" not in record:
                raise ValueError("`tune` judges each trial on the validation part, and this split has none. "
                                 "Fix: give `split` a validation part, e.g. split=(0.7, 0.1, 0.2).")
            trial.report(record["val_loss"], record["epoch"])
            if trial.should_prune():
                raise optuna.TrialPruned(f"validation loss {record['val_loss']:.4g} at epoch {record['epoch']}")

        try:
            fitted = _fit(estimator(**{**settings, **chosen, "progress": report}), task_data)
        except ValueError as error:
            trial.set_user_attr("fail_reason", str(error))
            raise
        return float(fitted.history_["val_loss"].min())

    # a trial the data cannot take (too many pooling layers for the window, a diverging rate) fails alone
    the_study.optimize(objective, n_trials=trials, timeout=timeout, catch=(ValueError,))
    completed = [t for t in the_study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not completed:
        reasons = [t.user_attrs["fail_reason"] for t in the_study.trials if "fail_reason" in t.user_attrs]
        raise ValueError(f"No trial of study {name!r} completed ({len(the_study.trials)} pruned or failed"
                         f"{'; the last failure: ' + reasons[-1] if reasons else ''}). Fix: check the settings with "
                         "`cnnlstm train --dry-run`, widen the search space or run more trials.")
    best = the_study.best_trial
    best_settings = {**settings, **best.params}
    path = None
    if out is not None:
        path = Path(out)
        from . import checkpoint

        checkpoint.atomic_write_text(path, run_file(best_settings, model, comment=(
            f"cnnlstm tune: study {name!r}, best of {len(completed)} completed trials (trial {best.number}): "
            f"validation loss {best.value:.6g}")))
    return TuneResult(study=the_study, best_value=float(best.value), best_params=dict(best.params),
                      settings=best_settings, config=path, space=searched)


# ---------------------------------------------------------------------- the search space
def search_space(model: str, estimator, space=None) -> tuple[dict, dict]:
    """(searched, fixed): name -> a Range or a tuple of choices, and name -> value, for `model` under `estimator`,
    with the changes of `space` (a dict or a TOML path) applied.

    Example:
        >>> from cnnlstm import Forecaster
        >>> searched, fixed = search_space("lstm", Forecaster, {"hidden_size": 32})
        >>> sorted(searched), fixed
        (['bidirectional', 'dropout', 'lr', 'num_layers'], {'hidden_size': 32})
    """
    from .models.registry import model_hyperparameters

    hyperparameters = model_hyperparameters(model)
    searched = {"lr": LEARNING_RATE}
    for key, default in hyperparameters.items():
        how = default_range(key, default)
        if how is not None:
            searched[key] = how
    if space is None:
        return searched, {}
    if isinstance(space, (str, os.PathLike)):
        space = read_space(space)
    if not isinstance(space, dict):
        raise TypeError(f"`space` must be a dict or the path of a TOML file. Received: {type(space).__name__}. "
                        "Fix: e.g. space={'hidden_size': {'low': 16, 'high': 128, 'log': True}}.")
    settings = [k for k in estimator._param_names() if k not in NOT_SEARCHABLE]
    fixed = {}
    for key, value in space.items():
        if key not in hyperparameters and key not in settings:
            raise ValueError(
                f"`space` names {key!r}, which is neither a hyperparameter of model {model!r} nor a "
                f"{estimator.__name__} setting.{did_you_mean(key, [*hyperparameters, *settings])} Fix: use one of "
                f"{', '.join(hyperparameters)} (the model's) or {', '.join(settings)}.")
        how = _parse_range(key, value)
        if isinstance(how, _Fixed):
            searched.pop(key, None)
            fixed[key] = how.value
        else:
            searched[key] = how
    return searched, fixed


class _Fixed:
    def __init__(self, value):
        self.value = value


def _parse_range(key: str, value):
    example = f"Fix: e.g. {key} = {{low = 16, high = 128, log = true}}, {key} = [16, 32, 64] or {key} = 32."
    if isinstance(value, list):
        if not value or not all(isinstance(v, (str, int, float, bool)) for v in value):
            raise ValueError(f"`space` {key!r}: a list is the choices to search, each a number, a string or a "
                             f"boolean, at least one. Received: {key} = {value!r}. {example}")
        return tuple(value)
    if not isinstance(value, dict):
        return _Fixed(value)
    unknown = sorted(set(value) - {"low", "high", "log", "step"})
    if unknown or not {"low", "high"} <= set(value):
        raise ValueError(f"`space` {key!r}: a range is a table of low and high, and optionally log and step. "
                         f"Received: {key} = {value!r}. {example}")
    low, high, log, step = value["low"], value["high"], value.get("log", False), value.get("step")
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high))
    if not numbers or not low < high:
        raise ValueError(f"`space` {key!r}: low and high must be numbers with low < high. Received: low={low!r}, "
                         f"high={high!r}. {example}")
    if not isinstance(log, bool) or (log and low <= 0):
        raise ValueError(f"`space` {key!r}: log must be true or false, and a log range needs low > 0. Received: "
                         f"log={log!r}, low={low!r}. {example}")
    if step is not None and (log or isinstance(step, bool) or not isinstance(step, (int, float)) or step <= 0):
        raise ValueError(f"`space` {key!r}: step must be a positive number, on a range without log. Received: "
                         f"step={step!r}, log={log!r}. {example}")
    integers = all(isinstance(v, int) for v in (low, high)) and (step is None or isinstance(step, int))
    return Range("int" if integers else "float", low, high, log, step)


def read_space(path) -> dict:
    """The search-space changes of a TOML file (see the module docstring)."""
    from .config import tomllib

    try:
        with open(path, "rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"`space` file {str(path)!r} is not valid TOML: {error}. Fix: see the format in "
                         "`help(cnnlstm.tune)`.") from None


def _suggest(trial, key: str, how):
    if isinstance(how, Range):
        suggest = trial.suggest_int if how.kind == "int" else trial.suggest_float
        return suggest(key, how.low, how.high, log=how.log, **({"step": how.step} if how.step else {}))
    return trial.suggest_categorical(key, list(how))


# ---------------------------------------------------------------------- the study, the data, the run file
def _optuna():
    try:
        import optuna
        import tomli_w  # noqa: F401  (the run file, written at the end: missing, it would fail only then)
    except ImportError as error:
        raise ImportError(f"`tune` needs Optuna and tomli-w ({error.name} is missing). Fix: pip install "
                          "'cnnlstm[tune]'.") from None
    return optuna


def _pruner(optuna, pruner):
    if pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2)  # epochs count from 1
    if pruner is None:
        return optuna.pruners.NopPruner()
    if isinstance(pruner, optuna.pruners.BasePruner):
        return pruner
    raise ValueError(f"`pruner` must be 'median', None or an Optuna pruner. Received: pruner={pruner!r}. "
                     "Fix: pruner='median', or e.g. optuna.pruners.MedianPruner(n_startup_trials=10).")


def _claim_study(study, model: str, task_data, storage) -> None:
    """A study tunes one model on one dataset: a resume with another is refused (its trials would not compare)."""
    mine = {"model": model, "task": task_data.task, "data": task_data.name}
    attrs = study.user_attrs  # one read: each access queries the storage
    theirs = {k: attrs.get(k) for k in mine}
    # Workers started together race to claim a new study, one attribute at a time: a claim half written by another
    # worker is ours to finish when what it holds agrees.
    claimed = {k: v for k, v in theirs.items() if v is not None}
    if (claimed or not study.trials) and all(mine[k] == v for k, v in claimed.items()):
        for key, value in mine.items():
            if theirs[key] is None:
                study.set_user_attr(key, value)
        return
    if theirs != mine:
        raise ValueError(f"Study {study.study_name!r} in {storage!r} tunes {theirs}, not {mine}. Fix: pass another "
                         "study name (--study), or the same model and data to resume it.")


def _check_resumed_space(optuna, study, searched: dict) -> None:
    """A resumed study may search new ranges, but not change a parameter's kind or its choices (Optuna refuses)."""
    before = {}
    for trial in study.trials:
        before.update(trial.distributions)
    for key, how in searched.items():
        if key not in before:
            continue
        if isinstance(how, Range):
            kind = optuna.distributions.IntDistribution if how.kind == "int" else optuna.distributions.FloatDistribution
            now = kind(how.low, how.high, log=how.log, **({"step": how.step} if how.step else {}))
        else:
            now = optuna.distributions.CategoricalDistribution(list(how))
        try:
            optuna.distributions.check_distribution_compatibility(before[key], now)
        except ValueError:
            raise ValueError(f"`space` {key!r} must search what study {study.study_name!r} searched before: "
                             f"{before[key]}. Received: {now}. Fix: keep that parameter's choices (or kind), or pass "
                             "another study name.") from None


def estimator_class(task_data):
    """The estimator that fits `task_data`: Forecaster, Classifier, Regressor or UnitRegressor (units' rows)."""
    from . import estimators

    if task_data.task == "forecast":
        return estimators.Forecaster
    if task_data.task == "classify":
        return estimators.Classifier
    return estimators.UnitRegressor if task_data.fit_kwargs.get("group") else estimators.Regressor


def _fit(estimator, task_data, method: str = "fit"):
    """estimator.fit (or .check) on the task's training data."""
    if task_data.task == "forecast":
        return getattr(estimator, method)(task_data.train)
    X, y = task_data.train if isinstance(task_data.train, tuple) else (task_data.train, None)
    return getattr(estimator, method)(X, *(() if y is None else (y,)), **task_data.fit_kwargs)


def _check_settings(settings: dict, estimator, task_data) -> None:
    """The shared settings, checked once before any trial (names, then a dry run of `fit` with the defaults): a
    typo or data too short fails here, not as the failure of every trial."""
    from .config import check_keys

    check_keys({k: v for k, v in settings.items() if k not in task_data.settings}, estimator=estimator,
               where="tune")
    if settings.get("val_size", 0.2) in (0, 0.0, None) or settings.get("folds") is not None:
        raise ValueError("`tune` judges every trial on a validation part. Received: "
                         f"val_size={settings.get('val_size')!r}, folds={settings.get('folds')!r}. "
                         "Fix: leave val_size at its default (0.2) and folds at None.")
    _fit(estimator(**settings), task_data, "check")


def run_file(settings: dict, model: str, *, comment: str = "") -> str:
    """`settings` as a TOML run file for `cnnlstm train --config`: estimator settings at the top, the model's
    hyperparameters in a [hyperparameters] table; None values (the defaults) are left out.

    Example:
        >>> print(run_file({"model": "lstm", "epochs": 5, "hidden_size": 32}, "lstm"))
        model = "lstm"
        epochs = 5
        <BLANKLINE>
        [hyperparameters]
        hidden_size = 32
        <BLANKLINE>
    """
    import tomli_w

    from .models.registry import model_hyperparameters

    hyper = model_hyperparameters(model)
    plain = lambda v: list(v) if isinstance(v, tuple) else v  # noqa: E731  (TOML arrays)
    top = {k: plain(v) for k, v in settings.items() if k not in hyper and v is not None and k != "progress"}
    table = {k: plain(v) for k, v in settings.items() if k in hyper and v is not None}
    text = tomli_w.dumps({**top, **({"hyperparameters": table} if table else {})})
    return (f"# {comment}\n" if comment else "") + text
