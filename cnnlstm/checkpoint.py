"""Saving and loading without pickles: weights through ``torch.load(weights_only=True)``, the rest as JSON.

Every file is written atomically (a temporary file in the same folder, then ``os.replace``), so a crash mid-write
leaves the previous file intact. Files get the mode ``open()`` would give them (0o666 less the umask: 0o644 under the
usual 0o022), so a run's outputs are as readable as any other tool's.

A whole folder (a saved model, a run) changes in one step too (`replacing_folder`): it is written beside its
destination as ``<name>.tmp-<pid>-<token>`` and then takes the destination's place:

    no folder there     one rename
    a folder there      Linux: one ``renameat2(RENAME_EXCHANGE)`` swaps the two, then the old one is deleted;
                        elsewhere: the old one is renamed aside (``<name>.old-<pid>-<token>``), the new one renamed
                        into place, the old one deleted

A process killed at any point leaves the complete old folder or the complete new one at the destination. The one
exception is the fallback's instant between its two renames: then the destination is missing, and loading it names
the two leftover folders and the command that restores either (`interrupted_save`). Leftovers of dead processes are
removed by the next successful save to the same destination.

Reading back, every damaged file raises `DamagedFileError`: one line naming the file, what is wrong and the fix.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import pickle
import re
import secrets
import shutil
import sys
import warnings
from pathlib import Path


class DamagedFileError(ValueError):
    """A file of a model or run folder that cannot be read back as it was written (the message names it)."""


class UnsafeWeightsError(DamagedFileError, pickle.UnpicklingError):
    """A weights file that asks the unpickler for more than tensors: refused before anything in it ran."""


# ---------------------------------------------------------------------------------------------- files


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder; the folder is created when missing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    # Not tempfile.mkstemp: its files are 0o600. Mode 0o666 lets the kernel apply the umask (and any default ACL)
    # as open() does, without reading the process-wide umask; O_EXCL refuses a name that already exists.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    handle = os.open(temporary, flags, 0o666)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def json_safe(value):
    """JSON has no NaN or infinity: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:  # NumPy scalars
        return json_safe(value.item())
    return value


def write_json(path: str | os.PathLike, obj) -> None:
    atomic_write_text(path, json.dumps(json_safe(obj), indent=2, default=str) + "\n")


def read_json(path: str | os.PathLike):
    """The JSON in `path`; a file that is not valid JSON raises `DamagedFileError` naming it."""
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except json.JSONDecodeError as error:
        raise DamagedFileError(
            f"{str(path)!r} is not valid JSON ({error.msg}: line {error.lineno}, column {error.colno}): it was "
            "cut short or edited. Fix: write it again (save the model or rerun the command that made it)."
        ) from None
    except UnicodeDecodeError:
        raise DamagedFileError(
            f"{str(path)!r} is not UTF-8 text, so not the JSON that was written there. Fix: write it again (save "
            "the model or rerun the command that made it)."
        ) from None


def read_folder_json(folder: str | os.PathLike, name: str):
    """The JSON file `name` of a saved folder; a missing or damaged one raises `DamagedFileError` naming it."""
    path = Path(folder) / name
    if not path.is_file():
        raise DamagedFileError(
            f"{str(folder)!r} lacks {name}, which save() writes: the folder is incomplete or was edited. "
            "Fix: save the model again, or copy the whole folder again."
        )
    return read_json(path)


def save_weights(path: str | os.PathLike, state_dict: dict) -> None:
    import torch  # here, not at the top: data/ writes files through this module without loading torch

    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in state_dict.items()}, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_weights(path: str | os.PathLike) -> dict:
    """The tensors in `path`, read with ``weights_only=True``: nothing is unpickled, so no code in the file runs.

    A missing, cut short or foreign file raises `DamagedFileError`; one that asks for more than tensors
    `UnsafeWeightsError` (also a `pickle.UnpicklingError`), without torch's advice to lift the protection.
    """
    import torch

    path = Path(path)
    if not path.is_file():
        raise DamagedFileError(
            f"{str(path.parent)!r} lacks {path.name}, which save() writes: the folder is incomplete or was edited. "
            "Fix: save the model again, or copy the whole folder again."
        )
    try:
        with warnings.catch_warnings():  # a foreign pickle's protocol warning: the error below says it all
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise UnsafeWeightsError(
            f"{str(path)!r} holds more than tensors ({_refusal_reason(error)}), so it was not loaded and nothing in "
            "it ran. Fix: use model folders written by save() from a source you trust; save the model again to "
            "get a weights-only file."
        ) from None
    except Exception as error:  # a cut-short zip, an empty or foreign file: torch's error says little
        raise DamagedFileError(
            f"{str(path)!r} is not a readable torch weights file ({one_line(error)}): it was cut short or "
            "replaced. Fix: save the model again, or copy the whole folder again."
        ) from None
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                              for k, v in state.items()):
        raise DamagedFileError(
            f"{str(path)!r} must hold a dict of named tensors, as save() writes. Received: a {type(state).__name__}"
            f"{' with other values' if isinstance(state, dict) else ''}. Fix: save the model again."
        )
    return state


