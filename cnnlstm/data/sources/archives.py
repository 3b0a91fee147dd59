"""Loading the classification (UCR/UEA archive) and remaining-useful-life (NASA C-MAPSS) datasets.

These load differently from the forecasting series of `datasets`: a UCR/UEA set is ``(X, y)`` read from a ``.ts``
file per split, a C-MAPSS subset is a DataFrame with a ``rul`` column. What each set is lives in `catalogue`
(`ArchiveInfo`): every problem of the UCR (128) and UEA (30) archives by its archive name, and the four C-MAPSS
subsets. Files are looked for, per split, in the folders of `store` (the ``data_dir=`` argument,
``$CNNLSTM_DATA_DIR``, then the cache, ``$CNNLSTM_CACHE`` or ``~/.cache/cnnlstm``), in the mirror's layout or in
the layout of the archive's own zips::

    <dir>/UCR/GunPoint/GunPoint_TRAIN.ts    <dir>/GunPoint/GunPoint_TRAIN.ts    <dir>/CMAPSS/train_FD001.txt

A file found nowhere is downloaded: the dataset's zip is saved into the cache (a temporary file, then a rename:
`store.download_to`), checked against its SHA-256 where one is pinned (none is published for these zips, so
`ArchiveInfo.sha256` is None today), the files the catalogue knows are unzipped beside it in the mirror's layout
(each written atomically), and the zip is deleted. An interrupted download leaves nothing a later load would read.

`load_folder(path, split=...)` reads any folder holding ``<Name>_TRAIN.ts`` / ``<Name>_TEST.ts``, named or not.

Example:
    >>> X, y = load_archive("gunpoint", split="train")                                  # doctest: +SKIP
    >>> X.shape, sorted(set(y))                                                         # doctest: +SKIP
    ((50, 150, 1), ['1', '2'])
"""

from __future__ import annotations

import http.client
import io
import os
import re
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from ...checkpoint import atomic_write_bytes
from . import cmapss, store
from .catalogue import (
    ARCHIVE_DATASETS,
    CMAPSS_SUBSETS,
    SPLITS,
    ArchiveInfo,
    archive_info,
    archive_url,
    list_archives,
)
from .store import DatasetUnavailableError, cache_dir, find_file, searched_text
from .ts import read_ts

__all__ = ["load_archive", "load_folder", "archive_info", "list_archives", "ArchiveInfo", "ARCHIVE_DATASETS"]


def load_archive(
    name: str, *, split: str = "train", data_dir: str | os.PathLike | None = None, download: bool = True
) -> tuple[np.ndarray | list[np.ndarray], np.ndarray] | pd.DataFrame:
    """Load one split of a named classification or RUL dataset.

    Args:
        name: a key of `ARCHIVE_DATASETS` (case-insensitive); see `list_archives()`.
        split: "train" or "test".
        data_dir: a folder laid out like the offline mirror, searched before ``$CNNLSTM_DATA_DIR`` and the cache.
        download: whether files found nowhere on disk may be downloaded into the cache.

    Returns:
        UCR/UEA: ``(X, y)``: X float32 (N, T, F), or a list of (T_i, F) arrays for unequal lengths; y str labels.
        C-MAPSS: the DataFrame of `cmapss.load_cmapss` (26 columns + ``rul``).

    Raises:
        ValueError: unknown `name` or `split`.
        DatasetUnavailableError: a file is on no searched folder and could not be downloaded.

    Example:
        >>> X, y = load_archive("JapaneseVowels", split="test")                         # doctest: +SKIP
        >>> len(X), X[0].shape[1]                                                       # doctest: +SKIP
        (370, 12)
    """
    spec = archive_info(name)
    _check_split(split)
    if spec.archive == "CMAPSS":
        found = cmapss.locate_cmapss(spec._subset, split, data_dir)
        missing = [f"CMAPSS/{stem}.txt" for stem, path in found.items() if path is None]
        if missing:
            _download_or_raise(spec, split, missing[0], data_dir, download)
        return cmapss.load_cmapss(spec._subset, split, data_dir=data_dir)
    found = find_file(spec.mirror_paths(split), data_dir)
    if found is None:
        _download_or_raise(spec, split, spec.mirror_paths(split)[0], data_dir, download)
        found = find_file(spec.mirror_paths(split), data_dir)
    data = read_ts(found[1])
    return data.X, data.y


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(
            f"`split` must be one of {', '.join(repr(s) for s in SPLITS)}. Received: split={split!r}. "
            "Fix: load each split separately; validation data is carved out of train."
        )


