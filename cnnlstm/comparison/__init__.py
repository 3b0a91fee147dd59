"""The architecture shoot-out: `compare` trains every suitable architecture, ensemble and classical baseline on
one split over several seeds, ranks them on the test part and says which differences are significant.

    run.py        the loop over contenders and seeds, ensembles, the ranked table, the report payload
    forecast.py   forecasting: shared origins, classical models run forward over each origin's history
    sequences.py  classification and regression (remaining useful life included)
    ensembles.py  the mean and the stacked mix (weights fitted on validation predictions only)
    store.py      the run folder: one atomically written result per contender and seed, so a rerun resumes
"""

from .run import NEURAL, Comparison, compare, default_window, resolve_data

__all__ = ["NEURAL", "Comparison", "compare", "default_window", "resolve_data"]