def load_state(module, path: str | os.PathLike, *, described_by: str = "config.json") -> None:
    """Load the weights in `path` into `module`, after checking every name and shape against it, so that an edited
    config or a foreign weights file is named in one line rather than torch's list of mismatches."""
    saved = load_weights(path)
    expected = module.state_dict()
    missing = [k for k in expected if k not in saved]
    extra = [k for k in saved if k not in expected]
    wrong = [k for k in expected if k in saved and tuple(saved[k].shape) != tuple(expected[k].shape)]
    if wrong or missing or extra:
        if wrong:
            k = wrong[0]
            what = (f"weight {k!r} is {tuple(saved[k].shape)} in {Path(path).name} and {tuple(expected[k].shape)} "
                    f"in the network {described_by} describes")
        elif missing:
            what = f"{len(missing)} weights of the network {described_by} describes are missing, e.g. {missing[0]!r}"
        else:
            what = f"{len(extra)} weights belong to no part of the network {described_by} describes, e.g. {extra[0]!r}"
        more = len(wrong) + len(missing) + len(extra) - 1
        raise DamagedFileError(
            f"{str(path)!r} does not fit {described_by}: {what}{f' (and {more} more)' if more else ''}. "
            f"Fix: keep {described_by} and {Path(path).name} as save() wrote them (an edited hyperparameter or "
            "a file from another model breaks the pair); save the model again."
        )
    module.load_state_dict(saved)


def one_line(error: BaseException) -> str:
    """An exception as one short line, its type and first line: for errors that wrap it."""
    text = _first_line(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _first_line(error: BaseException, limit: int = 240) -> str:
    """The first sentence of an error's message on one line (torch's go on for paragraphs)."""
    text = " ".join(str(error).split("\n", 1)[0].split())
    text = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _refusal_reason(error: BaseException) -> str:
    """What torch's weights-only unpickler refused, without its advice on how to lift the protection."""
    text = str(error)
    found = re.search(r"GLOBAL ([\w.]+)", text)
    if found:
        return f"it asks for GLOBAL {found.group(1)}"
    found = re.search(r"WeightsUnpickler error:\s*([^\n]+)", text)
    if found:
        return _first_line(Exception(found.group(1)), 160).rstrip(".")
    return "torch's weights-only unpickler refused it"


# ---------------------------------------------------------------------------------------------- whole folders

_LEFTOVER = re.compile(r"\.(tmp|old)-(\d+)-[0-9a-f]+$")


def _sibling(path: Path, kind: str) -> Path:
    return path.with_name(f"{path.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}")


def leftovers(path: str | os.PathLike) -> list[tuple[str, int, Path]]:
    """Folders an interrupted save left beside `path`: ("tmp" | "old", the saving process's id, the folder).

    ``tmp``: a folder being written (complete only once its save reached the swap), or after a swap the previous
    folder being deleted; ``old``: the previous folder, set aside by the fallback swap.
    """
    path = Path(os.path.abspath(path))
    if not path.parent.is_dir():
        return []
    found = []
    for entry in path.parent.iterdir():
        match = _LEFTOVER.fullmatch(entry.name[len(path.name):]) if entry.name.startswith(path.name + ".") else None
        if match and entry.is_dir() and not entry.is_symlink():
            found.append((match.group(1), int(match.group(2)), entry))
    return sorted(found, key=lambda item: item[2].name)


def interrupted_save(path: str | os.PathLike, *, alternative: str = "") -> str | None:
    """When `path` is missing because a save was killed between its two renames: a one-line explanation naming the
    leftover folders and the command that restores one (or `alternative`, another fix); else None."""
    if Path(path).exists():
        return None
    found = leftovers(path)
    aside = [(pid, folder) for kind, pid, folder in found if kind == "old"]
    if not aside:
        return None
    pid, old = aside[-1]
    new = next((folder for kind, p, folder in found if kind == "tmp" and p == pid), None)
    other = f", or {alternative}" if alternative else ""
    restore = f"mv {_quote(old)} {_quote(path)}"
    if new is None:
        return (f"{str(path)!r} is missing: a save to it was interrupted, and the previous folder is in {str(old)!r}. "
                f"Fix: restore it with `{restore}`{other}.")
    return (f"{str(path)!r} is missing: a save to it was interrupted between its two renames; the previous folder is "
            f"in {str(old)!r} and the new, complete one in {str(new)!r}. Fix: `mv {_quote(new)} {_quote(path)}` to "
            f"keep the new one, or `{restore}` to keep the previous one{other}.")


def _quote(path) -> str:
    import shlex

    return shlex.quote(str(path))


def _entries(path: Path) -> list[str]:
    return sorted(entry.name for entry in path.iterdir())


def check_replaceable(path: str | os.PathLike, *, overwrite: bool, argument: str = "path",
                      overwrite_flag: str = "overwrite=True") -> Path:
    """Check that `path` may become a new saved folder; returns it absolute (a symbolic link: its target).

    Refused: a file; a folder with other things in it but no config.json (replacing it would delete them); and,
    unless `overwrite`, a saved folder or one whose save was interrupted.
    """
    given = str(path)
    path = Path(os.path.abspath(path))
    if path.is_symlink():  # replace what the link points to, and keep the link
        path = path.resolve()
    if path.exists() and not path.is_dir():
        raise FileExistsError(
            f"`{argument}` must be a folder to write the saved model into, but {given!r} is a file. "
            f"Received: {argument}={given!r}. Fix: pass a folder path (new or holding a saved model)."
        )
    entries = _entries(path) if path.is_dir() else []
    if entries and "config.json" not in entries:
        shown = ", ".join(entries[:4]) + (", ..." if len(entries) > 4 else "")
        count = f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}"
        raise FileExistsError(
            f"`{argument}` {given!r} holds {count} ({shown}) but no config.json, so it is not a saved "
            f"model or run folder, and saving would replace the whole folder. Received: {argument}={given!r}. "
            "Fix: pass a new or empty folder (or a subfolder of this one)."
        )
    if not overwrite:
        if entries:
            raise FileExistsError(
                f"`{argument}` {given!r} already holds a saved run (config.json). Received: {argument}={given!r}. "
                f"Fix: pass {overwrite_flag} to replace it (the whole folder), or choose another {argument}."
            )
        interrupted = interrupted_save(path, alternative=f"pass {overwrite_flag} to replace it")
        if interrupted:
            raise FileExistsError(interrupted)
    return path


