"""The data layer: reading tables, validating series, calendar features, splits, scalers, window indices, gathering.

Every error message is pinned on its key words: the argument, what was received and the fix.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from cnnlstm.data.prepare import SeriesSpec, prepare
from cnnlstm.data.prepare.calendar import auto_calendar, calendar_frame
from cnnlstm.data.prepare.scaling import NotFittedError, SeriesScaler
from cnnlstm.data.prepare.splits import Bounds, check_split, split_bounds
from cnnlstm.data.prepare.windows import window_starts
from cnnlstm.data.sources.io import read_table, require_parquet
from cnnlstm.estimators import Forecaster
from cnnlstm.tasks import WindowGather


def hourly(values, **columns) -> pd.DataFrame:
    """A frame with a `date` column of hourly stamps from 2024-01-01 and a `load` column."""
    n = len(values)
    return pd.DataFrame({"date": pd.date_range("2024-01-01", periods=n, freq="h"), "load": values, **columns})


def ramp(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.float64) + 1.0


# -----------------------------------------------------------------------------
# io: reading tables


def test_read_csv_and_gzip_round_trip(tmp_path):
    frame = hourly(ramp(5))
    for name in ("data.csv", "data.csv.gz"):
        path = tmp_path / name
        frame.to_csv(path, index=False)
        read = read_table(path)
        assert read.columns.tolist() == ["date", "load"]
        np.testing.assert_array_equal(read["load"].to_numpy(), ramp(5))


def test_read_parquet(tmp_path):
    pytest.importorskip("pyarrow", reason="Parquet is the optional extra cnnlstm[parquet]")
    path = tmp_path / "data.parquet"
    hourly(ramp(4)).to_parquet(path)
    read = read_table(str(path))
    assert read.shape == (4, 2)
    assert pd.api.types.is_datetime64_any_dtype(read["date"])


def test_parquet_without_pyarrow_names_the_extra(tmp_path, monkeypatch):
    path = tmp_path / "data.parquet"
    path.write_bytes(b"PAR1 not really")  # never opened: the check comes first
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == "pyarrow" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(ImportError, match=r"^Reading Parquet needs pyarrow: pip install 'cnnlstm\[parquet\]'"):
        read_table(path)
    with pytest.raises(ImportError, match=r"^Writing Parquet needs pyarrow: pip install 'cnnlstm\[parquet\]'"):
        require_parquet("Writing")


def test_datetime_index_becomes_a_date_column():
    frame = hourly(ramp(3)).set_index("date")
    frame.index.name = None
    assert read_table(frame).columns.tolist() == ["date", "load"]


def test_empty_csv_file_is_a_clear_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=r"`data` is an empty file \(0 bytes\).*empty\.csv.*Fix: pass a CSV with a header"):
        read_table(path)


def test_header_only_csv_is_a_clear_error(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("date,load\n")
    with pytest.raises(ValueError, match=r"`train` is empty: it has 0 rows and 2 columns\. Fix: pass a table"):
        read_table(path, what="train")


def test_blank_lines_only_csv_is_a_clear_error(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("\n\n")
    with pytest.raises(ValueError, match=r"`data` has no columns to read.*blank\.csv.*Fix: pass a CSV"):
        read_table(path)


def test_csv_cut_off_mid_row_warns_and_leaves_that_row_out(tmp_path):
    path = tmp_path / "cut.csv"
    path.write_text("date,load,temp\n2024-01-01 00:00,1,5\n2024-01-01 01:00,2,6\n2024-01-01 02:00,3")
    with pytest.warns(UserWarning, match=r"`data` ends in an incomplete line \(2 of 3 fields, no line break\): '2024-01-01 02:00,3'\. The file looks cut off; that row was left out, 2 rows were read\. Received: data=.*cut\.csv.*Fix: download or write the file again"):
        frame = read_table(path)
    assert len(frame) == 2 and frame["temp"].dtype == np.int64  # read again without it: no NaN-made floats
    path.write_text("date,load\n2024-01-01 00:00,1\n2024-01-01 01:00,2")  # no final line break, yet complete
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(read_table(path)) == 2


def test_malformed_and_truncated_compressed_files(tmp_path):
    import gzip

    path = tmp_path / "extra.csv"
    path.write_text("date,load\n2024-01-01,1\n2024-01-02,2,9\n")
    with pytest.raises(ValueError, match=r"`data` is not a well-formed table: .*Expected 2 fields in line 3, saw 3\. Received: data=.*Fix: correct that line"):
        read_table(path)
    packed = gzip.compress(hourly(ramp(2000)).to_csv(index=False).encode())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ValueError, match=r"`data` is a damaged or truncated compressed file \(.*\)\. Received: data=.*cut\.csv\.gz.*Fix: download or write the file again"):
        read_table(path)


def test_unsupported_suffix(tmp_path):
    path = tmp_path / "data.json"
    path.write_text('{"load": [1, 2]}')
    with pytest.raises(ValueError, match=r"must be a \.csv, \.csv\.gz, \.txt or \.parquet file\. Received: data=.*data\.json.*Fix: convert"):
        read_table(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"does not exist\. Received: data=.*nope\.csv"):
        read_table(tmp_path / "nope.csv")


def test_frame_with_zero_rows():
    with pytest.raises(ValueError, match=r"`data` is empty: it has 0 rows and 1 columns"):
        read_table(pd.DataFrame({"load": []}))


def test_unsupported_type():
    with pytest.raises(TypeError, match=r"`data` must be a path .* Received: data of type list"):
        read_table([1.0, 2.0])


def test_arrays_1d_2d_3d():
    assert read_table(np.arange(4.0)).columns.tolist() == ["y"]
    assert read_table(np.zeros((4, 3))).columns.tolist() == ["x0", "x1", "x2"]
    cube = np.arange(2 * 3 * 2, dtype=np.float64).reshape(2, 3, 2)  # (S, T, F)
    frame = read_table(cube)
    assert frame.columns.tolist() == ["series", "x0", "x1"]
    assert frame["series"].tolist() == [0, 0, 0, 1, 1, 1]
    np.testing.assert_array_equal(frame[["x0", "x1"]].to_numpy(), cube.reshape(6, 2))
    data = prepare(frame, SeriesSpec(id_col="series"))
    assert data.num_series == 2 and data.columns == ["x0", "x1"]
    np.testing.assert_array_equal(data.lengths, [3, 3])


def test_array_with_four_dimensions():
    with pytest.raises(ValueError, match=r"must have shape \(T,\), \(T, F\) or \(S, T, F\)\. Received: data with shape \(1, 1, 1, 1\)"):
        read_table(np.zeros((1, 1, 1, 1)))


# -----------------------------------------------------------------------------
# prepare: missing, non-numeric, infinite values


def test_missing_values_are_an_error_by_default():
    frame = hourly([1.0, 2.0, np.nan, 4.0, np.nan, 6.0])
    with pytest.raises(ValueError, match=r"column 'load' has 2 missing values, the first at row 2 \(2024-01-01 02:00:00\)\. Fix: pass missing='interpolate'"):
        prepare(frame, SeriesSpec(calendar=None))


def test_missing_interpolate_is_linear():
    frame = hourly([1.0, 2.0, np.nan, np.nan, 8.0, 9.0])
    data = prepare(frame, SeriesSpec(calendar=None, missing="interpolate"))
    np.testing.assert_allclose(data.values[:, 0], [1, 2, 4, 6, 8, 9])


def test_missing_ffill_carries_the_last_value():
    frame = hourly([1.0, 2.0, np.nan, np.nan, 8.0, 9.0])
    data = prepare(frame, SeriesSpec(calendar=None, missing="ffill"))
    np.testing.assert_allclose(data.values[:, 0], [1, 2, 2, 2, 8, 9])


def test_unknown_missing_mode():
    with pytest.raises(ValueError, match=r"`missing` must be one of .* Received: missing='interp'\. Did you mean 'interpolate'\?"):
        prepare(hourly(ramp(4)), SeriesSpec(missing="interp"))


def write_csv_with_text(tmp_path):
    path = tmp_path / "dirty.csv"
    path.write_text(
        "date,load,temp\n"
        "2024-01-01 00:00,1,5\n"
        "2024-01-01 01:00,2,6\n"
        "2024-01-01 02:00,abc,7\n"
        "2024-01-01 03:00,4,9\n"
        "2024-01-01 04:00,5,8\n"
    )
    return path


@pytest.mark.parametrize("targets", [["load"], None], ids=["named", "inferred"])
def test_non_numeric_value_is_an_error(tmp_path, targets):
    frame = read_table(write_csv_with_text(tmp_path))
    # with targets inferred, a numeric column holding one stray string must not be dropped silently
    with pytest.raises(ValueError, match=r"column 'load' holds non-numeric values, the first 'abc' at row 2 .*Fix: clean the column, or pass missing="):
        prepare(frame, SeriesSpec(targets=targets, calendar=None))


def test_non_numeric_value_with_interpolate_is_missing(tmp_path):
    frame = read_table(write_csv_with_text(tmp_path))
    data = prepare(frame, SeriesSpec(calendar=None, missing="interpolate"))
    assert data.columns == ["load", "temp"]
    np.testing.assert_allclose(data.values[:, 0], [1, 2, 3, 4, 5])


def test_text_column_is_not_a_target_and_is_reported():
    frame = hourly(ramp(4), site=["a", "b", "c", "d"])
    with pytest.warns(UserWarning, match=r"`data` columns left out of the targets: 'site' \(text: 'a', 'b', 'c', \.\.\.\)\. Fix: name the columns to forecast in targets=, and pass a text column as past_covariates="):
        data = prepare(frame, SeriesSpec(calendar=None))
    assert data.columns == ["load"] and data.unused == {"site": "text: 'a', 'b', 'c', ..."}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the user chose the targets: nothing is left out behind their back
        data = prepare(frame, SeriesSpec(targets=["load"], calendar=None))
    assert data.unused == {"site": "text: 'a', 'b', 'c', ..."}


def test_infinite_values_are_an_error():
    frame = hourly([1.0, 2.0, np.inf, 4.0])
    with pytest.raises(ValueError, match=r"column 'load' holds 1 infinite values, the first at row 2 .*Fix: replace them"):
        prepare(frame, SeriesSpec(calendar=None, missing="interpolate"))


def test_column_without_any_value():
    frame = hourly(ramp(4), temp=[np.nan] * 4)
    with pytest.raises(ValueError, match=r"column 'temp' has no values at all\. Fix: drop it"):
        prepare(frame, SeriesSpec(targets=["load", "temp"], missing="ffill"))


# -----------------------------------------------------------------------------
# prepare: timestamps


def test_unsorted_timestamps():
    frame = hourly(ramp(5)).iloc[[0, 1, 3, 2, 4]]
    with pytest.raises(ValueError, match=r"timestamps out of order in 'date': row 3 \(2024-01-01 02:00:00\) comes before .*df\.sort_values\('date'\)"):
        prepare(frame, SeriesSpec())


def test_duplicate_timestamps():
    frame = hourly(ramp(5))
    frame.loc[3, "date"] = frame.loc[2, "date"]
    frame.loc[4, "date"] = frame.loc[2, "date"]
    with pytest.raises(ValueError, match=r"has 2 duplicate timestamps in 'date', the first at 2024-01-01 02:00:00\. Fix: aggregate"):
        prepare(frame, SeriesSpec())


def test_missing_timestamp():
    frame = hourly(ramp(4))
    frame["date"] = frame["date"].astype(object)
    frame.loc[2, "date"] = None
    with pytest.raises(ValueError, match=r"missing timestamp in 'date' at row 2\. Fix: drop or fill"):
        prepare(frame, SeriesSpec())


def test_unparsable_time_column():
    frame = pd.DataFrame({"date": ["2024-01-01", "someday", "2024-01-03"], "load": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"(?s)time column 'date' that does not parse as dates.*Fix: pass time_col="):
        prepare(frame, SeriesSpec())


def gappy_hourly(unit: str = "ns") -> pd.DataFrame:
    frame = hourly(ramp(8)).drop(index=3).reset_index(drop=True)  # 02:00 then 04:00
    frame["date"] = frame["date"].astype(f"datetime64[{unit}]")
    return frame


@pytest.mark.parametrize("unit", ["ns", "us", "s"])  # the steps are reported in time, whatever the index's unit
def test_irregular_step_is_an_error(unit):
    with pytest.raises(ValueError, match=r"irregular time step: most rows are 0 days 01:00:00 apart, but row 3 \(2024-01-01 04:00:00\) is 0 days 02:00:00 after .*Fix: pass freq="):
        prepare(gappy_hourly(unit), SeriesSpec())


def test_freq_fills_the_gap():
    data = prepare(gappy_hourly(), SeriesSpec(freq="h", missing="interpolate", calendar=None))
    assert len(data.values) == 8  # 7 rows in, the missing 03:00 added
    assert data.timestamps[0][3] == pd.Timestamp("2024-01-01 03:00")
    np.testing.assert_allclose(data.values[:, 0], ramp(8))  # the ramp is linear, so interpolation restores 4.0


def test_freq_gap_without_a_fill_is_a_missing_value_error():
    with pytest.raises(ValueError, match=r"column 'load' has 1 missing values, the first at row 3 \(2024-01-01 03:00:00\)"):
        prepare(gappy_hourly(), SeriesSpec(freq="h"))


def test_timestamps_off_the_freq_grid():
    frame = hourly(ramp(4))
    frame.loc[2, "date"] = pd.Timestamp("2024-01-01 02:30")
    with pytest.raises(ValueError, match=r"off the regular grid of freq='h', the first at 2024-01-01 02:30:00\. Fix: pass the right freq"):
        prepare(frame, SeriesSpec(freq="h"))


def test_series_shorter_than_window_plus_horizon_fails_before_training():
    frame = hourly(np.sin(np.arange(20.0)))
    forecaster = Forecaster("linear", window=24, horizon=12, epochs=1, device="cpu")
    with pytest.raises(ValueError, match=r"The data is too short: it has 20 rows, of which split=.* puts 14 in the training part, but window=24 \+ horizon=12 needs at least 36 there\. Fix: lower window"):
        forecaster.fit(frame)
    assert not hasattr(forecaster, "net_")


# -----------------------------------------------------------------------------
# prepare: which column is the time (never integers read as nanoseconds)

def pollution_csv(tmp_path, rows: int) -> Path:
    """The first rows of the UCI Beijing PM2.5 file as a user has it: No, year, month, day, hour, pm2.5, ..., cbwd."""
    source = Path(os.environ["CNNLSTM_DATA_DIR"]) / "beijing_pm25" / "pollution.csv"
    path = tmp_path / "pollution.csv"
    with open(source) as file:
        path.write_text("".join(next(file) for _ in range(rows + 1)))
    return path


def test_pollution_layout_assembles_year_month_day_hour(tmp_path):
    frame = read_table(pollution_csv(tmp_path, rows=1600))  # the first rain ('Ir') falls in row 1504
    assert frame.columns.tolist()[:6] == ["No", "year", "month", "day", "hour", "pm2.5"]
    with pytest.warns(UserWarning, match=r"left out of the targets: 'No' \(row numbers: 1, 2, 3, \.\.\.\); 'cbwd' \(text: 'NW', 'cv', 'NE', \.\.\.\)"):
        data = prepare(frame, SeriesSpec(missing="interpolate", calendar=None))
    assert data.spec.time_col == "date" and data.spec.time_parts == ["year", "month", "day", "hour"]
    assert data.freq == "h" and data.timestamps[0][0] == pd.Timestamp("2010-01-01 00:00")
    assert data.timestamps[0][-1] == pd.Timestamp("2010-01-01") + pd.Timedelta(hours=1599)
    assert data.columns == ["pm2.5", "DEWP", "TEMP", "PRES", "Iws", "Is", "Ir"]  # no year, month, No or cbwd
    again = prepare(frame, data.spec)  # the resolved spec (as a run folder stores it) prepares raw data alike
    np.testing.assert_array_equal(again.values, data.values)


def test_the_whole_pollution_file_reads_as_hourly_data():
    frame = read_table(Path(os.environ["CNNLSTM_DATA_DIR"]) / "beijing_pm25" / "pollution.csv")
    data = prepare(frame, SeriesSpec(targets=["pm2.5"], missing="interpolate", calendar=None))
    assert data.freq == "h" and len(data.values) == 43824  # before: 43812 duplicate timestamps in 'month'
    assert data.unused["cbwd"].startswith("text") and data.unused["No"].startswith("row numbers")


@pytest.mark.parametrize("time_col", [["year", "month", "day", "hour"], "year,month,day,hour"])
def test_time_col_names_the_parts_to_assemble(time_col):
    frame = pd.DataFrame({"yr": [2024] * 4, "year": 2024, "month": 2, "day": 29, "hour": [0, 1, 2, 3],
                          "load": ramp(4)})
    data = prepare(frame, SeriesSpec(time_col=time_col, targets=["load"], calendar=None))
    assert data.timestamps[0][0] == pd.Timestamp("2024-02-29 00:00") and data.freq == "h"
    assert data.spec.time_parts == ["year", "month", "day", "hour"]


def test_yearly_data_from_an_integer_year_column():
    frame = pd.DataFrame({"year": np.arange(1990, 2000), "sunspots": np.sin(np.arange(10.0))})
    data = prepare(frame, SeriesSpec())
    assert data.spec.time_parts == ["year"] and data.freq in ("YS-JAN", "YS", "AS-JAN")
    assert prepare(frame, SeriesSpec(time_col="year")).timestamps[0][1] == pd.Timestamp("1991-01-01")


def test_parts_that_form_no_date_name_the_row():
    frame = pd.DataFrame({"year": 2024, "month": [1, 13, 1], "day": 1, "load": ramp(3)})
    with pytest.raises(ValueError, match=r"columns 'year', 'month', 'day' \(read as year, month, day\) form no date at row 1: year=2024, month=13, day=1\. Fix: correct or drop that row"):
        prepare(frame, SeriesSpec())


def test_parts_must_be_whole_numbers():
    frame = pd.DataFrame({"year": 2024, "month": ["jan", "feb", "mar"], "load": ramp(3)})
    with pytest.raises(ValueError, match=r"`time_col` column 'month' \(the month\) must hold whole numbers .*Received: 'jan', 'feb', 'mar', \.\.\.\. Fix: pass the integer month column"):
        prepare(frame, SeriesSpec(time_col=["year", "month"]))
    with pytest.raises(ValueError, match=r"`time_col` as a list names the columns to assemble .* 1 to 6 of them\. Received: time_col=\[\]"):
        prepare(frame, SeriesSpec(time_col=[]))
    with pytest.raises(ValueError, match=r"`time_col` names a column that is not in the data\. Received: time_col='mnth'.*Did you mean 'month'\?"):
        prepare(frame, SeriesSpec(time_col="year,mnth"))


@pytest.mark.parametrize("name", ["No", "step", "month", "timestamp"])
def test_time_col_naming_integers_is_refused_never_read_as_nanoseconds(name):
    frame = pd.DataFrame({name: np.arange(1, 7), "load": ramp(6)})
    with pytest.raises(ValueError, match=rf"`time_col` names '{name}', a column of numbers \(1, 2, 3, \.\.\.\), not dates: numbers are never read as timestamps \(pandas would count nanoseconds since 1970\)\. Received: time_col='{name}'\. Fix: leave time_col=None to take the rows in order .*unit='s'.*format='%Y%m%d'.*time_col=\['year', 'month', 'day', 'hour'\]"):
        prepare(frame, SeriesSpec(time_col=name))


@pytest.mark.parametrize("name", ["No", "Unnamed: 0", "step", "index"])
def test_a_row_number_column_is_never_a_target(name):
    numbers = np.arange(6) if name != "No" else np.arange(1, 7)
    frame = hourly(np.sin(np.arange(6.0))).assign(**{name: numbers})
    with pytest.warns(UserWarning, match=rf"left out of the targets: '{name}' \(row numbers: "):
        data = prepare(frame, SeriesSpec(calendar=None))
    assert data.columns == ["load"] and data.spec.time_col == "date"
    plain = pd.DataFrame({name: numbers, "load": np.sin(np.arange(6.0))})  # no time column: rows in order
    with pytest.warns(UserWarning, match="row numbers"):
        data = prepare(plain, SeriesSpec())
    assert data.columns == ["load"] and data.spec.time_col is None and data.freq is None
    stacked = pd.concat([frame.assign(site="a"), frame.assign(site="b")], ignore_index=True)  # restarts per series
    with pytest.warns(UserWarning, match="row numbers"):
        assert prepare(stacked, SeriesSpec(id_col="site", calendar=None)).columns == ["load"]


def test_integer_time_fields_are_never_the_time_column():
    frame = pd.DataFrame({"month": np.tile(np.arange(1, 13), 2), "load": np.sin(np.arange(24.0))})
    with pytest.warns(UserWarning, match=r"'month' \(integers named like a time field \(not read as dates\)\)"):
        data = prepare(frame, SeriesSpec())
    assert data.spec.time_col is None and data.columns == ["load"]  # before: 'month' read as nanoseconds


@pytest.mark.parametrize("name,values,freq", [
    ("Month", ["1949-01", "1949-02", "1949-03", "1949-04"], "MS"),  # the airline file's layout
    ("when", ["2024-01-01 00:00", "2024-01-01 01:00", "2024-01-01 02:00", "2024-01-01 03:00"], "h"),
])
def test_a_text_column_of_dates_is_found(name, values, freq):
    frame = pd.DataFrame({"site": list("abab"), name: values, "load": ramp(4)})
    with pytest.warns(UserWarning, match="'site' \\(text"):
        data = prepare(frame, SeriesSpec(calendar=None))
    assert data.spec.time_col == name and data.freq == freq and data.columns == ["load"]


# -----------------------------------------------------------------------------
# prepare: text covariates, one-hot encoded


def windy(n: int = 8) -> pd.DataFrame:
    return hourly(np.sin(np.arange(float(n))), wind=(["NW", "cv", "NE", "NW"] * n)[:n])


def test_text_covariate_is_one_hot_encoded():
    data = prepare(windy(), SeriesSpec(targets=["load"], past_covariates=["wind"], calendar=None))
    assert data.columns == ["load", "wind_NE", "wind_NW", "wind_cv"]
    assert data.spec.categories == {"wind": ["NE", "NW", "cv"]} and data.num_past == 3
    np.testing.assert_array_equal(data.values[:4, 1:], [[0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]])


def test_unseen_category_is_all_zeros_with_a_warning():
    spec = prepare(windy(), SeriesSpec(targets=["load"], future_covariates=["wind"], calendar=None)).spec
    later = windy().assign(wind=["NW", "SW", "SW", "cv", "NE", "NW", "NW", "cv"])
    with pytest.warns(UserWarning, match=r"column 'wind' holds 1 categories not seen in training \(\['SW'\], in 2 rows\); they are encoded as no category \(all zeros\)"):
        data = prepare(later, spec)
    np.testing.assert_array_equal(data.values[1:3, 1:], 0.0)


def test_categories_after_the_training_part_are_dropped():
    from cnnlstm.data.prepare.series import fit_categories

    frame = windy().assign(wind=["NW", "cv", "NW", "cv", "NW", "SE", "SE", "cv"])
    data = prepare(frame, SeriesSpec(targets=["load"], past_covariates=["wind"], calendar=None))
    with pytest.warns(UserWarning, match=r"Categories first seen after the training part are encoded as all zeros .*'wind': \['SE'\]"):
        fitted = fit_categories(data, [5])
    assert fitted.columns == ["load", "wind_NW", "wind_cv"] and fitted.num_past == 2
    assert fitted.spec.categories == {"wind": ["NW", "cv"]}
    np.testing.assert_array_equal(fitted.values[5:7, 1:], 0.0)


def test_text_covariate_gaps():
    frame = windy().astype({"wind": object})
    frame.loc[2, "wind"] = None
    spec = SeriesSpec(targets=["load"], past_covariates=["wind"], calendar=None)
    with pytest.raises(ValueError, match=r"column 'wind' has 1 missing values, the first at row 2 \(2024-01-01 02:00:00\)\. Fix: fill them, or pass missing='ffill'"):
        prepare(frame, spec)
    filled = prepare(frame, SeriesSpec(**{**spec.__dict__, "missing": "ffill"}))
    np.testing.assert_array_equal(filled.values[2, 1:], filled.values[1, 1:])  # the last category carried on


def test_text_target_and_too_many_categories_are_refused():
    with pytest.raises(ValueError, match=r"`targets` names 'wind', a text column \('NW', 'cv', 'NE', \.\.\.\); a forecast target must be numeric\. Received: targets=\['wind'\]\. Fix: forecast a numeric column, and pass 'wind' as past_covariates="):
        prepare(windy(), SeriesSpec(targets=["wind"]))
    frame = hourly(ramp(150), tag=[f"t{i}" for i in range(150)])
    with pytest.raises(ValueError, match=r"Covariate 'tag' is a text column with 150 distinct values .* one-hot encoding takes at most 100\. Fix: group rare values"):
        prepare(frame, SeriesSpec(targets=["load"], past_covariates=["tag"]))


# -----------------------------------------------------------------------------
# prepare: columns


def test_constant_column_is_an_error():
    frame = hourly(ramp(5), temp=[3.0] * 5)
    with pytest.raises(ValueError, match=r"column 'temp' is constant \(every value is 3\).*Fix: leave it out"):
        prepare(frame, SeriesSpec(past_covariates=["temp"]))


@pytest.mark.parametrize(
    "spec,arg,name,suggestion",
    [
        (SeriesSpec(targets=["nope"]), "targets", "nope", None),
        (SeriesSpec(targets=["lod"]), "targets", "lod", "load"),
        (SeriesSpec(time_col="dat"), "time_col", "dat", "date"),
        (SeriesSpec(past_covariates=["tmp"]), "past_covariates", "tmp", "temp"),
        (SeriesSpec(future_covariates=["holliday"]), "future_covariates", "holliday", "holiday"),
        (SeriesSpec(id_col="xyz"), "id_col", "xyz", None),
    ],
)
def test_unknown_column_lists_the_columns(spec, arg, name, suggestion):
    frame = hourly(ramp(4), temp=[1.0, 3.0, 2.0, 5.0], holiday=[0.0, 1.0, 0.0, 0.0])
    hint = rf" Did you mean '{suggestion}'\?" if suggestion else r"$"
    pattern = rf"`{arg}` names a column that is not in the data\. Received: {arg}='{name}'\. Available columns: 'date', 'load', 'temp', 'holiday'\.{hint}"
    with pytest.raises(ValueError, match=pattern):
        prepare(frame, spec)


def test_column_with_two_roles():
    frame = hourly(ramp(4), temp=[1.0, 3.0, 2.0, 5.0])
    with pytest.raises(ValueError, match=r"Column 'temp' is given two roles: `targets` and `past_covariates`\. Fix: name each column once"):
        prepare(frame, SeriesSpec(targets=["load", "temp"], past_covariates=["temp"]))


def test_no_numeric_column():
    frame = pd.DataFrame({"date": pd.date_range("2024", periods=3, freq="h"), "site": ["a", "b", "c"]})
    with pytest.raises(ValueError, match=r"`targets` was not given and the data have no numeric column.*Fix: pass targets="):
        prepare(frame, SeriesSpec())


def test_column_order_targets_past_future_calendar():
    frame = hourly(ramp(4), temp=[1.0, 3.0, 2.0, 5.0], holiday=[0.0, 1.0, 0.0, 0.0])
    data = prepare(frame, SeriesSpec(past_covariates=["temp"], future_covariates=["holiday"], calendar=["hour"]))
    assert data.columns == ["load", "temp", "holiday", "hour_sin", "hour_cos"]
    assert (data.num_targets, data.num_past, data.num_observed) == (1, 1, 2)
    assert data.values.dtype == np.float32


# -----------------------------------------------------------------------------
# prepare: long layout


def long_frame(freqs=("D", "D", "D")) -> pd.DataFrame:
    parts = []
    for name, length, freq in zip(["a", "b", "c"], [5, 3, 4], freqs):
        dates = pd.date_range("2024-01-01", periods=length, freq=freq)
        parts.append(pd.DataFrame({"id": name, "date": dates, "value": 10.0 * len(parts) + np.arange(length)}))
    return pd.concat(parts, ignore_index=True)


def test_long_layout_stacks_the_series():
    data = prepare(long_frame(), SeriesSpec(id_col="id", calendar=None))
    assert data.series_ids == ["a", "b", "c"]
    assert data.columns == ["value"]
    np.testing.assert_array_equal(data.starts, [0, 5, 8])
    np.testing.assert_array_equal(data.lengths, [5, 3, 4])
    np.testing.assert_array_equal(data.series_of_rows(), [0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2])
    np.testing.assert_array_equal(data.values[5:8, 0], [10, 11, 12])
    assert data.freq == "D"
    assert [len(t) for t in data.timestamps] == [5, 3, 4]


def test_long_layout_with_different_frequencies():
    with pytest.raises(ValueError, match=r"`data` \(series 'c'\) has frequency 'h' but an earlier series has 'D'\. Fix: resample"):
        prepare(long_frame(freqs=("D", "D", "h")), SeriesSpec(id_col="id"))


# -----------------------------------------------------------------------------
# calendar


def test_auto_calendar_for_hourly_data():
    frame = hourly(np.sin(np.arange(48.0)))
    data = prepare(frame, SeriesSpec())
    assert data.columns == ["load", "hour_sin", "hour_cos", "dayofweek_sin", "dayofweek_cos"]
    calendar = data.values[:, 1:]
    assert calendar.min() >= -1.0 and calendar.max() <= 1.0
    hour = data.values[:, 1:3]
    assert np.linalg.norm(hour[23] - hour[24]) < 0.3  # 23:00 and 00:00 are neighbours on the circle
    assert np.linalg.norm(hour[23] - hour[12]) > 1.5  # 23:00 and 12:00 are opposite


@pytest.mark.parametrize(
    "freq,expected",
    [("15min", ["minute", "hour", "dayofweek"]), ("h", ["hour", "dayofweek"]), ("D", ["dayofweek", "month"]),
     ("B", ["dayofweek", "month"]), ("W", ["month"]), ("W-MON", ["month"]), ("MS", ["month"]), ("YS", [])],
)
def test_auto_calendar_by_frequency(freq, expected):
    assert auto_calendar(freq) == expected


def test_calendar_frame_values():
    stamps = pd.DatetimeIndex(["2024-01-01 00:00", "2024-01-01 06:00"])
    frame = calendar_frame(stamps, ["hour"])
    np.testing.assert_allclose(frame.to_numpy(), [[0.0, 1.0], [1.0, 0.0]], atol=1e-12)


def test_calendar_without_time_column():
    frame = pd.DataFrame({"load": ramp(5)})
    assert prepare(frame, SeriesSpec()).columns == ["load"]  # "auto" quietly adds nothing
    with pytest.raises(ValueError, match=r"`calendar` features need timestamps, but the data have no time column\. Received: calendar=\['hour'\]\. Fix: pass time_col=, or calendar=None"):
        prepare(frame, SeriesSpec(calendar=["hour"]))


def test_unknown_calendar_feature():
    with pytest.raises(ValueError, match=r"`calendar` must be one of .*Received: calendar='hours'\. Did you mean 'hour'\?"):
        prepare(hourly(ramp(4)), SeriesSpec(calendar=["hours"]))


# -----------------------------------------------------------------------------
# window start indices


def test_window_starts_docstring_table():
    starts = window_starts([0], [6], [10], window=3, horizon=2)
    assert starts.tolist() == [3, 4, 5]
    # the table: start, input rows, target rows
    table = {3: ([3, 4, 5], [6, 7]), 4: ([4, 5, 6], [7, 8]), 5: ([5, 6, 7], [8, 9])}
    for start in starts:
        inputs, targets = table[int(start)]
        assert list(range(start, start + 3)) == inputs
        assert list(range(start + 3, start + 5)) == targets
    assert window_starts([0], [0], [6], window=3, horizon=2).tolist() == [0, 1]


def test_window_starts_stride():
    assert window_starts([0], [0], [20], window=3, horizon=2, stride=4).tolist() == [0, 4, 8, 12]


def test_window_starts_part_too_short_is_empty():
    empty = window_starts([0], [0], [4], window=3, horizon=2)
    assert empty.dtype == np.int64 and empty.shape == (0,)


def test_window_starts_never_cross_series():
    lengths = np.array([7, 12, 5, 9])
    series_starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    window, horizon = 3, 2
    starts = window_starts(series_starts, [0] * 4, lengths, window=window, horizon=horizon)
    series = np.repeat(np.arange(4), lengths)
    for start in starts:
        assert len(set(series[start : start + window + horizon])) == 1
    # every series contributes length - window - horizon + 1 windows; the one of 5 rows exactly one
    assert len(starts) == int((lengths - window - horizon + 1).sum())


def test_window_targets_stay_inside_their_part():
    lengths = np.array([30, 23])
    series_starts = np.array([0, 30])
    window, horizon = 4, 3
    bounds = [split_bounds(int(n), (0.6, 0.2, 0.2)) for n in lengths]
    edges = [(0, "train_end"), ("train_end", "val_end"), ("val_end", "test_end")]
    for begin_name, end_name in edges:
        begins = [0 if begin_name == 0 else getattr(b, begin_name) for b in bounds]
        ends = [getattr(b, end_name) for b in bounds]
        starts = window_starts(series_starts, begins, ends, window=window, horizon=horizon)
        assert len(starts) > 0
        if begin_name != 0:  # the first windows of validation and test read inputs from the part before (intended)
            assert starts[0] - series_starts[0] < begins[0]
        for start in starts:
            s = int(np.searchsorted(series_starts, start, side="right") - 1)
            local = start - series_starts[s]
            assert begins[s] <= local + window and local + window + horizon <= ends[s]  # target inside the part
            assert local >= 0 and local + window <= ends[s]  # input may reach back, never past the part's end


# -----------------------------------------------------------------------------
# splits


def test_split_fractions():
    assert split_bounds(100, check_split((0.7, 0.1, 0.2))) == Bounds(70, 80, 100)
    assert split_bounds(10, check_split((0.7, 0.1, 0.2))) == Bounds(7, 8, 10)
    assert split_bounds(100, check_split((0.6, 0.2, 0.1))) == Bounds(60, 80, 90)  # 10% left unused


def test_split_ett_counts():
    assert split_bounds(17420, check_split((8640, 2880, 2880))) == Bounds(8640, 11520, 14400)
    assert split_bounds(10000, check_split((8640, 2880, 2880))) == Bounds(8640, 10000, 10000)


def test_split_timestamps():
    stamps = pd.date_range("2024-01-01", periods=10, freq="D")
    split = check_split(("2024-01-06", "2024-01-08"))
    assert split_bounds(10, split, stamps) == Bounds(5, 7, 10)
    with pytest.raises(ValueError, match=r"`split` by timestamps needs a time column.*Fix: pass fractions or row counts"):
        split_bounds(10, split, pd.RangeIndex(10))


@pytest.mark.parametrize(
    "split,error,pattern",
    [
        ((0.5, 0.2, 0.2, 0.1), ValueError, r"`split` must have three parts .*Received: split=\(0\.5, 0\.2, 0\.2, 0\.1\)"),
        ((0.7, -0.1, 0.2), ValueError, r"`split` fractions must be non-negative.*Received: split=\(0\.7, -0\.1, 0\.2\)"),
        ((0.8, 0.2, 0.2), ValueError, r"sum to at most 1\. Received: split=\(0\.8, 0\.2, 0\.2\)"),
        ((100, -5, 10), ValueError, r"`split` row counts must be positive .*Received: split=\(100, -5, 10\)"),
        ((0, 5, 10), ValueError, r"`split` row counts must be positive \(train > 0\)"),
        (("2024-03-01", "2024-01-01"), ValueError, r"`split` timestamps must increase"),
        (("2024-01-01", "someday"), ValueError, r"`split` timestamps must parse as dates.*Received: split=\('2024-01-01', 'someday'\)"),
        ((True, False, False), TypeError, r"must hold all fractions, all row counts or two timestamps\. Received: split=\(True, False, False\)"),
        (("0.7", 0.1, 0.2), TypeError, r"must hold all fractions, all row counts or two timestamps"),
        ("0.7,0.1,0.2", TypeError, r"`split` must be a tuple\. Received: split='0\.7,0\.1,0\.2'"),
        (0.7, TypeError, r"`split` must be a tuple\. Received: split=0\.7\. Fix: pass three fractions"),
    ],
)
def test_invalid_splits(split, error, pattern):
    with pytest.raises(error, match=pattern):
        check_split(split)


# -----------------------------------------------------------------------------
# scaling


def two_series_values() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two series of 10 rows, levels 1000 and 0.01 apart, two columns; train is the first 6 rows of each."""
    rng = np.random.default_rng(0)
    values = np.vstack([1000 + 50 * rng.standard_normal((10, 2)), 0.01 * rng.standard_normal((10, 2))])
    return values, np.array([0, 10]), np.array([6, 16])


