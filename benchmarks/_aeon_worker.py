"""The aeon side of minirocket.py. Runs inside the separate aeon virtualenv, never in the project's.

It imports nothing from cnnlstm (aeon is not a dependency of the project, and installing it into the project's
virtualenv would downgrade numpy and pandas there). Two jobs, chosen by the config's "task":

* "classify": read one UCR/UEA problem's official TRAIN/TEST .ts files with `aeon.datasets.load_from_ts_file`, and
  for each seed fit `MiniRocketClassifier(random_state=seed)` (MiniRocket, 10,000 kernels, StandardScaler,
  RidgeClassifierCV over logspace(-3, 3, 10), aeon's defaults) and score it on the test split.
* "regress": read X_train, y_train, X_test, y_test from an .npz file and fit `MiniRocketRegressor(random_state=seed)`
  (MiniRocket, StandardScaler, RidgeCV, aeon's defaults).

Unequal lengths (JapaneseVowels): aeon's MiniRocket takes equal-length collections only, so both splits go
through aeon's `Padder(padded_length=L, fill_value=0)`, L = the longest series of either split (the same
end-padding with zeros that aeon documents for unequal-length data). Series shorter than 9 steps, which MiniRocket
refuses, are padded to 9 the same way.

Before the timed fits, one untimed fit on the same data compiles numba's kernels, so no JIT time is counted.
Times are wall seconds of `fit` (the transform of the training set + the ridge) and of `predict` on the test set.

Usage: python _aeon_worker.py CONFIG_JSON OUTPUT_JSON
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

MIN_LENGTH = 9  # MiniRocket's kernels have 9 taps


def pad_to_common_length(*collections):
    """Each collection (a 3D array (N, C, T) or a list of (C, T_i) arrays) end-padded with 0 to one length."""
    from aeon.transformations.collection.unequal_length import Padder

    lengths = [x.shape[-1] for c in collections for x in c] if any(isinstance(c, list) for c in collections) \
        else [c.shape[-1] for c in collections]
    target = max(max(lengths), MIN_LENGTH)
    if all(not isinstance(c, list) and c.shape[-1] == target for c in collections):
        return collections, None
    padder = Padder(padded_length=target, fill_value=0)
    return tuple(padder.fit_transform(c) for c in collections), target


def _time(estimator, X_train, y_train, X_test):
    began = time.perf_counter()
    estimator.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - began
    began = time.perf_counter()
    predicted = estimator.predict(X_test)
    return predicted, fit_seconds, time.perf_counter() - began


def main(config_path: str, output_path: str) -> None:
    config = json.loads(Path(config_path).read_text())
    import aeon
    import numba
    import sklearn
    from aeon.classification.convolution_based import MiniRocketClassifier
    from aeon.datasets import load_from_ts_file
    from aeon.regression.convolution_based import MiniRocketRegressor

    n_kernels = config.get("n_kernels", 10_000)
    if config["task"] == "classify":
        folder = Path(config["data_dir"]) / config["archive"] / config["name"]
        X_train, y_train = load_from_ts_file(str(folder / f"{config['name']}_TRAIN.ts"))
        X_test, y_test = load_from_ts_file(str(folder / f"{config['name']}_TEST.ts"))
        make = lambda seed: MiniRocketClassifier(n_kernels=n_kernels, random_state=seed, n_jobs=1)  # noqa: E731
    else:
        arrays = np.load(config["npz"])
        X_train, y_train, X_test, y_test = (arrays[k] for k in ("X_train", "y_train", "X_test", "y_test"))
        make = lambda seed: MiniRocketRegressor(n_kernels=n_kernels, random_state=seed, n_jobs=1)  # noqa: E731
    (X_train, X_test), padded_to = pad_to_common_length(X_train, X_test)

    make(0).fit(X_train, y_train)  # untimed: numba compiles (or loads its cache) here
    runs = []
    for seed in config["seeds"]:
        predicted, fit_seconds, predict_seconds = _time(make(seed), X_train, y_train, X_test)
        run = {"seed": seed, "fit_seconds": fit_seconds, "predict_seconds": predict_seconds}
        if config["task"] == "classify":
            run["accuracy"] = float(np.mean(predicted == y_test))
        else:
            run["rmse"] = float(np.sqrt(np.mean((predicted - y_test) ** 2)))
            run["mae"] = float(np.mean(np.abs(predicted - y_test)))
        runs.append(run)
    json.dump({
        "aeon_version": aeon.__version__, "numpy": np.__version__, "scikit_learn": sklearn.__version__,
        "numba": numba.__version__, "numba_threads": numba.get_num_threads(), "n_kernels": n_kernels,
        "num_train": len(X_train), "num_test": len(X_test), "shape_train_NCT": list(np.shape(X_train)),
        "padded_to": padded_to, "runs": runs,
    }, open(output_path, "w"), indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
