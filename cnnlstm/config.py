"""Run settings from TOML files and command-line strings, checked against what `Forecaster` accepts.

A run file holds Forecaster arguments at the top level and model hyperparameters in a ``[hyperparameters]``
table::

    model = "parallel"
    window = 96
    horizon = 24
    split = [8640, 2880, 2880]

    [hyperparameters]
    merge = "attention"
    hidden_size = 128
"""

from __future__ import annotations

import inspect
import sys

from ._errors import did_you_mean
from .estimators import Forecaster

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FORECASTER_KEYS = tuple(p for p in inspect.signature(Forecaster).parameters if p not in ("model_kwargs", "hyperparameters"))


def check_keys(settings: dict, *, where: str) -> dict:
    """Raise for keys Forecaster does not take, listing the valid ones."""
    for key in settings:
        if key not in FORECASTER_KEYS and key != "hyperparameters":
            raise ValueError(
                f"{where}: {key!r} is not a setting.{did_you_mean(key, FORECASTER_KEYS)} "
                f"Valid settings: {', '.join(FORECASTER_KEYS)}, and a [hyperparameters] table for the model."
            )
    return settings


def read_toml(path) -> dict:
    """Settings from a TOML run file, keys checked; lists become tuples where Forecaster expects tuples."""
    with open(path, "rb") as file:
        try:
            settings = tomllib.load(file)
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"`config` file {str(path)!r} is not valid TOML: {error}.") from None
    check_keys(settings, where=f"`config` file {str(path)!r}")
    if "split" in settings:
        settings["split"] = tuple(settings["split"])
    return settings


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