# --------------------------------------------------------------------------------------------------------------
# Any folder of .ts files
# --------------------------------------------------------------------------------------------------------------

_TS_FILE = re.compile(r"(?P<name>.+)_(?P<split>TRAIN|TEST)\.ts(?:\.gz)?")


def load_folder(path: str | os.PathLike, *, split: str = "train") -> tuple[np.ndarray | list[np.ndarray], np.ndarray]:
    """Load one split of the UCR/UEA-style problem in folder `path`: ``<Name>_TRAIN.ts`` / ``<Name>_TEST.ts``
    (or ``.ts.gz``), whatever the name, as the archive's zips unpack.

    A folder holding several problems is refused, unless one of them is named like the folder (the archive's zips
    also hold variants such as ``<Name>_eq_TRAIN.ts``, next to ``<Name>_TRAIN.ts`` in a folder ``<Name>``).

    Returns:
        ``(X, y)`` as `load_archive` gives them.

    Raises:
        FileNotFoundError: `path` does not exist.
        ValueError: `path` is a file; it holds no problem, several, or not the file of `split`.

    Example:
        >>> X, y = load_folder("downloads/Coffee", split="test")                       # doctest: +SKIP
    """
    _check_split(split)
    folder = Path(path)
    if not folder.exists():
        raise FileNotFoundError(f"`name` points at a folder that does not exist. Received: name={str(path)!r}.")
    if not folder.is_dir():
        raise ValueError(
            f"`name` must be a dataset name or a folder holding <Name>_TRAIN.ts and <Name>_TEST.ts. Received: the "
            f"file {str(path)!r}. Fix: pass its folder, or read the one file with cnnlstm.data.sources.ts.read_ts."
        )
    problems = _problems_in(folder)
    if folder.name in problems:
        problems = {folder.name: problems[folder.name]}
    if not problems:
        nested = sorted(sub.name for sub in folder.iterdir() if sub.is_dir() and _problems_in(sub))
        hint = (f" Its subfolders {', '.join(map(repr, nested[:3]))}{' ...' if len(nested) > 3 else ''} hold "
                "problems: pass one of them, or pass this folder as data_dir= with the problem's name."
                if nested else "")
        raise ValueError(
            f"`name` must be a folder holding <Name>_TRAIN.ts and <Name>_TEST.ts. Received: {str(path)!r}, which "
            f"holds no such file.{hint} Fix: put the problem's two .ts files in one folder and pass that folder."
        )
    if len(problems) > 1:
        raise ValueError(
            f"`name` must be a folder holding one problem. Received: {str(path)!r}, which holds "
            f"{len(problems)}: {', '.join(map(repr, sorted(problems)))}. Fix: move each problem into its own folder "
            "(named like it), and pass that folder."
        )
    name, files = next(iter(problems.items()))
    file = files.get(split.upper())
    if file is None:
        raise ValueError(
            f"`name` must be a folder holding {name}_{split.upper()}.ts to load split={split!r}. Received: "
            f"{str(path)!r}, which holds {', '.join(sorted(f.name for f in files.values()))} only. Fix: add the "
            "file, or load the other split."
        )
    data = read_ts(file)
    return data.X, data.y


def _problems_in(folder: Path) -> dict[str, dict[str, Path]]:
    """Problem name -> {"TRAIN": path, "TEST": path} for the .ts files directly in `folder`."""
    problems: dict[str, dict[str, Path]] = {}
    for path in sorted(folder.iterdir()):
        match = _TS_FILE.fullmatch(path.name)
        if match and path.is_file():
            problems.setdefault(match["name"], {}).setdefault(match["split"], path)
    return problems


