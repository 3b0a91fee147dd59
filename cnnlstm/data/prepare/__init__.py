"""How data are prepared for a model: `series` (validating a table of series), `calendar`, `splits`, `scaling`,
`windows`, `sequences` (padded sequences), `grouped` and `units` (units' rows), `conditions` (per-condition steps of
the C-MAPSS protocol). Every fitted step is fitted on the training part only.

The validation of series tables is re-exported here, so ``from cnnlstm.data.prepare import prepare, SeriesSpec``
works.
"""

from .series import SeriesData, SeriesSpec, future_index, prepare

__all__ = ["prepare", "SeriesSpec", "SeriesData", "future_index"]
