"""The architecture shoot-out: `compare` trains every suitable architecture, ensemble and classical baseline on
one split over several seeds, ranks them on the test part and says which differences are significant.

    run.py        the loop over contenders and seeds, ensembles, the ranked table, the report payload
    forecast.py   forecasting: shared origins, classical models run forward over each origin's history
    sequences.py  classification and regression (remaining useful life included)
    ensembles.py  the mean and the stacked mix (weights fitted on validation predictions only)
    store.py      the run folder: one atomically written result per contender and seed, so a rerun resumes
    baselines.py  the classical contenders: statsforecast's AutoETS, AutoARIMA, Theta; aeon's MiniRocket; scikit-learn
    significance.py  Diebold-Mariano and paired t-tests: which differences from the best are noise
    report.py     the self-contained HTML report, rendered from templates/ (page, styles, script) with Jinja2
"""

from .run import NEURAL, Comparison, compare, default_window

__all__ = ["NEURAL", "Comparison", "compare", "default_window"]
