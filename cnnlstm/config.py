"""Run settings from TOML files and command-line strings, checked against what the chosen estimator accepts.

A run file holds estimator arguments at the top level and model hyperparameters in a ``[hyperparameters]``
table::

    model = "parallel"
    window = 96
    horizon = 24
    split = [8640, 2880, 2880]

    [hyperparameters]
    merge = "attention"
    hidden_size = 128

The same file serves every task; its keys are checked against that task's estimator (`Forecaster`,
`Classifier`, `Regressor` or `UnitRegressor`): `val_size = 0.1` is a Classifier setting, `horizon` a Forecaster's.
"""

from __future__ import annotations

import sys

from ._errors import did_you_mean

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# arguments that are not settings of a run file: the model's hyperparameters have their own table
NOT_SETTINGS = ("model_kwargs", "progress")


def check_keys(settings: dict, *, estimator, where: str, option_names: bool = False) -> dict:
    """Raise for keys that are neither a parameter of `estimator` nor a model hyperparameter, listing the valid
    ones (as --options when `option_names`)."""
    from .models.registry import REGISTRY, model_hyperparameters

    own = [k for k in estimator._param_names() if k not in NOT_SETTINGS]
    hyper = sorted({h for m in REGISTRY for h in model_hyperparameters(m)})
    for key in settings:
        if key in own or key in hyper or key == "hyperparameters":
            continue
        shown = f"--{key.replace('_', '-')}" if option_names else repr(key)
        from . import estimators

        owners = [name for name, cls in estimators.ESTIMATORS.items() if key in cls._param_names()]
        if owners:
            raise ValueError(
                f"{where}: {shown} is a setting of {' and '.join(owners)}, not of {estimator.__name__}. "
                f"Fix: leave it out, or choose the task of {owners[0]}."
            )
        raise ValueError(
            f"{where}: {shown} is not a setting of {estimator.__name__}.{did_you_mean(key, own + hyper)} "
            f"Valid settings: {', '.join(own)}, and a [hyperparameters] table (or --set) for the model. "
            "Fix: leave it out, or see `cnnlstm models` for the models' hyperparameters."
        )
    return settings


def read_toml(path, *, estimator) -> dict:
    """Settings from a TOML run file, keys checked against `estimator`; its [hyperparameters] table merged in;
    lists become tuples where the estimator expects tuples (split)."""
    with open(path, "rb") as file:
        try:
            settings = tomllib.load(file)
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"`config` file {str(path)!r} is not valid TOML: {error}.") from None
    check_keys(settings, estimator=estimator, where=f"`config` file {str(path)!r}")
    hyper = settings.pop("hyperparameters", {})
    if not isinstance(hyper, dict):
        raise ValueError(f"`config` file {str(path)!r}: [hyperparameters] must be a table. Received: {hyper!r}.")
    check_keys(hyper, estimator=estimator, where=f"`config` file {str(path)!r} [hyperparameters]")
    if "split" in settings:
        settings["split"] = tuple(settings["split"])
    return {**settings, **hyper}


def parse_value(text: str):
    """'3' -> 3, '0.5' -> 0.5, 'true' -> True, 'none' -> None, anything else stays a string."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_assignments(items, *, option: str) -> dict:
    """['hidden_size=128', 'merge=attention'] -> {'hidden_size': 128, 'merge': 'attention'}."""
    result = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"`{option}` must look like KEY=VALUE. Received: {option} {item!r}. Fix: e.g. {option} hidden_size=128.")
        key, value = item.split("=", 1)
        result[key.strip()] = parse_value(value)
    return result


def parse_split(text: str) -> tuple:
    """'0.7,0.1,0.2' -> fractions, '8640,2880,2880' -> counts, '2017-06-01,2017-10-01' -> timestamps."""
    parts = [p.strip() for p in text.split(",")]
    values = [parse_value(p) for p in parts]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return tuple(values)
    return tuple(parts)
