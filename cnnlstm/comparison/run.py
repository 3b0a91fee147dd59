"""`compare`: every suitable architecture, ensemble and classical baseline on one dataset, over several seeds.

The loop is plain: for each contender and seed, reuse the stored result or train and store it (atomically), one
progress display over the whole comparison. Then ensembles are formed from the stored predictions, everything is
scored on the test part, ranked, tested against the best (ties marked), and written as a table and a report.
"""

from __future__ import annotations

import hashlib
import os
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import did_you_mean
from ..data.sources import datasets
from ..models.registry import compare_contenders, model_hyperparameters
from ..train import show_progress
from .ensembles import combine, stack_weights
from .forecast import ForecastProblem
from .sequences import ClassifyProblem, RegressProblem
from .significance import diebold_mariano, paired_test, verdicts
from .store import RunStore

# Contender name -> (registry model, its fixed arguments), from the model registry. The three merges of `parallel`
# are three contenders.
NEURAL = compare_contenders()
MEAN_ENSEMBLE, STACKED = "mean(cnn,lstm)", "stacked"
TASKS = ("auto", "forecast", "classify", "regress", "rul")
# Training defaults of a comparison, per task: enough epochs for early stopping to choose; classification and
# remaining useful life take their estimator's own recipe (the Classifier's, the UnitRegressor's: what a user's
# `Classifier()` or `UnitRegressor()` gets), so the table ranks the library's defaults
DEFAULTS = {"forecast": {"epochs": 60, "patience": 15, "batch_size": 32}, "classify": {}, "regress": {"epochs": 30},
            "rul": {}}


@dataclass
class Comparison:
    """The outcome of `compare`.

    Attributes:
        table: one row per contender, best first: rank, kind, each metric's mean and std over seeds, times,
            parameters, the p-value against the best and the verdict ("best", "tie", "worse").
        payload: everything the HTML report shows (JSON-able).
        runs: contender -> the stored (record, arrays) of each seed.
        folder: the run folder (None when nothing was written).
    """

    table: pd.DataFrame
    payload: dict = field(default_factory=dict)
    runs: dict = field(default_factory=dict)
    folder: Path | None = None


