"""Named datasets, read from the real offline mirror (``$CNNLSTM_DATA_DIR`` or ``../shared/data``), and the
catalogue that lists them.

No test reaches the internet: every test gets an empty cache in tmp_path, and the network step refuses any URL but
the loopback address (the unreachable discard port, and a download server started by the test) and the file:// URLs
that two tests use on purpose.
"""

from __future__ import annotations

import ast
import dataclasses
import gzip
import hashlib
import http.server
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from cnnlstm.data.sources import catalogue, datasets, store
from cnnlstm.data.sources.ts import read_ts

REPO_ROOT = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("CNNLSTM_DATA_DIR") or REPO_ROOT.parent / "shared" / "data")
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens, so the connection is refused at once
LOOPBACK = "http://127.0.0.1:"

needs_mirror = pytest.mark.skipif(not MIRROR.is_dir(), reason=f"offline data mirror not found at {MIRROR}")

_real_fetch = store._fetch


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """An empty cache per test, the mirror as $CNNLSTM_DATA_DIR, and no real network."""
    monkeypatch.setenv("CNNLSTM_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CNNLSTM_DATA_DIR", str(MIRROR))

    def local_only(url):
        if not url.startswith((LOOPBACK, "file://")):
            raise AssertionError(f"a test tried to reach the network: {url}")
        return _real_fetch(url)

    monkeypatch.setattr(store, "_fetch", local_only)


def _sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _assert_contiguous(frame: pd.DataFrame, name: str) -> None:
    """The time column is exactly the regular range the registry's `freq` promises."""
    expected = pd.date_range(frame["date"].iloc[0], periods=len(frame), freq=datasets.info(name).freq)
    assert pd.DatetimeIndex(frame["date"]).equals(expected)


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ----------------------------------------------------------------------------------------------------------------
# Loading real files
# ----------------------------------------------------------------------------------------------------------------


def test_airline_is_packaged_and_needs_no_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("CNNLSTM_DATA_DIR")
    frame = datasets.load("airline", download=False)
    assert list(frame.columns) == ["date", "Passengers"]
    assert len(frame) == 144
    assert frame["date"].iloc[0] == pd.Timestamp("1949-01-01")
    assert frame["date"].iloc[-1] == pd.Timestamp("1960-12-01")
    assert frame["Passengers"].iloc[0] == 112 and frame["Passengers"].iloc[-1] == 432
    _assert_contiguous(frame, "airline")
    assert _files(tmp_path / "cache") == []


@needs_mirror
def test_packaged_airline_equals_the_mirror_copy():
    packaged = datasets.load("airline")
    mirror = datasets.read_file("airline", MIRROR / "classic" / "airline-passengers.csv")
    pd.testing.assert_frame_equal(packaged, mirror)


