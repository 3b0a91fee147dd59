"""Every named dataset, as plain data: what it is, its licence, where it comes from and where it is found on disk.

Two catalogues, one per way of loading:

- `DATASETS`: forecasting series (`DatasetInfo`), each one wide table with a ``date`` column;
- `ARCHIVE_DATASETS`: UCR/UEA classification problems and NASA C-MAPSS remaining-useful-life subsets
  (`ArchiveInfo`), each a train and a test split.

`info(name)` and `list_datasets(task)` cover both; `info_table(data_dir)` gives one row per dataset for
``cnnlstm datasets``. Nothing here imports pandas, NumPy or torch, so listing datasets is instant; the readers live in
`datasets`, `archives`, `ts` and `cmapss`.

Example:
    >>> info("gunpoint").task, info("etth1").task, info("cmapss-fd001").task
    ('classify', 'forecast', 'rul')
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..._errors import unknown_name
from .store import find_file

TASKS = ("forecast", "classify", "rul")

TIME_COL = "date"
_ETT_BASE = "https://raw.githubusercontent.com/zhouhaoyi/ETDataset/main/ETT-small"
_LSTNET_BASE = "https://raw.githubusercontent.com/laiguokun/multivariate-time-series-data/master"
_BROWNLEE_BASE = "https://raw.githubusercontent.com/jbrownlee/Datasets/master"
_UCI_PM25_URL = (
    "https://archive.ics.uci.edu/ml/machine-learning-databases/00381/PRSA_data_2010.1.1-2014.12.31.csv"
)


@dataclass(frozen=True)
class DatasetInfo:
    """Everything known about one named dataset.

    Attributes:
        name: the key in `DATASETS`.
        description: one line: what the series are, how many rows and columns.
        url: the canonical download URL.
        sha256: hex SHA-256 of the file at `url`, or None where no trustworthy checksum is known (see `notes`).
        mirror_paths: relative paths tried in order inside a data folder; a download is saved as the first.
        time_col: name of the time column of the returned frame.
        targets: the customary target columns; None means every value column.
        freq: pandas offset alias of the time column ("h", "15min", "MS", ...).
        season_length: the main seasonal period in rows (1 where the series has none).
        split: default (train, validation, test), as row counts or as fractions of the rows.
        citation: what to cite.
        license: the licence or terms of use.
        notes: provenance of the checksum, conventions this loader adds, known quirks.
        md5: hex MD5 of the file at `url` where one is published, checked together with `sha256`.
        reader: which parse function reads the file (a key of `datasets._READERS`).
        start: first timestamp of the synthetic time index of files that have none.
        packaged: file name under ``cnnlstm/data/sources/files`` that is read before any folder.
    """

    name: str
    description: str
    url: str
    sha256: str | None
    mirror_paths: tuple[str, ...]
    time_col: str | None
    targets: tuple[str, ...] | None
    freq: str
    season_length: int
    split: tuple[int, int, int] | tuple[float, float, float]
    citation: str
    license: str
    notes: str
    md5: str | None = None
    reader: str = "csv"
    start: str | None = None
    packaged: str | None = None

    @property
    def task(self) -> str:
        """Always "forecast": these are series to forecast."""
        return "forecast"


# --------------------------------------------------------------------------------------------------------------
# Forecasting: one wide table per dataset
# --------------------------------------------------------------------------------------------------------------

_ETT_CITATION = (
    "Zhou et al., 'Informer: Beyond Efficient Transformer for Long Sequence Time-Series Forecasting', AAAI 2021."
)
_ETT_LICENSE = "CC BY-ND 4.0 (zhouhaoyi/ETDataset LICENSE)."
_ETT_SPLIT_NOTE = (
    "Split: the Informer/Autoformer convention (12/4/4 months of 30 days); later rows are unused. "
    "Target OT (oil temperature)."
)
# Third-party SHA-256 table that also pins ETTh1; its ETTh1 value equals the mirror file's, so its other values
# were computed from the same canonical files.
_ETT_THIRD_PARTY_SHA_NOTE = (
    "SHA-256 taken from a public project's pinned-source table whose ETTh1 value equals our mirror's canonical "
    "file; MD5 as published by Darts (unit8co/darts, darts/datasets) and by torch-timeseries' ETT loader, both "
    "used against this URL."
)
_LSTNET_CITATION = (
    "Lai et al., 'Modeling Long- and Short-Term Temporal Patterns with Deep Neural Networks', SIGIR 2018."
)
_LSTNET_SPLIT_NOTE = "Split: the LSTNet protocol, chronological 60/20/20."
_LSTNET_INDEX_NOTE = (
    "The file has no header and no timestamps: columns are named x0, x1, ... in file order and the `date` column is a "
    "synthetic index starting {start} with frequency {freq}; that start date is a convention, not part of the data."
)


def _ett(name: str, file: str, *, hourly: bool, sha256: str, md5: str, extra_note: str) -> DatasetInfo:
    rows = 17420 if hourly else 69680
    return DatasetInfo(
        name=name,
        description=(
            f"Electricity Transformer Temperature {file}: {'hourly' if hourly else '15-minute'} loads and oil "
            f"temperature of one transformer, 2016-07 to 2018-06, {rows} rows x 7 values."
        ),
        url=f"{_ETT_BASE}/{file}.csv",
        sha256=sha256,
        mirror_paths=(f"ETT/{file}.csv", f"ETT/{file}.csv.gz"),
        time_col=TIME_COL,
        targets=("OT",),
        freq="h" if hourly else "15min",
        season_length=24 if hourly else 96,
        split=(8640, 2880, 2880) if hourly else (34560, 11520, 11520),
        citation=_ETT_CITATION,
        license=_ETT_LICENSE,
        notes=f"{_ETT_SPLIT_NOTE} {extra_note}",
        md5=md5,
        reader="ett",
    )


def _lstnet(
    name: str, path: str, *, description: str, freq: str, season_length: int, start: str, md5: str,
    sha256: str | None = None, checksum_note: str, license: str,
) -> DatasetInfo:
    file = path.split("/")[-1]
    return DatasetInfo(
        name=name,
        description=description,
        url=f"{_LSTNET_BASE}/{path}",
        sha256=sha256,
        mirror_paths=(f"LSTNet/{file}", f"LSTNet/{file.removesuffix('.gz')}"),
        time_col=TIME_COL,
        targets=None,
        freq=freq,
        season_length=season_length,
        split=(0.6, 0.2, 0.2),
        citation=_LSTNET_CITATION,
        license=license,
        notes=" ".join(
            [_LSTNET_SPLIT_NOTE, _LSTNET_INDEX_NOTE.format(start=start, freq=freq), checksum_note]
        ),
        md5=md5,
        reader="lstnet",
        start=start,
    )


DATASETS: dict[str, DatasetInfo] = {
    "airline": DatasetInfo(
        name="airline",
        description="Box & Jenkins monthly international airline passengers (thousands), 1949-01 to 1960-12, 144 rows.",
        url=f"{_BROWNLEE_BASE}/airline-passengers.csv",
        sha256="8cb51be753a718d9be5d76d7e238cc224792754676adc21faa59e954b0201621",
        mirror_paths=("classic/airline-passengers.csv",),
        time_col=TIME_COL,
        targets=("Passengers",),
        freq="MS",
        season_length=12,
        split=(96, 24, 24),  # 8 years to train, 2 to select, the last 2 to test (the usual 24-month hold-out)
        citation="Box, Jenkins & Reinsel, 'Time Series Analysis: Forecasting and Control', series G.",
        license="Public domain (classic textbook series); packaged copy from the sktime wheel, BSD-3-Clause.",
        notes=(
            "Ships inside the package as files/airline.csv, copied from the sktime 1.2.0 wheel "
            "(sktime/datasets/data/Airline/Airline.csv, BSD-3-Clause), so no data folder or network is needed. "
            "The URL and SHA-256 are those of jbrownlee/Datasets' copy (same numbers, other quoting), which the "
            "offline mirror holds byte for byte. Split: fractions by default; a common alternative holds out the "
            "last 12 months."
        ),
        reader="monthly",
        packaged="airline.csv",
    ),
    "etth1": _ett(
        "etth1", "ETTh1", hourly=True,
        sha256="f18de3ad269cef59bb07b5438d79bb3042d3be49bdeecf01c1cd6d29695ee066",
        md5="8381763947c85f4be6ac456c508460d6",
        extra_note=(
            "SHA-256 of the mirror file, copied byte for byte from zhouhaoyi/ETDataset commit 1d16c8f; "
            "the MD5 equals the one Darts publishes."
        ),
    ),
    "etth2": _ett(
        "etth2", "ETTh2", hourly=True,
        sha256="a3dc2c597b9218c7ce1cd55eb77b283fd459a1d09d753063f944967dd6b9218b",
        md5="51a229a3fc13579dd939364fefe9c7ab",
        extra_note=_ETT_THIRD_PARTY_SHA_NOTE,
    ),
    "ettm1": _ett(
        "ettm1", "ETTm1", hourly=False,
        sha256="6ce1759b1a18e3328421d5d75fadcb316c449fcd7cec32820c8dafda71986c9e",
        md5="82d6bd89109c63d075d99c1077b33f38",
        extra_note=(
            f"{_ETT_THIRD_PARTY_SHA_NOTE} The offline mirror holds ETT/ETTm1.csv.gz, a format-only rebuild "
            "(see shared/data/SOURCES.md) whose bytes differ from the canonical file; checksums are checked on "
            "downloads only."
        ),
    ),
    "ettm2": _ett(
        "ettm2", "ETTm2", hourly=False,
        sha256="db973ca252c6410a30d0469b13d696cf919648d0f3fd588c60f03fdbdbadd1fd",
        md5="7687e47825335860bf58bccb31be0c56",
        extra_note=_ETT_THIRD_PARTY_SHA_NOTE,
    ),
    "exchange_rate": _lstnet(
        "exchange_rate", "exchange_rate/exchange_rate.txt.gz",
        description="Daily exchange rates of 8 currencies against the US dollar, 1990-2016, 7588 rows x 8 values.",
        freq="D", season_length=1, start="1990-01-01",
        md5="9dd5a9c8f8f324e234938400f232fa08",
        checksum_note=(
            "SHA-256 not pinned: no published value was found. MD5 as published by torch-timeseries' loader for "
            "this URL. The rows are trading days, not calendar days, so the daily index is only nominal; "
            "season_length=1 because exchange rates have no seasonal cycle."
        ),
        license="No licence file in laiguokun/multivariate-time-series-data; free for research use.",
    ),
    "electricity": _lstnet(
        "electricity", "electricity/electricity.txt.gz",
        description="Hourly electricity consumption (kWh) of 321 clients, 2012-2014, 26304 rows x 321 values.",
        freq="h", season_length=24, start="2012-01-01",
        sha256="3c4c069588198c1fcc95cace7bb69c99922129edfd673b7286661dad20badefa",
        md5="07d51dc39c404599ead932937985957b",
        checksum_note=(
            "SHA-256 from the same public pinned-source table as ETTh2/ETTm1/ETTm2 (whose ETTh1 value we "
            "verified); MD5 as published by torch-timeseries' loader for this URL. Derived from UCI "
            "ElectricityLoadDiagrams20112014."
        ),
        license="UCI ElectricityLoadDiagrams20112014: CC BY 4.0.",
    ),
    "traffic": _lstnet(
        "traffic", "traffic/traffic.txt.gz",
        description="Hourly road occupancy rates (0-1) of 862 San Francisco Bay Area freeway sensors, 2015-2016, "
        "17544 rows x 862 values.",
        freq="h", season_length=24, start="2015-01-01",
        md5="db745d0c9f074159581a076cbb3f23d6",
        checksum_note=(
            "SHA-256 not pinned: no published value was found. MD5 as published by torch-timeseries' loader for "
            "this URL. Source: California Department of Transportation (PeMS). A weekly season (168) is also "
            "strong."
        ),
        license="Caltrans PeMS public data; no licence file in the LSTNet repository.",
    ),
    "solar": _lstnet(
        "solar", "solar-energy/solar_AL.txt.gz",
        description="Solar power production of 137 PV plants in Alabama every 10 minutes in 2006, "
        "52560 rows x 137 values.",
        freq="10min", season_length=144, start="2006-01-01",
        md5="41ef7fdc958c2ca3fac9cd06d6227073",
        checksum_note=(
            "SHA-256 not pinned: no published value was found. MD5 as published by torch-timeseries' loader for "
            "this URL. Source: NREL Solar Power Data for Integration Studies."
        ),
        license="NREL public data; no licence file in the LSTNet repository.",
    ),
    "beijing_pm25": DatasetInfo(
        name="beijing_pm25",
        description="Hourly PM2.5 concentration and weather at the US Embassy in Beijing, 2010-2014, 43824 rows.",
        url=f"{_BROWNLEE_BASE}/pollution.csv",
        sha256="892e9559205d16d32623135c127a3951c12e46ea1e0b3093e107ce89a9fd60e2",
        mirror_paths=("beijing_pm25/pollution.csv", "beijing_pm25/PRSA_data_2010.1.1-2014.12.31.csv"),
        time_col=TIME_COL,
        targets=("pm2.5",),
        freq="h",
        season_length=24,
        split=(26304, 8760, 8760),
        citation=(
            "Liang et al., 'Assessing Beijing's PM2.5 pollution: severity, weather impact, APEC and winter heating', "
            "Proc. R. Soc. A 471 (2015)."
        ),
        license="UCI Machine Learning Repository, CC BY 4.0.",
        notes=(
            "The UCI 'Beijing PM2.5' data. The URL is jbrownlee/Datasets' copy because its SHA-256 is pinned (the "
            f"offline mirror holds it byte for byte); the original is {_UCI_PM25_URL} (same columns, other bytes, "
            "checksum not pinned here). Both that layout (No,year,month,day,hour,pm2.5,DEWP,TEMP,PRES,cbwd,Iws,Is,Ir) "
            "and the tutorial layout (date,pollution,dew,temp,press,wnd_dir,wnd_spd,snow,rain) are read. "
            "`date` is built from year/month/day/hour, `No` is dropped, and the categorical wind direction `cbwd` "
            "is one-hot encoded as cbwd_NE, cbwd_NW, cbwd_SE, cbwd_cv (0/1). pm2.5 has 2067 missing values, "
            "returned as NaN: the caller's validation decides what to do with them. "
            "Split: 2010-2012 train, 2013 validation, 2014 test (the usual 'first 4 years, test on 2014')."
        ),
        reader="pm25",
    ),
    "sunspots": DatasetInfo(
        name="sunspots",
        description="Monthly mean Zurich relative sunspot numbers, 1749-01 to 1983-12, 2820 rows.",
        url=f"{_BROWNLEE_BASE}/monthly-sunspots.csv",
        sha256="c4ec8cc57d9f6fb6ecdb3e1f37f25b6f4badd5124c55931052b0cd2fc3bc71f3",
        mirror_paths=("classic/monthly-sunspots.csv",),
        time_col=TIME_COL,
        targets=("Sunspots",),
        freq="MS",
        season_length=132,
        split=(0.7, 0.1, 0.2),
        citation="Andrews & Herzberg, 'Data: A Collection of Problems from Many Fields', Springer 1985.",
        license="Public domain; via Hyndman's Time Series Data Library and jbrownlee/Datasets.",
        notes=(
            "SHA-256 of the mirror file, copied byte for byte from jbrownlee/Datasets. season_length=132 is the "
            "roughly 11-year solar cycle in months; the cycle is not exactly periodic. Split: the last 20% is the "
            "usual test part."
        ),
        reader="monthly",
    ),
}


# --------------------------------------------------------------------------------------------------------------
# Classification (UCR/UEA) and remaining useful life (C-MAPSS): a train and a test split each
# --------------------------------------------------------------------------------------------------------------

SPLITS = ("train", "test")
CMAPSS_SUBSETS = ("FD001", "FD002", "FD003", "FD004")
# NASA's PCoE data repository page links item 6, "Turbofan Engine Degradation Simulation Data Set", to this zip;
# it holds CMAPSSData.zip, which holds the twelve .txt files. `archives` downloads and unzips it.
CMAPSS_URL = "https://phm-datasets.s3.amazonaws.com/NASA/6.+Turbofan+Engine+Degradation+Simulation+Data+Set.zip"

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
        task: "classify" or "rul".
        description: one line: cases, length, dimensions, classes.
        url: the canonical download URL (a zip).
        sha256: hex SHA-256 of the zip at `url`; None where no trustworthy checksum is known (all of them today).
        citation: what to cite.
        license: the licence or terms of use.
        notes: provenance, conventions, known gaps of the offline mirror.
        shape: the size of each split where known: (cases, length, dimensions) or rows x columns.
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
    shape: str | None = None

    def mirror_paths(self, split: str) -> tuple[str, ...]:
        """UCR/UEA: the relative paths tried, in order, for one split (a download is saved as the first).
        C-MAPSS: the files one split needs (each is also found as ``.txt.gz``)."""
        if self.archive == "CMAPSS":
            return tuple(f"CMAPSS/{stem}.txt" for stem in cmapss_files(self._subset, split))
        file = f"{self.archive}/{self.name}/{self.name}_{split.upper()}.ts"
        return (file, f"{file}.gz")

    def files(self, split: str) -> list[tuple[str, ...]]:
        """The files one split needs, each as the relative paths tried in order (a plain and a gzipped name)."""
        if self.archive == "CMAPSS":
            return [(path, f"{path}.gz") for path in self.mirror_paths(split)]
        return [self.mirror_paths(split)]

    @property
    def _subset(self) -> str:
        return self.name.removeprefix("cmapss-").upper()


def _tsc(archive: str, name: str, description: str, shape: str, *, test_in_mirror: bool = True) -> ArchiveInfo:
    return ArchiveInfo(
        name=name,
        archive=archive,
        task="classify",
        description=description,
        url=_TSC_URL.format(name=name),
        sha256=None,
        citation=_UCR_CITATION if archive == "UCR" else _UEA_CITATION,
        license=_TSC_LICENSE,
        notes=_TSC_NOTES + ("" if test_in_mirror else _TEST_ONLY_BY_DOWNLOAD.format(name=name)),
        shape=shape,
    )


def _cmapss(subset: str, description: str, shape: str) -> ArchiveInfo:
    return ArchiveInfo(
        name=f"cmapss-{subset.lower()}",
        archive="CMAPSS",
        task="rul",
        description=description,
        url=CMAPSS_URL,
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
        shape=shape,
    )


# shape: (cases, length, dimensions) of train and test, as read by `ts.read_ts` from the official files.
ARCHIVE_DATASETS: dict[str, ArchiveInfo] = {
    info.name: info
    for info in (
        _tsc("UCR", "GunPoint", "Hand motion, gun draw vs point: 50 train / 150 test, length 150, 2 classes.",
             "(50, 150, 1) / (150, 150, 1)"),
        _tsc("UCR", "ItalyPowerDemand", "Italian daily power demand, winter vs summer: 67 / 1029, length 24, "
             "2 classes.", "(67, 24, 1) / (1029, 24, 1)"),
        _tsc("UCR", "ECG200", "ECG heartbeats, normal vs myocardial infarction: 100 / 100, length 96, 2 classes.",
             "(100, 96, 1) / (100, 96, 1)"),
        _tsc("UCR", "CBF", "Synthetic cylinder-bell-funnel: 30 / 900, length 128, 3 classes.",
             "(30, 128, 1) / (900, 128, 1)"),
        _tsc("UCR", "ECG5000", "ECG heartbeats: 500 / 4500, length 140, 5 classes.",
             "(500, 140, 1) / (4500, 140, 1)", test_in_mirror=False),
        _tsc("UCR", "TwoPatterns", "Synthetic up/down patterns: 1000 / 4000, length 128, 4 classes.",
             "(1000, 128, 1) / (4000, 128, 1)", test_in_mirror=False),
        _tsc("UCR", "Wafer", "Semiconductor wafer sensor, normal vs abnormal: 1000 / 6164, length 152, 2 classes.",
             "(1000, 152, 1) / (6164, 152, 1)", test_in_mirror=False),
        _tsc("UEA", "BasicMotions", "Smart-watch accelerometer + gyroscope: 40 / 40, 6 dims, length 100, "
             "4 classes.", "(40, 100, 6) / (40, 100, 6)"),
        _tsc("UEA", "JapaneseVowels", "Speaker recognition from LPC cepstra: 270 / 370, 12 dims, lengths 7-29 "
             "(unequal), 9 classes.", "(270, 7-29, 12) / (370, 7-29, 12)"),
        _tsc("UEA", "Epilepsy", "Wrist accelerometer, epilepsy vs activities: 137 / 138, 3 dims, length 206, "
             "4 classes.", "(137, 206, 3) / (138, 206, 3)"),
        _tsc("UEA", "NATOPS", "Hand/arm motion capture of aircraft handling signals: 180 / 180, 24 dims, "
             "length 51, 6 classes.", "(180, 51, 24) / (180, 51, 24)"),
        _cmapss("FD001", "Turbofan run-to-failure, 1 operating condition, 1 fault mode: 100 train / 100 test "
                "units, 20631 / 13096 rows.", "20631 / 13096 rows x 27 columns"),
        _cmapss("FD002", "Turbofan run-to-failure, 6 operating conditions, 1 fault mode: 260 / 259 units, "
                "53759 / 33991 rows.", "53759 / 33991 rows x 27 columns"),
        _cmapss("FD003", "Turbofan run-to-failure, 1 operating condition, 2 fault modes: 100 / 100 units.",
                "100 / 100 units x 27 columns"),
        _cmapss("FD004", "Turbofan run-to-failure, 6 operating conditions, 2 fault modes: 249 / 248 units.",
                "249 / 248 units x 27 columns"),
    )
}




def cmapss_files(subset: str, split: str) -> tuple[str, ...]:
    """The file stems one C-MAPSS split needs: ``('train_FD001',)`` or ``('test_FD001', 'RUL_FD001')``.

    Example:
        >>> cmapss_files("fd002", "test")
        ('test_FD002', 'RUL_FD002')
    """
    if not isinstance(subset, str) or subset.upper() not in CMAPSS_SUBSETS:
        raise unknown_name("subset", subset, CMAPSS_SUBSETS)
    if split not in SPLITS:
        raise unknown_name("split", split, SPLITS)
    subset = subset.upper()
    return (f"train_{subset}",) if split == "train" else (f"test_{subset}", f"RUL_{subset}")


# --------------------------------------------------------------------------------------------------------------
# Looking names up
# --------------------------------------------------------------------------------------------------------------

def _entries() -> dict[str, DatasetInfo | ArchiveInfo]:
    """Lower-case name -> entry over both catalogues, built on each call so that edits to either dict count."""
    return {name.lower(): spec for catalogue in (DATASETS, ARCHIVE_DATASETS) for name, spec in catalogue.items()}


def list_datasets(task: str | None = None) -> list[str]:
    """Names accepted by `datasets.load`, forecasting sets first, in catalogue order; `task` ("forecast",
    "classify" or "rul") keeps the sets of that task only.

    Example:
        >>> list_datasets("rul")
        ['cmapss-fd001', 'cmapss-fd002', 'cmapss-fd003', 'cmapss-fd004']
    """
    if task is not None and task not in TASKS:
        raise unknown_name("task", task, TASKS, "Fix: pass one of these, or None for every dataset.")
    return [spec.name for spec in _entries().values() if task is None or spec.task == task]


def info(name: str) -> DatasetInfo | ArchiveInfo:
    """The catalogue entry of `name` (case-insensitive): a `DatasetInfo` for a forecasting set, an `ArchiveInfo`
    for a classification or RUL set. An unknown name raises ValueError listing the names, with a did-you-mean.

    Example:
        >>> info("ETTh1").split
        (8640, 2880, 2880)
    """
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a string such as 'etth1'. Received: name={name!r}.")
    entries = _entries()
    spec = entries.get(name.lower())
    if spec is None:
        listing = "; ".join(f"{task}: {', '.join(repr(n) for n in list_datasets(task))}" for task in TASKS)
        close = difflib.get_close_matches(name.lower(), list(entries), n=1, cutoff=0.5)
        hint = f" Did you mean {entries[close[0]].name!r}?" if close else ""
        raise ValueError(
            f"`name` must be a named dataset ({listing}). Received: name={name!r}.{hint} "
            "Fix: use one of these names (`cnnlstm datasets` lists them), or pass a file instead."
        )
    return spec


def list_archives() -> list[str]:
    """The classification and RUL names, in catalogue order.

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
    spec = _entries().get(name.lower())
    if not isinstance(spec, ArchiveInfo):
        lower = {n.lower(): n for n in ARCHIVE_DATASETS}
        close = difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=0.5)
        hint = f" Did you mean {lower[close[0]]!r}?" if close else ""
        valid = ", ".join(repr(n) for n in ARCHIVE_DATASETS)
        raise ValueError(
            f"`name` must be one of {valid}. Received: name={name!r}.{hint} "
            "Fix: use one of these names; forecasting datasets load with cnnlstm.datasets.load."
        )
    return spec


