"""The bad-input matrix of issue 12: what a new user gets wrong, through the command line and the Python API, for
every task. Each case must end in a clear error (the argument, what was expected, what was received, the fix) or a
correct result: never a raw traceback, a silent wrong answer or lost data.

`CASES` is the matrix; RELIABILITY.md tabulates it with each case's outcome before and after issue 12's fixes
(`before`), and a test below keeps the two in step. Interfaces: "API" (a Python call), "CLI" (the command in
process, click's CliRunner, so a raw exception fails the test) and "CLI process" (a real `cnnlstm` process, for a
few cases: each one costs the imports). Everything runs on tiny slices of real data with tiny networks, one epoch.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Callable
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import cnnlstm
from cnnlstm import Classifier, Forecaster, NotFittedError, Regressor, UnitRegressor, datasets
from cnnlstm.cli import main

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ["CNNLSTM_DATA_DIR"])  # set by conftest.py
GUNPOINT = DATA_DIR / "UCR" / "GunPoint"
TINY_F = dict(model="cnn", window=24, horizon=6, epochs=1, filters=4, progress=False, device="cpu")
TINY_S = dict(model="cnn", epochs=1, filters=4, progress=False, device="cpu")
TINY_U = dict(TINY_S, window=10)
CLI_TINY = ["--model", "cnn", "--epochs", "1", "--set", "filters=4"]

OUTCOMES = ("clear", "misleading", "traceback", "silent", "lost")  # what `before` may say


@dataclass
class Case:
    """One bad input and what must come of it.

    error: the exception the API raises, "usage" (the CLI's exit 2: a bad option) or "error" (the CLI's exit 1: the
        library's one-line error); None for a correct result, which `check` then inspects.
    says: parts of the message that must appear in it (the argument, what was received, the fix).
    before: the outcome before issue 12's fixes (one of OUTCOMES), for RELIABILITY.md.
    """

    id: str
    interface: str
    task: str
    what: str
    before: str
    run: Callable[[SimpleNamespace], object]
    error: type | str | None = None
    says: tuple[str, ...] = ()
    check: Callable | None = None
    warns: str | None = None


def cli(*args):
    """The command in process; a raw exception propagates (and fails the case) instead of becoming an exit code."""
    return CliRunner().invoke(main, ["--threads", "1", *map(str, args)], catch_exceptions=False)


def process(*args):
    """The installed `cnnlstm` command, as a user types it."""
    command = [str(Path(sys.executable).parent / "cnnlstm"), "--threads", "1", *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    return SimpleNamespace(exit_code=done.returncode, output=done.stdout + done.stderr)


def unreadable(path: Path, call):
    """`call()` with `path` made unreadable; as root, whom permissions do not stop, the read itself fails as a
    denied read does (a PermissionError naming the file, as open() raises it)."""
    path.chmod(0)
    denied = PermissionError(13, "Permission denied", str(path))
    as_root = os.access(path, os.R_OK)
    refused = mock.patch("pandas.read_csv", side_effect=denied) if as_root else contextlib.nullcontext()
    try:
        with refused:
            return call()
    finally:
        path.chmod(0o644)


# ---------------------------------------------------------------------------------------------- the data


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    """Small real data, their files, and one tiny fitted model (and run folder) per task."""
    tmp = tmp_path_factory.mktemp("bad_inputs")
    c = SimpleNamespace(tmp=tmp)
    c.air = datasets.load("airline")
    X, y = datasets.load("GunPoint", split="train")
    Xt, yt = datasets.load("GunPoint", split="test")
    c.X, c.y, c.Xt, c.yt = X[:30, ::5], y[:30], Xt[:20, ::5], yt[:20]  # 30 steps
    units = datasets.load("cmapss-fd001", split="train")
    c.units = units[units["unit"] <= 5].reset_index(drop=True)
    test_units = datasets.load("cmapss-fd001", split="test")
    c.test_units = test_units[test_units["unit"] <= 3].reset_index(drop=True)

    c.air_csv = tmp / "airline.csv"
    c.air.to_csv(c.air_csv, index=False)
    c.table, c.test_table = tmp / "gunpoint.csv", tmp / "gunpoint_test.csv"  # one row per sequence, label first
    for path, (XX, yy) in ((c.table, (c.X, c.y)), (c.test_table, (c.Xt, c.yt))):
        frame = pd.DataFrame(XX[:, :, 0], columns=[f"t{i}" for i in range(XX.shape[1])])
        frame.insert(0, "label", yy.astype(int))
        frame.to_csv(path, index=False)
    c.table_frame = pd.read_csv(c.table)

    c.forecaster = Forecaster(**TINY_F).fit(c.air)
    c.forecast_run = tmp / "forecast_run"
    c.forecaster.save(c.forecast_run)
    c.classifier = Classifier(**TINY_S).fit(c.X, c.y)  # fitted on arrays: no column names
    c.classify_run = tmp / "classify_run"
    c.classifier.save(c.classify_run)
    c.table_classifier = Classifier(**TINY_S).fit(c.table_frame, target="label")  # fitted on a table
    c.table_run = tmp / "table_run"
    c.table_classifier.save(c.table_run)
    c.regressor = Regressor(**TINY_S).fit(c.X, np.arange(30.0))
    c.unit_regressor = UnitRegressor(**TINY_U).fit(c.units, group="unit", target="rul")
    c.unit_run = tmp / "unit_run"
    c.unit_regressor.save(c.unit_run)
    return c


def _file(c, name: str, text: str) -> Path:
    path = c.tmp / name
    path.write_text(text)
    return path


def _copy(c, name: str) -> Path:
    path = c.tmp / name
    path.write_bytes(c.air_csv.read_bytes())
    return path


def _with(frame: pd.DataFrame, column: str, row: int, value) -> pd.DataFrame:
    frame = frame.copy()
    if isinstance(value, str):
        frame[column] = frame[column].astype(object)
    frame.loc[frame.index[row], column] = value
    return frame


def _steps(table: Path) -> pd.DataFrame:
    """A table of sequences without its label column: what the model must read."""
    return pd.read_csv(table).drop(columns="label")


def _scored_on(run: Path, test: int) -> bool:
    """Whether a classify run folder holds a trained model and a test report over `test` sequences."""
    report = json.loads((run / "metrics.json").read_text())["test"]
    return (run / "model.pt").is_file() and sum(map(sum, report["confusion_matrix"])) == test


def _folder(c, name: str, *files: str) -> Path:
    folder = c.tmp / name
    folder.mkdir(exist_ok=True)
    for file in files:
        (folder / file).write_text("the user's own")
    return folder


# ---------------------------------------------------------------------------------------------- the matrix

F, C, R, U = Forecaster, Classifier, Regressor, UnitRegressor
FIX = "Fix:"

CASES = [
    # ------------------------------------------------------------------ forecast, Python
    Case("F01", "API", "forecast", "a CSV path that does not exist", "clear",
         lambda c: F(**TINY_F).fit(str(c.tmp / "nope.csv")), FileNotFoundError, ("`data`", "does not exist")),
    Case("F02", "API", "forecast", "an empty file (0 bytes)", "clear",
         lambda c: F(**TINY_F).fit(_file(c, "empty.csv", "")), ValueError, ("`data` is an empty file", FIX)),
    Case("F03", "API", "forecast", "a CSV with a header and no rows", "clear",
         lambda c: F(**TINY_F).fit(_file(c, "header.csv", "date,Passengers\n")), ValueError,
         ("`data` is empty: it has 0 rows", FIX)),
    Case("F04", "API", "forecast", "a NaN in the target", "clear",
         lambda c: F(**TINY_F).fit(_with(c.air, "Passengers", 5, np.nan)), ValueError,
         ("'Passengers' has 1 missing values", "missing='interpolate'")),
    Case("F05", "API", "forecast", "an inf in the target", "clear",
         lambda c: F(**TINY_F).fit(_with(c.air, "Passengers", 7, np.inf)), ValueError, ("infinite values", FIX)),
    Case("F06", "API", "forecast", "a single row", "misleading",
         lambda c: F(**TINY_F).fit(c.air.iloc[:1]), ValueError, ("`data` has 1 row", "window + horizon", FIX)),
    Case("F07", "API", "forecast", "a string ('n/a') in the numeric target column", "clear",
         lambda c: F(**TINY_F).fit(_with(c.air, "Passengers", 3, "n/a")), ValueError,
         ("'Passengers' holds non-numeric values, the first 'n/a'", FIX)),
    Case("F08", "API", "forecast", "a misspelt target column", "clear",
         lambda c: F(**TINY_F, targets=["Pasengers"]).fit(c.air), ValueError,
         ("`targets`", "Received: targets='Pasengers'", "Did you mean 'Passengers'")),
    Case("F09", "API", "forecast", "targets=[] (an empty list)", "misleading",
         lambda c: F(**TINY_F, targets=[]).fit(c.air), ValueError, ("`targets` must name at least one", FIX)),
    Case("F10", "API", "forecast", "a window longer than the data", "clear",
         lambda c: F(**{**TINY_F, "window": 500}).fit(c.air), ValueError, ("too short", "window=500", FIX)),
    Case("F11", "API", "forecast", "epochs=0", "clear",
         lambda c: F(**{**TINY_F, "epochs": 0}).fit(c.air), ValueError, ("`epochs` must be a positive integer",
                                                                           "Received: epochs=0", FIX)),
    Case("F12", "API", "forecast", "epochs='10' (a string)", "clear",
         lambda c: F(**{**TINY_F, "epochs": "10"}).fit(c.air), ValueError, ("`epochs`", "Received: epochs='10'")),
    Case("F13", "API", "forecast", "lr='fast' (a string)", "traceback",
         lambda c: F(**TINY_F, lr="fast").fit(c.air), TypeError, ("`lr` must be a positive number", "lr='fast'", FIX)),
    Case("F14", "API", "forecast", "patience='5' (a string)", "traceback",
         lambda c: F(**TINY_F, patience="5").fit(c.air), TypeError, ("`patience`", "patience='5'", FIX)),
    Case("F15", "API", "forecast", "weight_decay='0.1' (a string)", "traceback",
         lambda c: F(**TINY_F, weight_decay="0.1").fit(c.air), TypeError, ("`weight_decay`", FIX)),
    Case("F16", "API", "forecast", "seed='abc'", "traceback",
         lambda c: F(**TINY_F, seed="abc").fit(c.air), TypeError, ("`seed` must be an integer", FIX)),
    Case("F17", "API", "forecast", "amp='no' (a truthy string: mixed precision on)", "silent",
         lambda c: F(**TINY_F, amp="no").fit(c.air), TypeError, ("`amp` must be True (bf16 on CUDA), False, or \"always\"", "amp='no'", FIX)),
    Case("F18", "API", "forecast", "split with two fractions", "clear",
         lambda c: F(**TINY_F, split=(0.8, 0.2)).fit(c.air), ValueError, ("`split` must have three parts", FIX)),
    Case("F19", "API", "forecast", "split as one string '0.7,0.1,0.2'", "clear",
         lambda c: F(**TINY_F, split="0.7,0.1,0.2").fit(c.air), TypeError, ("`split` must be a tuple", FIX)),
    Case("F20", "API", "forecast", "ETT's row counts (8640, 2880, 2880) on 144 rows", "silent",
         lambda c: F(**TINY_F, split=(8640, 2880, 2880)).fit(c.air), ValueError,
         ("`split` row counts", "need 14400 rows, but the data has 144", FIX)),
    Case("F21", "API", "forecast", "split dates after the end of the data", "silent",
         lambda c: F(**TINY_F, split=("2030-01-01", "2031-01-01")).fit(c.air), ValueError,
         ("`split` timestamps must fall inside the data", FIX)),
    Case("F22", "API", "forecast", "a misspelt model name", "clear",
         lambda c: F(**{**TINY_F, "model": "cnn-lstm"}).fit(c.air), ValueError,
         ("`model` must be one of", "Did you mean 'cnn_lstm'")),
    Case("F23", "API", "forecast", "a misspelt hyperparameter", "clear",
         lambda c: F(**TINY_F, kernel_sise=3).fit(c.air), ValueError,
         ("`kernel_sise` is not a hyperparameter", "Did you mean 'kernel_size'", FIX)),
    Case("F24", "API", "forecast", "a negative hyperparameter (filters=-3)", "clear",
         lambda c: F(**{**TINY_F, "filters": -3}).fit(c.air), ValueError, ("`filters` must be a positive int", FIX)),
    Case("F25", "API", "forecast", "freq='monthly' (not a pandas frequency)", "misleading",
         lambda c: F(**TINY_F, freq="monthly").fit(c.air), ValueError,
         ("`freq` must be a pandas frequency", "freq='monthly'", FIX)),
    Case("F26", "API", "forecast", "season_length=0 (silently replaced by 12)", "silent",
         lambda c: F(**TINY_F, season_length=0).fit(c.air), ValueError,
         ("`season_length` must be a positive integer", "season_length=0")),
    Case("F27", "API", "forecast", "max_steps_per_epoch=0 (the setting was ignored)", "silent",
         lambda c: F(**TINY_F, max_steps_per_epoch=0).fit(c.air), ValueError, ("`max_steps_per_epoch` must be",)),
    Case("F28", "API", "forecast", "a semicolon-separated CSV", "misleading",
         lambda c: F(**TINY_F).fit(_file(c, "semicolon.csv", c.air_csv.read_text().replace(",", ";"))),
         check=lambda f, c: f.spec_.targets == ["Passengers"] and f.spec_.time_col == "date",
         warns="separated by ';'"),
    Case("F29", "API", "forecast", "predict: history without the target column", "misleading",
         lambda c: c.forecaster.predict(c.air.rename(columns={"Passengers": "passengers"})), ValueError,
         ("`data` must be laid out as in fit", "without 'Passengers'", FIX)),
    Case("F30", "API", "forecast", "predict: fewer rows than the window", "clear",
         lambda c: c.forecaster.predict(c.air.iloc[:10]), ValueError, ("has 10 rows", "window=24", FIX)),
    Case("F31", "API", "forecast", "predict: a classification array given to a forecaster", "misleading",
         lambda c: c.forecaster.predict(c.X), ValueError, ("`data` must be laid out as in fit", "an array of shape",
                                                           FIX)),
    Case("F32", "API", "forecast", "predict: future= for a model without future covariates", "silent",
         lambda c: c.forecaster.predict(c.air, future=c.air), ValueError, ("`future` must be None", FIX)),
    Case("F33", "API", "forecast", "predict before fit", "clear",
         lambda c: F(**TINY_F).predict(c.air), NotFittedError, ("not fitted yet",)),
    Case("F34", "API", "forecast", "duplicate timestamps", "clear",
         lambda c: F(**TINY_F).fit(pd.concat([c.air.iloc[:80], c.air.iloc[79:]], ignore_index=True)), ValueError,
         ("duplicate timestamps", FIX)),
    Case("F35", "API", "forecast", "a Python list as the data", "clear",
         lambda c: F(**TINY_F).fit([1.0, 2.0, 3.0]), TypeError, ("`data` must be a path", "list")),
    # ------------------------------------------------------------------ classify, Python
    Case("C01", "API", "classify", "X and y of different lengths", "clear",
         lambda c: C(**TINY_S).fit(c.X, c.y[:-3]), ValueError, ("`y` must hold one label per sequence", FIX)),
    Case("C02", "API", "classify", "labels of one class", "clear",
         lambda c: C(**TINY_S).fit(c.X, np.ones(len(c.X))), ValueError, ("at least two classes", FIX)),
    Case("C03", "API", "classify", "X as one 1-D series", "clear",
         lambda c: C(**TINY_S).fit(c.X[0, :, 0], c.y), ValueError, ("`X` must be a numeric array", FIX)),
    Case("C04", "API", "classify", "X of strings", "clear",
         lambda c: C(**TINY_S).fit(np.array([["a", "b"]] * 30), c.y), ValueError, ("`X` must be a numeric array",)),
    Case("C05", "API", "classify", "a NaN inside X", "clear",
         lambda c: C(**TINY_S).fit(np.where(np.arange(30)[:, None, None] == 3, np.nan, c.X), c.y), ValueError,
         ("`X` must hold finite numbers", "sequence 3", FIX)),
    Case("C06", "API", "classify", "X with a stray axis (N, T, 1, 1)", "clear",
         lambda c: C(**TINY_S).fit(c.X[..., None], c.y), ValueError, ("(N, T, C, H, W)", FIX)),
    Case("C07", "API", "classify", "predict: another number of channels than fit", "clear",
         lambda c: c.classifier.predict(np.repeat(c.Xt, 2, axis=2)), ValueError, ("number of channels", FIX)),
    Case("C08", "API", "classify", "evaluate: labels never seen in training", "clear",
         lambda c: c.classifier.evaluate(c.Xt, np.full(len(c.Xt), "7")), ValueError,
         ("labels never seen in training", FIX)),
    Case("C09", "API", "classify", "fit(X) without y", "clear",
         lambda c: C(**TINY_S).fit(c.X), ValueError, ("`y` is missing", FIX)),
    Case("C10", "API", "classify", "one-hot labels (N, 2)", "clear",
         lambda c: C(**TINY_S).fit(c.X, np.eye(2)[(c.y == c.y[0]).astype(int)]), ValueError,
         ("`y` must hold one label per sequence", "(30, 2)")),
    Case("C11", "API", "classify", "val_size=1.5", "clear",
         lambda c: C(**TINY_S, val_size=1.5).fit(c.X, c.y), ValueError, ("`val_size` must be a fraction", FIX)),
    Case("C12", "API", "classify", "continuous values as labels (a regression target)", "silent",
         lambda c: C(**TINY_S).fit(c.X, np.linspace(0.1, 0.9, 30)), ValueError,
         ("`y` must hold class labels", "continuous", "Regressor")),
    Case("C13", "API", "classify", "a wide table with 'n/a' in one step column", "silent",
         lambda c: C(**TINY_S).fit(_with(c.table_frame, "t3", 2, "n/a"), target="label"), ValueError,
         ("column 't3' must hold numbers", "'n/a' at row 2", FIX)),
    Case("C14", "API", "classify", "predict: a table that still holds its label column", "silent",
         lambda c: c.table_classifier.predict_proba(pd.read_csv(c.test_table)),
         check=lambda p, c: np.allclose(p, c.table_classifier.predict_proba(_steps(c.test_table)))),
    Case("C15", "API", "classify", "predict: steps of another length than every training sequence", "silent",
         lambda c: c.classifier.predict(c.Xt[:, :10]), check=lambda p, c: len(p) == len(c.Xt),
         warns="every training sequence had 30"),
    Case("C16", "API", "classify", "model='linear' on sequences of varying length", "clear",
         lambda c: C(model="linear", epochs=1, progress=False).fit([x[: 10 + i] for i, x in enumerate(c.X)], c.y),
         ValueError, ("needs sequences of one length", FIX)),
    Case("C17", "API", "classify", "folds=1", "clear",
         lambda c: C(**TINY_S, folds=1).fit(c.X, c.y), ValueError, ("`folds` must be None", FIX)),
    Case("C18", "API", "classify", "n_estimators=0", "clear",
         lambda c: C(**TINY_S, n_estimators=0).fit(c.X, c.y), ValueError, ("`n_estimators` must be", FIX)),
    Case("C19", "API", "classify", "a dict as X", "clear",
         lambda c: C(**TINY_S).fit({"X": c.X}, c.y), TypeError, ("`X` must be an array", FIX)),
    Case("C20", "API", "classify", "a missing label (None)", "clear",
         lambda c: C(**TINY_S).fit(c.X, np.where(np.arange(30) == 2, None, c.y)), ValueError,
         ("empty labels", "[2]", FIX)),
    Case("C21", "API", "classify", "an empty X (0 sequences)", "clear",
         lambda c: C(**TINY_S).fit(np.zeros((0, 10)), np.zeros(0)), ValueError, ("at least one sequence",)),
    Case("C22", "API", "classify", "image sequences given to a series model", "clear",
         lambda c: C(**TINY_S).fit(np.zeros((4, 3, 1, 8, 8)), np.array([0, 1, 0, 1])), ValueError,
         ("takes series", "image sequences", FIX)),
    Case("C23", "API", "classify", "a long table whose group column does not exist", "traceback",
         lambda c: C(**TINY_S).fit(c.table_frame, target="label", group="subject"), ValueError,
         ("`group` must be one of", "Received: group='subject'", FIX)),
    Case("C24", "API", "classify", "predict: a table with 'n/a' in a step column (the column was dropped)", "silent",
         lambda c: c.table_classifier.predict(_with(_steps(c.test_table), "t3", 2, "n/a")), ValueError,
         ("column 't3' must hold numbers", "'n/a' at row 2", FIX)),
    # ------------------------------------------------------------------ regress, Python
    Case("R01", "API", "regress", "a NaN target", "clear",
         lambda c: R(**TINY_S).fit(c.X, np.r_[np.nan, np.arange(29.0)]), ValueError, ("with NaN or inf", FIX)),
    Case("R02", "API", "regress", "text targets ('walk', 'run')", "misleading",
         lambda c: R(**TINY_S).fit(c.X, np.array(["walk", "run"] * 15)), ValueError,
         ("`y` must hold numbers", "'walk'", "Classifier")),
    Case("R03", "API", "regress", "y shorter than X", "clear",
         lambda c: R(**TINY_S).fit(c.X, np.arange(5.0)), ValueError, ("`y` must hold one finite number", "(5,)",
                                                                        FIX)),
    Case("R04", "API", "regress", "window= (a setting of units' rows) on whole sequences", "clear",
         lambda c: R(**TINY_S, window=30).fit(c.X, np.arange(30.0)), ValueError, ("`window` applies to", FIX)),
    Case("R05", "API", "regress", "a wide table with text in a step column", "silent",
         lambda c: R(**TINY_S).fit(_with(c.table_frame, "t0", 0, "?"), target="label"), ValueError,
         ("column 't0' must hold numbers", FIX)),
    Case("R06", "API", "regress", "evaluate: fewer targets than sequences", "clear",
         lambda c: c.regressor.evaluate(c.Xt, np.arange(3.0)), ValueError, ("`y` must hold one finite number", "(3,)",
                                                                             FIX)),
    Case("R07", "API", "regress", "predict: another number of channels than fit", "clear",
         lambda c: c.regressor.predict(np.repeat(c.Xt, 3, axis=2)), ValueError, ("number of channels", FIX)),
    # ------------------------------------------------------------------ rul, Python
    Case("U01", "API", "rul", "no unit column", "clear",
         lambda c: U(**TINY_U).fit(c.units.drop(columns="unit"), group="unit", target="rul"), ValueError,
         ("`group` must be one of", FIX)),
    Case("U02", "API", "rul", "no target column", "clear",
         lambda c: U(**TINY_U).fit(c.units.drop(columns="rul"), group="unit", target="rul"), ValueError,
         ("`target` must be one of", FIX)),
    Case("U03", "API", "rul", "a NaN target", "clear",
         lambda c: U(**TINY_U).fit(_with(c.units, "rul", 5, np.nan), group="unit", target="rul"), ValueError,
         ("'rul' must be finite", FIX)),
    Case("U04", "API", "rul", "a sensor column with one text value (the sensor was dropped)", "silent",
         lambda c: U(**TINY_U).fit(_with(c.units, "s2", 5, "x"), group="unit", target="rul"), ValueError,
         ("column 's2' must hold numbers", "'x' at row 5", FIX)),
    Case("U05", "API", "rul", "a NaN sensor value", "clear",
         lambda c: U(**TINY_U).fit(_with(c.units, "s2", 5, np.nan), group="unit", target="rul"), ValueError,
         ("finite numbers", "'s2'", FIX)),
    Case("U06", "API", "rul", "a single row", "misleading",
         lambda c: U(**TINY_U).fit(c.units.iloc[:1], group="unit", target="rul"), ValueError,
         ("constant over these 1 training rows", FIX)),
    Case("U07", "API", "rul", "window=0", "clear",
         lambda c: U(**{**TINY_U, "window": 0}).fit(c.units, group="unit", target="rul"), ValueError,
         ("`window` must be a positive int", FIX)),
    Case("U08", "API", "rul", "an array instead of units' rows", "clear",
         lambda c: U(**TINY_U).fit(np.zeros((100, 5)), group="unit", target="rul"), TypeError,
         ("`data` must be a DataFrame of units' rows", FIX)),
    Case("U09", "API", "rul", "n_conditions='two'", "misleading",
         lambda c: U(**TINY_U, n_conditions="two").fit(c.units, group="unit", target="rul"), ValueError,
         ("`n_conditions` must be 'auto' or a positive integer", FIX)),
    Case("U10", "API", "rul", "rul_cap=-5", "misleading",
         lambda c: U(**TINY_U, rul_cap=-5).fit(c.units, group="unit", target="rul"), ValueError,
         ("`rul_cap` must be a positive number", FIX)),
    Case("U11", "API", "rul", "a time_col that does not exist", "misleading",
         lambda c: U(**TINY_U, time_col="time").fit(c.units, group="unit", target="rul"), ValueError,
         ("`time_col` must be one of", "Received: time_col='time'", FIX)),
    Case("U12", "API", "rul", "predict: a sensor column missing", "clear",
         lambda c: c.unit_regressor.predict(c.test_units.drop(columns="s2")), ValueError,
         ("lacks column 's2'", FIX)),
    Case("U13", "API", "rul", "predict: classification arrays given to a units' model", "clear",
         lambda c: c.unit_regressor.predict(c.X), TypeError, ("`data` must be a DataFrame of units' rows",)),
    Case("U14", "API", "rul", "predict: a sensor value that is text", "misleading",
         lambda c: c.unit_regressor.predict(_with(c.test_units, "s3", 4, "bad")), ValueError,
         ("column 's3' must hold numbers", "'bad' at row 4", FIX)),
    # ------------------------------------------------------------------ loading models and datasets, Python
    Case("L01", "API", "any", "load: a folder that does not exist", "clear",
         lambda c: cnnlstm.load(c.tmp / "nope"), FileNotFoundError, ("`path` must be a model folder", FIX)),
    Case("L02", "API", "any", "load: a CSV file instead of a model folder", "clear",
         lambda c: cnnlstm.load(c.air_csv), FileNotFoundError, ("`path` must be a model folder", FIX)),
    Case("L03", "API", "any", "Forecaster.load on a classifier's folder", "clear",
         lambda c: Forecaster.load(c.classify_run), ValueError, ("holds a Classifier, not a Forecaster", FIX)),
    Case("L04", "API", "any", "datasets.load: a misspelt name", "clear",
         lambda c: datasets.load("GunPont", split="train"), ValueError, ("Did you mean 'GunPoint'", FIX)),
    Case("L05", "API", "classify", "datasets.load: split='validation'", "clear",
         lambda c: datasets.load("GunPoint", split="validation"), ValueError, ("`split` must be one of", FIX)),
    Case("L06", "API", "classify", "datasets.load: a folder without .ts files", "clear",
         lambda c: datasets.load(c.tmp, split="train"), ValueError, ("holds no such file", FIX)),
    Case("L07", "API", "forecast", "datasets.load('airline', split='test') (the whole series came back)", "silent",
         lambda c: datasets.load("airline", split="test"), ValueError,
         ("`split` applies to classification and RUL sets", "Forecaster(split=...)")),
    # ------------------------------------------------------------------ command line
    Case("X01", "CLI", "forecast", "--data a file without read permission", "traceback",
         lambda c: unreadable(_copy(c, "locked.csv"), lambda: cli("train", "--data", c.tmp / "locked.csv", "--dry-run")),
         "error", ("cannot be read: permission denied", FIX)),
    Case("X02", "CLI", "forecast", "--data a folder named like a CSV", "traceback",
         lambda c: cli("train", "--data", _folder(c, "folder.csv"), "--dry-run"),
         "error", ("is a folder", FIX)),
    Case("X03", "CLI", "forecast", "--epochs ten", "clear",
         lambda c: cli("train", "--dataset", "airline", "--epochs", "ten", "--dry-run"), "usage",
         ("--epochs", "'ten' is not a valid integer")),
    Case("X04", "CLI", "forecast", "--epochs 0", "clear",
         lambda c: cli("train", "--dataset", "airline", "--epochs", "0", "--dry-run"), "error",
         ("`epochs` must be a positive integer", "epochs=0", FIX)),
    Case("X05", "CLI", "forecast", "--set with a misspelt hyperparameter", "clear",
         lambda c: cli("train", "--dataset", "airline", "--set", "hidden_sise=8", "--dry-run"), "error",
         ("--hidden-sise is not a setting", "Did you mean 'hidden_size'", FIX)),
    Case("X06", "CLI", "forecast", "--set hidden_size=big", "clear",
         lambda c: cli("train", "--dataset", "airline", "--model", "lstm", "--set", "hidden_size=big", "--dry-run"),
         "error", ("`hidden_size` must be a positive int", "'big'", FIX)),
    Case("X07", "CLI", "forecast", "--set without '='", "clear",
         lambda c: cli("train", "--dataset", "airline", "--set", "hidden_size", "--dry-run"), "error",
         ("`--set` must look like KEY=VALUE", FIX)),
    Case("X08", "CLI", "forecast", "--config that is not valid TOML", "clear",
         lambda c: cli("train", "--dataset", "airline", "--config", _file(c, "bad.toml", "epochs =\n"), "--dry-run"),
         "error", ("is not valid TOML",)),
    Case("X09", "CLI", "forecast", "--config with epochs = \"ten\"", "clear",
         lambda c: cli("train", "--dataset", "airline", "--config", _file(c, "types.toml", 'epochs = "ten"\n'),
                       "--dry-run"), "error", ("`epochs` must be a positive integer", "'ten'")),
    Case("X10", "CLI", "forecast", "--config naming a folder", "clear",
         lambda c: cli("train", "--dataset", "airline", "--config", c.tmp, "--dry-run"), "usage",
         ("--config", "is a directory")),
    Case("X11", "CLI", "forecast", "--split 0.7;0.1;0.2 (semicolons)", "clear",
         lambda c: cli("train", "--dataset", "airline", "--split", "0.7;0.1;0.2", "--dry-run"), "error",
         ("`split` must have three parts", FIX)),
    Case("X12", "CLI", "forecast", "--split yesterday,today", "clear",
         lambda c: cli("train", "--dataset", "airline", "--split", "yesterday,today", "--dry-run"), "error",
         ("`split` timestamps must parse as dates", FIX)),
    Case("X13", "CLI", "forecast", "--freq monthly", "misleading",
         lambda c: cli("train", "--data", c.air_csv, "--freq", "monthly", "--dry-run"), "error",
         ("`freq` must be a pandas frequency", FIX)),
    Case("X14", "CLI", "classify", "--task classify on a table without --target", "clear",
         lambda c: cli("train", "--task", "classify", "--data", c.table, "--dry-run"), "error",
         ("`target` must name the column", "--target COLUMN")),
    Case("X15", "CLI", "classify", "--target misspelt", "clear",
         lambda c: cli("train", "--task", "classify", "--data", c.table, "--target", "labl", "--dry-run"), "error",
         ("Did you mean 'label'", FIX)),
    Case("X16", "CLI", "classify", "train --data a .ts file without --task (read as a forecasting table)",
         "misleading",
         lambda c: cli("train", "--data", GUNPOINT / "GunPoint_TRAIN.ts", "--dry-run"), "error",
         ("is a .ts file of whole sequences", "--task classify")),
    Case("X17", "CLI", "classify", "train --task classify --data a folder of _TRAIN/_TEST.ts files", "misleading",
         lambda c: cli("train", "--task", "classify", "--data", GUNPOINT, *CLI_TINY, "--out", c.tmp / "ts_run"),
         check=lambda r, c: r.exit_code == 0 and _scored_on(c.tmp / "ts_run", test=150)),  # GunPoint_TEST
    Case("X18", "CLI", "forecast", "predict: a forecaster's run on a .ts file", "misleading",
         lambda c: cli("predict", c.forecast_run, "--data", GUNPOINT / "GunPoint_TEST.ts"), "error",
         ("is a .ts file of whole sequences, which forecasting does not read", FIX)),
    Case("X19", "CLI", "classify", "predict: a classifier's run on the airline CSV (one step per row)", "silent",
         lambda c: cli("predict", c.classify_run, "--data", c.air_csv),
         check=lambda r, c: r.exit_code == 0, warns="every training sequence had 30"),
    Case("X20", "CLI", "classify", "predict: a table with its label column, no --target", "silent",
         lambda c: cli("predict", c.table_run, "--data", c.test_table, "--out", c.tmp / "labels.csv"),
         check=lambda r, c: r.exit_code == 0 and np.allclose(pd.read_csv(c.tmp / "labels.csv")[["proba_1", "proba_2"]],
                                                             c.table_classifier.predict_proba(_steps(c.test_table)))),
    Case("X21", "CLI", "any", "predict: a run folder that does not exist", "clear",
         lambda c: cli("predict", c.tmp / "nope", "--dataset", "airline"), "error",
         ("`path` must be a model folder", FIX)),
    Case("X22", "CLI", "any", "predict: a file where the run folder belongs", "clear",
         lambda c: cli("predict", c.air_csv, "--dataset", "airline"), "usage", ("RUN_DIR", "is a file")),
    Case("X23", "CLI", "rul", "predict: a units' run on a classification dataset", "clear",
         lambda c: cli("predict", c.unit_run, "--dataset", "GunPoint"), "error",
         ("'GunPoint' is a classify dataset", "Fix: task='classify'")),
    Case("X24", "CLI", "classify", "evaluate: labels never seen in training", "clear",
         lambda c: cli("evaluate", c.table_run, "--data", _file(c, "nine.csv", pd.read_csv(c.test_table).assign(
             label=9).to_csv(index=False)), "--target", "label"), "error", ("labels never seen in training", FIX)),
    Case("X25", "CLI", "forecast", "train --out a file", "clear",
         lambda c: cli("train", "--dataset", "airline", "--out", c.air_csv), "usage", ("--out", "is a file")),
    Case("X26", "CLI", "forecast", "train --out a folder of the user's own files", "clear",
         lambda c: cli("train", "--dataset", "airline", "--model", "linear", "--epochs", "1", "--out",
                       _folder(c, "mine", "notes.txt")),
         "error", ("no config.json", FIX)),
    Case("X27", "CLI", "forecast", "predict --out the --data file itself", "lost",
         lambda c: cli("predict", c.forecast_run, "--data", _copy(c, "mine.csv"), "--out", c.tmp / "mine.csv"),
         "usage", ("--out", "is the --data file itself", FIX)),
    Case("X28", "CLI", "forecast", "evaluate --out the --data file itself", "lost",
         lambda c: cli("evaluate", c.forecast_run, "--data", _copy(c, "mine2.csv"), "--out", c.tmp / "mine2.csv"),
         "usage", ("is the --data file itself", FIX)),
    Case("X29", "CLI", "forecast", "predict --future for a model without future covariates", "silent",
         lambda c: cli("predict", c.forecast_run, "--dataset", "airline", "--future", c.air_csv), "error",
         ("`future` must be None", FIX)),
    Case("X30", "CLI", "forecast", "predict --target on a forecaster's run (ignored)", "silent",
         lambda c: cli("predict", c.forecast_run, "--dataset", "airline", "--target", "Passengers"), "usage",
         ("--target applies to classify and regress runs", FIX)),
    Case("X31", "CLI", "regress", "--task regress with text labels", "misleading",
         lambda c: cli("train", "--task", "regress", "--data", _file(c, "walk.csv", c.table_frame.assign(
             label=np.where(c.table_frame["label"] == 1, "walk", "run")).to_csv(index=False)), "--target", "label",
             "--dry-run"), "error", ("`y` must hold numbers", "--task classify")),
    Case("X32", "CLI", "rul", "--task rul on a table without units", "clear",
         lambda c: cli("train", "--task", "rul", "--data", c.air_csv, "--dry-run"), "error",
         ("`target` must be one of", "Received: target='rul'", FIX)),
    Case("X33", "CLI", "any", "--threads 0", "clear",
         lambda c: cli("--threads", "0", "models"), "usage", ("--threads", "must be a positive integer")),
    Case("X34", "CLI", "classify", "--dataset GunPoint with --test-data", "clear",
         lambda c: cli("train", "--dataset", "GunPoint", "--test-data", c.test_table, "--dry-run"), "error",
         ("`test_data` must be None with a dataset name",)),
    Case("X35", "CLI", "forecast", "--data an .xlsx file", "clear",
         lambda c: cli("train", "--data", _file(c, "book.xlsx", "PK"), "--dry-run"), "error",
         ("`data` must be a .csv", FIX)),
    Case("X36", "CLI", "forecast", "evaluate --stride 0", "clear",
         lambda c: cli("evaluate", c.forecast_run, "--dataset", "airline", "--stride", "0"), "error",
         ("`stride` must be a positive integer",)),
    Case("X37", "CLI", "rul", "--task forecast on C-MAPSS", "clear",
         lambda c: cli("train", "--task", "forecast", "--dataset", "cmapss-fd001", "--dry-run"), "error",
         ("is a rul dataset", "Fix: task='rul'")),
    Case("X38", "CLI", "classify", "--encoder of another architecture", "clear",
         lambda c: cli("train", "--task", "classify", "--dataset", "GunPoint", "--model", "lstm", "--encoder",
                       c.classify_run, "--dry-run"), "error", ("is a 'cnn' model", FIX)),
    Case("X39", "CLI", "forecast", "--window longer than the data", "clear",
         lambda c: cli("train", "--dataset", "airline", "--window", "500", "--dry-run"), "error",
         ("too short", FIX)),
    Case("X40", "CLI", "forecast", "--split with ETT's row counts on a short CSV", "silent",
         lambda c: cli("train", "--data", c.air_csv, "--split", "8640,2880,2880", "--window", "24", "--horizon", "6",
                       "--dry-run"), "error", ("`split` row counts", FIX)),
    # ------------------------------------------------------------------ a real `cnnlstm` process
    Case("P01", "CLI process", "classify", "train --data a .ts file without --task", "misleading",
         lambda c: process("train", "--data", GUNPOINT / "GunPoint_TRAIN.ts", "--dry-run"), "error",
         ("is a .ts file of whole sequences", "--task classify")),
    Case("P02", "CLI process", "forecast", "predict --out the --data file itself", "lost",
         lambda c: process("predict", c.forecast_run, "--data", _copy(c, "mine3.csv"), "--out", c.tmp / "mine3.csv"),
         "usage", ("is the --data file itself", FIX)),
    Case("P03", "CLI process", "forecast", "--split 0.7,0.2", "clear",
         lambda c: process("train", "--dataset", "airline", "--split", "0.7,0.2", "--dry-run"), "error",
         ("`split` must have three parts", FIX)),
]


# ---------------------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("case", CASES, ids=[f"{c.id}-{c.interface.replace(' ', '_')}" for c in CASES])
def test_bad_input(case: Case, ctx):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if isinstance(case.error, type):
            with pytest.raises(case.error) as raised:
                case.run(ctx)
            message = str(raised.value)
        else:
            result = case.run(ctx)
    if case.warns is not None:
        assert any(case.warns in str(w.message) for w in caught), [str(w.message) for w in caught]
    if case.error is None:  # a correct result
        assert case.check(result, ctx), getattr(result, "output", result)
        return
    if isinstance(case.error, str):  # the command line: its exit code, one clear line, no traceback
        assert result.exit_code == {"usage": 2, "error": 1}[case.error], result.output
        assert "Traceback" not in result.output, result.output
        message = " ".join(result.output.split())
    for part in case.says:
        assert part in message, f"{part!r} not in: {message}"


def test_nothing_is_lost_when_out_names_the_data(ctx):
    data = _copy(ctx, "keep.csv")
    before = data.read_bytes()
    assert cli("predict", ctx.forecast_run, "--data", data, "--out", data).exit_code == 2
    assert cli("evaluate", ctx.forecast_run, "--data", data, "--out", data).exit_code == 2
    assert data.read_bytes() == before


def test_ts_folder_trains_on_train_and_scores_on_test(ctx):
    """`train --data <folder>` reads <Name>_TRAIN.ts to fit and <Name>_TEST.ts to score, as the name would; a folder
    of frames still reads as frames (told apart by what it holds)."""
    import matplotlib.image

    from cnnlstm.data.tasks import read_task_data

    data = read_task_data(str(GUNPOINT), task="classify")
    assert (len(data.train[1]), len(data.test[1]), data.name) == (50, 150, "GunPoint")

    frames = ctx.tmp / "frames"  # root/<label>/<sequence>/<frame>.png
    for label in ("a", "b"):
        for k in range(2):
            folder = frames / label / f"seq{k}"
            folder.mkdir(parents=True, exist_ok=True)
            for t in range(3):
                matplotlib.image.imsave(folder / f"frame{t}.png", np.full((4, 4), t / 3.0), cmap="gray")
    read = read_task_data(str(frames), task="classify")
    assert read.train[0].X.shape[:2] == (4, 3) and sorted(set(read.train[1])) == ["a", "b"]
    with pytest.raises(ValueError, match="`test_data` must be None with a folder of .ts files"):
        read_task_data(str(GUNPOINT), task="classify", test_data=ctx.test_table)
    with pytest.raises(ValueError, match="task='auto' says nothing of what to learn"):
        read_task_data(str(GUNPOINT))


def test_reliability_table_lists_every_case():
    """RELIABILITY.md's outcome table has one row per case, with the `before` recorded here."""
    text = (ROOT / "RELIABILITY.md").read_text(encoding="utf-8")
    rows = {m[0]: m[1] for m in re.findall(r"^\| (\w\d\d) \|[^|]*\|[^|]*\|[^|]*\| (\w+) \|", text, re.M)}
    assert set(rows) == {c.id for c in CASES}
    assert all(rows[c.id] == c.before for c in CASES)
    assert all(c.before in OUTCOMES for c in CASES) and len({c.id for c in CASES}) == len(CASES)
