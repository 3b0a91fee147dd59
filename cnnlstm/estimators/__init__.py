"""scikit-learn-style estimators, one per data layout, on one core (base.py): `fit` returns self, learned state
ends in `_`, `score` is one float (higher is better), `evaluate` every metric, `check` a dry run, `save` / `load`.

    Forecaster      the next `horizon` steps of one or many series (forecaster.py)
    Classifier      one label per sequence or image sequence (classifier.py)
    Regressor       one value, vector or frame per sequence (regressor.py)
    UnitRegressor   a per-row target of units' rows from windows of rows: remaining useful life (units.py)
"""

from .base import Estimator, NotFittedError
from .classifier import Classifier
from .forecaster import Forecaster
from .regressor import Regressor
from .units import UnitRegressor, rul_metrics

ESTIMATORS = {cls.__name__: cls for cls in (Forecaster, Classifier, Regressor, UnitRegressor)}

__all__ = ["ESTIMATORS", "Estimator", "NotFittedError", "Forecaster", "Classifier", "Regressor", "UnitRegressor",
           "rul_metrics"]