def compare(data="airline", *, task: str = "auto", test_data=None, models: list[str] | None = None,
            baselines: list[str] | None = None, ensembles: bool = True, seeds: int = 3, horizon: int | None = None,
            window: int | None = None, stride: int = 1, group: str | None = None, target: str | None = None,
            out=None, data_dir=None, name: str | None = None, progress: bool | None = None, report: bool = True,
            dry_run: bool = False, jobs: int = 1, **settings) -> Comparison:
    """Train every suitable architecture over `seeds` seeds on one split, beside ensembles and classical
    baselines; rank them on the test part, say which differences are significant, and write a report.

    Args:
        data: a dataset name (`cnnlstm datasets`: airline, etth1, GunPoint, cmapss-fd001, ...), a DataFrame, an
            array or a path. For classification and regression without a dataset name: (X, y) with `test_data`.
        task: "auto" (from the dataset, else forecast), "forecast", "classify", "regress" or "rul".
        test_data: the test part for classification and regression ((X, y), a frame of units, a path).
        models: neural contenders (registry names, plus parallel_weighted and parallel_attention); None takes
            every model that suits the task.
        baselines: classical baselines; None takes every one for the task whose library is installed.
        ensembles: add mean(cnn,lstm) and the stacked ensemble (weights fitted on validation predictions only).
        seeds: runs per contender (seeds 0 .. seeds-1); deterministic baselines run once.
        horizon, window, stride: forecasting: None picks a season of horizon and two of history.
        group, target: units' rows for regression (C-MAPSS: unit and rul, set automatically for its names).
        out: the run folder: results are stored as they finish and a rerun resumes; None keeps them in memory.
        name: what the table and report call the data (default: the dataset name or the file name).
        progress: one display for the whole comparison; None shows it on a terminal only.
        report: write `report.html` in `out`.
        dry_run: check the data, the settings and every contender (one epoch of each on a small slice, the
            baselines' libraries looked up), train nothing else and write nothing; the plan is in payload["plan"].
        jobs: contender x seed runs at once: this process and jobs - 1 worker processes (spawned, so a script
            calling this needs `if __name__ == "__main__":`), one GPU each, round-robin, where there are GPUs,
            sharing this process's torch threads evenly. The results are those of `jobs=1` (seeds flow per run),
            and a killed parallel comparison resumes as a serial one does. Two comparisons on one `out` never
            compute the same result twice: each run is claimed first (see `store.py`).
        **settings: estimator settings shared by every contender (epochs, batch_size, lr, split, targets, ...)
            and model hyperparameters, each given to the models that accept it.

    Example:
        >>> result = compare("airline", models=["cnn", "lstm"], seeds=2, epochs=5)    # doctest: +SKIP
        >>> result.table[["rank", "rmse", "verdict"]]
    """
    seeds = _positive("seeds", seeds)
    jobs = _check_jobs(jobs)
    problem, name = _problem(data, task, test_data, horizon, window, stride, group, target, data_dir, settings,
                             name)
    models = _check_models(models, problem)
    settings = {**DEFAULTS[problem.task], **problem.settings}
    shared, per_model = _split_hyperparameters(settings, models, problem)
    problem.settings = shared
    chosen, notes = _check_baselines(baselines, problem)

    if dry_run:
        plan = [f"dry run: task {problem.task}, data {name}, {seeds} seed(s), contenders {', '.join(models)}"]
        for model in models:
            plan.append("  " + problem.check(model, NEURAL[model][0], {**NEURAL[model][1], **per_model[model]}))
        plan.append(f"  baselines: {', '.join(chosen) or 'none'}" + "".join(f"; {n}" for n in notes))
        return Comparison(table=pd.DataFrame(), payload={"plan": plan})
    store = RunStore(out)
    hyperparameters = {k: v for k, v in settings.items() if k not in shared}  # as given: adding models later resumes
    store.check_settings({**problem.fingerprint(), "data": _fingerprint(data, test_data), **shared,
                          "hyperparameters": hyperparameters})
    reference = store.get("reference", None)
    if reference is not None:
        problem.load_reference(reference[1])
    planned = [(m, s) for m in models for s in range(seeds)]  # the first one makes the reference: see _run_all
    planned += [(b, None if problem.deterministic(b) else s) for b in chosen
                for s in (range(1) if problem.deterministic(b) else range(seeds))]
    with _Display(len(planned), enabled=show_progress(progress)) as display:
        found = _run_all(planned, problem, store, per_model, jobs, display, seeds)
    runs: dict[str, list] = {}
    for contender, seed in planned:
        runs.setdefault(contender, []).append(found[contender, seed])

    if ensembles:
        combined, left_out = _ensembles(runs, models, problem, seeds)
        runs.update(combined)
        notes = [*notes, *left_out]
    table = _table(runs, problem)
    payload = _payload(table, runs, problem, name, {**shared, "seeds": seeds, **_forecast_settings(problem)}, notes)
    folder = Path(out) if out is not None else None
    if folder is not None:
        import importlib.util

        from .. import checkpoint

        charts = importlib.util.find_spec("plotly") is not None  # the report's charts; the table is written anyway
        if report and not charts:
            payload["notes"] = [*payload.get("notes", []),
                                "report.html left out: its charts need plotly: pip install 'cnnlstm[report]'"]
        checkpoint.atomic_write_text(folder / "table.csv", table.to_csv())
        checkpoint.write_json(folder / "comparison.json", payload)
        if report and charts:
            from .report import write_report

            write_report(payload, folder / "report.html")
    return Comparison(table=table, payload=payload, runs=runs, folder=folder)


# ---------------------------------------------------------------------- inputs
def _positive(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}.")
    return int(value)


def _check_jobs(jobs) -> int:
    if isinstance(jobs, bool) or not isinstance(jobs, (int, np.integer)) or jobs < 1:
        raise ValueError(f"`jobs` must be a positive integer: the runs trained at once, each in its own process. "
                         f"Received: jobs={jobs!r}. Fix: pass jobs=1 to run one at a time, or e.g. jobs=2.")
    return int(jobs)


def default_window(horizon: int, season: int | None) -> int:
    """Two seasons of history where there is a season, else four horizons."""
    return 2 * season if season and season > 1 else 4 * horizon


