"""Time-series classification accuracy on UCR and UEA problems, official train/test splits, through `Classifier`.

Protocol: each problem's official TRAIN file is the training data (the Classifier carves a stratified 20 %
validation part out of it and keeps the weights of the best validation loss); the official TEST file is scored
once at the end and never used for any choice. Every (problem, model, seed) is one fit with the library's
defaults (batch size n_train // 10 within [16, 128], AdamW 1e-3, warm-up + cosine, channels standard-scaled on the
training part). Accuracy is reported as mean +- std over the seeds, beside the published test accuracies quoted
in the issue (LSTM-FCN, InceptionTime, FCN; not measured here) and MiniRocket measured on this machine
(`benchmarks/minirocket.py`, results/minirocket.json) when that file exists.

    python benchmarks/tsc_accuracy.py [--dry-run] [--problems GunPoint,CBF] [--models cnn,parallel-attention]
        [--seeds 5] [--epochs 100] [--threads 1] [--set val_size=0 --set schedule=plateau] [--inner 0.3]

`--set KEY=VALUE` passes a Classifier setting (a protocol: `val_size=0 schedule=plateau`, `folds=5`,
`n_estimators=5`) or a model hyperparameter. `--inner F` is for choosing a protocol without the test data: it
holds out a stratified fraction F of each TRAIN file (seeded per seed) as the scored part, fits on the rest, and
never reads the TEST file.

A model is a registry name, parallel-<merge>, or `minirocket` (aeon's, equal-length problems only: the reference
on the same split, which `--inner` needs since results/minirocket.json holds the official split's). Results are
written after every fit and a rerun skips the fits already in the results file, so a run cut short resumes where
it stopped.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

from cnnlstm import Classifier, datasets  # noqa: E402
from cnnlstm.config import parse_assignments  # noqa: E402
from cnnlstm.data.prepare.sequences import stratified_split  # noqa: E402
from cnnlstm.models.registry import compare_contenders  # noqa: E402

PROBLEMS = ["GunPoint", "ItalyPowerDemand", "ECG200", "CBF", "BasicMotions", "JapaneseVowels", "Epilepsy", "NATOPS"]
MODELS = ["cnn", "lstm", "cnn_lstm", "parallel-concat", "parallel-weighted", "parallel-attention"]
# published test accuracies quoted in the issue (the authors' result files), UCR problems only
PUBLISHED = {
    "LSTM-FCN": {"GunPoint": 1.000, "ItalyPowerDemand": 0.962, "ECG200": 0.870, "CBF": 0.996},
    "InceptionTime": {"GunPoint": 1.000, "ItalyPowerDemand": 0.965, "ECG200": 0.930, "CBF": 0.999},
    "FCN": {"GunPoint": 1.000, "ItalyPowerDemand": 0.970, "ECG200": 0.900, "CBF": 1.000},
}


def model_settings(name: str) -> dict:
    """A registry name, parallel-<merge>, or a contender name of `compare` (alstm_fcn, mlstm_fcn, ...)."""
    if name.startswith("parallel-"):
        return {"model": "parallel", "merge": name.split("-", 1)[1]}
    contenders = compare_contenders()
    if name in contenders:
        model, fixed = contenders[name]
        return {"model": model, **fixed}
    return {"model": name}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="a seconds-long miniature, for CI")
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--name", default="tsc_accuracy", help="results/<name>.json")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                        help="a Classifier setting or model hyperparameter")
    parser.add_argument("--inner", type=float, default=None, metavar="F",
                        help="score on a stratified fraction F of TRAIN instead of TEST (protocol choice)")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    settings = parse_assignments(args.assignments, option="--set")
    key = json.dumps(settings, sort_keys=True) + (f" inner={args.inner}" if args.inner else "")
    problems, models = args.problems.split(","), args.models.split(",")
    seeds, epochs = args.seeds, args.epochs
    if args.dry_run:
        problems, models, seeds, epochs = ["ItalyPowerDemand"], ["cnn", "parallel-attention"], 1, 1
    data_dir = _common.data_dir(args.data_dir)

    path = _common.RESULTS / (f"{args.name}.dry-run.json" if args.dry_run else f"{args.name}.json")
    runs = [] if args.dry_run or not path.exists() else json.loads(path.read_text())["runs"]
    done = {(r["problem"], r["model"], r["seed"], r["epochs"], r.get("settings", "{}")) for r in runs}
    for problem in problems:
        X_all, y_all = datasets.load(problem, split="train", data_dir=data_dir)
        if args.inner is None:
            X_test, y_test = datasets.load(problem, split="test", data_dir=data_dir)
        for name in models:
            for seed in range(seeds):
                if (problem, name, seed, epochs, key) in done:
                    continue
                X, y = X_all, y_all
                if args.inner is not None:  # the TEST file is never read
                    codes = np.unique(np.asarray(y_all), return_inverse=True)[1]
                    fit_rows, scored = stratified_split(codes, args.inner, 1000 + seed)
                    def take(rows):  # variable-length problems load as a list of arrays
                        return [X_all[i] for i in rows] if isinstance(X_all, list) else X_all[rows]
                    X, y, X_test, y_test = take(fit_rows), y_all[fit_rows], take(scored), y_all[scored]
                began = time.perf_counter()
                if name == "minirocket":  # the reference on the same split (aeon, the `baselines` extra)
                    clf = _minirocket(X, y, seed)
                    seconds = time.perf_counter() - began
                    scores = {"accuracy": float(np.mean(clf.predict(*_with_lengths(X_test)) == np.asarray(y_test)))}
                    extra = {}
                else:
                    clf = Classifier(**{**model_settings(name), "epochs": epochs, "seed": seed, "device": "cpu",
                                        "progress": False, **settings})
                    clf.fit(X, y)
                    seconds = time.perf_counter() - began
                    scores = clf.evaluate(X_test, y_test)
                    extra = {"epochs_run": len(clf.history_)}
                runs.append({"problem": problem, "model": name, "seed": seed, "epochs": epochs, "settings": key,
                             **scores, "train_seconds": seconds, "parameters": clf.num_parameters(), **extra})
                print(f"{problem:17s} {name:19s} {key} seed {seed}: accuracy {scores['accuracy']:.3f}  {seconds:6.1f} s",
                      flush=True)
                _common.write_json(args.name, {"settings": {"epochs": epochs, "threads": args.threads},
                                               "published": PUBLISHED, "runs": runs}, dry_run=args.dry_run)
    print_table([r for r in runs if r.get("settings", "{}") == key], problems, models)
    print(f"wrote {path}")
    return 0


def _with_lengths(X) -> tuple[np.ndarray, np.ndarray]:
    """An equal-length problem as (N, T, F) float32 and its lengths (MiniRocket's input here)."""
    X = np.asarray(X, dtype=np.float32)
    X = X[:, :, None] if X.ndim == 2 else X
    return X, np.full(len(X), X.shape[1])


def _minirocket(X, y, seed: int):
    from cnnlstm.comparison.baselines import MiniRocketClassifierBaseline

    return MiniRocketClassifierBaseline(seed=seed).fit(*_with_lengths(X), np.asarray(y))


def print_table(runs: list[dict], problems: list[str], models: list[str]) -> None:
    minirocket = _common.RESULTS / "minirocket.json"
    rocket = {}
    if minirocket.exists():
        for row in json.loads(minirocket.read_text()).get("rows", []):  # mean over its seeds
            rocket[row["problem"]] = [row["accuracy"]]
    header = f"{'problem':17s}" + "".join(f"{m:>20s}" for m in models) + f"{'MiniRocket':>14s}{'best published':>16s}"
    print(header)
    for problem in problems:
        cells = []
        for name in models:
            accuracies = [r["accuracy"] for r in runs if r["problem"] == problem and r["model"] == name]
            if accuracies:
                spread = statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0
                cells.append(f"{statistics.mean(accuracies):.3f} ± {spread:.3f} ({len(accuracies)})")
            else:
                cells.append("-")
        published = [v[problem] for v in PUBLISHED.values() if problem in v]
        rocket_cell = f"{statistics.mean(rocket[problem]):.3f}" if rocket.get(problem) else "-"
        print(f"{problem:17s}" + "".join(f"{c:>20s}" for c in cells) + f"{rocket_cell:>14s}"
              + f"{(max(published) if published else float('nan')):>16.3f}")


if __name__ == "__main__":
    sys.exit(main())
