"""Every named dataset, as plain data: what it is, its licence, where it comes from and where it is found on disk.

Two catalogues, one per way of loading:

- `DATASETS`: forecasting series (`DatasetInfo`), each one wide table with a ``date`` column;
- `ARCHIVE_DATASETS`: every problem of the UCR (128) and UEA (30) classification archives by its archive name,
  and the four NASA C-MAPSS remaining-useful-life subsets (`ArchiveInfo`), each a train and a test split.

Both list what the archives and publishers hold, never what some folder happens to hold: a set found on no searched
folder is downloaded from its canonical URL. `info(name)` and `list_datasets(task)` cover both catalogues;
`info_table(data_dir)` gives the rows of ``cnnlstm datasets``. Nothing here imports pandas, NumPy or torch, so
listing datasets is instant; the readers live in `datasets`, `archives`, `ts` and `cmapss`.

Example:
    >>> info("gunpoint").task, info("etth1").task, info("cmapss-fd001").task
    ('classify', 'forecast', 'rul')
"""

from __future__ import annotations

import difflib
import itertools
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

# The URL aeon downloads from (aeon-toolkit/aeon 1.6.0, aeon/datasets/_data_loaders.py, `download_dataset` and
# `_load_tsc_dataset`): one zip per problem, ``<base>/<Name>.zip``, holding <Name>_TRAIN.ts and <Name>_TEST.ts. The
# site answers 200 with an HTML page for an unknown name, so a bad download shows up as zipfile.BadZipFile, not as
# an HTTP error. $CNNLSTM_TSC_BASE_URL replaces the base: a local mirror of the site, or a test server.
TSC_BASE_URL = "https://timeseriesclassification.com/aeon-toolkit"
TSC_BASE_URL_ENV = "CNNLSTM_TSC_BASE_URL"
TSC_ARCHIVES = ("UCR", "UEA")
_UCR_CITATION = "Dau et al., 'The UCR Time Series Archive', IEEE/CAA Journal of Automatica Sinica 6(6), 2019."
_UEA_CITATION = "Bagnall et al., 'The UEA multivariate time series classification archive, 2018', arXiv:1811.00075."
_TSC_LICENSE = "Free for research use (timeseriesclassification.com); cite the archive."
_TSC_NOTES = (
    "No checksum is known: timeseriesclassification.com publishes none, so the download is not verified. "
    "Split: the archive's official TRAIN/TEST files. Labels are kept as the strings written in the file."
)
_CMAPSS_CITATION = (
    "A. Saxena, K. Goebel, D. Simon, N. Eklund, 'Damage Propagation Modeling for Aircraft Engine Run-to-Failure "
    "Simulation', PHM 2008."
)