def _problem(data, task, test_data, horizon, window, stride, group, target, data_dir, settings, name):
    """The task's problem, its data read by the task reader the command line shares (`cnnlstm.task_data`)."""
    from ..data.tasks import TaskData, read_task_data

    if isinstance(data, TaskData):
        task_data = data
    else:
        task_data = read_task_data(data, task=task, test_data=test_data, target=target, group=group, data_dir=data_dir,
                                   name=name)
    name = name or task_data.name
    settings = {**task_data.settings, **settings}
    if task_data.task == "forecast":
        season = settings.get("season_length")
        horizon = _positive("horizon", horizon or (season if season and season > 1 else 24))
        window = _positive("window", window or default_window(horizon, season))
        return ForecastProblem(task_data.train, name=name, window=window, horizon=horizon,
                               stride=_positive("stride", stride), settings=settings), name
    if task_data.test is None:
        raise ValueError(f"`test_data` is needed for task={task_data.task!r}: the test part the contenders are ranked "
                         "on. Fix: pass test_data=(X_test, y_test) or a test file, or a dataset name as data.")
    if task_data.task == "classify":
        return ClassifyProblem(task_data.train, task_data.test, name=name, settings=settings), name
    return RegressProblem(task_data.train, task_data.test, name=name, settings=settings,
                          group=task_data.fit_kwargs.get("group"), target=task_data.fit_kwargs.get("target")), name


