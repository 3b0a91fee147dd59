"""Named datasets for classification (the UCR/UEA archive) and remaining-useful-life regression (NASA C-MAPSS).

A registry of its own, beside the forecasting one in `datasets`, because these load differently: a UCR/UEA set is
``(X, y)`` read from a ``.ts`` file per split, a C-MAPSS subset is a DataFrame with a ``rul`` column.
Files are looked for, per split, in the same folders and the same layout as `datasets.load`: the ``data_dir=``
argument, ``$CNNLSTM_DATA_DIR``, then the cache (``$CNNLSTM_CACHE`` or ``~/.cache/cnnlstm``)::

    <dir>/UCR/GunPoint/GunPoint_TRAIN.ts        <dir>/UEA/NATOPS/NATOPS_TEST.ts        <dir>/CMAPSS/train_FD001.txt

A file found nowhere is downloaded: the dataset's zip goes to a temporary file in the cache, the files the registry
knows are unzipped into the layout above (each moved into place in one `os.replace`), and the zip is deleted. No
checksum is published for these zips, so downloads are not verified (`ArchiveInfo.sha256` is None).

Example:
    >>> X, y = load_archive("gunpoint", split="train")                                  # doctest: +SKIP
    >>> X.shape, sorted(set(y))                                                         # doctest: +SKIP
    ((50, 150, 1), ['1', '2'])
"""

from __future__ import annotations

import difflib
import http.client
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from . import cmapss, datasets
from .datasets import DatasetUnavailableError, _search_dirs, cache_dir
from .ts import read_ts

SPLITS = ("train", "test")

# The URL aeon downloads from today (aeon-toolkit/aeon, aeon/datasets/_data_loaders.py, `download_dataset` and
# `_load_tsc_dataset`). The site answers 200 with an HTML page for an unknown name, so a bad download shows up as
# zipfile.BadZipFile, not as an HTTP error.
_TSC_URL = "https://timeseriesclassification.com/aeon-toolkit/{name}.zip"
_UCR_CITATION = "Dau et al., 'The UCR Time Series Archive', IEEE/CAA Journal of Automatica Sinica 6(6), 2019."
_UEA_CITATION = "Bagnall et al., 'The UEA multivariate time series classification archive, 2018', arXiv:1811.00075."
_TSC_LICENSE = "Free for research use (timeseriesclassification.com); cite the archive."
_TSC_NOTES = (
    "No checksum is known: timeseriesclassification.com publishes none, so the download is not verified. "
    "Split: the archive's official TRAIN/TEST files. Labels are kept as the strings written in the file."
)
_TEST_ONLY_BY_DOWNLOAD = (
    " The offline mirror holds only the TRAIN file (the TEST file is 4 MiB or more); the test split needs the "
    "download or a copy under <dir>/UCR/{name}/."
)
_CMAPSS_CITATION = (
    "A. Saxena, K. Goebel, D. Simon, N. Eklund, 'Damage Propagation Modeling for Aircraft Engine Run-to-Failure "
    "Simulation', PHM 2008."
)


@dataclass(frozen=True)
class ArchiveInfo:
    """Everything known about one named classification or RUL dataset.

    Attributes:
        name: the canonical spelling, as in the file names ("GunPoint", "cmapss-fd001").
        archive: "UCR", "UEA" or "CMAPSS": the folder it sits in inside a data folder.
        task: "classification" or "rul".
        description: one line: cases, length, dimensions, classes.
        url: the canonical download URL (a zip).
        sha256: hex SHA-256 of the zip at `url`; None where no trustworthy checksum is known (all of them today).
        citation: what to cite.
        license: the licence or terms of use.
        notes: provenance, conventions, known gaps of the offline mirror.
    """

    name: str
    archive: str
    task: str
    description: str
    url: str
    sha256: str | None
    citation: str
    license: str
    notes: str

    def mirror_paths(self, split: str) -> tuple[str, ...]:
        """UCR/UEA: the relative paths tried, in order, for one split (a download is saved as the first).
        C-MAPSS: the files one split needs (each is also found as ``.txt.gz``)."""
        if self.archive == "CMAPSS":
            return tuple(f"CMAPSS/{stem}.txt" for stem in cmapss.cmapss_files(self._subset, split))
        file = f"{self.archive}/{self.name}/{self.name}_{split.upper()}.ts"
        return (file, f"{file}.gz")

    @property
    def _subset(self) -> str:
        return self.name.removeprefix("cmapss-").upper()