# The 128 problems of the UCR archive (2018 release), in the order of aeon's list `univariate` (alias `UCR2019`,
# aeon-toolkit/aeon 1.6.0, aeon/datasets/tsc_datasets.py); the names are the archive's file names.
# name: (type, train cases, test cases, classes, length; None where the lengths vary), copied from the archive's
# own DataSummary.csv (UCRArchive_2018; the copies in the public repositories Chang-George-Dong/TrojanTime and
# sensorlab/KAN_TS agree). Checked against the .ts files of the offline mirror (CBF, ECG200, ECG5000, GunPoint,
# ItalyPowerDemand, TwoPatterns, Wafer) and of aeon's bundled data (ACSF1, ArrowHead, OSULeaf, PickupGestureWiimoteZ).
UCR_PROBLEMS: dict[str, tuple[str, int, int, int, int | None]] = {
    "ACSF1": ("Device", 100, 100, 10, 1460),
    "Adiac": ("Image", 390, 391, 37, 176),
    "AllGestureWiimoteX": ("Sensor", 300, 700, 10, None),
    "AllGestureWiimoteY": ("Sensor", 300, 700, 10, None),
    "AllGestureWiimoteZ": ("Sensor", 300, 700, 10, None),
    "ArrowHead": ("Image", 36, 175, 3, 251),
    "Beef": ("Spectro", 30, 30, 5, 470),
    "BeetleFly": ("Image", 20, 20, 2, 512),
    "BirdChicken": ("Image", 20, 20, 2, 512),
    "BME": ("Simulated", 30, 150, 3, 128),
    "Car": ("Sensor", 60, 60, 4, 577),
    "CBF": ("Simulated", 30, 900, 3, 128),
    "Chinatown": ("Traffic", 20, 343, 2, 24),
    "ChlorineConcentration": ("Sensor", 467, 3840, 3, 166),
    "CinCECGTorso": ("Sensor", 40, 1380, 4, 1639),
    "Coffee": ("Spectro", 28, 28, 2, 286),
    "Computers": ("Device", 250, 250, 2, 720),
    "CricketX": ("Motion", 390, 390, 12, 300),
    "CricketY": ("Motion", 390, 390, 12, 300),
    "CricketZ": ("Motion", 390, 390, 12, 300),
    "Crop": ("Image", 7200, 16800, 24, 46),
    "DiatomSizeReduction": ("Image", 16, 306, 4, 345),
    "DistalPhalanxOutlineAgeGroup": ("Image", 400, 139, 3, 80),
    "DistalPhalanxOutlineCorrect": ("Image", 600, 276, 2, 80),
    "DistalPhalanxTW": ("Image", 400, 139, 6, 80),
    "DodgerLoopDay": ("Sensor", 78, 80, 7, 288),
    "DodgerLoopGame": ("Sensor", 20, 138, 2, 288),
    "DodgerLoopWeekend": ("Sensor", 20, 138, 2, 288),
    "Earthquakes": ("Sensor", 322, 139, 2, 512),
    "ECG200": ("ECG", 100, 100, 2, 96),
    "ECG5000": ("ECG", 500, 4500, 5, 140),
    "ECGFiveDays": ("ECG", 23, 861, 2, 136),
    "ElectricDevices": ("Device", 8926, 7711, 7, 96),
    "EOGHorizontalSignal": ("EOG", 362, 362, 12, 1250),
    "EOGVerticalSignal": ("EOG", 362, 362, 12, 1250),
    "EthanolLevel": ("Spectro", 504, 500, 4, 1751),
    "FaceAll": ("Image", 560, 1690, 14, 131),
    "FaceFour": ("Image", 24, 88, 4, 350),
    "FacesUCR": ("Image", 200, 2050, 14, 131),
    "FiftyWords": ("Image", 450, 455, 50, 270),
    "Fish": ("Image", 175, 175, 7, 463),
    "FordA": ("Sensor", 3601, 1320, 2, 500),
    "FordB": ("Sensor", 3636, 810, 2, 500),
    "FreezerRegularTrain": ("Sensor", 150, 2850, 2, 301),
    "FreezerSmallTrain": ("Sensor", 28, 2850, 2, 301),
    "Fungi": ("HRM", 18, 186, 18, 201),
    "GestureMidAirD1": ("Trajectory", 208, 130, 26, None),
    "GestureMidAirD2": ("Trajectory", 208, 130, 26, None),
    "GestureMidAirD3": ("Trajectory", 208, 130, 26, None),
    "GesturePebbleZ1": ("Sensor", 132, 172, 6, None),
    "GesturePebbleZ2": ("Sensor", 146, 158, 6, None),
    "GunPoint": ("Motion", 50, 150, 2, 150),
    "GunPointAgeSpan": ("Motion", 135, 316, 2, 150),
    "GunPointMaleVersusFemale": ("Motion", 135, 316, 2, 150),
    "GunPointOldVersusYoung": ("Motion", 136, 315, 2, 150),
    "Ham": ("Spectro", 109, 105, 2, 431),
    "HandOutlines": ("Image", 1000, 370, 2, 2709),
    "Haptics": ("Motion", 155, 308, 5, 1092),
    "Herring": ("Image", 64, 64, 2, 512),
    "HouseTwenty": ("Device", 40, 119, 2, 2000),
    "InlineSkate": ("Motion", 100, 550, 7, 1882),
    "InsectEPGRegularTrain": ("EPG", 62, 249, 3, 601),
    "InsectEPGSmallTrain": ("EPG", 17, 249, 3, 601),
    "InsectWingbeatSound": ("Sensor", 220, 1980, 11, 256),
    "ItalyPowerDemand": ("Sensor", 67, 1029, 2, 24),
    "LargeKitchenAppliances": ("Device", 375, 375, 3, 720),
    "Lightning2": ("Sensor", 60, 61, 2, 637),
    "Lightning7": ("Sensor", 70, 73, 7, 319),
    "Mallat": ("Simulated", 55, 2345, 8, 1024),
    "Meat": ("Spectro", 60, 60, 3, 448),
    "MedicalImages": ("Image", 381, 760, 10, 99),
    "MelbournePedestrian": ("Traffic", 1194, 2439, 10, 24),
    "MiddlePhalanxOutlineCorrect": ("Image", 600, 291, 2, 80),
    "MiddlePhalanxOutlineAgeGroup": ("Image", 400, 154, 3, 80),
    "MiddlePhalanxTW": ("Image", 399, 154, 6, 80),
    "MixedShapesRegularTrain": ("Image", 500, 2425, 5, 1024),
    "MixedShapesSmallTrain": ("Image", 100, 2425, 5, 1024),
    "MoteStrain": ("Sensor", 20, 1252, 2, 84),
    "NonInvasiveFetalECGThorax1": ("ECG", 1800, 1965, 42, 750),
    "NonInvasiveFetalECGThorax2": ("ECG", 1800, 1965, 42, 750),
    "OliveOil": ("Spectro", 30, 30, 4, 570),
    "OSULeaf": ("Image", 200, 242, 6, 427),
    "PhalangesOutlinesCorrect": ("Image", 1800, 858, 2, 80),
    "Phoneme": ("Sensor", 214, 1896, 39, 1024),
    "PickupGestureWiimoteZ": ("Sensor", 50, 50, 10, None),
    "PigAirwayPressure": ("Hemodynamics", 104, 208, 52, 2000),
    "PigArtPressure": ("Hemodynamics", 104, 208, 52, 2000),
    "PigCVP": ("Hemodynamics", 104, 208, 52, 2000),
    "PLAID": ("Device", 537, 537, 11, None),
    "Plane": ("Sensor", 105, 105, 7, 144),
    "PowerCons": ("Power", 180, 180, 2, 144),
    "ProximalPhalanxOutlineCorrect": ("Image", 600, 291, 2, 80),
    "ProximalPhalanxOutlineAgeGroup": ("Image", 400, 205, 3, 80),
    "ProximalPhalanxTW": ("Image", 400, 205, 6, 80),
    "RefrigerationDevices": ("Device", 375, 375, 3, 720),
    "Rock": ("Spectrum", 20, 50, 4, 2844),
    "ScreenType": ("Device", 375, 375, 3, 720),
    "SemgHandGenderCh2": ("Spectrum", 300, 600, 2, 1500),
    "SemgHandMovementCh2": ("Spectrum", 450, 450, 6, 1500),
    "SemgHandSubjectCh2": ("Spectrum", 450, 450, 5, 1500),
    "ShakeGestureWiimoteZ": ("Sensor", 50, 50, 10, None),
    "ShapeletSim": ("Simulated", 20, 180, 2, 500),
    "ShapesAll": ("Image", 600, 600, 60, 512),
    "SmallKitchenAppliances": ("Device", 375, 375, 3, 720),
    "SmoothSubspace": ("Simulated", 150, 150, 3, 15),
    "SonyAIBORobotSurface1": ("Sensor", 20, 601, 2, 70),
    "SonyAIBORobotSurface2": ("Sensor", 27, 953, 2, 65),
    "StarLightCurves": ("Sensor", 1000, 8236, 3, 1024),
    "Strawberry": ("Spectro", 613, 370, 2, 235),
    "SwedishLeaf": ("Image", 500, 625, 15, 128),
    "Symbols": ("Image", 25, 995, 6, 398),
    "SyntheticControl": ("Simulated", 300, 300, 6, 60),
    "ToeSegmentation1": ("Motion", 40, 228, 2, 277),
    "ToeSegmentation2": ("Motion", 36, 130, 2, 343),
    "Trace": ("Sensor", 100, 100, 4, 275),
    "TwoLeadECG": ("ECG", 23, 1139, 2, 82),
    "TwoPatterns": ("Simulated", 1000, 4000, 4, 128),
    "UMD": ("Simulated", 36, 144, 3, 150),
    "UWaveGestureLibraryAll": ("Motion", 896, 3582, 8, 945),
    "UWaveGestureLibraryX": ("Motion", 896, 3582, 8, 315),
    "UWaveGestureLibraryY": ("Motion", 896, 3582, 8, 315),
    "UWaveGestureLibraryZ": ("Motion", 896, 3582, 8, 315),
    "Wafer": ("Sensor", 1000, 6164, 2, 152),
    "Wine": ("Spectro", 57, 54, 2, 234),
    "WordSynonyms": ("Image", 267, 638, 25, 270),
    "Worms": ("Motion", 181, 77, 5, 900),
    "WormsTwoClass": ("Motion", 181, 77, 2, 900),
    "Yoga": ("Image", 300, 3000, 2, 426),
}

