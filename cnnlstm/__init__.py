"""cnnlstm: hybrid CNN-LSTM networks for real sequence problems.

    >>> from cnnlstm import Forecaster, datasets                                   # doctest: +SKIP
    >>> airline = datasets.load("airline")
    >>> f = Forecaster(model="cnn_lstm", window=24, horizon=12, split=(96, 24, 24)).fit(airline)
    >>> f.evaluate(airline)["rmse"]

The names below are imported on first use (PEP 562), so `import cnnlstm` and the command line's `--help` stay fast:
torch, pandas, scipy and the comparison load only when something needs them.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> the module that defines it
_LAZY = {
    "Forecaster": "cnnlstm.estimators", "Classifier": "cnnlstm.estimators", "Regressor": "cnnlstm.estimators",
    "UnitRegressor": "cnnlstm.estimators", "NotFittedError": "cnnlstm._errors",
    "build_model": "cnnlstm.models", "list_models": "cnnlstm.models", "compare": "cnnlstm.comparison",
    "tune": "cnnlstm.tuning",
    "datasets": "cnnlstm.data.sources.datasets",
}
__all__ = [*_LAZY, "load", "__version__"]


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        value = module if name == "datasets" else getattr(module, name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'cnnlstm' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


def load(path, *, device: str = "auto"):
    """Load a saved estimator folder, whatever its kind (Forecaster, Classifier, Regressor or UnitRegressor).

    Example:
        >>> model = cnnlstm.load("runs/cnn_lstm-airline")      # doctest: +SKIP
        >>> model.predict(data)
    """
    from pathlib import Path

    from .estimators import ESTIMATORS
    from .estimators.base import read_config

    config = read_config(Path(path))
    kind = config.get("estimator")
    if kind not in ESTIMATORS:
        raise ValueError(
            f"{str(Path(path) / 'config.json')!r} names estimator {kind!r}; this cnnlstm knows "
            f"{', '.join(ESTIMATORS)}. Fix: pass a folder written by an estimator's save()."
        )
    return ESTIMATORS[kind]._from_config(config, Path(path), device)