# --------------------------------------------------------------------------------------------------------------
# Downloading
# --------------------------------------------------------------------------------------------------------------


def _download_or_raise(
    spec: ArchiveInfo, split: str, relative: str, data_dir: str | os.PathLike | None, download: bool
) -> None:
    """Download `spec`'s zip into the cache so that `relative` exists there; else raise DatasetUnavailableError."""
    url = archive_url(spec)
    reason = "was disabled (download=False)"
    if download:
        try:
            extracted = _download_and_extract(spec, cache_dir())
        # URLError, HTTPError (a 404) and timeouts are OSErrors; an HTML page instead of a zip is a BadZipFile
        except (OSError, http.client.HTTPException, zipfile.BadZipFile) as error:
            reason = f"failed: {error}"
        else:
            if cache_dir() / relative in extracted:
                return
            reason = f"succeeded, but the zip holds no {PurePosixPath(relative).name}"
    if spec.archive == "CMAPSS":
        fix = (f"download {url}, unzip it so the file lies at <dir>/{relative}, then set CNNLSTM_DATA_DIR=<dir> or "
               "pass data_dir=<dir>")
    else:
        fix = (f"download {url} and unzip it into a folder, then pass that folder: "
               f"cnnlstm.datasets.load('<folder>', split={split!r}); or put the files at <dir>/{spec.archive}/"
               f"{spec.name}/ or <dir>/{spec.name}/ and pass data_dir=<dir> (or set CNNLSTM_DATA_DIR=<dir>)")
    raise DatasetUnavailableError(
        f"Dataset {spec.name!r} ({split}) is not available: no local copy of {relative} was found and the "
        f"download {reason}.\nURL: {url}\nCache folder (downloads are saved there): {cache_dir()}\n"
        f"Looked for {relative} in:\n{searched_text(data_dir)}\n"
        f"Fix: {fix}; or allow the download (download=True) on a machine with network access."
    )


def _wanted(spec: ArchiveInfo, folder: Path) -> dict[str, Path]:
    """File name inside the zip -> where it goes: both splits of a UCR/UEA set, all twelve C-MAPSS files."""
    if spec.archive == "CMAPSS":
        return {
            f"{kind}_{subset}.txt": folder / "CMAPSS" / f"{kind}_{subset}.txt"
            for subset in CMAPSS_SUBSETS
            for kind in ("train", "test", "RUL")
        }
    return {
        f"{spec.name}_{split.upper()}.ts": folder / spec.archive / spec.name / f"{spec.name}_{split.upper()}.ts"
        for split in SPLITS
    }


def _download_and_extract(spec: ArchiveInfo, folder: Path) -> list[Path]:
    """Save the zip of `spec` under `folder` (verified where a checksum is pinned, written atomically), write the
    `_wanted` files from it, delete it, and return the paths written."""
    # One name per process: two processes downloading the same set never delete each other's zip.
    target = folder / ".downloads" / f"{spec.name}.{os.getpid()}.zip"
    try:
        store.download_to(archive_url(spec), target, sha256=spec.sha256, what=f"Dataset {spec.name!r}")
        with zipfile.ZipFile(target) as archive:
            return _extract(archive, _wanted(spec, folder))
    finally:
        target.unlink(missing_ok=True)
        try:
            target.parent.rmdir()
        except OSError:
            pass  # not empty: another download is under way


def _extract(archive: zipfile.ZipFile, wanted: dict[str, Path]) -> list[Path]:
    """Write each wanted member (matched by file name, case-insensitively, at any depth) to its target; look inside
    nested zips for the rest (NASA's zip holds CMAPSSData.zip). Member paths are never used as output paths."""
    members = {PurePosixPath(m.filename).name.lower(): m for m in archive.infolist() if not m.is_dir()}
    written, rest = [], {}
    for file, target in wanted.items():
        member = members.get(file.lower())
        if member is None:
            rest[file] = target
        else:
            atomic_write_bytes(target, archive.read(member))
            written.append(target)
    for file, member in members.items():
        if rest and file.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(archive.read(member))) as inner:
                found = _extract(inner, rest)
            written += found
            rest = {f: t for f, t in rest.items() if t not in found}
    return written