# The 30 problems of the UEA multivariate archive (2018), in the order of aeon's list `multivariate` (alias `UEA`,
# same file). name: (train cases, test cases, dimensions, length; None where the lengths vary, classes), as counted
# in the archive's .ts files by the public repository mat-analysis/datasets (mts/<Name>/<Name>-stats.md, the
# repository the offline mirror's UEA files come from; its counts for BasicMotions, Epilepsy, JapaneseVowels and
# NATOPS equal the mirror's files).
UEA_PROBLEMS: dict[str, tuple[int, int, int, int | None, int]] = {
    "ArticularyWordRecognition": (275, 300, 9, 144, 25),
    "AtrialFibrillation": (15, 15, 2, 640, 3),
    "BasicMotions": (40, 40, 6, 100, 4),
    "CharacterTrajectories": (1422, 1436, 3, None, 20),
    "Cricket": (108, 72, 6, 1197, 12),
    "DuckDuckGeese": (50, 50, 1345, 270, 5),
    "EigenWorms": (128, 131, 6, 17984, 5),
    "Epilepsy": (137, 138, 3, 206, 4),
    "EthanolConcentration": (261, 263, 3, 1751, 4),
    "ERing": (30, 270, 4, 65, 6),
    "FaceDetection": (5890, 3524, 144, 62, 2),
    "FingerMovements": (316, 100, 28, 50, 2),
    "HandMovementDirection": (160, 74, 10, 400, 4),
    "Handwriting": (150, 850, 3, 152, 26),
    "Heartbeat": (204, 205, 61, 405, 2),
    "InsectWingbeat": (25000, 25000, 200, None, 10),
    "JapaneseVowels": (270, 370, 12, None, 9),
    "Libras": (180, 180, 2, 45, 15),
    "LSST": (2459, 2466, 6, 36, 14),
    "MotorImagery": (278, 100, 64, 3000, 2),
    "NATOPS": (180, 180, 24, 51, 6),
    "PenDigits": (7494, 3498, 2, 8, 10),
    "PEMS-SF": (267, 173, 963, 144, 7),
    "PhonemeSpectra": (3315, 3353, 11, 217, 39),
    "RacketSports": (151, 152, 6, 30, 4),
    "SelfRegulationSCP1": (268, 293, 6, 896, 2),
    "SelfRegulationSCP2": (200, 180, 7, 1152, 2),
    "SpokenArabicDigits": (6599, 2199, 13, None, 10),
    "StandWalkJump": (12, 15, 4, 2500, 3),
    "UWaveGestureLibrary": (120, 320, 3, 315, 8),
}