def _tsc(archive: str, name: str, description: str, *, test_in_mirror: bool = True) -> ArchiveInfo:
    return ArchiveInfo(
        name=name,
        archive=archive,
        task="classification",
        description=description,
        url=_TSC_URL.format(name=name),
        sha256=None,
        citation=_UCR_CITATION if archive == "UCR" else _UEA_CITATION,
        license=_TSC_LICENSE,
        notes=_TSC_NOTES + ("" if test_in_mirror else _TEST_ONLY_BY_DOWNLOAD.format(name=name)),
    )


def _cmapss(subset: str, description: str) -> ArchiveInfo:
    return ArchiveInfo(
        name=f"cmapss-{subset.lower()}",
        archive="CMAPSS",
        task="rul",
        description=description,
        url=cmapss.CMAPSS_URL,
        sha256=None,
        citation=_CMAPSS_CITATION,
        license="NASA Ames Prognostics Center of Excellence data repository; public U.S.-government data.",
        notes=(
            "URL: the zip that NASA's PCoE data repository page "
            "(https://www.nasa.gov/intelligent-systems-division/discovery-and-systems-health/pcoe/"
            "pcoe-data-set-repository/) links as item 6; it holds CMAPSSData.zip with all twelve .txt files. "
            "The older data.nasa.gov link (https://data.nasa.gov/download/ff5v-kuh6/application%2Fzip) is still "
            "cited widely but could not be confirmed as current. No checksum is known, so the download is not "
            "verified. Returns the rows of load_cmapss: 26 columns + 'rul', the true, uncapped RUL of every row "
            "(test rows: RUL_FD00x plus the cycles to the unit's last cycle). Split: the official train/test "
            "files; validation is usually carved out of train by unit."
        ),
    )


ARCHIVE_DATASETS: dict[str, ArchiveInfo] = {
    info.name: info
    for info in (
        _tsc("UCR", "GunPoint", "Hand motion, gun draw vs point: 50 train / 150 test, length 150, 2 classes."),
        _tsc("UCR", "ItalyPowerDemand", "Italian daily power demand, winter vs summer: 67 / 1029, length 24, "
             "2 classes."),
        _tsc("UCR", "ECG200", "ECG heartbeats, normal vs myocardial infarction: 100 / 100, length 96, 2 classes."),
        _tsc("UCR", "CBF", "Synthetic cylinder-bell-funnel: 30 / 900, length 128, 3 classes."),
        _tsc("UCR", "ECG5000", "ECG heartbeats: 500 / 4500, length 140, 5 classes.", test_in_mirror=False),
        _tsc("UCR", "TwoPatterns", "Synthetic up/down patterns: 1000 / 4000, length 128, 4 classes.",
             test_in_mirror=False),
        _tsc("UCR", "Wafer", "Semiconductor wafer sensor, normal vs abnormal: 1000 / 6164, length 152, 2 classes.",
             test_in_mirror=False),
        _tsc("UEA", "BasicMotions", "Smart-watch accelerometer + gyroscope: 40 / 40, 6 dims, length 100, "
             "4 classes."),
        _tsc("UEA", "JapaneseVowels", "Speaker recognition from LPC cepstra: 270 / 370, 12 dims, lengths 7-29 "
             "(unequal), 9 classes."),
        _tsc("UEA", "Epilepsy", "Wrist accelerometer, epilepsy vs activities: 137 / 138, 3 dims, length 206, "
             "4 classes."),
        _tsc("UEA", "NATOPS", "Hand/arm motion capture of aircraft handling signals: 180 / 180, 24 dims, "
             "length 51, 6 classes."),
        _cmapss("FD001", "Turbofan run-to-failure, 1 operating condition, 1 fault mode: 100 train / 100 test "
                "units, 20631 / 13096 rows."),
        _cmapss("FD002", "Turbofan run-to-failure, 6 operating conditions, 1 fault mode: 260 / 259 units, "
                "53759 / 33991 rows."),
        _cmapss("FD003", "Turbofan run-to-failure, 1 operating condition, 2 fault modes: 100 / 100 units."),
        _cmapss("FD004", "Turbofan run-to-failure, 6 operating conditions, 2 fault modes: 249 / 248 units."),
    )
}
_BY_LOWER = {name.lower(): name for name in ARCHIVE_DATASETS}


