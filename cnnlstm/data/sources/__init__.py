"""Where data come from: `catalogue` (every named dataset, as plain data), `store` (the cache folder, the search
order, verified atomic downloads), `datasets` (`load(name)` for every named dataset, known to users as
``cnnlstm.datasets``), `archives` (UCR/UEA and C-MAPSS loading), and the readers `io` (CSV, Parquet), `ts`,
`cmapss`, `frames` and `moving_digits`.

Nothing is imported here, so ``import cnnlstm.data.sources.catalogue`` stays free of pandas, NumPy and torch.
"""