# --------------------------------------------------------------------------------------------------------------
# Where each dataset would be read from
# --------------------------------------------------------------------------------------------------------------


def packaged_file(spec: DatasetInfo) -> Path | None:
    """The copy shipped inside the package, or None (only ``airline`` has one)."""
    if spec.packaged is None:
        return None
    packaged = resources.files("cnnlstm.data.sources") / "files" / spec.packaged
    return Path(str(packaged)) if packaged.is_file() else None


def find(spec: DatasetInfo, data_dir: str | os.PathLike | None = None) -> tuple[str, Path] | None:
    """(where, path) of the first local copy of a forecasting set, where is "packaged", "local copy" or "cache";
    None when it would have to be downloaded."""
    packaged = packaged_file(spec)
    if packaged is not None:
        return "packaged", packaged
    found = find_file(spec.mirror_paths, data_dir)
    if found is None:
        return None
    return ("cache" if found[0] == "cache" else "local copy"), found[1]


def locate(name: str, data_dir: str | os.PathLike | None = None, *, split: str = "train") -> str | None:
    """The local path `datasets.load(name, data_dir=data_dir)` would read, or None if it would have to download.
    For a classification or RUL set: the first file of `split` ("train" or "test").

    Example:
        >>> locate("airline").endswith("airline.csv")
        True
    """
    spec = info(name)
    if isinstance(spec, DatasetInfo):
        found = find(spec, data_dir)
    else:
        if split not in SPLITS:
            raise unknown_name("split", split, SPLITS)
        found = find_file(spec.files(split)[0], data_dir)
    return None if found is None else str(found[1])


