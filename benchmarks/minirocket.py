"""MiniRocket (aeon) reference numbers for the classification tables, and a MiniRocket regressor for later use.

MiniRocket is the fast non-deep baseline that every classification table reports beside our models: aeon's
`MiniRocketClassifier` (10,000 kernels, StandardScaler, RidgeClassifierCV), fitted on the official TRAIN split and
scored on the official TEST split of each problem, one thread, several seeds (the seed moves MiniRocket's random
biases, so the spread is small).

aeon lives in a separate virtualenv (default /tmp/aeon-venv), run as a subprocess (`_aeon_worker.py`): installing
aeon 1.6 into the project's virtualenv would downgrade numpy (2.4 -> 2.3) and pandas (3.1 -> 3.0) there. The venv
is created when missing (`pip install aeon`), except in a dry run, which then only says so (CI has no aeon venv).
Unequal lengths (JapaneseVowels): padded at the end with zeros to the longest series of either split with aeon's
`Padder`, since aeon's MiniRocket takes equal lengths only. Numba's compile time is excluded (one untimed fit first).

Helpers (importable from other benchmark scripts):
    minirocket_accuracy(name, seed) -> (test accuracy, fit seconds)
    minirocket_runs(name, seeds) -> every seed's accuracy, fit and predict seconds, from one subprocess
    minirocket_regression(X_train, y_train, X_test, y_test, seed) -> (test RMSE, fit seconds)

    python benchmarks/minirocket.py [--dry-run] [--problems GunPoint CBF] [--seeds 5] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _common  # noqa: E402

DEFAULT_VENV = "/tmp/aeon-venv"
AEON_SPEC = "aeon"
# The eight problems and the archive folder each lies in.
PROBLEMS = {"GunPoint": "UCR", "ItalyPowerDemand": "UCR", "ECG200": "UCR", "CBF": "UCR",
            "BasicMotions": "UEA", "JapaneseVowels": "UEA", "Epilepsy": "UEA", "NATOPS": "UEA"}


class AeonUnavailableError(RuntimeError):
    pass


def archive_of(name: str) -> str:
    """"UCR" or "UEA": the folder of `name` inside a data folder."""
    if name in PROBLEMS:
        return PROBLEMS[name]
    from cnnlstm.data.sources.archives import archive_info

    return archive_info(name).archive


def thread_env(threads: int) -> dict:
    """The environment of a worker subprocess: every thread pool capped at `threads`."""
    env = dict(os.environ)
    for key in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
        env[key] = str(threads)
    return env


def _run(command: list[str], log: list) -> bool:
    print("$ " + " ".join(command), flush=True)
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log.append({"command": command, "returncode": done.returncode, "tail": done.stdout[-2000:]})
    if done.returncode != 0:
        print(done.stdout[-2000:], flush=True)
    return done.returncode == 0


def ensure_aeon(venv: str | Path = DEFAULT_VENV, *, install: bool = True) -> tuple[Path | None, list]:
    """The aeon venv's python, creating the venv (`pip install aeon`) when missing and `install`; else None."""
    venv, log = Path(venv), []
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import aeon.classification.convolution_based, aeon.datasets"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python, log
    if not install:
        return None, log
    if not python.exists() and not _run([sys.executable, "-m", "venv", str(venv)], log):
        return None, log
    if _run([str(python), "-m", "pip", "install", "--quiet", AEON_SPEC], log) and \
            subprocess.run(check, capture_output=True).returncode == 0:
        return python, log
    return None, log