# ---------------------------------------------------------------------- running the jobs
def _run_all(planned: list, problem, store: RunStore, per_model: dict, jobs: int, display, seeds: int) -> dict:
    """Every planned (contender, seed)'s (record, arrays): from the store, else computed, scored and stored.

    With jobs > 1 this process runs jobs too, beside jobs - 1 worker processes (so their start costs it nothing),
    each worker given two runs at a time so it never waits for this process. Runs whose time is unknown go first,
    in plan order, then the longest first (by the time of the contender's finished run), so no long run is left for
    the end while the others idle; the order changes no result.
    """
    runs = _Runs(planned, problem, store, display, seeds)
    workers = min(jobs, len(runs.todo)) - 1
    if workers < 1:  # one at a time, here, in plan order, with the epoch-by-epoch progress
        with runs:
            while runs.todo or runs.elsewhere:
                mine = runs.take()
                if mine is not None:
                    runs.run_here(mine, per_model.get(mine[0][0], {}), display.epoch)
                else:
                    runs.wait_elsewhere()
        return runs.found
    import torch

    threads = torch.get_num_threads()
    share = max(1, threads // (workers + 1))  # every process its part of this one's threads
    pool, running = _pool(problem, workers, share), {}
    try:
        torch.set_num_threads(share)
        with runs:
            while runs.todo or running or runs.elsewhere or runs.unscored:
                mine = runs.take(longest_first=True)  # first, so the reference run starts here at once
                while len(running) < 2 * workers and (theirs := runs.take(longest_first=True)) is not None:
                    (contender, seed), _ = theirs
                    reference = problem.reference if runs.ready else None
                    running[pool.submit(_work, contender, seed, per_model.get(contender, {}), reference)] = theirs
                if mine is not None:
                    runs.run_here(mine, per_model.get(mine[0][0], {}), None)
                busy = mine is not None or runs.startable()
                if running:
                    for future in wait(running, timeout=0 if busy else None, return_when=FIRST_COMPLETED)[0]:
                        runs.computed(*running.pop(future), future.result())
                elif not busy:
                    runs.wait_elsewhere()
    finally:
        for _, claim in running.values():
            claim.release()
        pool.shutdown(wait=True, cancel_futures=True)
        torch.set_num_threads(threads)
    return runs.found


class _Runs:
    """The runs of one comparison and their state: found (stored), todo, claimed elsewhere, computed but unscored.

    The first planned run (neural, seed 0) makes the reference every result is scored with (the test truth; for
    remaining life also the windows the baselines read, which depend on the seed's validation units), as in a
    serial run: results that finish before it wait for it unscored, and the baselines start after it. Each run is
    claimed in the store before it starts; one another process holds is waited for at the end, and done here if
    that process died. Leaving the `with` block lets go of every claim still held.
    """

    def __init__(self, planned: list, problem, store: RunStore, display, seeds: int):
        self.planned, self.problem, self.store, self.display, self.seeds = planned, problem, store, display, seeds
        self.found = {job: result for job in planned if (result := store.get(*job)) is not None}
        self.todo = [job for job in planned if job not in self.found]
        self.elsewhere: list = []
        self.unscored: list = []  # (job, claim, record, arrays)
        self.started: set[str] = set()  # contenders with a run started here
        self.ready = problem.reference is not None or planned[0] in self.found
        for _ in self.found:
            display.finish()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for _, claim, _, _ in self.unscored:
            claim.release()
        return False

    def startable(self) -> list:
        return [job for job in self.todo if self.ready or job[0] in NEURAL]

    def take(self, *, longest_first: bool = False) -> tuple | None:
        """The next startable run, claimed here: (job, claim); None when there is none."""
        while candidates := self.startable():
            job = candidates[0]
            if longest_first:
                seconds = {}
                for (contender, _), (record, _) in self.found.items():
                    seconds.setdefault(contender, record.get("train_s", 0.0))
                fresh = [j for j in candidates if j[0] not in seconds and j[0] not in self.started]
                known = [j for j in candidates if j[0] in seconds]
                job = fresh[0] if fresh else max(known, key=lambda j: seconds[j[0]]) if known else job
            self.todo.remove(job)
            claim = self.store.claim(*job)
            if claim is None:
                self.elsewhere.append(job)
            elif (result := self.store.get(*job)) is not None:  # it landed while we were not looking
                claim.release(done=True)
                self._landed(job, result)
            else:
                self.started.add(job[0])
                self.display.start(job[0], job[1], self.seeds)
                return job, claim
        return None

    def run_here(self, taken: tuple, kwargs: dict, progress) -> None:
        job, claim = taken
        try:
            outcome = _execute(self.problem, *job, kwargs, progress)
        except BaseException:
            claim.release()
            raise
        self.computed(job, claim, outcome)

    def computed(self, job, claim, outcome: tuple) -> None:
        """A run's (record, arrays, reference made) came back: score and store it once the reference is known."""
        record, arrays, made = outcome
        if job == self.planned[0] and not self.ready:
            if made is not None:
                self.problem.load_reference(made)
                self.store.put("reference", None, {}, made)
            self.ready = True
        self.unscored.append((job, claim, record, arrays))
        self._score_waiting()

    def _score_waiting(self) -> None:
        while self.ready and self.unscored:
            job, claim, record, arrays = self.unscored.pop(0)
            contender, seed = job
            record.update(contender=contender, seed=seed, kind="neural" if contender in NEURAL else "baseline",
                          metrics=_score(self.problem, arrays))
            self.store.put(contender, seed, record, arrays)
            claim.release(done=True)
            self.found[job] = (record, arrays)
            self.display.finish()

    def wait_elsewhere(self) -> None:
        """Wait for the first run another process holds: it lands, or that process died and the run is ours."""
        job = self.elsewhere.pop(0)
        claim = self.store.claim(*job, wait=True)
        result = self.store.get(*job)
        claim.release(done=result is not None)
        if result is None:
            self.todo.insert(0, job)
        else:
            self._landed(job, result)

    def _landed(self, job, result) -> None:
        self.found[job] = result
        self.display.finish()
        if job == self.planned[0] and not self.ready:  # its process stored the reference before it
            reference = self.store.get("reference", None)
            if reference is not None:
                self.problem.load_reference(reference[1])
            self.ready = True
            self._score_waiting()


def _score(problem, arrays: dict) -> dict:
    """A run's test metrics; a forecast's interval bounds go with it (a run made in a worker has no other way)."""
    return problem.score(arrays["test"], arrays) if "test_lower" in arrays else problem.score(arrays["test"])


def _execute(problem, contender: str, seed: int | None, kwargs: dict, progress) -> tuple[dict, dict, dict | None]:
    """One run's (record, arrays), unscored, and the reference arrays it made on the way (None if none). The
    problem keeps the reference it had: only the first planned run's counts (see `_run_all`)."""
    known = problem.reference
    if contender in NEURAL:
        model, fixed = NEURAL[contender]
        record, arrays = problem.run_neural(model, {**fixed, **kwargs}, seed, progress)
    else:
        record, arrays = problem.run_baseline(contender, seed)
    made = problem.reference if known is None else None
    problem.reference = known
    return record, arrays, made


def _pool(problem, workers: int, threads: int) -> ProcessPoolExecutor:
    """`workers` spawned processes (fork is unsafe with torch's threads), each holding the problem and using
    `threads` torch threads; where there are GPUs, one each, round-robin, after this process's (the first)."""
    import multiprocessing

    import torch

    context = multiprocessing.get_context("spawn")
    gpus: list[str] = []
    if torch.cuda.is_available() and problem.settings.get("device", "auto") in ("auto", "cuda"):  # not a chosen one
        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
        gpus = visible.split(",") if visible else [str(i) for i in range(torch.cuda.device_count())]
    slots = context.Queue()
    for slot in range(1, workers + 1):
        slots.put(slot)
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                               initargs=(problem, threads, gpus, slots, os.getpid()))


