"""cnnlstm: hybrid CNN-LSTM networks for real sequence problems.

    >>> from cnnlstm import Forecaster, datasets                                   # doctest: +SKIP
    >>> airline = datasets.load("airline")
    >>> f = Forecaster(model="cnn_lstm", window=24, horizon=12, split=(96, 24, 24)).fit(airline)
    >>> f.score(airline)["rmse"]
"""

from .comparison import compare
from .data import datasets
from .estimators import Classifier, Forecaster, Regressor
from .models import build_model, list_models

__all__ = ["Classifier", "Forecaster", "Regressor", "build_model", "compare", "datasets", "list_models", "load"]
__version__ = "0.1.0"


def load(path, *, device: str = "auto"):
    """Load a saved estimator folder, whatever its kind (Forecaster, Classifier or Regressor)."""
    from pathlib import Path

    from .checkpoint import read_json

    config_file = Path(path) / "config.json"
    kinds = {cls.__name__: cls for cls in (Forecaster, Classifier, Regressor)}
    kind = read_json(config_file).get("estimator") if config_file.exists() else None
    return kinds.get(kind, Forecaster).load(path, device=device)
