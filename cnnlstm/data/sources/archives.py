"""Loading the classification (UCR/UEA archive) and remaining-useful-life (NASA C-MAPSS) datasets.

These load differently from the forecasting series of `datasets`: a UCR/UEA set is ``(X, y)`` read from a ``.ts``
file per split, a C-MAPSS subset is a DataFrame with a ``rul`` column. What each set is lives in `catalogue`
(`ArchiveInfo`). Files are looked for, per split, in the folders of `store` (the ``data_dir=`` argument,
``$CNNLSTM_DATA_DIR``, then the cache, ``$CNNLSTM_CACHE`` or ``~/.cache/cnnlstm``), in the mirror's layout::

    <dir>/UCR/GunPoint/GunPoint_TRAIN.ts        <dir>/UEA/NATOPS/NATOPS_TEST.ts        <dir>/CMAPSS/train_FD001.txt

A file found nowhere is downloaded: the dataset's zip is fetched into memory, the files the catalogue knows are
unzipped into the cache in the layout above (each written atomically), and nothing else is kept. No checksum is
published for these zips, so downloads are not verified (`ArchiveInfo.sha256` is None).

Example:
    >>> X, y = load_archive("gunpoint", split="train")                                  # doctest: +SKIP
    >>> X.shape, sorted(set(y))                                                         # doctest: +SKIP
    ((50, 150, 1), ['1', '2'])
"""

from __future__ import annotations

import http.client
import io
import os
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from ...checkpoint import atomic_write_bytes
from . import cmapss, store
from .catalogue import ARCHIVE_DATASETS, CMAPSS_SUBSETS, SPLITS, ArchiveInfo, archive_info, list_archives
from .store import DatasetUnavailableError, cache_dir, find_file, searched_text
from .ts import read_ts

__all__ = ["load_archive", "archive_info", "list_archives", "ArchiveInfo", "ARCHIVE_DATASETS"]


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
    if split not in SPLITS:
        raise ValueError(
            f"`split` must be one of {', '.join(repr(s) for s in SPLITS)}. Received: split={split!r}. "
            "Fix: load each split separately; validation data is carved out of train."
        )
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


# --------------------------------------------------------------------------------------------------------------
# Downloading
# --------------------------------------------------------------------------------------------------------------


def _download_or_raise(
    spec: ArchiveInfo, split: str, relative: str, data_dir: str | os.PathLike | None, download: bool
) -> None:
    """Download `spec`'s zip into the cache so that `relative` exists there; else raise DatasetUnavailableError."""
    reason = "was disabled (download=False)"
    if download:
        try:
            extracted = _download_and_extract(spec, cache_dir())
        # URLError and timeouts are OSErrors; an HTML page instead of a zip is a BadZipFile
        except (OSError, http.client.HTTPException, zipfile.BadZipFile) as error:
            reason = f"failed: {error}"
        else:
            if cache_dir() / relative in extracted:
                return
            reason = f"succeeded, but the zip holds no {PurePosixPath(relative).name}"
    raise DatasetUnavailableError(
        f"Dataset {spec.name!r} ({split}) is not available: no local copy of {relative} was found and the "
        f"download {reason}.\nURL: {spec.url}\nLooked for {relative} in:\n{searched_text(data_dir)}\n"
        f"Fix: download {spec.url}, unzip it so the file lies at <dir>/{relative}, then set CNNLSTM_DATA_DIR=<dir> "
        "or pass data_dir=<dir>; or allow the download (download=True) on a machine with network access."
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
    """Fetch the zip at `spec.url` into memory and write the `_wanted` files under `folder`; return the paths
    written. The zip itself is never saved."""
    data = store.download(spec.url, sha256=spec.sha256, what=f"Dataset {spec.name!r}")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return _extract(archive, _wanted(spec, folder))


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

