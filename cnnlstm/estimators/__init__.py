"""scikit-learn-style estimators: ``fit`` returns self, learned state ends in ``_``, ``save`` and ``load``.

    Forecaster   the next `horizon` steps of one or many series (forecaster.py)
    Classifier   one label per sequence or image sequence (sequence.py)
    Regressor    one value per sequence, or per window of a unit's rows: remaining useful life (sequence.py)
"""

from .forecaster import Forecaster
from .sequence import Classifier, Regressor

__all__ = ["Forecaster", "Classifier", "Regressor"]