_WORKER: dict = {}  # a worker process's problem


def _start_worker(problem, threads: int, gpus: list[str], slots, parent: int) -> None:
    import threading

    import torch

    def stop_with_parent() -> None:  # a killed comparison's workers would otherwise live on, orphaned
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=stop_with_parent, daemon=True).start()
    slot = slots.get()
    if gpus:  # before CUDA starts in this process
        os.environ["CUDA_VISIBLE_DEVICES"] = gpus[slot % len(gpus)]
    torch.set_num_threads(threads)
    _WORKER["problem"] = problem


def _work(contender: str, seed: int | None, kwargs: dict, reference: dict | None):
    problem = _WORKER["problem"]
    if reference is not None and problem.reference is None:
        problem.load_reference(reference)
    return _execute(problem, contender, seed, kwargs, None)


def _check_models(models, problem) -> list[str]:
    suitable = problem.default_models()
    if models is None:
        return suitable
    models = list(models)
    if not models:
        raise ValueError("`models` must name at least one neural contender. Received: an empty list.")
    for model in models:
        if model not in NEURAL:
            from .._errors import unknown_name

            raise unknown_name("models", model, list(NEURAL))
        if model not in suitable:
            raise ValueError(f"`models` holds {model!r}, which does not suit task {problem.task!r} on this data. "
                             f"Suitable: {', '.join(suitable)}.")
    return models


def _check_baselines(baselines, problem) -> tuple[list[str], list[str]]:
    """The baselines to run, and notes on those left out because their library is missing."""
    available = problem.baselines()
    if baselines is not None:
        for name in baselines:
            if name not in available:
                from .._errors import unknown_name

                raise unknown_name("baselines", name, available)
            missing = problem.missing_dependency(name)
            if missing:
                raise ValueError(f"`baselines` holds {name!r}, but {missing}")
        return list(baselines), []
    notes = [f"{name} left out: {problem.missing_dependency(name)}" for name in available
             if problem.missing_dependency(name)]
    return [name for name in available if not problem.missing_dependency(name)], notes


def _split_hyperparameters(settings: dict, models: list[str], problem) -> tuple[dict, dict[str, dict]]:
    """Estimator settings shared by all, and per contender the model hyperparameters it accepts."""
    from ..estimators import Classifier, Forecaster, Regressor, UnitRegressor

    estimator = {"forecast": Forecaster, "classify": Classifier}.get(
        problem.task, UnitRegressor if getattr(problem, "units", False) else Regressor)
    accepted = {m: model_hyperparameters(NEURAL[m][0]) for m in models}
    own = set(estimator._param_names()) - {"model", "seed", "progress"}
    shared = {k: v for k, v in settings.items() if k in own}
    extra = {k: v for k, v in settings.items() if k not in own}
    known = set().union(*accepted.values())
    for key in extra:
        if key not in known:
            raise ValueError(
                f"{key!r} is neither a {estimator.__name__} setting nor a hyperparameter of the compared models "
                f"{models}.{did_you_mean(key, sorted(known | own))} Fix: see `cnnlstm models` for hyperparameters."
            )
    return shared, {m: {k: v for k, v in extra.items() if k in accepted[m]} for m in models}


def _fingerprint(data, test_data) -> str:
    """What the results depend on in the data: its name, or a hash of its values."""
    from ..data.tasks import TaskData

    if isinstance(data, TaskData):
        data, test_data = (data.dataset, None) if data.dataset else (data.train, data.test)

    def digest(value) -> str:
        if value is None or isinstance(value, (str, os.PathLike)):
            return str(value)
        if isinstance(value, pd.DataFrame):
            return hashlib.sha256(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes()).hexdigest()[:16]
        if isinstance(value, (tuple, list)) and not isinstance(value, np.ndarray):
            return "+".join(digest(v) for v in value)
        return hashlib.sha256(np.ascontiguousarray(np.asarray(value)).tobytes()).hexdigest()[:16]

    return f"{digest(data)}|{digest(test_data)}"