def info_table(data_dir: str | os.PathLike | None = None) -> list[dict]:
    """One row per named dataset of every task, for ``cnnlstm datasets``.

    Each row holds: name; task ("forecast", "classify" or "rul"); freq (forecasting sets) or shape (the others:
    train / test sizes); license; description; where ("packaged", "local copy", "cache" or "download"); path (the
    file or folder read, None when it must be downloaded); read_from (one line: the path, or "download from <url>";
    an archive set with only some files on disk names the split that would be downloaded).

    Example:
        >>> row = info_table()[0]
        >>> row["name"], row["task"], row["where"]
        ('airline', 'forecast', 'packaged')
    """
    rows = []
    for spec in _entries().values():
        row = {
            "name": spec.name, "task": spec.task, "freq": getattr(spec, "freq", None),
            "shape": getattr(spec, "shape", None), "license": spec.license, "description": spec.description,
        }
        if isinstance(spec, DatasetInfo):
            found = find(spec, data_dir)
            where, path, read_from = _where(found, spec.url)
        else:
            where, path, read_from = _archive_where(spec, data_dir)
        rows.append({**row, "where": where, "path": path, "read_from": read_from})
    return rows


def _where(found: tuple[str, Path] | None, url: str) -> tuple[str, str | None, str]:
    if found is None:
        return "download", None, f"download from {url}"
    where, path = found
    return where, str(path), (str(path) if where == "local copy" else f"{where}: {path}")


def _archive_where(spec: ArchiveInfo, data_dir) -> tuple[str, str | None, str]:
    """Where the files of both splits are: the folder of the first file found, and the splits still missing."""
    found = {split: [find_file(alternatives, data_dir) for alternatives in spec.files(split)] for split in SPLITS}
    local = [hit for hits in found.values() for hit in hits if hit is not None]
    if not local:
        return _where(None, spec.url)
    label, first = local[0]
    where, folder, read_from = _where(("cache" if label == "cache" else "local copy", first.parent), spec.url)
    missing = [split for split, hits in found.items() if None in hits]
    if missing:
        read_from += f"; {' and '.join(missing)} split: download from {spec.url}"
    return where, folder, read_from
