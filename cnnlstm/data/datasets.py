"""Named benchmark datasets: where each one comes from, how it is found on disk, and how it is read.

`load(name)` returns one wide DataFrame: a parsed ``date`` column first, then float64 value columns, sorted by time.
A file is looked for in this order, and the first hit is read:

1. the copy shipped inside the package (only ``airline``);
2. the ``data_dir=`` argument;
3. ``$CNNLSTM_DATA_DIR``;
4. the cache, ``$CNNLSTM_CACHE`` or ``~/.cache/cnnlstm``;
5. a download into the cache, checked against the pinned checksum.

Folders 2-4 share one layout, that of the project's offline mirror: ``<dir>/ETT/ETTh1.csv``,
``<dir>/classic/monthly-sunspots.csv``, ... Each `DatasetInfo.mirror_paths` lists the relative paths tried, in
order; a ``.gz`` file is read as transparently as a plain one. A download is saved under ``mirror_paths[0]``, so the
cache is itself a valid data folder.

Example:
    >>> from cnnlstm.data.datasets import load
    >>> frame = load("airline")
    >>> frame.shape, list(frame.columns)
    ((144, 2), ['date', 'Passengers'])
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from .._errors import did_you_mean

TIME_COL = "date"
_ETT_BASE = "https://raw.githubusercontent.com/zhouhaoyi/ETDataset/main/ETT-small"
_LSTNET_BASE = "https://raw.githubusercontent.com/laiguokun/multivariate-time-series-data/master"
_BROWNLEE_BASE = "https://raw.githubusercontent.com/jbrownlee/Datasets/master"
_UCI_PM25_URL = (
    "https://archive.ics.uci.edu/ml/machine-learning-databases/00381/PRSA_data_2010.1.1-2014.12.31.csv"
)


class DatasetUnavailableError(RuntimeError):
    """A dataset is neither on disk nor downloadable (no network, or ``download=False``)."""


class ChecksumMismatchError(RuntimeError):
    """A downloaded file does not have the pinned checksum; the file has been deleted."""


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
        reader: which parse function reads the file (a key of `_READERS`).
        start: first timestamp of the synthetic time index of files that have none.
        packaged: file name under ``cnnlstm/data/files`` that is read before any folder.
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


# --------------------------------------------------------------------------------------------------------------
# The registry
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


def list_datasets() -> list[str]:
    """Names accepted by `load`, in registry order.

    Example:
        >>> "etth1" in list_datasets()
        True
    """
    return list(DATASETS)


def info(name: str) -> DatasetInfo:
    """The `DatasetInfo` of `name` (case-insensitive); an unknown name raises ValueError with a did-you-mean.

    Example:
        >>> info("ETTh1").split
        (8640, 2880, 2880)
    """
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a string such as 'etth1'. Received: name={name!r}.")
    key = name.lower()
    if key not in DATASETS:
        valid = ", ".join(repr(n) for n in DATASETS)
        raise ValueError(f"`name` must be one of {valid}. Received: name={name!r}.{did_you_mean(key, DATASETS)}")
    return DATASETS[key]


# --------------------------------------------------------------------------------------------------------------
# Finding a file
# --------------------------------------------------------------------------------------------------------------


def cache_dir() -> Path:
    """The download cache: ``$CNNLSTM_CACHE`` if set, else ``~/.cache/cnnlstm``."""
    return Path(os.environ.get("CNNLSTM_CACHE") or Path.home() / ".cache" / "cnnlstm")


def _search_dirs(data_dir: str | os.PathLike | None) -> list[tuple[str, Path]]:
    """The folders searched, in order, each with a label for messages."""
    dirs = []
    if data_dir is not None:
        dirs.append(("data_dir argument", Path(data_dir)))
    if os.environ.get("CNNLSTM_DATA_DIR"):
        dirs.append(("$CNNLSTM_DATA_DIR", Path(os.environ["CNNLSTM_DATA_DIR"])))
    dirs.append(("cache", cache_dir()))
    return dirs


def _find(spec: DatasetInfo, data_dir: str | os.PathLike | None) -> tuple[str, Path] | None:
    """(where, path) of the first local copy of `spec`, where is 'packaged', 'mirror' or 'cache'; else None."""
    if spec.packaged is not None:
        packaged = resources.files("cnnlstm.data") / "files" / spec.packaged
        if packaged.is_file():
            return "packaged", Path(str(packaged))
    for label, folder in _search_dirs(data_dir):
        for relative in spec.mirror_paths:
            path = folder / relative
            if path.is_file():
                return ("cache" if label == "cache" else "mirror"), path
    return None


def locate(name: str, data_dir: str | os.PathLike | None = None) -> str | None:
    """The local path `load(name, data_dir=data_dir)` would read, or None if it would have to download.

    Example:
        >>> locate("airline").endswith("airline.csv")
        True
    """
    found = _find(info(name), data_dir)
    return None if found is None else str(found[1])


def info_table(data_dir: str | os.PathLike | None = None) -> list[dict]:
    """One row per dataset for ``cnnlstm datasets``: name, description, freq, where ('packaged', 'mirror',
    'cache' or 'download needed') and path (None when a download is needed).

    Example:
        >>> info_table()[0]["where"]
        'packaged'
    """
    rows = []
    for spec in DATASETS.values():
        found = _find(spec, data_dir)
        rows.append(
            {
                "name": spec.name,
                "description": spec.description,
                "freq": spec.freq,
                "where": "download needed" if found is None else found[0],
                "path": None if found is None else str(found[1]),
            }
        )
    return rows


# --------------------------------------------------------------------------------------------------------------
# Downloading
# --------------------------------------------------------------------------------------------------------------


def _fetch(url: str, dest: Path) -> None:
    """Write the bytes at `url` into `dest` (the network step alone, so tests can replace it)."""
    request = urllib.request.Request(url, headers={"User-Agent": "cnnlstm"})
    with urllib.request.urlopen(request, timeout=60) as response, open(dest, "wb") as out:
        while chunk := response.read(1 << 20):
            out.write(chunk)


def file_hashes(path: str | os.PathLike) -> tuple[str, str]:
    """(sha256, md5) hex digests of a file, read in 1 MiB chunks."""
    sha256, md5 = hashlib.sha256(), hashlib.md5()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            sha256.update(chunk)
            md5.update(chunk)
    return sha256.hexdigest(), md5.hexdigest()


def _download(spec: DatasetInfo, folder: Path) -> Path:
    """Download `spec.url` to ``folder / spec.mirror_paths[0]``, verified, atomically; return that path.

    The bytes go to a temporary file beside the target and are moved into place with `os.replace` only after the
    checksums match, so an interrupted or corrupted download never leaves a file that a later `load` would read.
    """
    target = folder / spec.mirror_paths[0]
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        _fetch(spec.url, tmp)
        sha256, md5 = file_hashes(tmp)
        for kind, expected, received in (("SHA-256", spec.sha256, sha256), ("MD5", spec.md5, md5)):
            if expected is not None and expected.lower() != received:
                raise ChecksumMismatchError(
                    f"Dataset {spec.name!r}: the file downloaded from {spec.url} has the wrong {kind}. "
                    f"Expected: {expected}. Received: {received}. The file was deleted. "
                    "Fix: retry; if it persists the upstream file changed: check it and report it."
                )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


# --------------------------------------------------------------------------------------------------------------
# Reading: one small function per source format, each returning ``date`` + value columns
# --------------------------------------------------------------------------------------------------------------


def _read_ett(path: Path, spec: DatasetInfo) -> pd.DataFrame:
    """ETDataset CSV: ``date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT``."""
    frame = pd.read_csv(path)
    frame[TIME_COL] = pd.to_datetime(frame[TIME_COL], format="%Y-%m-%d %H:%M:%S")
    return frame


def _read_lstnet(path: Path, spec: DatasetInfo) -> pd.DataFrame:
    """LSTNet text: comma-separated numbers, no header, no timestamps; the index is synthetic (see notes)."""
    values = pd.read_csv(path, header=None, dtype="float64")
    values.columns = [f"x{i}" for i in range(values.shape[1])]
    dates = pd.date_range(spec.start, periods=len(values), freq=spec.freq, name=TIME_COL)
    return pd.concat([pd.Series(dates, name=TIME_COL), values], axis=1)


def _read_monthly(path: Path, spec: DatasetInfo) -> pd.DataFrame:
    """Two-column monthly CSV whose first column reads ``1949-01`` (airline, sunspots)."""
    frame = pd.read_csv(path)
    first = frame.columns[0]
    frame[first] = pd.to_datetime(frame[first], format="%Y-%m")
    return frame.rename(columns={first: TIME_COL})


# Brownlee's tutorial layout -> the UCI names.
_PM25_TUTORIAL_NAMES = {
    "pollution": "pm2.5", "dew": "DEWP", "temp": "TEMP", "press": "PRES", "wnd_dir": "cbwd", "wnd_spd": "Iws",
    "snow": "Is", "rain": "Ir",
}
_PM25_WIND = ("NE", "NW", "SE", "cv")


def _read_pm25(path: Path, spec: DatasetInfo) -> pd.DataFrame:
    """Beijing PM2.5, UCI layout (No,year,month,day,hour,pm2.5,...) or tutorial layout (date,pollution,...)."""
    frame = pd.read_csv(path, na_values=["NA"])
    if "year" in frame.columns:
        dates = pd.to_datetime(frame[["year", "month", "day", "hour"]])
        frame = frame.drop(columns=["No", "year", "month", "day", "hour"], errors="ignore")
    else:
        frame = frame.rename(columns=_PM25_TUTORIAL_NAMES)
        dates = pd.to_datetime(frame.pop(TIME_COL))
    frame.insert(0, TIME_COL, dates)
    # Fixed categories keep the same columns whatever rows a file holds.
    wind = pd.Categorical(frame.pop("cbwd"), categories=list(_PM25_WIND))
    for direction in _PM25_WIND:
        frame[f"cbwd_{direction}"] = (wind == direction).astype("float64")
    return frame


_READERS = {"ett": _read_ett, "lstnet": _read_lstnet, "monthly": _read_monthly, "pm25": _read_pm25}


def read_file(name: str, path: str | os.PathLike) -> pd.DataFrame:
    """Read one local file of dataset `name` into the frame `load` returns (``.gz`` is read transparently)."""
    spec = info(name)
    frame = _READERS[spec.reader](Path(path), spec)
    values = [c for c in frame.columns if c != TIME_COL]
    frame[values] = frame[values].astype("float64")
    return frame.sort_values(TIME_COL, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------------------
# The entry point
# --------------------------------------------------------------------------------------------------------------


def load(name: str, *, data_dir: str | os.PathLike | None = None, download: bool = True, split: str = "train"):
    """Load a named dataset.

    Forecasting sets (`DATASETS`) come as one wide DataFrame: ``date`` first, then float64 value columns,
    sorted by time. Archive sets (`cnnlstm.data.archives`: UCR/UEA classification problems such as "GunPoint",
    and "cmapss-fd001" .. "cmapss-fd004") take `split` ("train" or "test"): UCR/UEA give ``(X, y)``, C-MAPSS a
    DataFrame with a ``rul`` column.

    Args:
        name: a key of `DATASETS` (case-insensitive); see `list_datasets()`, or an archive name.
        split: for archive sets only: "train" or "test".
        data_dir: a folder laid out like the offline mirror (``<dir>/ETT/ETTh1.csv``), searched before
            ``$CNNLSTM_DATA_DIR`` and the cache.
        download: whether a dataset found nowhere on disk may be downloaded into the cache.

    Raises:
        ValueError: `name` is unknown.
        DatasetUnavailableError: the file is on no searched folder and could not be downloaded.
        ChecksumMismatchError: the download does not match the pinned checksum (nothing is kept).

    Example:
        >>> frame = load("airline")
        >>> frame["Passengers"].iloc[[0, -1]].tolist()
        [112.0, 432.0]
    """
    archives = _archives()
    if isinstance(name, str) and name.lower() in {n.lower() for n in archives.ARCHIVE_DATASETS}:
        return archives.load_archive(name, split=split, data_dir=data_dir, download=download)
    spec = info(name)
    found = _find(spec, data_dir)
    if found is not None:
        return read_file(spec.name, found[1])
    reason = "was disabled (download=False)"
    if download:
        try:
            path = _download(spec, cache_dir())
        except (OSError, http.client.HTTPException) as error:  # URLError and timeouts are OSErrors
            reason = f"failed: {error}"
        else:
            return read_file(spec.name, path)
    raise DatasetUnavailableError(_unavailable_message(spec, data_dir, reason))


def _archives():
    from . import archives  # imported late: archives imports this module

    return archives


def _unavailable_message(spec: DatasetInfo, data_dir: str | os.PathLike | None, reason: str) -> str:
    paths = ", ".join(spec.mirror_paths)
    searched = "\n".join(f"  - {label}: {folder}" for label, folder in _search_dirs(data_dir))
    if "CNNLSTM_DATA_DIR" not in os.environ:
        searched += "\n  - $CNNLSTM_DATA_DIR: not set"
    return (
        f"Dataset {spec.name!r} is not available: no local copy was found and the download {reason}.\n"
        f"URL: {spec.url}\n"
        f"Looked for {paths} in:\n{searched}\n"
        f"Fix: download {spec.url} into a folder laid out like <dir>/{spec.mirror_paths[0]}, then set "
        f"CNNLSTM_DATA_DIR=<dir> or pass data_dir=<dir>; or allow the download (download=True) on a machine "
        "with network access."
    )