def _forecast_settings(problem) -> dict:
    if problem.task != "forecast":
        return {}
    return {"window": problem.window, "horizon": problem.horizon, "stride": problem.stride,
            "origins": int(len(problem.reference["actual"]))}


# ---------------------------------------------------------------------- ensembles
def _ensembles(runs: dict, models: list[str], problem, seeds: int) -> tuple[dict, list[str]]:
    """mean(cnn,lstm) and the stacked mix of every neural contender, per seed, from stored predictions only;
    and a note when the stacked mix is left out for want of validation predictions (val_size=0)."""
    result, notes = {}, []
    members = [m for m in models if m in runs]
    if "cnn" in runs and "lstm" in runs:
        result[MEAN_ENSEMBLE] = [_ensemble_run(MEAN_ENSEMBLE, s, [runs["cnn"][s], runs["lstm"][s]], [0.5, 0.5],
                                               ["cnn", "lstm"], problem) for s in range(seeds)]
    if len(members) >= 2 and not len(problem.val_truth(runs[members[0]][0][1])):
        notes.append("stacked left out: the contenders trained on every training example (the defaults: the "
                     "Classifier's val_size=0, the UnitRegressor's refit=True), so no validation predictions exist "
                     "to fit its weights on; val_size=0.2 (--val-size 0.2), or refit=False, brings them back")
    elif len(members) >= 2:
        stacked = []
        for s in range(seeds):
            chosen = [runs[m][s] for m in members]
            truth = problem.val_truth(chosen[0][1])
            weights = stack_weights([arrays["val"] for _, arrays in chosen], truth, loss=problem.stack_loss)
            stacked.append(_ensemble_run(STACKED, s, chosen, weights, members, problem))
            stacked[-1][0]["note"] = (f"stacked: {len(members)} weights fitted on {len(truth)} validation "
                                      "predictions per seed (few predictions make noisy weights)")
        result[STACKED] = stacked
    return result, notes


def _ensemble_run(name, seed, chosen, weights, members, problem):
    test = combine([arrays["test"] for _, arrays in chosen], weights)
    record = {"contender": name, "seed": seed, "kind": "ensemble", "metrics": problem.score(test),
              "train_s": sum(r["train_s"] for r, _ in chosen), "predict_s": sum(r["predict_s"] for r, _ in chosen),
              "parameters": sum(r["parameters"] for r, _ in chosen),
              "weights": {m: float(w) for m, w in zip(members, weights)}}
    return record, {"test": test}


# ---------------------------------------------------------------------- table
def _table(runs: dict, problem) -> pd.DataFrame:
    rows = {}
    for contender, results in runs.items():
        metrics = pd.DataFrame([r["metrics"] for r, _ in results])
        row = {"kind": results[0][0]["kind"], "runs": len(results)}
        for metric in problem.metrics:
            row[metric] = float(metrics[metric].mean())
            spread = float(metrics[metric].std(ddof=1)) if len(results) > 1 else 0.0
            row[f"{metric}_std"] = spread if spread > 1e-12 else 0.0  # float noise of equal runs is no spread
        row.update(train_s=float(np.mean([r["train_s"] for r, _ in results])),
                   predict_s=float(np.mean([r["predict_s"] for r, _ in results])),
                   parameters=int(results[0][0]["parameters"]))
        rows[contender] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table = table.sort_values(problem.metric, ascending=not problem.higher_is_better, kind="stable")
    table.insert(0, "rank", range(1, len(table) + 1))
    table.index.name = "contender"
    best = table.index[0]
    if problem.task == "forecast":  # per-origin loss, averaged over seeds, against the best's
        losses = {c: np.mean([problem.sample_losses(a["test"]) for _, a in runs[c]], axis=0) for c in table.index}
        test = lambda c: diebold_mariano(losses[c], losses[best], lag=problem.dm_lag())[1]  # noqa: E731
    else:  # the ranking metric, seed by seed
        scores = {c: [r["metrics"][problem.metric] for r, _ in runs[c]] for c in table.index}
        test = lambda c: paired_test(scores[c], scores[best])  # noqa: E731
    p_values = {c: float("nan") if c == best else test(c) for c in table.index}
    table["p_value"] = pd.Series(p_values)
    table["verdict"] = pd.Series(verdicts(p_values, best))
    return table


