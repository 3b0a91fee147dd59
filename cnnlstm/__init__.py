"""cnnlstm: hybrid CNN-LSTM networks for real sequence problems.

    >>> from cnnlstm import Forecaster, datasets                                   # doctest: +SKIP
    >>> airline = datasets.load("airline")
    >>> f = Forecaster(model="cnn_lstm", window=24, horizon=12, split=(96, 24, 24)).fit(airline)
    >>> f.score(airline)["rmse"]
"""

from .data import datasets
from .estimators import Forecaster
from .models import build_model, list_models

__all__ = ["Forecaster", "build_model", "datasets", "list_models", "load"]
__version__ = "0.1.0"


def load(path):
    """Load a saved estimator folder (whatever its kind)."""
    return Forecaster.load(path)
