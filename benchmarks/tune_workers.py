"""Two `cnnlstm tune` workers sharing one SQLite study, one of them killed mid-trial and restarted: does the study
still reach its trials with none lost or run twice, and does the tuned model beat the defaults on validation loss?

How: workers A and B (`cnnlstm --threads 1 tune --dataset etth1 --target OT --model cnn_lstm --horizon 24
--epochs 5 --storage sqlite:///<tmp>/study.db --study ...`), each a separate process, start together on an empty
database and race to create the study. `--trials` counts the trials of one call, not of the study, so A runs half of
the target and B the other half. Once the study
holds a few finished trials and both workers are mid-trial, A is sent SIGKILL, then restarted with the trials it had
left. Afterwards the study is opened with Optuna: finished (COMPLETE + PRUNED) trials against the target, trial
numbers, trials with identical parameters, and what became of the trial the kill interrupted; every finished trial
must be reported by exactly one worker's log. Then `cnnlstm train` trains the defaults with the same options, and
the run file of the best trial, and their validation loss (the lowest per-epoch validation loss, the epoch early
stopping keeps: what `tune` minimises) is compared with the study's best value.

Target (issue 14): `tune` on ETTh1 OT with 20 trials, 2 workers sharing SQLite: no trial lost or duplicated after
one worker is killed and restarted; the tuned model's validation loss <= the defaults'.

    python benchmarks/tune_workers.py               # writes benchmarks/results/tune_workers.json (minutes)
    python benchmarks/tune_workers.py --dry-run     # airline, 8 trials of 2 epochs (seconds)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

FULL = dict(data=["--dataset", "etth1", "--target", "OT"], trials=20, epochs=5, horizon=24, kill_after=3)
DRY = dict(data=["--dataset", "airline"], trials=8, epochs=2, horizon=12, kill_after=2)
FINISHED = re.compile(r"Trial (\d+) (finished|pruned)")  # Optuna's log line for each trial a worker ends


def cli() -> str:
    return shutil.which("cnnlstm", path=str(Path(sys.executable).parent)) or "cnnlstm"


def start_worker(options: list[str], trials: int, log: Path) -> subprocess.Popen:
    """`cnnlstm --threads 1 tune ... --trials TRIALS` in its own process, stdout and stderr to `log`."""
    command = [cli(), "--threads", "1", "tune", *options, "--trials", str(trials)]
    with open(log, "w") as file:
        return subprocess.Popen(command, stdout=file, stderr=subprocess.STDOUT,
                                env={**os.environ, "CNNLSTM_THREADS": "1"})


def states(db: Path) -> Counter:
    """Trials of the study by state, read straight from the SQLite file (cheap enough to poll)."""
    if not db.exists():
        return Counter()
    with sqlite3.connect(db, timeout=30) as connection:
        try:
            return Counter(state for (state,) in connection.execute("SELECT state FROM trials"))
        except sqlite3.OperationalError:  # the tables are not created yet
            return Counter()


def reported(log: Path) -> list[int]:
    """Numbers of the trials a worker's log says it finished or pruned."""
    return [int(m.group(1)) for m in FINISHED.finditer(log.read_text())]