def test_scaler_uses_only_training_rows():
    values, starts, train_ends = two_series_values()
    before = SeriesScaler("standard").fit(values, starts, train_ends)
    changed = values.copy()
    changed[6:10] = 1e6  # validation and test rows of series 0
    changed[16:20] = -1e6
    after = SeriesScaler("standard").fit(changed, starts, train_ends)
    np.testing.assert_array_equal(before.offset_, after.offset_)
    np.testing.assert_array_equal(before.scale_, after.scale_)


def test_standard_scaler_per_series_and_column():
    values, starts, train_ends = two_series_values()
    series = np.repeat([0, 1], 10)
    scaler = SeriesScaler("standard").fit(values, starts, train_ends)
    assert scaler.offset_.shape == (2, 2)
    scaled = scaler.transform(values, series)
    for begin, end in zip(starts, train_ends):
        np.testing.assert_allclose(scaled[begin:end].mean(axis=0), 0.0, atol=1e-9)
        np.testing.assert_allclose(scaled[begin:end].std(axis=0), 1.0, atol=1e-9)
    np.testing.assert_allclose(scaler.inverse_transform(scaled, series), values)


def test_minmax_scaler_maps_train_rows_to_unit_interval():
    values, starts, train_ends = two_series_values()
    scaler = SeriesScaler("minmax").fit(values, starts, train_ends)
    scaled = scaler.transform(values, np.repeat([0, 1], 10))
    for begin, end in zip(starts, train_ends):
        np.testing.assert_allclose(scaled[begin:end].min(axis=0), 0.0, atol=1e-12)
        np.testing.assert_allclose(scaled[begin:end].max(axis=0), 1.0)


