"""Named datasets, read from the real offline mirror (``$CNNLSTM_DATA_DIR`` or ``../shared/data``), and the
catalogue that lists them.

No test reaches the internet: every test gets an empty cache in tmp_path, and the network step refuses any URL but
the unreachable local address and the file:// URLs that two tests use on purpose.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cnnlstm.data.sources import catalogue, datasets, store

REPO_ROOT = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("CNNLSTM_DATA_DIR") or REPO_ROOT.parent / "shared" / "data")
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens, so the connection is refused at once

needs_mirror = pytest.mark.skipif(not MIRROR.is_dir(), reason=f"offline data mirror not found at {MIRROR}")

_real_fetch = store._fetch


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """An empty cache per test, the mirror as $CNNLSTM_DATA_DIR, and no real network."""
    monkeypatch.setenv("CNNLSTM_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CNNLSTM_DATA_DIR", str(MIRROR))

    def local_only(url):
        if not url.startswith((UNREACHABLE, "file://")):
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
    rows = {row["name"]: row for row in catalogue.info_table(None)}
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
        "import sys, cnnlstm.data.sources.catalogue as c; rows = c.info_table(None); "
        "print(len(rows), sorted(m for m in ('pandas', 'numpy', 'torch') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split(maxsplit=1) == [str(len(catalogue.list_datasets())), "[]\n"]


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
                       r".*'sunspots'; classify: 'GunPoint', .*; rul: .*'cmapss-fd004'\)\. Received: name='sunspot'\. "
                       r"Did you mean 'sunspots'\? Fix: "):
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