@contextlib.contextmanager
def replacing_folder(path: str | os.PathLike, *, overwrite: bool = True, argument: str = "path",
                     overwrite_flag: str = "overwrite=True"):
    """Yield a new empty folder beside `path` to write into; when the block ends, it takes `path`'s place in one
    step (see the module docstring). An error in the block deletes it and leaves `path` untouched.

    Example:
        >>> with replacing_folder("runs/airline") as folder:                       # doctest: +SKIP
        ...     write_json(folder / "config.json", config)
    """
    path = check_replaceable(path, overwrite=overwrite, argument=argument, overwrite_flag=overwrite_flag)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = _sibling(path, "tmp")
    staging.mkdir()
    try:
        yield staging
        _fsync_folder(staging)
        if not overwrite:  # a run written by another process meanwhile is refused too
            check_replaceable(path, overwrite=False, argument=argument, overwrite_flag=overwrite_flag)
        _swap_into_place(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _remove_stale_leftovers(path)


def _swap_into_place(staging: Path, path: Path) -> None:
    if not path.exists():
        os.rename(staging, path)
        _fsync_folder(path.parent)
        return
    if exchange(staging, path):
        previous = staging  # the exchange left the previous folder under the staging name
    else:
        previous = _sibling(path, "old")
        os.rename(path, previous)
        try:
            os.rename(staging, path)
        except BaseException:
            os.rename(previous, path)  # put the previous folder back
            raise
    _fsync_folder(path.parent)
    shutil.rmtree(previous, ignore_errors=True)  # the new folder is in place: a leftover here is only litter


def exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux's renameat2 with RENAME_EXCHANGE); False where the system or the
    file system cannot, and the caller falls back to two renames."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)  # glibc 2.28 and later
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):  # no such call on this kernel or FS
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


def _fsync_folder(folder: Path) -> None:
    """Make a folder's entries (a rename, new files) durable; POSIX only (Windows cannot open folders)."""
    if os.name != "posix":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _remove_stale_leftovers(path: Path) -> None:
    """Delete what killed saves to `path` left behind: only processes that are gone (never a save in progress)."""
    for _, pid, folder in leftovers(path):
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # os.kill would end the process on Windows: never delete there
    try:
        os.kill(pid, 0)  # signal 0: nothing is sent, only whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