SIGNIFICANCE = {
    "forecast": "Diebold-Mariano test (Harvey-Leybourne-Newbold correction) of each contender against the best, on the "
                "per-origin squared error of the scaled data averaged over seeds; 'tie' means p >= 0.05.",
    "other": "Paired t-test over seeds of the ranking metric against the best (one-sample where a contender is "
             "deterministic); 'tie' means p >= 0.05 or no test was possible.",
}


def _payload(table: pd.DataFrame, runs: dict, problem, name: str, settings: dict, notes: list[str]) -> dict:
    from .. import __version__

    formatted = []
    for contender, row in table.iterrows():
        entry = {"rank": int(row["rank"]), "contender": contender, "kind": row["kind"], "runs": int(row["runs"])}
        for metric in problem.metrics:
            entry[metric] = f"{row[metric]:.4g} ± {row[f'{metric}_std']:.2g}" if row["runs"] > 1 else f"{row[metric]:.4g}"
        entry.update(train_s=round(row["train_s"], 2), predict_s=round(row["predict_s"], 3),
                     parameters=int(row["parameters"]),
                     p_value=None if pd.isna(row["p_value"]) else float(f"{row['p_value']:.3g}"),
                     verdict=row["verdict"])
        formatted.append(entry)
    for results in runs.values():
        notes += sorted({r["note"] for r, _ in results if "note" in r})
    curves = {c: {str(r["seed"]): pd.DataFrame(r["history"]).to_dict(orient="list") for r, _ in results}
              for c, results in runs.items() if results[0][0]["kind"] == "neural"}
    branches = {}
    for contender, results in runs.items():
        extras = [r.get("extras") or {} for r, _ in results]
        if extras and "weights" in extras[0]:
            branches[contender] = {"merge": extras[0]["merge"], "weights": {
                k: float(np.mean([e["weights"][k] for e in extras])) for k in extras[0]["weights"]},
                "per_seed": [e["weights"] for e in extras]}
            if "attention" in extras[0]:
                branches[contender]["attention"] = extras[0]["attention"][:300]
    payload = {
        "title": f"cnnlstm compare: {name}", "task": problem.task, "version": __version__,
        "created": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "metric": problem.metric,
        "higher_is_better": problem.higher_is_better, "data": {"name": name, "summary": problem.summary()},
        "settings": settings, "notes": notes,
        "columns": ["rank", "contender", "kind", problem.metric, "p_value", "verdict",
                    *[m for m in problem.metrics if m != problem.metric], "train_s", "predict_s", "parameters"],
        "table": formatted, "significance": SIGNIFICANCE["forecast" if problem.task == "forecast" else "other"],
        "curves": curves, "branches": branches,
        **problem.report_sections({c: [a["test"] for _, a in results] for c, results in runs.items()}),
    }
    if STACKED in runs:
        payload["ensembles"] = {STACKED: {"weights": {  # mean over seeds, rounded: the optimiser's 1e-17 is a 0
            k: round(float(np.mean([r["weights"][k] for r, _ in runs[STACKED]])), 3)
            for k in runs[STACKED][0][0]["weights"]}}}
    return payload


# ---------------------------------------------------------------------- progress
class _Display:
    """One rich progress display for the whole comparison: contender, seed, epoch, time left."""

    def __init__(self, total: int, *, enabled: bool):
        self.total, self.enabled, self.done = total, enabled, 0.0

    def __enter__(self):
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
                TimeRemainingColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())
            self.bar.__enter__()
            self.task = self.bar.add_task("compare", total=self.total)
        return self

    def start(self, contender: str, seed: int | None, seeds: int) -> None:
        self.label = contender if seed is None else f"{contender} seed {seed + 1}/{seeds}"
        self.job_start = self.done
        if self.enabled:
            self.bar.update(self.task, description=self.label)

    def epoch(self, record: dict) -> None:
        """Called by training after each epoch: a fraction of this job, so time left moves smoothly."""
        if self.enabled:
            self.bar.update(self.task, completed=self.job_start + record["epoch"] / record["epochs"],
                            description=f"{self.label} epoch {record['epoch']}/{record['epochs']}")

    def finish(self) -> None:
        self.done += 1
        if self.enabled:
            self.bar.update(self.task, completed=self.done)

    def __exit__(self, *exc):
        if self.enabled:
            self.bar.__exit__(*exc)
        return False
