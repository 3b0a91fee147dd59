"""Units' rows prepared for windows: which columns are features, and how they are scaled, learned on training units.

A frame of units' rows (one row per unit and step: an engine's cycles, a machine's readings) holds a unit column,
an ordering column (time), the target, optional operating settings and the sensor columns. `UnitFeatures` learns,
from the training units only:

    time_col      the column ordering each unit's rows ("cycle" when present); never a feature
    settings      columns named setting*: under the RUL protocol they only find the operating condition
    features      the other numeric columns, less those constant on the training units (RUL protocol)
    conditions    how many operating conditions the settings show (1 in C-MAPSS FD001, 6 in FD002)
    scaler        per-condition standardisation of the features (`ConditionScaler`)

and `transform` turns any frame with those columns into a `GroupedSeries` (rows sorted by unit, then time), scaled.
The remaining-useful-life target is capped by `piecewise_linear_rul(target, rul_cap)` for training, the C-MAPSS
convention; the cap is the estimator's choice and is applied there.

Example:
    >>> from cnnlstm import datasets                                                    # doctest: +SKIP
    >>> train = datasets.load("cmapss-fd001", split="train")
    >>> prep = UnitFeatures(group="unit", target="rul", protocol="rul").fit(train)
    >>> prep.features_[:3], prep.n_conditions_
    (['sensor_2', 'sensor_3', 'sensor_4'], 1)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..._errors import NotFittedError, unknown_name
from .conditions import ConditionScaler, constant_columns, count_conditions
from .grouped import GroupedSeries, group_frame
from .sequences import check_numeric, numeric_columns

PROTOCOLS = ("rul", "plain")


class UnitFeatures:
    """Feature selection and per-condition scaling of units' rows, fitted on the training units (see the module).

    Args:
        group: the unit column. target: the per-row target column (left out of the features).
        time_col: the ordering column; None takes "cycle" when the frame has one.
        protocol: "rul" (settings find operating conditions, constant sensors dropped) or "plain" (every numeric
            column but the unit, time and target is a feature).
        n_conditions: "auto" counts the conditions in the settings; an int fixes it.
        scale: standardise per condition; False leaves the values as they are.
    """

    def __init__(self, *, group: str, target: str, time_col: str | None = None, protocol: str = "rul",
                 n_conditions="auto", scale: bool = True):
        self.group, self.target, self.time_col = group, target, time_col
        self.protocol, self.n_conditions, self.scale = protocol, n_conditions, scale

    def fit(self, frame: pd.DataFrame) -> "UnitFeatures":
        if self.protocol not in PROTOCOLS:
            raise unknown_name("protocol", self.protocol, PROTOCOLS)
        for name in ("group", "target"):
            column = getattr(self, name)
            if column not in frame.columns:
                raise unknown_name(name, column, frame.columns, f"Fix: pass the name of an existing column as {name}=.")
        time_col = self.time_col or ("cycle" if "cycle" in frame.columns else None)
        rul = self.protocol == "rul"
        settings = [c for c in frame.columns if str(c).lower().startswith("setting")] if rul else []
        excluded = (self.group, self.target, time_col, *settings)
        features = numeric_columns(frame, exclude=excluded, what="data")  # a sensor with text in it is an error
        constant = constant_columns(frame, features) if rul else []
        features = [c for c in features if c not in constant]
        if not features:
            dropped = (f" The RUL protocol drops constant columns, and all {len(constant)} numeric ones are constant "
                       f"over these {len(frame)} training rows of {frame[self.group].nunique()} unit(s)."
                       if constant else "")
            raise ValueError(
                f"`data` has no feature columns left besides {self.group!r}, {self.target!r} and {time_col!r}."
                f"{dropped} Fix: pass every training unit's rows (each unit from its first cycle), with numeric sensor "
                "columns."
            )
        n_conditions = 1
        if settings:
            n_conditions = count_conditions(frame[settings]) if self.n_conditions == "auto" else int(self.n_conditions)
        self.time_col_, self.settings_, self.features_, self.n_conditions_ = time_col, settings, features, n_conditions
        self.scaler_ = ConditionScaler(n_conditions).fit(self._settings(frame), frame[features]) if self.scale else None
        return self

    def _settings(self, frame: pd.DataFrame) -> np.ndarray:
        return frame[self.settings_].to_numpy(np.float64) if self.settings_ else np.zeros((len(frame), 1))

    def transform(self, frame: pd.DataFrame, *, with_target: bool = True) -> GroupedSeries:
        """The units of `frame` as one scaled (R, F) array, unit by unit in time order; the target when asked."""
        if not hasattr(self, "features_"):
            raise NotFittedError("This UnitFeatures is not fitted yet. Call `fit` on the training units first.")
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"`data` must be a DataFrame of units' rows (as in fit). Received: {type(frame).__name__}.")
        needed = [self.group, *self.features_, *self.settings_] + ([self.target] if with_target else [])
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise ValueError(
                f"`data` lacks column {missing[0]!r}, which the model was fitted with. Received columns: "
                f"{list(frame.columns)[:10]}. Fix: pass data with the training data's columns."
            )
        check_numeric(frame, self.features_ + self.settings_, what="data")
        series = group_frame(frame, group=self.group, features=self.features_,
                             target=self.target if with_target else None, sort_by=self.time_col_)
        if self.scaler_ is not None:
            ordered = frame.sort_values([self.group] + ([self.time_col_] if self.time_col_ else []), kind="stable")
            series.values = self.scaler_.transform(self._settings(ordered), series.values)
        return series

    def state_dict(self) -> dict:
        return {"group": self.group, "target": self.target, "time_col": self.time_col_, "protocol": self.protocol,
                "settings": self.settings_, "features": self.features_, "n_conditions": self.n_conditions_,
                "scaler": self.scaler_.state_dict() if self.scaler_ is not None else None}

    @classmethod
    def from_state_dict(cls, state: dict) -> "UnitFeatures":
        prep = cls(group=state["group"], target=state["target"], time_col=state["time_col"],
                   protocol=state["protocol"], n_conditions=state["n_conditions"], scale=state["scaler"] is not None)
        prep.time_col_, prep.settings_, prep.features_ = state["time_col"], state["settings"], state["features"]
        prep.n_conditions_ = state["n_conditions"]
        prep.scaler_ = ConditionScaler.from_state_dict(state["scaler"]) if state["scaler"] else None
        return prep