# What the series are, for the problems this project's examples and tests use; the others are described by the
# archive's type and sizes.
_ABOUT = {
    "GunPoint": "Hand motion, gun draw vs point",
    "ItalyPowerDemand": "Italian daily power demand, winter vs summer",
    "ECG200": "ECG heartbeats, normal vs myocardial infarction",
    "CBF": "Synthetic cylinder-bell-funnel",
    "ECG5000": "ECG heartbeats",
    "TwoPatterns": "Synthetic up/down patterns",
    "Wafer": "Semiconductor wafer sensor, normal vs abnormal",
    "BasicMotions": "Smart-watch accelerometer + gyroscope",
    "JapaneseVowels": "Speaker recognition from LPC cepstra",
    "Epilepsy": "Wrist accelerometer, epilepsy vs activities",
    "NATOPS": "Hand/arm motion capture of aircraft handling signals",
}
# aeon's `univariate_missing_values` (same file): these hold NaN values, read as NaN.
_WITH_MISSING_VALUES = ("DodgerLoopDay", "DodgerLoopGame", "DodgerLoopWeekend", "MelbournePedestrian")


@dataclass(frozen=True)
class ArchiveInfo:
    """Everything known about one named classification or RUL dataset.

    Attributes:
        name: the canonical spelling, as in the file names ("GunPoint", "cmapss-fd001").
        archive: "UCR", "UEA" or "CMAPSS": the folder it sits in inside a data folder.
        task: "classify" or "rul".
        description: one line: cases, length, dimensions, classes.
        url: the canonical download URL (a zip); `archive_url` gives the one used (``$CNNLSTM_TSC_BASE_URL``).
        sha256: hex SHA-256 of the zip at `url`; None where no trustworthy checksum is known (all of them today).
        citation: what to cite.
        license: the licence or terms of use.
        notes: provenance, conventions, known quirks.
        shape: the size of each split where known: (cases, length, dimensions) or rows x columns.
        num_classes: the number of classes of a classification problem, None where not known or not classification.
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
    num_classes: int | None = None

    def mirror_paths(self, split: str) -> tuple[str, ...]:
        """UCR/UEA: the relative paths tried, in order, for one split (a download is saved as the first): the
        mirror's layout ``UCR/<Name>/``, then the layout of the archive's own zips ``<Name>/``, each plain or gzipped.
        C-MAPSS: the files one split needs (each is also found as ``.txt.gz``)."""
        if self.archive == "CMAPSS":
            return tuple(f"CMAPSS/{stem}.txt" for stem in cmapss_files(self._subset, split))
        file = f"{self.name}_{split.upper()}.ts"
        return tuple(path for folder in (f"{self.archive}/{self.name}", self.name)
                     for path in (f"{folder}/{file}", f"{folder}/{file}.gz"))

    def files(self, split: str) -> list[tuple[str, ...]]:
        """The files one split needs, each as the relative paths tried in order (a plain and a gzipped name)."""
        if self.archive == "CMAPSS":
            return [(path, f"{path}.gz") for path in self.mirror_paths(split)]
        return [self.mirror_paths(split)]

    @property
    def _subset(self) -> str:
        return self.name.removeprefix("cmapss-").upper()


def _ucr(name: str) -> ArchiveInfo:
    kind, train, test, classes, length = UCR_PROBLEMS[name]
    steps = "lengths vary" if length is None else f"length {length}"
    missing = ", with missing values" if name in _WITH_MISSING_VALUES else ""
    return _tsc(
        "UCR", name,
        f"{_ABOUT.get(name, f'UCR {kind} problem')}: {train} train / {test} test, {steps}{missing}, {classes} classes.",
        _shape(train, test, length, 1), classes,
    )


def _uea(name: str) -> ArchiveInfo:
    train, test, dimensions, length, classes = UEA_PROBLEMS[name]
    steps = "lengths vary" if length is None else f"length {length}"
    return _tsc(
        "UEA", name,
        f"{_ABOUT.get(name, 'UEA multivariate problem')}: {train} train / {test} test, {dimensions} dimensions, "
        f"{steps}, {classes} classes.",
        _shape(train, test, length, dimensions), classes,
    )


def _shape(train: int, test: int, length: int | None, dimensions: int) -> str:
    steps = "varying" if length is None else length
    return f"({train}, {steps}, {dimensions}) / ({test}, {steps}, {dimensions})"


def _tsc(archive: str, name: str, description: str, shape: str, num_classes: int) -> ArchiveInfo:
    return ArchiveInfo(
        name=name,
        archive=archive,
        task="classify",
        description=description,
        url=f"{TSC_BASE_URL}/{name}.zip",
        sha256=None,
        citation=_UCR_CITATION if archive == "UCR" else _UEA_CITATION,
        license=_TSC_LICENSE,
        notes=_TSC_NOTES,
        shape=shape,
        num_classes=num_classes,
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


# Every UCR problem, every UEA problem, then the four C-MAPSS subsets. shape: (cases, length, dimensions) of train
# and test.
ARCHIVE_DATASETS: dict[str, ArchiveInfo] = {
    info.name: info
    for info in (
        *(_ucr(name) for name in UCR_PROBLEMS),
        *(_uea(name) for name in UEA_PROBLEMS),
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


def archive_url(spec: ArchiveInfo) -> str:
    """The URL a download of `spec` fetches: `spec.url`, or for UCR/UEA ``$CNNLSTM_TSC_BASE_URL/<Name>.zip`` when
    that variable is set (a local mirror of timeseriesclassification.com).

    Example:
        >>> archive_url(ARCHIVE_DATASETS["Coffee"])                                 # doctest: +SKIP
        'https://timeseriesclassification.com/aeon-toolkit/Coffee.zip'
    """
    if os.environ.get(TSC_BASE_URL_ENV) and spec.archive in TSC_ARCHIVES:
        return f"{_tsc_base_url()}/{spec.name}.zip"
    return spec.url


def _tsc_base_url() -> str:
    return os.environ.get(TSC_BASE_URL_ENV, "").rstrip("/") or TSC_BASE_URL


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
        listing = "; ".join(f"{task}: {_names_text(task)}" for task in TASKS)
        close = difflib.get_close_matches(name.lower(), list(entries), n=1, cutoff=0.5)
        hint = f" Did you mean {entries[close[0]].name!r}?" if close else ""
        raise ValueError(
            f"`name` must be a named dataset ({listing}). Received: name={name!r}.{hint} "
            "Fix: use one of these names (`cnnlstm datasets` lists them, list_datasets('classify') every archive "
            "problem), pass a folder holding <Name>_TRAIN.ts and <Name>_TEST.ts, or pass a file instead."
        )
    return spec


def list_archives() -> list[str]:
    """The classification and RUL names, in catalogue order: the 128 UCR problems, the 30 UEA problems, C-MAPSS.

    Example:
        >>> list_archives()[:2], list_archives()[-1]
        (['ACSF1', 'Adiac'], 'cmapss-fd004')
    """
    return list(ARCHIVE_DATASETS)


def _names_text(task: str) -> str:
    """The names of one task, for error messages: each name, except the archive problems, which are counted."""
    if task != "classify":
        return ", ".join(repr(n) for n in list_datasets(task))
    counts = " and ".join(
        f"{sum(spec.archive == archive for spec in ARCHIVE_DATASETS.values())} {archive}" for archive in TSC_ARCHIVES
    )
    return f"the {counts} problems by archive name, e.g. 'GunPoint', 'Coffee', 'BasicMotions'"


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
        raise ValueError(
            f"`name` must be a classification or RUL dataset ({_names_text('classify')}; {_names_text('rul')}). "
            f"Received: name={name!r}.{hint} Fix: use one of these names (list_archives() lists them all); "
            "forecasting datasets load with cnnlstm.datasets.load."
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


def info_table(data_dir: str | os.PathLike | None = None, *, compact: bool = True) -> list[dict]:
    """One row per named dataset of every task, for ``cnnlstm datasets``.

    Each row holds: name; task ("forecast", "classify" or "rul"); freq (forecasting sets) or shape (the others:
    train / test sizes); license; description; where ("packaged", "local copy", "cache" or "download"); path (the
    file or folder read, None when it must be downloaded); read_from (one line: the path, or "download from <url>";
    an archive set with only some files on disk names the split that would be downloaded).

    With `compact` (the default) the UCR and UEA problems found on no searched folder are folded into one row per
    archive, so that the listing stays readable: its name is "UCR: <n> more", and its ``names`` hold the problems it
    stands for. ``compact=False`` gives every problem its own row.

    Example:
        >>> row = info_table()[0]
        >>> row["name"], row["task"], row["where"]
        ('airline', 'forecast', 'packaged')
    """
    rows = []
    # Entries come grouped: the forecasting sets, then each archive's problems; a summary row closes its archive.
    for group, specs in itertools.groupby(_entries().values(), key=lambda spec: getattr(spec, "archive", "")):
        folded = []  # the problems of this archive that the summary row stands for
        for spec in specs:
            row = {
                "name": spec.name, "task": spec.task, "freq": getattr(spec, "freq", None),
                "shape": getattr(spec, "shape", None), "license": spec.license, "description": spec.description,
            }
            if isinstance(spec, DatasetInfo):
                where, path, read_from = _where(find(spec, data_dir), spec.url)
            else:
                where, path, read_from = _archive_where(spec, data_dir)
                if compact and where == "download" and spec.archive in TSC_ARCHIVES:
                    folded.append(spec.name)
                    continue
            rows.append({**row, "where": where, "path": path, "read_from": read_from})
        if folded:
            rows.append(_summary_row(group, folded))
    return rows


# Problems the summary rows name first, when they are among the folded ones.
_EXAMPLES = {"UCR": ("GunPoint", "Coffee", "ECG200", "FordA", "Wafer", "Adiac", "Yoga"),
             "UEA": ("BasicMotions", "NATOPS", "Epilepsy", "RacketSports", "JapaneseVowels", "Handwriting",
                     "UWaveGestureLibrary")}


def _summary_row(archive: str, names: list[str]) -> dict:
    """The row standing for the problems of `archive` that would be downloaded."""
    total = sum(spec.archive == archive for spec in ARCHIVE_DATASETS.values())
    examples = [n for n in _EXAMPLES[archive] if n in names][:3] or names[:3]
    kind = "univariate" if archive == "UCR" else "multivariate"
    return {
        "name": f"{archive}: {len(names)} more", "task": "classify", "freq": None, "shape": "per problem",
        "license": _TSC_LICENSE,
        "description": (
            f"{len(names)} more {kind} problems of the {archive} archive ({total} in all), by archive name, e.g. "
            f"{', '.join(examples)}; all names: `cnnlstm datasets --json`."
        ),
        "where": "download", "path": None, "read_from": f"download from {_tsc_base_url()}/<Name>.zip", "names": names,
    }


def _where(found: tuple[str, Path] | None, url: str) -> tuple[str, str | None, str]:
    if found is None:
        return "download", None, f"download from {url}"
    where, path = found
    return where, str(path), (str(path) if where == "local copy" else f"{where}: {path}")


def _archive_where(spec: ArchiveInfo, data_dir) -> tuple[str, str | None, str]:
    """Where the files of both splits are: the folder of the first file found, and the splits still missing."""
    url = archive_url(spec)
    found = {split: [find_file(alternatives, data_dir) for alternatives in spec.files(split)] for split in SPLITS}
    local = [hit for hits in found.values() for hit in hits if hit is not None]
    if not local:
        return _where(None, url)
    label, first = local[0]
    where, folder, read_from = _where(("cache" if label == "cache" else "local copy", first.parent), url)
    missing = [split for split, hits in found.items() if None in hits]
    if missing:
        read_from += f"; {' and '.join(missing)} split: download from {url}"
    return where, folder, read_from