def test_none_scaler_is_identity_and_constant_train_part_keeps_scale_one():
    values = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 7.0]])
    np.testing.assert_array_equal(SeriesScaler("none").fit(values, [0], [3]).transform(values, 0), values)
    scaler = SeriesScaler("standard").fit(values, [0], [2])  # column 1 is constant on the training rows
    assert scaler.scale_[0, 1] == 1.0


def test_inverse_transform_on_forecast_blocks():
    values, starts, train_ends = two_series_values()
    scaler = SeriesScaler("standard").fit(values, starts, train_ends)
    forecast = values[:, :1].reshape(4, 5, 1)  # (N, H, C): rows 0-1 from series 0, 2-3 from series 1
    scaled = scaler.transform(values, np.repeat([0, 1], 10))[:, :1].reshape(4, 5, 1)
    back = scaler.inverse_transform(scaled, np.array([0, 0, 1, 1])[:, None], slice(0, 1))
    np.testing.assert_allclose(back, forecast)


def test_scaler_state_dict_round_trip():
    values, starts, train_ends = two_series_values()
    scaler = SeriesScaler("minmax").fit(values, starts, train_ends)
    loaded = SeriesScaler.from_state_dict(scaler.state_dict())
    assert loaded.kind == "minmax"
    series = np.repeat([0, 1], 10)
    np.testing.assert_array_equal(loaded.transform(values, series), scaler.transform(values, series))


