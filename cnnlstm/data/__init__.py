"""Data, in the order it flows: `sources/` is where data come from (the catalogue of named datasets, the store of
folders and downloads, the readers of tables, ``.ts``, C-MAPSS and frame files); `prepare/` is how they are prepared
for a model (validation, calendar features, splits, scaling, windows, padded sequences, units' rows).

`prepare/` never imports `sources/` and `sources/` never imports `prepare/`: a reader returns plain tables and
arrays, and preparation takes tables and arrays from anywhere.
"""