def validation_loss(cli_args: list[str], out: Path) -> tuple[float, float]:
    """(validation loss, seconds) of `cnnlstm --threads 1 train CLI_ARGS --out OUT`: the lowest per-epoch
    validation loss of history.csv, as `tune` judges a trial."""
    import pandas as pd

    began = time.perf_counter()
    subprocess.run([cli(), "--threads", "1", "train", *cli_args, "--out", str(out)], check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "CNNLSTM_THREADS": "1"})
    return float(pd.read_csv(out / "history.csv")["val_loss"].min()), time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=None, help="finished trials the study should reach (20)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs of every trial and of the defaults (5)")
    parser.add_argument("--kill-after", type=int, default=None,
                        help="finished trials in the study before worker A is killed (3)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--dry-run", action="store_true", help="a seconds-long miniature: airline, 8 trials of 2 epochs")
    args = parser.parse_args()
    import optuna

    plan = dict(DRY if args.dry_run else FULL)
    plan.update({k: v for k, v in vars(args).items() if k in plan and v is not None})
    if _common.data_dir(args.data_dir):
        os.environ["CNNLSTM_DATA_DIR"] = _common.data_dir(args.data_dir)
    shared = [*plan["data"], "--model", "cnn_lstm", "--horizon", str(plan["horizon"]), "--epochs", str(plan["epochs"])]
    quota = {"A": plan["trials"] // 2, "B": plan["trials"] - plan["trials"] // 2}
    folder = Path(tempfile.mkdtemp(prefix="tune_workers-"))
    db, name = folder / "study.db", "tune-workers"
    options = [*shared, "--storage", f"sqlite:///{db}", "--study", name, "--out", str(folder / "best.toml")]
    logs = {w: folder / f"worker_{w}.log" for w in ("A", "B", "A2")}
    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    optuna.storages.RDBStorage(f"sqlite:///{db}")  # the empty tables, so two workers can start at once
    workers = {w: start_worker(options, quota[w], logs[w]) for w in ("A", "B")}  # both race to create the study

    # kill A mid-trial: once enough trials are finished and two are RUNNING (A's and B's), or A has nothing left
    while True:
        now = states(db)
        if workers["A"].poll() is not None:
            raise SystemExit(f"worker A ended before it was killed (exit {workers['A'].returncode}); see {logs['A']}. "
                             "Fix: a smaller --kill-after.")
        if now["COMPLETE"] + now["PRUNED"] >= plan["kill_after"] and now["RUNNING"] == 2:
            break
        time.sleep(0.1)
    workers["A"].send_signal(signal.SIGKILL)
    workers["A"].wait()
    killed_at = time.perf_counter() - began
    at_kill = dict(states(db))
    done_by_a = reported(logs["A"])
    left = quota["A"] - len(done_by_a)  # `--trials` counts the trials of this call: A resumes with what it had left
    workers["A2"] = start_worker(options, left, logs["A2"]) if left > 0 else None
    codes = {w: p.wait() for w, p in workers.items() if p is not None and w != "A"}
    wall = time.perf_counter() - began
    for worker, code in codes.items():
        if code != 0:
            raise SystemExit(f"worker {worker} failed (exit {code}): {logs[worker].read_text()[-2000:]}")

    study = optuna.load_study(study_name=name, storage=f"sqlite:///{db}")
    trials = study.trials
    finished = [t for t in trials if t.state.name in ("COMPLETE", "PRUNED")]
    by_worker = {w: reported(log) for w, log in logs.items() if log.exists()}
    claims = Counter(n for numbers in by_worker.values() for n in numbers)
    params = Counter(tuple(sorted(t.params.items())) for t in finished)
    unfinished = [{"number": t.number, "state": t.state.name, "epochs_reported": len(t.intermediate_values),
                   "params": t.params} for t in trials if t.state.name not in ("COMPLETE", "PRUNED")]
    checks = {
        "finished_trials": len(finished),
        "finished_reach_target": len(finished) == plan["trials"],
        "numbers_unique_and_contiguous": sorted(t.number for t in trials) == list(range(len(trials))),
        "every_finished_trial_reported_by_exactly_one_worker":
            sorted(claims) == sorted(t.number for t in finished) and all(c == 1 for c in claims.values()),
        "finished_trials_with_identical_params": sum(c - 1 for c in params.values()),
        "interrupted": unfinished,
    }
    checks["no_trial_lost_or_duplicated"] = bool(
        checks["finished_reach_target"] and checks["numbers_unique_and_contiguous"]
        and checks["every_finished_trial_reported_by_exactly_one_worker"]
        and checks["finished_trials_with_identical_params"] == 0)

    defaults, defaults_s = validation_loss([*shared], folder / "defaults")
    best_toml = folder / "best.toml"
    retrained, retrained_s = validation_loss([*plan["data"], "--config", str(best_toml)], folder / "best")
    comparison = {"defaults_val_loss": defaults, "tuned_val_loss": float(study.best_value),
                  "best_trial": study.best_trial.number, "best_params": study.best_trial.params,
                  "best_run_file_retrained_val_loss": retrained, "defaults_train_s": defaults_s,
                  "best_retrain_s": retrained_s, "tuned_le_defaults": float(study.best_value) <= defaults}
    rows = [{"worker": w, "trials_asked": quota["A"] if w == "A" else left if w == "A2" else quota["B"],
             "trials_finished": len(by_worker.get(w, [])), "exit": -9 if w == "A" else codes.get(w, "")}
            for w in ("A", "B", "A2") if w in by_worker]
    _common.print_table(rows)
    print(f"study: {dict(Counter(t.state.name for t in trials))}; {len(finished)} finished of {plan['trials']} "
          f"asked; killed A at {killed_at:.0f} s (study then {at_kill}); interrupted: "
          f"{[(u['number'], u['state'], u['epochs_reported']) for u in unfinished]}")
    print(f"no trial lost or duplicated: {checks['no_trial_lost_or_duplicated']}; validation loss tuned "
          f"{study.best_value:.5g} (trial {study.best_trial.number}; its run file retrained: {retrained:.5g}) vs "
          f"defaults {defaults:.5g}: tuned <= defaults: {comparison['tuned_le_defaults']}; wall {wall:.0f} s")
    path = _common.write_json("tune_workers", {
        "worker_command": f"cnnlstm --threads 1 tune {' '.join(shared)} --storage sqlite:///<tmp>/study.db "
                          f"--study {name} --trials N",
        "defaults_command": f"cnnlstm --threads 1 train {' '.join(shared)}",
        "plan": {k: v for k, v in plan.items() if k != "data"}, "data": " ".join(plan["data"]),
        "trials_counted": "per call: --trials N runs N trials in that process; a resumed or shared study keeps the "
                          "others, so A restarts with the trials it had left",
        "workers": rows, "killed_at_s": killed_at, "study_at_kill": at_kill, "wall_s": wall,
        "states": dict(Counter(t.state.name for t in trials)), "checks": checks, "comparison": comparison,
        "target_met": bool(checks["no_trial_lost_or_duplicated"] and comparison["tuned_le_defaults"]),
        "load_average_before": load_before, "load_average_after": os.getloadavg()[0]}, dry_run=args.dry_run)
    shutil.rmtree(folder, ignore_errors=True)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
