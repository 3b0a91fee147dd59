"""cnnlstm's `lstm_fcn` against tsai's LSTM_FCN on UCR/UEA problems, both timed in one run on one machine.

The issue's goal: train LSTM-FCN at least 2x faster than tsai's LSTM_FCN for the same number of epochs on CPU (one
thread), with MiniRocket (aeon) reported beside every table.

* tsai (a separate virtualenv, run as a subprocess by `_tsai_worker.py`; tsai is not a dependency of cnnlstm):
  `TSClassifier(X, y, splits=(train, test), arch=LSTM_FCN, tfms=[None, TSClassification()],
  batch_tfms=TSStandardize(), bs=[64, 128], seed=seed).fit_one_cycle(epochs, lr)`, tsai's README recipe.
  LSTM_FCN with tsai's defaults: hidden_size 100, 1 LSTM layer, rnn_dropout 0.8, conv 128/256/128 filters, kernels 7/5/3,
  dimension shuffle on (the LSTM reads the F channels as F steps of T values).
* cnnlstm (`_cnnlstm_worker.py`, a fresh process of this interpreter, so both start equally cold):
  `Classifier(model="lstm_fcn", hidden_size=100, dropout=0.8, filters=(128, 256, 128), kernel_size=(7, 5, 3),
  shuffle=True, squeeze_excite=False, epochs, batch_size=64, lr, schedule="cosine", val_size=0, seed,
  device="cpu").fit(X, y)`: the same network as tsai's, one cosine schedule as fit_one_cycle's counterpart.
  `--model parallel` re-runs section 7's first comparison: `parallel` with num_conv_layers=3, filters=128,
  kernel_size=5, hidden_size=100, dropout=0.1, merge="concat" (no dimension shuffle, one kernel for all blocks).

Fairness. Both train on the whole official TRAIN split for the same epochs, batch size and peak learning rate, and
are scored once on the official TEST split with their last weights. tsai's Learner evaluates its valid set (here
the test split, as in tsai's README; it never picks weights) after every epoch; that time is measured apart and
left out. Ours trains on all of TRAIN with no validation pass (`--val-size 0`, the default here and the
Classifier's), the same data as tsai.
Timed on each side: from arrays in memory to a trained model (tsai: TSClassifier(...) + fit_one_cycle minus the
validation passes; ours: Classifier(...).fit). The epochs alone are reported too. Order alternates per run.
The same epochs are not the same number of steps: tsai drops the last incomplete batch (drop_last=True), ours
tops it up (ItalyPowerDemand, 67 cases: 1 step of 64 against 2), so `ratio_per_step` is reported beside `ratio`.
`--merge` re-measures some problems and keeps the others' runs of the existing results file (each problem's
pairs still come from one run).

    python benchmarks/tsai_compare.py [--dry-run] [--problems GunPoint ...] [--epochs 200] [--seeds 3]
        [--threads 1] [--val-size 0] [--venv /tmp/tsai-venv] [--tsai-only] [--minirocket auto|run|saved|off]
        [--amp True always]

Results: results/tsai_compare_lstm_fcn.json (`--model lstm_fcn`, the default), results/tsai_compare.json
(`--model parallel`). `--tsai-only` measures tsai alone and writes results/tsai_lstm_fcn.json. A dry run (1 problem,
1 seed, 1 epoch) never installs anything: without the tsai venv (CI) it runs our side only.
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _common  # noqa: E402
import minirocket  # noqa: E402

DEFAULT_VENV = "/tmp/tsai-venv"
# torch 2.13.0 as in the project's venv (the same CPU build where pip finds one); torchvision 0.28 is the release built
# for it (0.29 needs torch 2.14). Its PyPI wheel is a CUDA build whose compiled operators cannot load against a CPU
# torch; _tsai_worker.py imports it without them (see import_torchvision_without_its_compiled_operators).
TSAI_SPECS = ["torch==2.13.0", "torchvision==0.28.0", "tsai"]
VERSIONS_OF = ("tsai", "fastai", "fastcore", "torch", "torchvision", "numpy", "pandas", "scikit-learn", "scipy")
PROBLEMS = list(minirocket.PROBLEMS)
# tsai's LSTM_FCN defaults (tsai 1.0.1, tsai/models/RNN_FCN.py), used unchanged.
TSAI_ARCH_CONFIG: dict = {}
TSAI_DEFAULTS = dict(hidden_size=100, rnn_layers=1, bidirectional=False, rnn_dropout=0.8, cell_dropout=0.0,
                     fc_dropout=0.0, conv_layers=[128, 256, 128], kss=[7, 5, 3], shuffle=True, se=0)


def ours_config(args) -> dict:
    """Our model's hyperparameters: `lstm_fcn` set as tsai's LSTM_FCN defaults (hidden 100, dropout 0.8 on the
    LSTM's output, 128/256/128 filters with kernels 7/5/3, the dimension shuffle, no squeeze-and-excite); or,
    with --model parallel, the `parallel` hyperparameters closest to them (section 7's first run)."""
    if args.model == "lstm_fcn":
        return dict(model="lstm_fcn", hidden_size=100, dropout=0.8, filters=(128, 256, 128), kernel_size=(7, 5, 3),
                    shuffle=True, squeeze_excite=False, attention=False)
    return dict(model="parallel", num_conv_layers=3, filters=args.filters, kernel_size=args.kernel_size, pool=1,
                hidden_size=100, num_layers=1, bidirectional=False, dropout=args.dropout, batch_norm=True,
                activation="relu", merge="concat")


def _run(command: list[str], log: list) -> bool:
    print("$ " + " ".join(command), flush=True)
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log.append({"command": command, "returncode": done.returncode, "tail": done.stdout[-2000:]})
    if done.returncode != 0:
        print(done.stdout[-2000:], flush=True)
    return done.returncode == 0


def ensure_tsai(venv: str | Path, *, install: bool) -> tuple[Path | None, list]:
    """The tsai venv's python, creating it (TSAI_SPECS) when missing and `install`; else None."""
    venv, log = Path(venv), []
    python = venv / "bin" / "python"
    installed = [str(python), "-c", "import importlib.metadata as m; m.version('tsai'); m.version('torchvision')"]
    imports = [str(python), "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); import _tsai_worker; "
               "_tsai_worker.import_torchvision_without_its_compiled_operators(); "
               "from tsai.basics import TSClassifier; from tsai.models.RNN_FCN import LSTM_FCN"]
    if python.exists() and subprocess.run(installed, capture_output=True).returncode == 0:
        return python, log  # a broken install shows up in the worker's error
    if not install:
        return None, log
    if not python.exists() and not _run([sys.executable, "-m", "venv", str(venv)], log):
        return None, log
    if _run([str(python), "-m", "pip", "install", "--quiet", *TSAI_SPECS], log) and \
            subprocess.run(imports, capture_output=True).returncode == 0:
        return python, log
    return None, log


def venv_versions(python: Path) -> dict:
    """{distribution: version} of the packages that matter, read from the venv's metadata."""
    code = ("import importlib.metadata as m, json, sys\n"
            "def v(n):\n try: return m.version(n)\n except m.PackageNotFoundError: return None\n"
            "print(json.dumps({n: v(n) for n in sys.argv[1:]}))")
    done = subprocess.run([str(python), "-c", code, *VERSIONS_OF], capture_output=True, text=True)
    return json.loads(done.stdout) if done.returncode == 0 else {}


def _subprocess(python, script: str, config: dict, threads: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        config_file, output = Path(tmp) / "config.json", Path(tmp) / "out.json"
        config_file.write_text(json.dumps(config))
        began = time.perf_counter()
        done = subprocess.run([str(python), str(HERE / script), str(config_file), str(output)],
                              capture_output=True, text=True, env=minirocket.thread_env(threads))
        if done.returncode != 0:
            raise RuntimeError(f"{script} failed on {config['name']} seed {config['seed']}:\n"
                               f"{done.stdout[-2000:]}\n{done.stderr[-5000:]}")
        result = json.loads(output.read_text())
        result["process_seconds"] = time.perf_counter() - began
        return result


def run_tsai(python: Path, name: str, seed: int, args, data_dir: str) -> dict:
    config = {"data_dir": data_dir, "archive": minirocket.archive_of(name), "name": name, "epochs": args.epochs,
              "seed": seed, "threads": args.threads, "batch_size": args.batch_size, "lr": args.lr,
              "arch_config": TSAI_ARCH_CONFIG, "valid": "test"}
    result = _subprocess(python, "_tsai_worker.py", config, args.threads)
    # from arrays to a trained model, without the per-epoch evaluation of the valid (= test) split
    result["train_total_seconds"] = result["setup_seconds"] + result["fit_seconds"] - result["validate_seconds"]
    result["model"].pop("repr", None)
    return result


def ours_sides(amps: list) -> dict:
    """{result key: the Classifier's amp}: "ours" for the first --amp value, "ours_amp_<value>" for the others."""
    return {("ours" if i == 0 else f"ours_amp_{amp}"): amp for i, amp in enumerate(amps)}


def column_prefix(side: str) -> str:
    """The prefix of a side's ratio columns and summary keys: none for "ours" (as in older result files)."""
    return "" if side == "ours" else f"{side}_"


def run_ours(name: str, seed: int, args, data_dir: str, amp=True) -> dict:
    config = {"data_dir": data_dir, "name": name, "epochs": args.epochs, "seed": seed, "threads": args.threads,
              "batch_size": args.batch_size, "lr": args.lr, "val_size": args.val_size,
              "model_kwargs": {**ours_config(args), "amp": amp}}
    result = _subprocess(sys.executable, "_cnnlstm_worker.py", config, args.threads)
    result["train_total_seconds"] = result["fit_seconds"]
    result["model"].pop("repr", None)
    return result


def _mean_std(values) -> tuple[float | None, float | None]:
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    return float(statistics.fmean(values)), float(statistics.stdev(values)) if len(values) > 1 else 0.0


def minirocket_rows(problems, mode: str, seeds: int, threads: int, dry_run: bool) -> tuple[dict, str]:
    """{problem: (accuracy mean, std, fit seconds)} from a fresh run or from results/minirocket.json."""
    if mode == "auto":
        if dry_run:
            mode = "off"
        elif minirocket.ensure_aeon(minirocket.DEFAULT_VENV, install=False)[0] is not None:
            mode = "run"
        else:
            mode = "saved"
    rows: dict = {}
    if mode == "run":
        for name in problems:
            runs = minirocket.minirocket_runs(name, range(seeds), threads=threads)["runs"]
            accuracy, std = _mean_std(r["accuracy"] for r in runs)
            rows[name] = {"accuracy": accuracy, "accuracy_std": std, "seeds": len(runs),
                          "fit_seconds": statistics.fmean(r["fit_seconds"] for r in runs)}
    elif mode == "saved":
        saved = _common.RESULTS / "minirocket.json"
        if not saved.exists():
            return {}, "off (no results/minirocket.json)"
        for row in json.loads(saved.read_text())["rows"]:
            if row["problem"] in problems:
                rows[row["problem"]] = {k: row[k] for k in ("accuracy", "accuracy_std", "seeds", "fit_seconds")}
        mode = f"saved ({saved.name})"
    return rows, mode


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="1 problem, 1 seed, 1 epoch; never installs tsai")
    parser.add_argument("--problems", nargs="+", default=PROBLEMS)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--val-size", type=float, default=0.0,
                        help="our validation fraction; 0 trains on all of TRAIN as tsai does")
    parser.add_argument("--model", choices=["lstm_fcn", "parallel"], default="lstm_fcn",
                        help="our side: lstm_fcn as tsai's LSTM_FCN, or the earlier parallel stand-in")
    parser.add_argument("--amp", nargs="+", choices=["True", "False", "always"], default=["True"],
                        help='our Classifier\'s amp, one fit per value and seed: True (float32 on the CPU, like '
                             'tsai), "always" (bf16 autocast on the CPU)')
    parser.add_argument("--filters", type=int, default=128)
    parser.add_argument("--kernel-size", type=int, default=5)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--venv", default=DEFAULT_VENV)
    parser.add_argument("--tsai-only", action="store_true", help="measure tsai alone (results/tsai_lstm_fcn.json)")
    parser.add_argument("--minirocket", choices=["auto", "run", "saved", "off"], default="auto",
                        help="auto: run it if the aeon venv exists, else read results/minirocket.json")
    parser.add_argument("--merge", action="store_true",
                        help="keep the other problems' runs of the existing results file (re-measure a few problems)")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    problems, seeds = args.problems, list(range(args.seeds))
    ours = ours_sides([{"True": True, "False": False}.get(a, a) for a in args.amp])
    if args.dry_run:
        problems, seeds, args.epochs = problems[:1], [0], 1
    data_dir = _common.data_dir(args.data_dir)
    load_start = list(os.getloadavg())  # other work on the machine slows both sides alike, but say so

    python, install_log = ensure_tsai(args.venv, install=not args.dry_run)
    if python is None and (args.tsai_only or not args.dry_run):
        print(f"ERROR: could not install tsai into {args.venv}; see the pip output above. Nothing was measured.",
              file=sys.stderr)
        return 2
    if python is None:
        print(f"tsai venv {args.venv} is missing: dry run of our side only.", flush=True)
    tsai_versions = venv_versions(python) if python is not None else None

    # section 7's first comparison (`parallel`) keeps its file; the like-for-like LSTM-FCN one has its own
    name = ("tsai_lstm_fcn" if args.tsai_only else "tsai_compare" if args.model == "parallel"
            else "tsai_compare_lstm_fcn")
    kept, merged_from = [], []
    previous = _common.RESULTS / f"{name}.json"
    if args.merge and previous.exists() and not args.dry_run:
        old = json.loads(previous.read_text())
        if old["epochs"] != args.epochs or old.get("val_size") != args.val_size:
            print(f"ERROR: --merge needs the same --epochs and --val-size as {previous.name}.", file=sys.stderr)
            return 2
        kept = [r for r in old["runs"] if r["problem"] not in problems]
        merged_from = old.get("merged_from", []) + [{
            "command_full": old["command_full"], "when": old["when"],
            "load_average_1_5_15": old.get("load_average_1_5_15"), "problems": sorted({r["problem"] for r in kept})}]
        wanted = {r["problem"] for r in kept} | set(problems)
        problems = [p for p in PROBLEMS if p in wanted] + sorted(wanted - set(PROBLEMS))

    def save(runs: list[dict], rocket: dict, rocket_mode: str, complete: bool):
        rows, summary = table(kept + runs, problems, args.epochs, rocket, list(ours))
        payload = {
            "complete": complete, "command_full": [sys.executable, *sys.argv], "cwd": os.getcwd(),
            "threads": args.threads, "load_average_1_5_15": {"start": load_start, "end": list(os.getloadavg())},
            "epochs": args.epochs, "seeds": seeds, "batch_size": args.batch_size, "lr": args.lr,
            "val_size": args.val_size, "std": "sample standard deviation over seeds (ddof=1)",
            "timing": "train_total_seconds: from arrays in memory to a trained model, without validation passes "
                      "(tsai: TSClassifier(...) + fit_one_cycle - validation of its valid=test split; ours: "
                      "Classifier(...).fit with val_size); train_seconds: the epochs' training phases only",
            "tsai_venv": str(args.venv) if python is not None else None, "tsai_versions": tsai_versions,
            "tsai_install": TSAI_SPECS, "tsai_lstm_fcn_defaults": TSAI_DEFAULTS, "minirocket": rocket_mode,
            "rows": rows, "summary": summary, "runs": kept + runs, "merged_from": merged_from,
            "install_log": install_log,
        }
        if not args.tsai_only:
            payload["ours_model_kwargs"] = ours_config(args)
            payload["ours_amp"] = ours  # {result key: the Classifier's amp}
        # without a single tsai fit (its venv broken or missing) there is no comparison: never overwrite one
        measured = args.dry_run or args.tsai_only or any("tsai" in r for r in kept + runs)
        return _common.write_json(name if measured else f"{name}.ours-only", payload, dry_run=args.dry_run), rows, summary

    runs: list[dict] = []
    failures = 0
    measure = [p for p in problems if p not in {r["problem"] for r in kept}]
    for i, problem in enumerate(measure):
        for seed in seeds:
            shift = (i * len(seeds) + seed) % (1 + len(ours))  # who trains first rotates
            sides = (["tsai", *ours] * 2)[shift:shift + 1 + len(ours)]
            record = {"problem": problem, "seed": seed, "order": sides}
            for side in sides:
                try:
                    if side == "tsai" and python is not None:
                        record["tsai"] = run_tsai(python, problem, seed, args, data_dir)
                    elif side in ours and not args.tsai_only:
                        record[side] = run_ours(problem, seed, args, data_dir, ours[side])
                except RuntimeError as error:  # one failed fit should not lose the others' hours
                    failures += 1
                    record[f"{side}_error"] = str(error)[-3000:]
                    print(f"ERROR ({side}): {error}", file=sys.stderr, flush=True)
            runs.append(record)
            line = [f"{problem} seed {seed}:"]
            for side in ("tsai", *ours):
                if side in record:
                    r = record[side]
                    line.append(f"{side} acc {r['accuracy']:.4f} in {r['train_total_seconds']:.1f}s")
                if side != "tsai" and "tsai" in record and side in record:
                    ratio = record["tsai"]["train_total_seconds"] / record[side]["train_total_seconds"]
                    line.append(f"ratio {ratio:.2f}")
            print("  ".join(line), flush=True)
            save(runs, {}, "not yet", complete=False)  # partial results survive an interrupted run

    rocket, rocket_mode = minirocket_rows(problems, "off" if args.tsai_only and args.minirocket == "auto"
                                          else args.minirocket, 5, args.threads, args.dry_run)
    path, rows, summary = save(runs, rocket, rocket_mode, complete=True)
    print()
    _common.print_table(rows)
    for side in ours:
        key = column_prefix(side)
        if f"{key}ratio_min" in summary:
            print(f"\ntime ratio tsai/{side}: min {summary[f'{key}ratio_min']:.2f}, geometric mean "
                  f"{summary[f'{key}ratio_geomean']:.2f}; goal (>= 2x everywhere) met: {summary[f'{key}goal_met']}")
    print(f"\nwrote {path}")
    return 1 if failures else 0


def table(runs: list[dict], problems: list[str], epochs: int, rocket: dict,
          ours: list[str] = ("ours",)) -> tuple[list[dict], dict]:
    """One row per problem (means over seeds, per-seed ratios averaged) and the goal's summary, for each of our
    sides (`ours`: "ours", and "ours_amp_<value>" for more --amp values; their ratio columns are prefixed so)."""
    rows = []
    for name in problems:
        mine = [r for r in runs if r["problem"] == name]
        if not mine:
            continue
        row = {"problem": name, "epochs": epochs, "seeds": len(mine)}
        for side in ("tsai", *ours):
            done = [r[side] for r in mine if side in r]
            if not done:
                continue
            row[f"{side}_acc"], row[f"{side}_acc_std"] = _mean_std(r["accuracy"] for r in done)
            row[f"{side}_s"] = statistics.fmean(r["train_total_seconds"] for r in done)
            row[f"{side}_epochs_s"] = statistics.fmean(r["train_seconds"] for r in done)
            row[f"{side}_params"] = done[0]["num_parameters"]
            row[f"{side}_batches"] = done[0]["train_batches_per_epoch"]
        for side in ours:
            paired = [r for r in mine if "tsai" in r and side in r]
            if not paired:
                continue
            key = column_prefix(side)
            row[f"{key}ratio"] = statistics.fmean(r["tsai"]["train_total_seconds"] / r[side]["train_total_seconds"]
                                                  for r in paired)
            row[f"{key}ratio_epochs"] = statistics.fmean(r["tsai"]["train_seconds"] / r[side]["train_seconds"]
                                                         for r in paired)
            # per optimizer step: tsai drops the last incomplete batch, ours tops it up, so the counts differ
            row[f"{key}ratio_per_step"] = statistics.fmean(
                (r["tsai"]["train_seconds"] / r["tsai"]["train_batches_per_epoch"])
                / (r[side]["train_seconds"] / r[side]["train_batches_per_epoch"]) for r in paired)
        if name in rocket:
            row["minirocket_acc"], row["minirocket_acc_std"] = rocket[name]["accuracy"], rocket[name]["accuracy_std"]
            row["minirocket_s"] = rocket[name]["fit_seconds"]
        rows.append(row)
    summary = {}
    for side in ours:
        key = column_prefix(side)
        ratios = [row[f"{key}ratio"] for row in rows if f"{key}ratio" in row]
        if ratios:
            summary.update({f"{key}ratio_min": min(ratios), f"{key}goal_met": min(ratios) >= 2,
                            f"{key}ratio_geomean": float(statistics.geometric_mean(ratios))})
    if summary:
        summary["goal"] = "tsai seconds / ours seconds >= 2 on every problem"
    return rows, summary


if __name__ == "__main__":
    sys.exit(main())