def _worker(config: dict, *, venv: str | Path, threads: int) -> dict:
    python, log = ensure_aeon(venv)
    if python is None:
        raise AeonUnavailableError(f"could not install aeon into {venv}: {log[-1]['tail'] if log else ''}")
    with tempfile.TemporaryDirectory() as tmp:
        config_file, output = Path(tmp) / "config.json", Path(tmp) / "out.json"
        config_file.write_text(json.dumps(config))
        done = subprocess.run([str(python), str(HERE / "_aeon_worker.py"), str(config_file), str(output)],
                              capture_output=True, text=True, env=thread_env(threads))
        if done.returncode != 0:
            raise RuntimeError(f"the aeon worker failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        return json.loads(output.read_text())


def minirocket_runs(name: str, seeds, *, data_dir: str | None = None, venv: str | Path = DEFAULT_VENV,
                    threads: int = 1, n_kernels: int = 10_000) -> dict:
    """MiniRocketClassifier on `name`'s official split, one fit per seed, in one subprocess.

    Returns the worker's dict: versions, shapes, and `runs`, one {"seed", "accuracy", "fit_seconds",
    "predict_seconds"} per seed.
    """
    data_dir = _common.data_dir(data_dir)
    config = {"task": "classify", "data_dir": data_dir, "archive": archive_of(name), "name": name,
              "seeds": [int(s) for s in seeds], "n_kernels": n_kernels}
    return _worker(config, venv=venv, threads=threads)


def minirocket_accuracy(name: str, seed: int, **kwargs) -> tuple[float, float]:
    """(test accuracy, fit seconds) of MiniRocket + ridge on `name`'s official split, for one seed.

    Example:
        >>> minirocket_accuracy("GunPoint", 0)                                           # doctest: +SKIP
        (0.9933333333333333, 0.064)
    """
    run = minirocket_runs(name, [seed], **kwargs)["runs"][0]
    return run["accuracy"], run["fit_seconds"]


def _to_nct(X) -> np.ndarray:
    """(N, T, F) array or list of (T_i, F) arrays -> (N, F, T) float32, lists end-padded with zeros."""
    if isinstance(X, np.ndarray) and X.ndim == 2:
        X = X[:, :, None]  # (N, T) -> (N, T, 1)
    if isinstance(X, np.ndarray):
        return np.ascontiguousarray(np.transpose(X, (0, 2, 1)), dtype=np.float32)
    length = max(len(x) for x in X)
    padded = np.zeros((len(X), length, np.shape(X[0])[1]), dtype=np.float32)
    for i, x in enumerate(X):
        padded[i, : len(x)] = x
    return np.ascontiguousarray(np.transpose(padded, (0, 2, 1)))


def minirocket_regression(X_train, y_train, X_test, y_test, seed: int = 0, *, venv: str | Path = DEFAULT_VENV,
                          threads: int = 1, n_kernels: int = 10_000, return_details: bool = False):
    """(test RMSE, fit seconds) of aeon's MiniRocketRegressor (MiniRocket + StandardScaler + RidgeCV).

    X_*: arrays (N, T, F) or (N, T) in cnnlstm's layout, or lists of (T_i, F) arrays (end-padded with zeros to
    the longest of both splits); y_*: one number per sequence. `return_details=True` returns the worker's dict
    (MAE, predict seconds, versions) instead.

    Example:
        >>> rmse, seconds = minirocket_regression(X_train, y_train, X_test, y_test, seed=0)   # doctest: +SKIP
    """
    X_train, X_test = _to_nct(X_train), _to_nct(X_test)
    if X_train.shape[-1] != X_test.shape[-1]:  # end-pad the shorter split with zeros
        length = max(X_train.shape[-1], X_test.shape[-1])
        X_train, X_test = (np.pad(x, ((0, 0), (0, 0), (0, length - x.shape[-1]))) for x in (X_train, X_test))
    with tempfile.TemporaryDirectory() as tmp:
        npz = Path(tmp) / "data.npz"
        np.savez(npz, X_train=X_train, y_train=np.asarray(y_train, dtype=np.float64), X_test=X_test,
                 y_test=np.asarray(y_test, dtype=np.float64))
        result = _worker({"task": "regress", "npz": str(npz), "seeds": [int(seed)], "n_kernels": n_kernels},
                         venv=venv, threads=threads)
    if return_details:
        return result
    return result["runs"][0]["rmse"], result["runs"][0]["fit_seconds"]


def summarize(values) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1; 0 for a single value)."""
    values = list(values)
    return float(statistics.fmean(values)), float(statistics.stdev(values)) if len(values) > 1 else 0.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true",
                        help="GunPoint, 1 seed, 1,000 kernels; skipped (exit 0) when the aeon venv is missing")
    parser.add_argument("--problems", nargs="+", default=list(PROBLEMS))
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 .. N-1")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--n-kernels", type=int, default=10_000)
    parser.add_argument("--venv", default=DEFAULT_VENV)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    problems, seeds, n_kernels = args.problems, list(range(args.seeds)), args.n_kernels
    if args.dry_run:
        problems, seeds, n_kernels = ["GunPoint"], [0], 1_000

    began = time.perf_counter()
    python, install_log = ensure_aeon(args.venv, install=not args.dry_run)
    if python is None:
        if args.dry_run:
            print(f"aeon venv {args.venv} is missing: dry run skipped (run without --dry-run to create it).")
            return 0
        print(f"ERROR: could not install aeon into {args.venv}; see the pip output above.", file=sys.stderr)
        return 2
    print(f"aeon venv ready in {time.perf_counter() - began:.1f}s: {python}", flush=True)

    load_start = list(os.getloadavg())
    rows, raw, versions = [], {}, {}
    for name in problems:
        result = minirocket_runs(name, seeds, data_dir=args.data_dir, venv=args.venv, threads=args.threads,
                                 n_kernels=n_kernels)
        runs = result.pop("runs")
        raw[name] = {**result, "runs": runs}
        versions = {k: result[k] for k in ("aeon_version", "numpy", "scikit_learn", "numba")}
        accuracy, accuracy_std = summarize(r["accuracy"] for r in runs)
        fit, fit_std = summarize(r["fit_seconds"] for r in runs)
        rows.append({"problem": name, "accuracy": accuracy, "accuracy_std": accuracy_std, "fit_seconds": fit,
                     "fit_seconds_std": fit_std,
                     "predict_seconds": statistics.fmean(r["predict_seconds"] for r in runs),
                     "seeds": len(runs), "padded_to": result["padded_to"]})
        print(f"{name}: accuracy {accuracy:.4f} ± {accuracy_std:.4f}, fit {fit:.3f} s", flush=True)
    print()
    _common.print_table(rows)
    path = _common.write_json("minirocket", {
        "command_full": [sys.executable, *sys.argv], "cwd": os.getcwd(), "threads": args.threads,
        "load_average_1_5_15": {"start": load_start, "end": list(os.getloadavg())},
        "seeds": seeds, "n_kernels": n_kernels, "versions": {**versions, "python_venv": str(python)},
        "std": "sample standard deviation over seeds (ddof=1)",
        "method": "aeon MiniRocketClassifier (StandardScaler + RidgeClassifierCV), official TRAIN/TEST split; "
                  "fit seconds exclude numba compilation (one untimed fit first)",
        "rows": rows, "raw": raw, "install_log": install_log,
    }, dry_run=args.dry_run)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