def list_archives() -> list[str]:
    """Names accepted by `load_archive`, in registry order.

    Example:
        >>> list_archives()[:2]
        ['GunPoint', 'ItalyPowerDemand']
    """
    return list(ARCHIVE_DATASETS)


def archive_info(name: str) -> ArchiveInfo:
    """The `ArchiveInfo` of `name` (case-insensitive); an unknown name raises ValueError with a did-you-mean.

    Example:
        >>> archive_info("natops").name
        'NATOPS'
    """
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a string such as 'GunPoint'. Received: name={name!r}.")
    if name.lower() not in _BY_LOWER:
        close = difflib.get_close_matches(name.lower(), list(_BY_LOWER), n=1, cutoff=0.5)
        hint = f" Did you mean {_BY_LOWER[close[0]]!r}?" if close else ""
        valid = ", ".join(repr(n) for n in ARCHIVE_DATASETS)
        raise ValueError(
            f"`name` must be one of {valid}. Received: name={name!r}.{hint} "
            "Fix: use one of these names; forecasting datasets load with cnnlstm.datasets.load."
        )
    return ARCHIVE_DATASETS[_BY_LOWER[name.lower()]]


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
    path = _locate(spec.mirror_paths(split), data_dir)
    if path is None:
        _download_or_raise(spec, split, spec.mirror_paths(split)[0], data_dir, download)
        path = _locate(spec.mirror_paths(split), data_dir)
    data = read_ts(path)
    return data.X, data.y


def _locate(relative_paths: tuple[str, ...], data_dir: str | os.PathLike | None) -> Path | None:
    """The first existing ``<folder>/<relative path>``, folders in search order."""
    for _, folder in _search_dirs(data_dir):
        for relative in relative_paths:
            if (folder / relative).is_file():
                return folder / relative
    return None


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
    searched = "\n".join(f"  - {label}: {folder}" for label, folder in _search_dirs(data_dir))
    if "CNNLSTM_DATA_DIR" not in os.environ:
        searched += "\n  - $CNNLSTM_DATA_DIR: not set"
    raise DatasetUnavailableError(
        f"Dataset {spec.name!r} ({split}) is not available: no local copy of {relative} was found and the "
        f"download {reason}.\nURL: {spec.url}\nLooked for {relative} in:\n{searched}\n"
        f"Fix: download {spec.url}, unzip it so the file lies at <dir>/{relative}, then set CNNLSTM_DATA_DIR=<dir> "
        "or pass data_dir=<dir>; or allow the download (download=True) on a machine with network access."
    )


def _wanted(spec: ArchiveInfo, folder: Path) -> dict[str, Path]:
    """File name inside the zip -> where it goes: both splits of a UCR/UEA set, all twelve C-MAPSS files."""
    if spec.archive == "CMAPSS":
        return {
            f"{kind}_{subset}.txt": folder / "CMAPSS" / f"{kind}_{subset}.txt"
            for subset in cmapss.SUBSETS
            for kind in ("train", "test", "RUL")
        }
    return {
        f"{spec.name}_{split.upper()}.ts": folder / spec.archive / spec.name / f"{spec.name}_{split.upper()}.ts"
        for split in SPLITS
    }


def _download_and_extract(spec: ArchiveInfo, folder: Path) -> list[Path]:
    """Fetch `spec.url` to a temporary zip in `folder`, unzip the `_wanted` files, delete the zip; return the
    paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{spec.name}.", suffix=".zip.part")
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        datasets._fetch(spec.url, tmp)  # looked up at call time: tests replace the network step
        with zipfile.ZipFile(tmp) as archive:
            return _extract(archive, _wanted(spec, folder))
    finally:
        tmp.unlink(missing_ok=True)


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
            _write_atomically(target, archive.read(member))
            written.append(target)
    for file, member in members.items():
        if rest and file.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(archive.read(member))) as inner:
                found = _extract(inner, rest)
            written += found
            rest = {f: t for f, t in rest.items() if t not in found}
    return written


def _write_atomically(target: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `target`, then move it into place, so no reader sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(tmp_name, target)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
