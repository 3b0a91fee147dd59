"""Atomic writes and folders: every file gets the mode `open()` would give it, no temporary is left behind, a folder
is replaced in one step (a save killed at any step leaves the old run or the new one), and every damaged file of a
model folder is named in one line."""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import stat
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import torch

from cnnlstm import checkpoint

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes, the umask and symbolic links as on POSIX")


@pytest.fixture
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


@posix_only
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)], indirect=["umask"])
def test_written_files_get_the_mode_open_gives(tmp_path, umask, mode):
    """tempfile.mkstemp alone would make every output 0o600, unreadable by the group that shares the runs."""
    checkpoint.atomic_write_bytes(tmp_path / "raw.bin", b"\x00\x01")
    checkpoint.write_json(tmp_path / "run" / "result.json", {"rmse": float("nan")})
    checkpoint.save_weights(tmp_path / "run" / "weights.pt", {"weight": torch.zeros(2)})
    (tmp_path / "opened.txt").write_text("reference")
    for name in ("raw.bin", "run/result.json", "run/weights.pt", "opened.txt"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, name
    assert checkpoint.read_json(tmp_path / "run" / "result.json") == {"rmse": None}
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "result.json"
    checkpoint.write_json(path, {"epoch": 1})

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        checkpoint.write_json(path, {"epoch": 2})
    assert checkpoint.read_json(path) == {"epoch": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]


# ---------------------------------------------------------------------------------------------- whole folders


def _contents(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _write_run(folder, tag: str) -> None:
    with checkpoint.replacing_folder(folder) as staging:
        checkpoint.write_json(staging / "metrics.json", {"tag": tag})
        checkpoint.write_json(staging / "config.json", {"tag": tag})


@functools.cache
def can_exchange() -> bool:
    """Whether this system and file system swap two folders in one step (else saves use two renames)."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "a").mkdir(), (Path(folder) / "b").mkdir()
        return checkpoint.exchange(Path(folder) / "a", Path(folder) / "b")


@pytest.fixture(params=["exchange", "two renames"])
def swap(request, monkeypatch):
    """Both ways a folder takes another's place: Linux's one-step exchange, and the two renames used elsewhere."""
    if request.param == "two renames":
        monkeypatch.setattr(checkpoint, "exchange", lambda first, second: False)
    elif not can_exchange():
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available here")
    return request.param


def test_a_folder_is_replaced_as_a_whole_and_nothing_is_left_beside_it(tmp_path, swap):
    run = tmp_path / "run"
    _write_run(run, "old")
    (run / "forecast.png").write_bytes(b"old plot")  # a file the new run does not write: it goes with the old run
    _write_run(run, "new")
    assert _contents(run) == {"config.json": b'{\n  "tag": "new"\n}\n', "metrics.json": b'{\n  "tag": "new"\n}\n'}
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_an_error_while_writing_leaves_the_old_folder_and_no_leftover(tmp_path, swap):
    run = tmp_path / "run"
    _write_run(run, "old")
    before = _contents(run)
    with pytest.raises(RuntimeError, match="out of memory"):
        with checkpoint.replacing_folder(run) as staging:
            checkpoint.write_json(staging / "config.json", {"tag": "new"})
            raise RuntimeError("out of memory")
    assert _contents(run) == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_folders_that_are_not_saved_runs_are_never_replaced(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"holds 1 entry \(notes\.txt\) but no config\.json.*Fix: pass a new "
                                              r"or empty folder"):
        _write_run(tmp_path, "new")
    assert (tmp_path / "notes.txt").read_text() == "mine"
    with pytest.raises(FileExistsError, match=r"is a file.*Fix: pass a folder path"):
        _write_run(tmp_path / "notes.txt", "new")
    (tmp_path / "empty").mkdir()
    _write_run(tmp_path / "empty", "new")  # an empty folder is taken
    assert checkpoint.read_json(tmp_path / "empty" / "config.json") == {"tag": "new"}


def test_overwrite_false_refuses_a_saved_run_naming_the_flag(tmp_path):
    run = tmp_path / "run"
    _write_run(run, "old")
    with pytest.raises(FileExistsError, match=r"^`--out` '.*run' already holds a saved run \(config\.json\)\. "
                                              r"Received: --out=.*Fix: pass --overwrite to replace it"):
        with checkpoint.replacing_folder(run, overwrite=False, argument="--out", overwrite_flag="--overwrite"):
            pass
    assert checkpoint.read_json(run / "config.json") == {"tag": "old"}
    with checkpoint.replacing_folder(tmp_path / "fresh", overwrite=False) as staging:
        checkpoint.write_json(staging / "config.json", {"tag": "new"})
    assert checkpoint.read_json(tmp_path / "fresh" / "config.json") == {"tag": "new"}


@posix_only
def test_a_symbolic_link_keeps_pointing_at_the_replaced_folder(tmp_path):
    _write_run(tmp_path / "real", "old")
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    _write_run(tmp_path / "link", "new")
    assert (tmp_path / "link").is_symlink()
    assert checkpoint.read_json(tmp_path / "link" / "config.json") == {"tag": "new"}


# ---------------------------------------------------------------------------------------------- a save killed


@pytest.fixture(scope="module")
def two_runs():
    """A tiny fitted Forecaster ("old") and a copy ("new") that differs in every file save() writes."""
    import copy

    from cnnlstm import Forecaster, datasets

    old = Forecaster(model="linear", window=24, horizon=6, split=(96, 24, 24), epochs=1, batch_size=16,
                     progress=False, device="cpu").fit(datasets.load("airline"))
    old.metrics_ = {"test": {"tag": 0.0}}
    new = copy.deepcopy(old).set_params(seed=1)  # config.json
    with torch.no_grad():
        for weight in new.net_.parameters():  # model.pt
            weight.add_(1.0)
    new.history_ = pd.concat([old.history_, old.history_], ignore_index=True)  # history.csv
    new.scaler_.offset_ = new.scaler_.offset_ + 1.0  # scaler.json
    new.metrics_ = {"test": {"tag": 1.0}}  # metrics.json
    return old, new


def _which(estimator, two_runs) -> str:
    """'old' or 'new' when every part of `estimator` is that run's; 'mix' otherwise."""
    parts = lambda e: (e.seed, float(sum(w.sum() for w in e.net_.state_dict().values())), len(e.history_),  # noqa: E731
                       float(e.scaler_.offset_.sum()), e.metrics_["test"]["tag"])
    old, new = (parts(e) for e in two_runs)
    got = parts(estimator)
    return "old" if got == old else "new" if got == new else f"mix: {got} is neither {old} nor {new}"


def _save_killed_at(estimator, path, step: int, exchange: bool) -> bool:
    """Save `estimator` in a child process that SIGKILLs itself just before its `step`-th change to the file system
    (a folder made, a file created, renamed, exchanged or deleted); True when the save finished first."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            count = 0

            def counted(function, only_creating: bool = False):
                def wrapper(*args, **kwargs):
                    nonlocal count
                    if not only_creating or args[1] & os.O_CREAT:
                        count += 1
                        if count == step:
                            os.kill(os.getpid(), signal.SIGKILL)
                    return function(*args, **kwargs)
                return wrapper

            for name in ("mkdir", "replace", "rename", "unlink", "rmdir"):
                setattr(os, name, counted(getattr(os, name)))
            os.open = counted(os.open, only_creating=True)
            checkpoint.exchange = counted(checkpoint.exchange) if exchange else (lambda first, second: False)
            estimator.save(path)
            os._exit(0)
        except BaseException:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return False
    assert os.WEXITSTATUS(status) == 0, "the save failed in the child"
    return True


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.parametrize(("start", "exchange"), [("over an old run", True), ("over an old run", False),
                                                  ("into a new folder", False)],
                         ids=["over an old run, exchange", "over an old run, two renames", "into a new folder"])
def test_a_save_killed_at_any_step_leaves_the_old_run_or_the_new_one(tmp_path, two_runs, exchange, start):
    import cnnlstm

    if exchange and not can_exchange():
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available here")
    old, new = two_runs
    run = tmp_path / "run"
    seen = []
    for step in range(1, 100):
        if start == "over an old run":
            old.save(run)
        finished = _save_killed_at(new, run, step, exchange)
        interrupted = checkpoint.interrupted_save(run)
        if interrupted:  # the two renames' one instant: named, with the fix
            assert not exchange and start == "over an old run"
            with pytest.raises(FileNotFoundError) as caught:
                cnnlstm.load(run)
            message = str(caught.value)
            assert "\n" not in message and "was interrupted between its two renames" in message
            aside = next(folder for kind, _, folder in checkpoint.leftovers(run) if kind == "old")
            written = next(folder for kind, _, folder in checkpoint.leftovers(run) if kind == "tmp")
            assert f"`mv {written} {run}` to keep the new one, or `mv {aside} {run}` to keep the previous" in message
            os.rename(written, run)  # the fix the message gives
            assert _which(cnnlstm.load(run), two_runs) == "new"
            seen.append("interrupted")
        elif start == "into a new folder" and not run.exists():
            with pytest.raises(FileNotFoundError, match="must be a model folder written by an estimator's save()"):
                cnnlstm.load(run)
            seen.append("nothing")
        else:
            outcome = _which(cnnlstm.load(run), two_runs)
            assert outcome in ("old", "new"), f"killed before step {step}: {outcome}"
            seen.append(outcome)
        new.save(run)  # the next save recovers: the new run, and what the killed one left is gone
        assert _which(cnnlstm.load(run), two_runs) == "new"
        assert [p.name for p in tmp_path.iterdir()] == ["run"]
        shutil.rmtree(run)
        if finished:
            break
    assert finished, "the save never finished"
    first = "old" if start == "over an old run" else "nothing"
    expected = [first] * seen.count(first) + ["interrupted"] * seen.count("interrupted") + ["new"] * seen.count("new")
    # killed before the swap: the old run (or none); after it, the new run (also while the old one is deleted)
    assert seen == expected and seen.count(first) >= 10 and seen.count("new") >= (2 if first == "old" else 1), seen
    assert seen.count("interrupted") == (1 if not exchange and start == "over an old run" else 0), seen


def test_after_an_interrupted_swap_the_cli_refuses_to_train_without_overwrite(tmp_path, two_runs):
    old, new = two_runs
    run = tmp_path / "run"
    old.save(run)
    aside = tmp_path / "run.old-999999999-0a1b2c3d"  # as the two renames leave it, by a process that is gone
    os.rename(run, aside)
    with pytest.raises(FileExistsError, match=r"is missing: a save to it was interrupted, and the previous folder "
                                              r"is in '.*run\.old-999999999-0a1b2c3d'\. Fix: restore it with "
                                              r"`mv .*run\.old-999999999-0a1b2c3d .*run`, or pass --overwrite to "
                                              r"replace it\.$"):
        checkpoint.check_replaceable(run, overwrite=False, argument="--out", overwrite_flag="--overwrite")
    new.save(run)  # overwriting: the new run, and the leftover of the dead process removed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


# ---------------------------------------------------------------------------------------------- damaged folders


def _edit_json(name, edit):
    def damage(folder):
        data = checkpoint.read_json(folder / name)
        data = edit(data)
        (folder / name).write_text(json.dumps(data))
    return damage


def _truncate(name, keep=0.5):
    def damage(folder):
        data = (folder / name).read_bytes()
        (folder / name).write_bytes(data[: int(len(data) * keep)])
    return damage


def _without(name):
    return lambda folder: (folder / name).unlink()


def _drop(key):
    return lambda data: {k: v for k, v in data.items() if k != key}


DAMAGED = {  # case: (damage, the file named, what the message says)
    "config.json is []": (lambda f: (f / "config.json").write_text("[]"), "config.json",
                          r"must hold a JSON object \(format_version, estimator, params, network, state\)\. "
                          r"Received: a JSON list\."),
    "config.json cut short": (_truncate("config.json"), "config.json", r"is not valid JSON \(.*: line \d+, column"),
    "format_version 99": (_edit_json("config.json", lambda c: {**c, "format_version": 99}), "config.json",
                          r"has format_version 99; this cnnlstm .* reads versions 1, 2, and 99 is newer than this "
                          r"cnnlstm writes\. Fix: load it with the cnnlstm version that saved it"),
    "format_version true": (_edit_json("config.json", lambda c: {**c, "format_version": True}), "config.json",
                            r"has format_version True; this cnnlstm"),
    "config.json without network": (_edit_json("config.json", _drop("network")), "config.json",
                                    r"must have 'network' as a JSON object, as save\(\) writes it\. Received: nothing"),
    "an edited shape": (_edit_json("config.json", lambda c: {**c, "network": {**c["network"], "window": 48}}),
                        "model.pt", r"does not fit config\.json: weight '.*' is \(6, 72\) in model\.pt and "
                                    r"\(6, 144\) in the network config\.json describes \(and 1 more\)"),
    "an edited network": (_edit_json("config.json", lambda c: {**c, "network": {**c["network"], "wings": 2}}),
                          "config.json", r"has a \"network\" that cannot be built \(TypeError: .*wings"),
    "state without a key": (_edit_json("config.json", lambda c: {**c, "state": _drop("columns")(c["state"])}),
                            "config.json", r"its \"state\" lacks the key 'columns'"),
    "scaler.json without a key": (_edit_json("scaler.json", _drop("offset")), "scaler.json",
                                  r"lacks 'offset' \(it holds \['kind', 'scale'\]\)"),
    "scaler.json of another shape": (_edit_json("scaler.json", lambda s: {**s, "scale": [[1.0, 2.0]]}), "scaler.json",
                                     r"'scale' must be 1 series x 3 features of finite numbers, as the model reads "
                                     r"them\. Received: shape \(1, 2\)"),
    "scaler.json missing": (_without("scaler.json"), "scaler.json", r"lacks scaler\.json, which save\(\) writes"),
    "model.pt cut short": (_truncate("model.pt"), "model.pt",
                           r"is not a readable torch weights file \(RuntimeError: PytorchStreamReader failed "
                           r"reading zip archive: failed finding central directory\.\): it was cut short or replaced"),
    "model.pt empty": (_truncate("model.pt", 0), "model.pt", r"is not a readable torch weights file \(EOFError\)"),
    "model.pt missing": (_without("model.pt"), "model.pt", r"lacks model\.pt, which save\(\) writes"),
    "model.pt a list": (lambda f: torch.save([torch.zeros(2)], f / "model.pt"), "model.pt",
                        r"must hold a dict of named tensors, as save\(\) writes\. Received: a list"),
    "history.csv empty": (_truncate("history.csv", 0), "history.csv", r"is not the CSV save\(\) wrote"),
    "metrics.json cut short": (_truncate("metrics.json"), "metrics.json", r"is not valid JSON"),
}


@pytest.mark.parametrize("case", list(DAMAGED))
def test_a_damaged_model_folder_is_named_in_one_line(case, two_runs, tmp_path):
    import cnnlstm

    damage, name, what = DAMAGED[case]
    two_runs[0].save(tmp_path / "run")
    damage(tmp_path / "run")
    with pytest.raises(checkpoint.DamagedFileError, match=what) as caught:
        cnnlstm.load(tmp_path / "run")
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert "\n" not in message and "Fix:" in message, message
    assert str(tmp_path / "run") in message and name in message, message


@pytest.mark.parametrize("write", ["pickle", "torch.save"])
def test_a_weights_file_with_a_payload_is_refused_before_it_runs(write, two_runs, tmp_path):
    """A pickle whose loading would create a file: refused in one line, without torch's advice to lift the
    protection, and the file never appears."""
    import builtins
    import pickle

    import cnnlstm

    marker = tmp_path / "payload-ran"

    class Payload:
        def __reduce__(self):
            return (builtins.open, (str(marker), "w"))

    with open(tmp_path / "proof.pkl", "wb") as file:  # the payload is real: plain pickle runs it
        pickle.dump(Payload(), file)
    with open(tmp_path / "proof.pkl", "rb") as file:
        pickle.load(file).close()
    assert marker.exists()
    marker.unlink()

    two_runs[0].save(tmp_path / "run")
    weights = tmp_path / "run" / "model.pt"
    if write == "pickle":
        with open(weights, "wb") as file:
            pickle.dump({"weight": Payload()}, file)
    else:
        torch.save({"weight": Payload()}, weights)
    with pytest.raises(checkpoint.UnsafeWeightsError) as caught:
        cnnlstm.load(tmp_path / "run")
    message = str(caught.value)
    assert not marker.exists()
    assert isinstance(caught.value, pickle.UnpicklingError) and isinstance(caught.value, ValueError)
    assert "\n" not in message and str(weights) in message and "nothing in it ran" in message, message
    assert "weights_only" not in message and "Re-running" not in message and caught.value.__cause__ is None
    if write == "torch.save":
        assert "GLOBAL io.open" in message or "GLOBAL builtins.open" in message, message