@needs_mirror
def test_etth1_from_the_mirror():
    frame = datasets.load("etth1")
    assert frame.shape == (17420, 8)
    assert list(frame.columns) == ["date", "HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]
    _assert_contiguous(frame, "etth1")
    assert frame["date"].iloc[0] == pd.Timestamp("2016-07-01 00:00")
    assert frame["date"].iloc[-1] == pd.Timestamp("2018-06-26 19:00")
    assert (frame.dtypes.iloc[1:] == "float64").all()
    assert not frame.isna().any().any()


@needs_mirror
def test_ettm1_reads_the_gzipped_mirror_file():
    assert datasets.locate("ettm1").endswith("ETT/ETTm1.csv.gz")
    frame = datasets.load("ettm1")
    assert frame.shape == (69680, 8)
    _assert_contiguous(frame, "ettm1")
    # ETTh is the on-the-hour subsample of ETTm (shared/data/SOURCES.md).
    hourly = frame.iloc[::4].reset_index(drop=True)
    pd.testing.assert_frame_equal(hourly, datasets.load("etth1"), check_exact=False, rtol=1e-12)


@needs_mirror
def test_sunspots_from_the_mirror():
    frame = datasets.load("sunspots")
    assert list(frame.columns) == ["date", "Sunspots"]
    assert len(frame) == 2820
    assert frame["date"].iloc[0] == pd.Timestamp("1749-01-01")
    assert frame["date"].iloc[-1] == pd.Timestamp("1983-12-01")
    _assert_contiguous(frame, "sunspots")


@needs_mirror
def test_beijing_pm25_keeps_missing_values_as_nan():
    frame = datasets.load("beijing_pm25")
    assert len(frame) == 43824
    assert list(frame.columns) == [
        "date", "pm2.5", "DEWP", "TEMP", "PRES", "Iws", "Is", "Ir", "cbwd_NE", "cbwd_NW", "cbwd_SE", "cbwd_cv",
    ]
    assert int(frame["pm2.5"].isna().sum()) == 2067
    assert int(frame.drop(columns="pm2.5").isna().sum().sum()) == 0
    _assert_contiguous(frame, "beijing_pm25")
    assert frame["date"].iloc[0] == pd.Timestamp("2010-01-01 00:00")
    assert frame["date"].iloc[-1] == pd.Timestamp("2014-12-31 23:00")
    one_hot = frame[["cbwd_NE", "cbwd_NW", "cbwd_SE", "cbwd_cv"]]
    assert (one_hot.sum(axis=1) == 1).all()


def test_beijing_pm25_tutorial_layout(tmp_path):
    path = tmp_path / "pollution.csv"
    path.write_text(
        "date,pollution,dew,temp,press,wnd_dir,wnd_spd,snow,rain\n"
        "2010-01-02 01:00:00,148.0,-15,-4.0,1020.0,SE,2.68,0,0\n"
        "2010-01-02 00:00:00,129.0,-16,-4.0,1020.0,SE,1.79,0,0\n"
    )
    frame = datasets.read_file("beijing_pm25", path)
    assert list(frame.columns) == [
        "date", "pm2.5", "DEWP", "TEMP", "PRES", "Iws", "Is", "Ir", "cbwd_NE", "cbwd_NW", "cbwd_SE", "cbwd_cv",
    ]
    assert frame["pm2.5"].tolist() == [129.0, 148.0]  # sorted by time
    assert frame["cbwd_SE"].tolist() == [1.0, 1.0]


def test_lstnet_text_gets_a_synthetic_index(tmp_path):
    folder = tmp_path / "mirror" / "LSTNet"
    folder.mkdir(parents=True)
    with gzip.open(folder / "solar_AL.txt.gz", "wt") as handle:
        handle.write("0.0,1.5,2\n0.5,1.0,3\n")
    frame = datasets.load("solar", data_dir=tmp_path / "mirror", download=False)
    assert list(frame.columns) == ["date", "x0", "x1", "x2"]
    assert frame["date"].tolist() == [pd.Timestamp("2006-01-01 00:00"), pd.Timestamp("2006-01-01 00:10")]
    assert frame["x2"].tolist() == [2.0, 3.0]


def test_data_dir_argument_comes_before_the_environment(tmp_path):
    folder = tmp_path / "mine" / "classic"
    folder.mkdir(parents=True)
    (folder / "monthly-sunspots.csv").write_text('"Month","Sunspots"\n"2000-02",2.0\n"2000-01",1.0\n')
    frame = datasets.load("sunspots", data_dir=tmp_path / "mine")
    assert frame["Sunspots"].tolist() == [1.0, 2.0]
    assert datasets.locate("sunspots", data_dir=tmp_path / "mine") == str(folder / "monthly-sunspots.csv")


@needs_mirror
def test_info_table_says_where_each_dataset_is():
    rows = {row["name"]: row for row in datasets.info_table()}
    assert rows["airline"]["where"] == "packaged"
    assert rows["etth1"]["where"] == "local copy"
    assert rows["etth1"]["read_from"] == str(MIRROR / "ETT" / "ETTh1.csv")
    assert rows["etth2"]["where"] == "download" and rows["etth2"]["path"] is None
    assert rows["etth2"]["read_from"] == f"download from {datasets.DATASETS['etth2'].url}"
    assert datasets.locate("etth2") is None
    # archive sets: the folder of the files; a split missing from the mirror is named with its URL
    assert rows["GunPoint"]["where"] == "local copy" and rows["GunPoint"]["path"] == str(MIRROR / "UCR" / "GunPoint")
    assert rows["ECG5000"]["read_from"] == (
        f"{MIRROR / 'UCR' / 'ECG5000'}; test split: download from "
        "https://timeseriesclassification.com/aeon-toolkit/ECG5000.zip"
    )
    assert rows["cmapss-fd001"]["where"] == "local copy"
    assert datasets.locate("cmapss-fd001", split="test") == str(MIRROR / "CMAPSS" / "test_FD001.txt")


def test_info_table_lists_every_task_with_its_licence(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNLSTM_DATA_DIR", str(tmp_path / "empty"))
    rows = {row["name"]: row for row in catalogue.info_table(None, compact=False)}
    assert list(rows) == catalogue.list_datasets()
    assert {name for name, row in rows.items() if row["task"] == "forecast"} == set(datasets.DATASETS)
    assert rows["GunPoint"]["task"] == "classify" and rows["GunPoint"]["shape"] == "(50, 150, 1) / (150, 150, 1)"
    assert rows["cmapss-fd001"]["task"] == "rul" and "NASA" in rows["cmapss-fd001"]["license"]
    assert rows["etth1"]["freq"] == "h" and rows["etth1"]["license"].startswith("CC BY-ND 4.0")
    for name, row in rows.items():
        assert row["license"] and row["description"], name
        assert (row["freq"] if row["task"] == "forecast" else row["shape"]), name
        if row["where"] == "download":
            assert row["read_from"] == f"download from {catalogue.info(name).url}", name
    assert rows["GunPoint"]["read_from"].startswith("download from https://timeseriesclassification.com/")
    assert rows["airline"]["where"] == "packaged"
    assert catalogue.list_datasets("rul") == ["cmapss-fd001", "cmapss-fd002", "cmapss-fd003", "cmapss-fd004"]
    with pytest.raises(ValueError, match=r"^`task` must be one of 'forecast', 'classify', 'rul'\. Received: "
                       r"task='regress'\."):
        catalogue.list_datasets("regress")


def test_listing_datasets_imports_neither_pandas_numpy_nor_torch():
    code = (
        "import sys, cnnlstm.data.sources.catalogue as c; rows = c.info_table(None, compact=False); "
        "c.info_table(None); print(len(rows), sorted(m for m in ('pandas', 'numpy', 'torch') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split(maxsplit=1) == [str(len(catalogue.list_datasets())), "[]\n"]


def test_compact_listing_folds_the_archive_problems_found_nowhere(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNLSTM_DATA_DIR", str(tmp_path / "empty"))
    rows = catalogue.info_table(None)
    names = [row["name"] for row in rows]
    assert names[:len(datasets.DATASETS)] == list(datasets.DATASETS)
    assert names[len(datasets.DATASETS):] == [
        "UCR: 128 more", "UEA: 30 more", "cmapss-fd001", "cmapss-fd002", "cmapss-fd003", "cmapss-fd004"]
    ucr, uea = rows[len(datasets.DATASETS)], rows[len(datasets.DATASETS) + 1]
    assert ucr["names"] == list(catalogue.UCR_PROBLEMS) and uea["names"] == list(catalogue.UEA_PROBLEMS)
    assert ucr["where"] == "download" and ucr["path"] is None and ucr["task"] == "classify"
    assert ucr["read_from"] == "download from https://timeseriesclassification.com/aeon-toolkit/<Name>.zip"
    assert "e.g. GunPoint, Coffee, ECG200" in ucr["description"] and "(128 in all)" in ucr["description"]
    assert uea["license"] == catalogue.ARCHIVE_DATASETS["NATOPS"].license


@needs_mirror
def test_compact_listing_shows_each_problem_on_disk_by_name():
    rows = catalogue.info_table(None)
    summary = {row["name"]: row for row in rows if "names" in row}
    assert set(summary) == {"UCR: 121 more", "UEA: 26 more"}
    shown = [row["name"] for row in rows if row["task"] == "classify" and "names" not in row]
    assert shown == ["CBF", "ECG200", "ECG5000", "GunPoint", "ItalyPowerDemand", "TwoPatterns", "Wafer",
                     "BasicMotions", "Epilepsy", "JapaneseVowels", "NATOPS"]
    folded = [name for row in summary.values() for name in row["names"]]
    assert sorted(shown + folded) == sorted(catalogue.list_datasets("classify"))
    assert len(rows) < 40  # one screen, not 170 rows


def test_sources_and_prepare_do_not_import_each_other():
    """The tree is the data flow, without circles: readers and preparation meet only in the estimators, and the
    modules below `datasets` (archives, cmapss, catalogue, store) never import it."""
    package = REPO_ROOT / "cnnlstm" / "data"

    def imported(path: Path) -> set[str]:
        """Every module an import statement of `path` names, with its dots: '..._errors', '.catalogue', ..."""
        names = set()
        for module, what in re.findall(r"^\s*from (\S+) import (.+)$", path.read_text(), re.M):
            names |= {module + name.strip() for name in what.split(",")} if set(module) == {"."} else {module}
        return names | set(re.findall(r"^\s*import (\S+)", path.read_text(), re.M))

    for folder, other in (("sources", "prepare"), ("prepare", "sources")):
        for path in (package / folder).glob("*.py"):
            assert not [name for name in imported(path) if other in name], path
    for name in ("archives", "cmapss", "catalogue", "store"):
        path = package / "sources" / f"{name}.py"
        assert not imported(path) & {".datasets", ".archives"}, path


# ----------------------------------------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------------------------------------


def test_unknown_name_lists_the_valid_names_with_a_did_you_mean():
    with pytest.raises(ValueError, match=r"^`name` must be a named dataset \(forecast: 'airline', 'etth1', "
                       r".*'sunspots'; classify: the 128 UCR and 30 UEA problems by archive name, e\.g\. 'GunPoint', "
                       r".*; rul: .*'cmapss-fd004'\)\. Received: name='sunspot'\. Did you mean 'sunspots'\? Fix: "
                       r".*pass a folder holding <Name>_TRAIN\.ts and <Name>_TEST\.ts"):
        datasets.load("sunspot")
    with pytest.raises(ValueError, match=r"Received: name='gunpont'\. Did you mean 'GunPoint'\?"):
        datasets.info("gunpont")


def test_read_file_and_locate_refuse_what_they_cannot_do(tmp_path):
    with pytest.raises(ValueError, match=r"^`name` must be a forecasting dataset \('airline', .*\)\. Received: "
                       r"name='GunPoint', a classify dataset\. Fix: read its files with .*read_ts"):
        datasets.read_file("GunPoint", tmp_path / "GunPoint_TRAIN.ts")
    with pytest.raises(ValueError, match=r"^`split` must be one of 'train', 'test'\. Received: split='valid'"):
        datasets.locate("GunPoint", split="valid")


def test_names_are_case_insensitive():
    assert datasets.info("ETTh1") is datasets.DATASETS["etth1"]
    assert datasets.info("gunpoint") is datasets.ARCHIVE_DATASETS["GunPoint"]


def test_missing_dataset_without_download_names_url_and_fix(monkeypatch, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("CNNLSTM_DATA_DIR", str(empty))
    with pytest.raises(datasets.DatasetUnavailableError) as caught:
        datasets.load("etth2", data_dir=empty, download=False)
    message = str(caught.value)
    assert "'etth2'" in message
    assert "https://raw.githubusercontent.com/zhouhaoyi/ETDataset/main/ETT-small/ETTh2.csv" in message
    assert "ETT/ETTh2.csv, ETT/ETTh2.csv.gz" in message
    assert f"data_dir argument: {empty}" in message and f"cache: {tmp_path / 'cache'}" in message
    assert "download=False" in message
    assert "CNNLSTM_DATA_DIR=<dir>" in message and "data_dir=<dir>" in message


def test_failed_download_raises_the_unavailable_error(monkeypatch, tmp_path):
    monkeypatch.delenv("CNNLSTM_DATA_DIR")
    url = f"{UNREACHABLE}/ETTh2.csv"
    monkeypatch.setitem(datasets.DATASETS, "etth2", dataclasses.replace(datasets.DATASETS["etth2"], url=url))
    with pytest.raises(datasets.DatasetUnavailableError) as caught:
        datasets.load("etth2")
    message = str(caught.value)
    assert "the download failed" in message and url in message
    assert "$CNNLSTM_DATA_DIR: not set" in message and "CNNLSTM_DATA_DIR=<dir>" in message
    assert _files(tmp_path / "cache") == []


# ----------------------------------------------------------------------------------------------------------------
# Downloads and checksums
# ----------------------------------------------------------------------------------------------------------------


def test_checksum_mismatch_deletes_the_download(monkeypatch, tmp_path):
    monkeypatch.delenv("CNNLSTM_DATA_DIR")
    monkeypatch.setattr(store, "_fetch", lambda url: b"not the ETTh1 file\n")
    with pytest.raises(datasets.ChecksumMismatchError) as caught:
        datasets.load("etth1")
    message = str(caught.value)
    assert f"Expected: {datasets.DATASETS['etth1'].sha256}" in message
    assert f"Received: {hashlib.sha256(b'not the ETTh1 file' + bytes([10])).hexdigest()}" in message
    assert _files(tmp_path / "cache") == []


@needs_mirror
def test_verified_download_lands_in_the_cache_atomically(monkeypatch, tmp_path):
    monkeypatch.delenv("CNNLSTM_DATA_DIR")
    target = tmp_path / "cache" / "ETT" / "ETTh1.csv"
    calls = []

    def copy_mirror(url):
        assert url == datasets.DATASETS["etth1"].url
        assert not target.exists()  # nothing is visible under the final name while bytes arrive
        calls.append(url)
        return (MIRROR / "ETT" / "ETTh1.csv").read_bytes()

    monkeypatch.setattr(store, "_fetch", copy_mirror)
    frame = datasets.load("etth1")
    assert frame.shape == (17420, 8) and len(calls) == 1
    assert _files(tmp_path / "cache") == [target]  # no temporary file left beside it
    assert _sha256(target) == datasets.DATASETS["etth1"].sha256
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()  # written by checkpoint.atomic_write_bytes

    # The second load reads the cache and does not download again.
    monkeypatch.setattr(store, "_fetch", lambda url: pytest.fail("downloaded twice"))
    assert datasets.locate("etth1") == str(target)
    pd.testing.assert_frame_equal(datasets.load("etth1"), frame)


@needs_mirror
def test_real_downloader_fetches_and_verifies_a_file_url(monkeypatch, tmp_path):
    monkeypatch.delenv("CNNLSTM_DATA_DIR")
    url = (MIRROR / "ETT" / "ETTh1.csv").resolve().as_uri()
    monkeypatch.setitem(datasets.DATASETS, "etth1", dataclasses.replace(datasets.DATASETS["etth1"], url=url))
    frame = datasets.load("etth1")
    assert frame.shape == (17420, 8)
    assert _files(tmp_path / "cache") == [tmp_path / "cache" / "ETT" / "ETTh1.csv"]


# ----------------------------------------------------------------------------------------------------------------
# The registry itself
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", datasets.list_datasets("forecast"))
def test_every_dataset_is_fully_described(name):
    spec = datasets.info(name)
    assert spec.name == name
    assert spec.url.startswith("https://")
    assert spec.description and spec.citation and spec.license and spec.notes
    assert pd.tseries.frequencies.to_offset(spec.freq) is not None
    assert spec.season_length >= 1
    assert len(spec.split) == 3 and spec.split[0] > 0
    assert all(isinstance(s, int) for s in spec.split) or abs(sum(spec.split) - 1) < 1e-9
    assert spec.time_col == "date"
    assert spec.mirror_paths and spec.mirror_paths[0].split("/")[-1] == spec.url.split("/")[-1]
    assert spec.reader in datasets._READERS
    if spec.sha256 is None:
        assert "not pinned" in spec.notes
    else:
        assert re.fullmatch(r"[0-9a-f]{64}", spec.sha256)
    if spec.md5 is not None:
        assert re.fullmatch(r"[0-9a-f]{32}", spec.md5)


@needs_mirror
def test_pinned_checksums_match_the_mirror():
    sums = dict(
        reversed(line.split(maxsplit=1)) for line in (MIRROR / "SHA256SUMS").read_text().splitlines() if line
    )
    checked = []
    for spec in datasets.DATASETS.values():
        path = MIRROR / spec.mirror_paths[0]
        if spec.sha256 is not None and path.is_file():
            assert sums[spec.mirror_paths[0]] == spec.sha256, spec.name
            assert _sha256(path) == spec.sha256, spec.name
            checked.append(spec.name)
    assert {"etth1", "airline", "sunspots", "beijing_pm25"} <= set(checked)
    assert hashlib.md5((MIRROR / "ETT" / "ETTh1.csv").read_bytes()).hexdigest() == datasets.DATASETS["etth1"].md5


# ----------------------------------------------------------------------------------------------------------------
# The UCR and UEA archives: every problem by name, downloads from the archive's URL, any folder of .ts files
# ----------------------------------------------------------------------------------------------------------------


def test_the_catalogue_holds_every_archive_problem():
    ucr = [n for n, spec in datasets.ARCHIVE_DATASETS.items() if spec.archive == "UCR"]
    uea = [n for n, spec in datasets.ARCHIVE_DATASETS.items() if spec.archive == "UEA"]
    assert len(ucr) == len(set(ucr)) == 128 and len(uea) == len(set(uea)) == 30
    assert ucr == list(catalogue.UCR_PROBLEMS) and uea == list(catalogue.UEA_PROBLEMS)
    assert {"Coffee", "FordA", "Adiac", "Crop", "PLAID", "Yoga"} <= set(ucr)
    assert {"ArticularyWordRecognition", "PEMS-SF", "SpokenArabicDigits", "UWaveGestureLibrary"} <= set(uea)
    everything = catalogue.list_datasets()
    assert len({n.lower() for n in everything}) == len(everything)  # case-insensitive names stay unique
    for name in ucr + uea:
        spec = datasets.info(name.upper())
        assert spec.name == name and spec.task == "classify"
        assert spec.url == f"https://timeseriesclassification.com/aeon-toolkit/{name}.zip"
        assert catalogue.archive_url(spec) == spec.url
        assert spec.shape and spec.num_classes >= 2 and spec.description.endswith(f"{spec.num_classes} classes.")
        assert spec.sha256 is None and "No checksum is known" in spec.notes
        assert "mirror" not in spec.notes.lower()  # the catalogue describes the archive, not our copy
    assert datasets.info("coffee").shape == "(28, 286, 1) / (28, 286, 1)" and datasets.info("coffee").num_classes == 2
    assert datasets.info("PLAID").shape == "(537, varying, 1) / (537, varying, 1)"
    assert datasets.info("PEMS-SF").shape == "(267, 144, 963) / (173, 144, 963)"
    assert "with missing values" in datasets.info("MelbournePedestrian").description


def _aeon_datasets() -> Path | None:
    """aeon's datasets folder, found without importing aeon (seconds); None when aeon is not installed."""
    spec = importlib.util.find_spec("aeon")
    return None if spec is None else Path(spec.origin).parent / "datasets"


def test_the_catalogue_names_are_aeons():
    """The name lists were copied from aeon's aeon/datasets/tsc_datasets.py; the installed aeon still agrees."""
    if _aeon_datasets() is None:
        pytest.skip("aeon is not installed")
    source = (_aeon_datasets() / "tsc_datasets.py").read_text(encoding="utf-8")
    lists = {
        target.id: ast.literal_eval(node.value)
        for node in ast.parse(source).body if isinstance(node, ast.Assign) and isinstance(node.value, ast.List)
        for target in node.targets if isinstance(target, ast.Name)
    }
    assert list(catalogue.UCR_PROBLEMS) == lists["univariate"] == lists["UCR2019"]
    assert list(catalogue.UEA_PROBLEMS) == lists["multivariate"] == lists["UEA"]
    assert set(catalogue.UCR_PROBLEMS) >= set(lists["univariate_equal_length"])


@needs_mirror
def test_catalogue_sizes_match_the_real_files():
    """Sizes of every split the mirror holds (and of the UCR problems aeon bundles, when installed) equal the
    catalogue's."""
    folders = [*(MIRROR / "UCR").iterdir(), *(MIRROR / "UEA").iterdir()]
    if _aeon_datasets() is not None:
        folders += [_aeon_datasets() / "data" / n for n in ("ACSF1", "ArrowHead", "OSULeaf", "PickupGestureWiimoteZ")]
    checked = 0
    for folder in folders:
        spec = datasets.info(folder.name)
        if spec.archive == "UCR":
            _, train, test, classes, length = catalogue.UCR_PROBLEMS[spec.name]
            dimensions = 1
        else:
            train, test, dimensions, length, classes = catalogue.UEA_PROBLEMS[spec.name]
        for split, cases in (("TRAIN", train), ("TEST", test)):
            path = folder / f"{spec.name}_{split}.ts"
            if not path.is_file():
                continue
            data = read_ts(path)
            assert len(data.X) == cases and data.dimensions == dimensions, path
            assert len(data.class_labels) == classes, path
            lengths = {len(x) for x in data.X}
            assert lengths == {length} if length is not None else len(lengths) > 1, path
            checked += 1
    assert checked >= 19


def test_archive_layout_of_a_data_dir(monkeypatch, tmp_path):
    """A data folder laid out as the archive's zips unpack (``<dir>/<Name>/<Name>_TRAIN.ts``) is searched too."""
    monkeypatch.delenv("CNNLSTM_DATA_DIR")
    folder = tmp_path / "Univariate_ts" / "Coffee"
    folder.mkdir(parents=True)
    (folder / "Coffee_TRAIN.ts").write_text("@problemName Coffee\n@classLabel true 0 1\n@data\n1,2,3:0\n3,2,1:1\n")
    X, y = datasets.load("coffee", data_dir=tmp_path / "Univariate_ts", download=False)
    assert X.shape == (2, 3, 1) and y.tolist() == ["0", "1"]
    assert datasets.locate("Coffee", data_dir=tmp_path / "Univariate_ts") == str(folder / "Coffee_TRAIN.ts")


# A download server on the loopback interface, standing in for timeseriesclassification.com.


@pytest.fixture
def archive_site(monkeypatch, tmp_path):
    """Serves `site.files` ({"/aeon-toolkit/<Name>.zip": bytes}) on 127.0.0.1 and points the downloader at it
    through $CNNLSTM_TSC_BASE_URL; `site.requests` records each request with the cache's files at that moment.
    A path in `site.truncated` is cut off halfway, as a dropped connection would."""
    site = SimpleNamespace(files={}, requests=[], truncated=set())
    cache = tmp_path / "cache"

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            site.requests.append((self.path, sorted(p.relative_to(cache).as_posix() for p in _files(cache))))
            body = site.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if self.path in site.truncated else body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    site.base = f"{LOOPBACK}{server.server_port}/aeon-toolkit"
    monkeypatch.setenv("CNNLSTM_TSC_BASE_URL", site.base)
    yield site
    server.shutdown()
    server.server_close()
    thread.join()


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _gunpoint_as(name: str) -> bytes:
    """The archive's zip of problem `name`, holding the mirror's real GunPoint files under that name."""
    folder = MIRROR / "UCR" / "GunPoint"
    return _zip({f"{name}/{name}_{split}.ts": (folder / f"GunPoint_{split}.ts").read_bytes()
                 for split in ("TRAIN", "TEST")} | {f"{name}/{name}_eq_TRAIN.ts": b"", "readme.txt": b"x"})


@needs_mirror
def test_archive_problem_downloads_into_the_cache_atomically(archive_site, monkeypatch, tmp_path):
    archive_site.files["/aeon-toolkit/Coffee.zip"] = _gunpoint_as("Coffee")
    cache = tmp_path / "cache"
    assert datasets.locate("Coffee") is None
    assert next(r for r in datasets.info_table(compact=False) if r["name"] == "Coffee")["read_from"] == (
        f"download from {archive_site.base}/Coffee.zip")

    X, y = datasets.load("Coffee", split="train")
    X_mirror, y_mirror = datasets.load("GunPoint", split="train")
    np.testing.assert_array_equal(X, X_mirror)
    np.testing.assert_array_equal(y, y_mirror)
    assert archive_site.requests == [("/aeon-toolkit/Coffee.zip", [])]  # nothing was visible while bytes arrived
    # Both splits are unzipped, in the mirror's layout; no zip, no temporary file and no other member is left.
    assert sorted(p.relative_to(cache).as_posix() for p in _files(cache)) == [
        "UCR/Coffee/Coffee_TEST.ts", "UCR/Coffee/Coffee_TRAIN.ts"]
    assert not (cache / ".downloads").exists()
    for split in ("TRAIN", "TEST"):
        written = cache / "UCR" / "Coffee" / f"Coffee_{split}.ts"
        assert written.read_bytes() == (MIRROR / "UCR" / "GunPoint" / f"GunPoint_{split}.ts").read_bytes()
        assert written.stat().st_mode & 0o777 == 0o666 & ~_umask()  # checkpoint.atomic_write_bytes

    # The test split and later loads come from the cache: one request in all.
    X_test, _ = datasets.load("coffee", split="test")
    assert X_test.shape == (150, 150, 1) and len(archive_site.requests) == 1
    assert datasets.locate("Coffee", split="test") == str(cache / "UCR" / "Coffee" / "Coffee_TEST.ts")
    row = next(r for r in datasets.info_table() if r["name"] == "Coffee")
    assert row["where"] == "cache" and row["path"] == str(cache / "UCR" / "Coffee")


def test_missing_archive_problem_names_url_cache_and_fix(archive_site, tmp_path):
    with pytest.raises(datasets.DatasetUnavailableError) as caught:
        datasets.load("Adiac", split="test")
    message = str(caught.value)
    url = f"{archive_site.base}/Adiac.zip"
    assert message.startswith("Dataset 'Adiac' (test) is not available: no local copy of UCR/Adiac/Adiac_TEST.ts "
                              "was found and the download failed: HTTP Error 404")
    assert f"URL: {url}" in message
    assert f"Cache folder (downloads are saved there): {tmp_path / 'cache'}" in message
    assert (f"Fix: download {url} and unzip it into a folder, then pass that folder: "
            "cnnlstm.datasets.load('<folder>', split='test'); or put the files at <dir>/UCR/Adiac/ or <dir>/Adiac/ "
            "and pass data_dir=<dir>") in message
    assert _files(tmp_path / "cache") == []
    with pytest.raises(datasets.DatasetUnavailableError, match=r"download was disabled \(download=False\)"):
        datasets.load("Adiac", download=False)
    assert len(archive_site.requests) == 1


@needs_mirror
def test_interrupted_archive_download_leaves_nothing(archive_site, tmp_path):
    archive_site.files["/aeon-toolkit/Coffee.zip"] = _gunpoint_as("Coffee")
    archive_site.truncated.add("/aeon-toolkit/Coffee.zip")
    with pytest.raises(datasets.DatasetUnavailableError, match=r"the download failed: IncompleteRead"):
        datasets.load("Coffee")
    assert _files(tmp_path / "cache") == []
    archive_site.truncated.clear()  # the next try downloads again and succeeds
    assert datasets.load("Coffee")[0].shape == (50, 150, 1) and len(archive_site.requests) == 2


@needs_mirror
def test_pinned_archive_checksum_is_verified(archive_site, monkeypatch, tmp_path):
    payload = _gunpoint_as("Coffee")
    archive_site.files["/aeon-toolkit/Coffee.zip"] = payload
    spec = datasets.ARCHIVE_DATASETS["Coffee"]
    monkeypatch.setitem(datasets.ARCHIVE_DATASETS, "Coffee", dataclasses.replace(spec, sha256="0" * 64))
    with pytest.raises(datasets.ChecksumMismatchError, match=r"the file downloaded from .*/Coffee\.zip has the "
                       r"wrong SHA-256\. Expected: 0{64}\. Received: [0-9a-f]{64}\. Nothing was saved"):
        datasets.load("Coffee")
    assert _files(tmp_path / "cache") == []
    sha256 = hashlib.sha256(payload).hexdigest()
    monkeypatch.setitem(datasets.ARCHIVE_DATASETS, "Coffee", dataclasses.replace(spec, sha256=sha256))
    assert datasets.load("Coffee", split="test")[0].shape == (150, 150, 1)


@needs_mirror
@pytest.mark.parametrize("as_string", [False, True])
def test_load_a_folder_of_ts_files(tmp_path, as_string):
    folder = tmp_path / "my data"
    folder.mkdir()
    shutil.copy(MIRROR / "UCR" / "GunPoint" / "GunPoint_TRAIN.ts", folder / "Shapes_TRAIN.ts")
    with gzip.open(folder / "Shapes_TEST.ts.gz", "wb") as handle:
        handle.write((MIRROR / "UCR" / "GunPoint" / "GunPoint_TEST.ts").read_bytes())
    for split in ("train", "test"):
        X, y = datasets.load(str(folder) if as_string else folder, split=split)
        X_mirror, y_mirror = datasets.load("GunPoint", split=split)
        np.testing.assert_array_equal(X, X_mirror)
        np.testing.assert_array_equal(y, y_mirror)


@needs_mirror
def test_load_a_folder_as_the_archive_unzips_it(tmp_path):
    """The archive's zips hold variants (``<Name>_eq_TRAIN.ts``) beside the problem: the folder's name decides."""
    folder = tmp_path / "JapaneseVowels"
    folder.mkdir()
    for split in ("TRAIN", "TEST"):
        shutil.copy(MIRROR / "UEA" / "JapaneseVowels" / f"JapaneseVowels_{split}.ts", folder)
        (folder / f"JapaneseVowels_eq_{split}.ts").write_text("not read")
    X, y = datasets.load(folder, split="test")
    assert isinstance(X, list) and len(X) == len(y) == 370


def test_load_a_folder_errors(tmp_path, monkeypatch):
    case = "@classLabel true a b\n@data\n1,2:a\n"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match=r"^`name` must be a folder holding <Name>_TRAIN\.ts and <Name>_TEST\.ts\. "
                       r"Received: '.*empty', which holds no such file\. Fix: put the problem's two \.ts files in "
                       r"one folder and pass that folder\.$"):
        datasets.load(empty)
    (empty / "Inner").mkdir()
    (empty / "Inner" / "Inner_TRAIN.ts").write_text(case)
    with pytest.raises(ValueError, match=r"Its subfolders 'Inner' hold problems: pass one of them, or pass this "
                       r"folder as data_dir= with the problem's name\."):
        datasets.load(empty)
    several = tmp_path / "several"
    several.mkdir()
    for name in ("Alpha", "Beta"):
        (several / f"{name}_TRAIN.ts").write_text(case)
    with pytest.raises(ValueError, match=r"^`name` must be a folder holding one problem\. Received: '.*several', "
                       r"which holds 2: 'Alpha', 'Beta'\. Fix: move each problem into its own folder"):
        datasets.load(several)
    (several / "Beta_TRAIN.ts").unlink()
    with pytest.raises(ValueError, match=r"^`name` must be a folder holding Alpha_TEST\.ts to load split='test'\. "
                       r"Received: '.*several', which holds Alpha_TRAIN\.ts only\. Fix: add the file"):
        datasets.load(several, split="test")
    assert datasets.load(several)[0].shape == (1, 2, 1)
    with pytest.raises(ValueError, match=r"^`split` must be one of 'train', 'test'\. Received: split='valid'"):
        datasets.load(several, split="valid")
    with pytest.raises(ValueError, match=r"^`name` must be a dataset name or a folder holding <Name>_TRAIN\.ts and "
                       r"<Name>_TEST\.ts\. Received: the file '.*Alpha_TRAIN\.ts'\. Fix: pass its folder"):
        datasets.load(several / "Alpha_TRAIN.ts")
    with pytest.raises(FileNotFoundError, match=r"^`name` points at a folder that does not exist\. "
                       r"Received: name='.*nowhere'\."):
        datasets.load(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match=r"points at a folder that does not exist"):
        datasets.load(f"{tmp_path}/nowhere")
    # A bare word that is no dataset name and no existing path stays an unknown name.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"^`name` must be a named dataset .*Received: name='several2'\."):
        datasets.load("several2")
    assert datasets.load("several")[0].shape == (1, 2, 1)  # an existing folder in the working directory