def test_scaler_not_fitted():
    with pytest.raises(NotFittedError, match=r"This SeriesScaler is not fitted yet\. Call `fit` before `transform`"):
        SeriesScaler().transform(np.zeros((2, 1)), 0)
    with pytest.raises(NotFittedError, match=r"not fitted yet"):
        SeriesScaler().state_dict()


def test_scaler_unknown_kind():
    with pytest.raises(ValueError, match=r"`scaler` must be one of 'standard', 'minmax', 'none'\. Received: scaler='standrad'\. Did you mean 'standard'\?"):
        SeriesScaler("standrad").fit(np.zeros((2, 1)), [0], [2])


# -----------------------------------------------------------------------------
# gathering windows


def test_window_gather_by_hand():
    # column c of row i holds 100 * c + i: column 0 target, 1 past covariate, 2 future covariate
    rows = torch.arange(10, dtype=torch.float32)[:, None]
    values = torch.cat([rows, 100 + rows, 200 + rows], dim=1)  # (10, 3)
    gather = WindowGather(values, window=3, horizon=2, num_observed=2, num_targets=1)
    x, y = gather(torch.tensor([4]))
    assert x.shape == (1, 3, 3) and y.shape == (1, 2, 1)
    expected_x = [[4, 104, 206], [5, 105, 207], [6, 106, 208]]  # future covariate of rows r+H .. r+W+H-1
    assert x[0].tolist() == expected_x
    assert y[0, :, 0].tolist() == [7, 8]
    assert gather.inputs(torch.tensor([4]))[0].tolist() == expected_x


def test_window_gather_without_future_covariates():
    values = torch.arange(20, dtype=torch.float32).view(10, 2)  # target, past covariate
    x, y = WindowGather(values, window=3, horizon=2, num_observed=2, num_targets=1)(torch.tensor([0, 5]))
    assert torch.equal(x, torch.stack([values[0:3], values[5:8]]))
    assert torch.equal(y, torch.stack([values[3:5, :1], values[8:10, :1]]))
