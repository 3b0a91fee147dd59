"""Panels larger than memory: a long-format Parquet folder prepared series by series into memory-mapped files
gives the same array, windows and forecasts as the same rows in memory; its errors; its cache."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

pytest.importorskip("pyarrow")  # the `parquet` extra, installed in CI

from cnnlstm import Forecaster, datasets  # noqa: E402
from cnnlstm.cli import main  # noqa: E402
from cnnlstm.data.prepare import SeriesSpec, prepare  # noqa: E402
from cnnlstm.data.prepare.scaling import SeriesScaler  # noqa: E402
from cnnlstm.data.prepare.series import as_datetimes, last_rows  # noqa: E402
from cnnlstm.data.panels import is_panel_source, open_panel, prepare_panel  # noqa: E402

SPEC = SeriesSpec(id_col="id", time_col="date", targets=["value"])
TINY = dict(model="linear", window=24, horizon=6, id_col="id", time_col="date", targets=["value"], epochs=1,
            batch_size=32, max_steps_per_epoch=4, device="cpu", progress=False, seed=3)


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Each test its own cache folder."""
    monkeypatch.setenv("CNNLSTM_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "panels"


@pytest.fixture(scope="module")
def long_etth1() -> pd.DataFrame:
    """ETTh1's first 600 hours, its 7 columns melted into 7 series of a long table (id, date, value)."""
    frame = datasets.load("etth1").iloc[:600]
    return frame.melt(id_vars="date", var_name="id", value_name="value")


def write_panel(folder, frame: pd.DataFrame, parts: int = 3, seed: int = 0) -> pd.DataFrame:
    """`frame`'s rows shuffled into `parts` Parquet files; returns the same rows as `prepare` wants them in
    memory: series in order of first appearance in the files, each sorted by time."""
    folder.mkdir(parents=True, exist_ok=True)
    shuffled = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    bounds = np.linspace(0, len(shuffled), parts + 1).astype(int)
    for i in range(parts):
        shuffled.iloc[bounds[i] : bounds[i + 1]].to_parquet(folder / f"part-{i:02d}.parquet", index=False)
    first_seen = pd.factorize(shuffled["id"], use_na_sentinel=False)[0]
    return (shuffled.assign(_order=first_seen).sort_values(["_order", "date"], kind="stable")
            .drop(columns="_order").reset_index(drop=True))


def test_panel_is_the_array_prepare_builds_in_memory(tmp_path, long_etth1, cache):
    in_memory = write_panel(tmp_path / "panel", long_etth1)
    expected = prepare(in_memory, SeriesSpec(id_col="id", time_col="date"))
    # few rows per read: the series come in several reads, each sorted by time after the shuffle
    got = prepare_panel(open_panel(tmp_path / "panel", rows_per_read=1000), SeriesSpec(id_col="id", time_col="date"))
    assert isinstance(got.values, np.memmap) and os.path.dirname(got.values.filename).startswith(str(cache))
    np.testing.assert_array_equal(got.values, expected.values)
    assert got.columns == expected.columns == ["value", "hour_sin", "hour_cos", "dayofweek_sin", "dayofweek_cos"]
    assert got.series_ids == expected.series_ids and len(got.series_ids) == 7
    np.testing.assert_array_equal(got.starts, expected.starts)
    np.testing.assert_array_equal(got.lengths, [600] * 7)
    assert all(a.equals(b) for a, b in zip(got.timestamps, expected.timestamps))
    assert got.freq == expected.freq == "h" and got.spec == expected.spec


def test_forecaster_fits_a_folder_as_it_fits_the_table(tmp_path, long_etth1, cache):
    in_memory = write_panel(tmp_path / "panel", long_etth1)
    from_table = Forecaster(**TINY).fit(in_memory)
    from_folder = Forecaster(**TINY).fit(tmp_path / "panel")
    assert (from_folder.num_train_windows_, from_folder.num_val_windows_) == \
        (from_table.num_train_windows_, from_table.num_val_windows_) == (7 * (420 - 30 + 1), 7 * (60 - 6 + 1))
    np.testing.assert_array_equal(from_folder.scaler_.offset_, from_table.scaler_.offset_)
    expected = from_table.predict(in_memory)
    pd.testing.assert_frame_equal(from_folder.predict(tmp_path / "panel"), expected)
    pd.testing.assert_frame_equal(from_folder.predict(in_memory), expected)
    opened = open_panel(tmp_path / "panel", rows_per_read=500)
    pd.testing.assert_frame_equal(Forecaster(**TINY).fit(opened).predict(opened), expected)
    assert from_folder.evaluate(tmp_path / "panel")["rmse"] == pytest.approx(from_table.evaluate(in_memory)["rmse"])
    # predict and evaluate ask with the settings fit resolved: a link to fit's files, not a second copy
    assert len([p for p in cache.iterdir() if p.is_dir()]) == 1 and len(list(cache.glob("*.link"))) == 1


def test_cli_trains_on_a_folder(tmp_path, long_etth1):
    write_panel(tmp_path / "panel", long_etth1)
    result = CliRunner().invoke(main, ["train", "--data", str(tmp_path / "panel"), "--id-col", "id", "--time-col",
                                       "date", "--target", "value", "--model", "linear", "--window", "24",
                                       "--horizon", "6", "--dry-run"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "2737" in result.output  # 7 series x 391 training windows


def test_the_memory_map_is_reused_and_invalidated(tmp_path, long_etth1, cache):
    write_panel(tmp_path / "panel", long_etth1)
    first = prepare_panel(open_panel(tmp_path / "panel"), SPEC)
    values_file = first.values.filename
    written = os.stat(values_file).st_mtime_ns
    again = prepare_panel(open_panel(tmp_path / "panel"), SPEC)
    assert again.values.filename == values_file and os.stat(values_file).st_mtime_ns == written  # not rewritten
    other_settings = prepare_panel(open_panel(tmp_path / "panel"), SeriesSpec(**{**SPEC.__dict__, "calendar": None}))
    assert other_settings.values.filename != values_file and os.path.exists(values_file)  # both kept
    assert other_settings.values.shape == (4200, 1)

    changed = pd.read_parquet(tmp_path / "panel" / "part-01.parquet")
    changed["value"] += 1000.0
    changed.to_parquet(tmp_path / "panel" / "part-01.parquet", index=False)
    rebuilt = prepare_panel(open_panel(tmp_path / "panel"), SPEC)
    assert rebuilt.values.filename != values_file
    assert not os.path.exists(values_file)  # built from files that changed since: removed
    assert rebuilt.values[:, 0].max() > first.values[:, 0].max() + 900
    assert len([p for p in cache.iterdir() if p.is_dir()]) == 1  # the other settings were of the old files too


def test_a_damaged_cache_folder_is_built_again(tmp_path, long_etth1):
    write_panel(tmp_path / "panel", long_etth1)
    first = prepare_panel(open_panel(tmp_path / "panel"), SPEC)
    expected = np.array(first.values)
    with open(first.values.filename, "r+b") as file:
        file.truncate(100)  # cut short
    del first
    np.testing.assert_array_equal(prepare_panel(open_panel(tmp_path / "panel"), SPEC).values, expected)


def test_scaling_a_memory_mapped_array_writes_to_a_memory_mapped_file(tmp_path, long_etth1):
    write_panel(tmp_path / "panel", long_etth1)
    data = prepare_panel(open_panel(tmp_path / "panel"), SPEC)
    scaler = SeriesScaler("standard").fit(data.values, data.starts, data.starts + 400)
    scaled = scaler.transform_series(data.values, data.starts, data.lengths)
    assert isinstance(scaled, np.memmap)
    in_memory = scaler.transform_series(np.array(data.values), data.starts, data.lengths)
    assert not isinstance(in_memory, np.memmap)
    np.testing.assert_array_equal(scaled, in_memory)
    folder = os.path.dirname(data.values.filename)
    assert sorted(os.listdir(folder)) == ["meta.json", "times.i8", "values.f32"]  # the scratch file has no name


def test_last_rows_keeps_the_end_of_each_series():
    data = prepare(np.arange(20.0).reshape(2, 10, 1), SeriesSpec())
    tail = last_rows(data, 3)
    assert tail.values.ravel().tolist() == [7.0, 8.0, 9.0, 17.0, 18.0, 19.0]
    assert tail.starts.tolist() == [0, 3] and tail.lengths.tolist() == [3, 3]
    assert [t.tolist() for t in tail.timestamps] == [[7, 8, 9], [7, 8, 9]]
    assert last_rows(data, 50).values.ravel().tolist() == data.values.ravel().tolist()


def test_a_time_column_of_datetimes_is_taken_as_it_is():
    """`pd.to_datetime` on a column of datetimes, twice per series, was most of a panel's preparation: it is
    skipped, with the same result whatever the unit or time zone; text is still parsed."""
    stamps = pd.Series(pd.date_range("2024-01-01", periods=5, freq="h"), name="date")
    for column in (stamps, stamps.astype("datetime64[s]"), stamps.dt.tz_localize("Europe/Paris")):
        assert as_datetimes(column) is column
        pd.testing.assert_series_equal(as_datetimes(column), pd.to_datetime(column), check_exact=True)
    pd.testing.assert_series_equal(as_datetimes(stamps.astype(str)), stamps, check_exact=True)


def test_only_folders_of_parquet_files_are_panels(tmp_path, long_etth1):
    write_panel(tmp_path / "panel", long_etth1)
    (tmp_path / "empty").mkdir()
    long_etth1.to_csv(tmp_path / "table.csv", index=False)
    assert is_panel_source(tmp_path / "panel") and is_panel_source(str(tmp_path / "panel"))
    assert not is_panel_source(tmp_path / "empty") and not is_panel_source(tmp_path / "table.csv")
    assert not is_panel_source(long_etth1)


# ---------------------------------------------------------------------------------------------------- errors


def panel_with(tmp_path, frame: pd.DataFrame, parts: int = 2):
    write_panel(tmp_path / "bad", frame, parts=parts)
    return tmp_path / "bad"


def test_a_missing_id_or_time_column_is_named(tmp_path, long_etth1):
    folder = panel_with(tmp_path, long_etth1)
    with pytest.raises(ValueError, match=r"`id_col` names a column that is not in the data\. Received: id_col='"
                                         r"series'\. Available columns: 'date', 'id', 'value'\."):
        Forecaster(**{**TINY, "id_col": "series"}).fit(folder)
    with pytest.raises(ValueError, match=r"`time_col` names a column that is not in the data\. Received: "
                                         r"time_col='timestamp'\. Available columns: 'date', 'id', 'value'\."):
        Forecaster(**{**TINY, "time_col": "timestamp"}).fit(folder)


def test_a_text_target_is_refused(tmp_path, long_etth1):
    frame = long_etth1.assign(value=np.where(long_etth1["value"] > 0, "high", "low"))
    with pytest.raises(ValueError, match=r"`targets` names 'value', a text column \('(high|low)', '(high|low)', "
                                         r"\.\.\.\); a forecast target must be numeric\."):
        prepare_panel(open_panel(panel_with(tmp_path, frame)), SPEC)


def test_a_stray_text_value_is_named_with_its_series(tmp_path, long_etth1):
    frame = long_etth1.assign(value=long_etth1["value"].astype(str))
    row = frame.index[(frame["id"] == "OT")][500]
    frame.loc[row, "value"] = "n/a"
    with pytest.raises(ValueError, match=r"`data` \(series 'OT'\) column 'value' holds non-numeric values, the first "
                                         r"'n/a' at row 500 \(2016-07-21 20:00:00\)\. Fix: clean the column"):
        prepare_panel(open_panel(panel_with(tmp_path, frame)), SPEC)


def test_duplicate_timestamps_across_files_are_found(tmp_path, long_etth1, cache):
    frame = pd.concat([long_etth1, long_etth1[long_etth1["id"] == "HULL"].iloc[[42]]], ignore_index=True)
    with pytest.raises(ValueError, match=r"`data` \(series 'HULL'\) has 1 duplicate timestamps in 'date', the first "
                                         r"at 2016-07-02 18:00:00\. Fix: aggregate them"):
        prepare_panel(open_panel(panel_with(tmp_path, frame, parts=4)), SPEC)
    assert list(cache.iterdir()) == []  # the half-written files went with the error


def test_gaps_follow_missing_and_freq(tmp_path, long_etth1):
    frame = long_etth1.drop(index=long_etth1.index[(long_etth1["id"] == "LULL")][[100, 101]])
    folder = panel_with(tmp_path, frame)
    with pytest.raises(ValueError, match=r"`data` \(series 'LULL'\) has an irregular time step: most rows are "
                                         r"0 days 01:00:00 apart, but row 100"):
        prepare_panel(open_panel(folder), SPEC)
    filled = prepare_panel(open_panel(folder), SeriesSpec(**{**SPEC.__dict__, "freq": "h", "missing": "interpolate"}))
    assert filled.lengths.tolist() == [600] * 7
    in_memory = prepare(frame, SeriesSpec(**{**SPEC.__dict__, "freq": "h", "missing": "interpolate"}))
    begin, expected_begin = (d.starts[d.series_ids.index("LULL")] for d in (filled, in_memory))
    np.testing.assert_array_equal(filled.values[begin : begin + 600], in_memory.values[expected_begin:][:600])


def test_a_text_covariate_is_refused_with_the_fix(tmp_path, long_etth1):
    frame = long_etth1.assign(shift=np.where(long_etth1["date"].dt.hour < 12, "day", "night"))
    with pytest.raises(ValueError, match=r"`data` is a Parquet panel read series by series, and its covariate 'shift' "
                                         r"is text \(.*\); one-hot encoding needs every category .* Fix: store the "
                                         r"column as numbers"):
        prepare_panel(open_panel(panel_with(tmp_path, frame)), SeriesSpec(**{**SPEC.__dict__,
                                                                               "past_covariates": ["shift"]}))


def test_missing_ids_and_empty_folders_are_refused(tmp_path, long_etth1):
    frame = long_etth1.astype({"id": object})
    frame.loc[frame.index[7], "id"] = None
    with pytest.raises(ValueError, match=r"`data` column 'id' \(id_col\) has missing values, so some rows belong to "
                                         r"no series\. Fix: drop those rows"):
        prepare_panel(open_panel(panel_with(tmp_path, frame)), SPEC)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no parquet here")
    with pytest.raises(ValueError, match=r"`data` is a folder with no Parquet files \(\.parquet, \.pq\) in it\. "
                                         r"Received: data='.*empty'\. Fix: pass the folder"):
        open_panel(tmp_path / "empty")
    with pytest.raises(ValueError, match=r"`rows_per_read` must be a positive integer\. Received: rows_per_read=0\."):
        open_panel(tmp_path / "bad", rows_per_read=0)
    long_etth1.iloc[:0].to_parquet(tmp_path / "empty" / "part-0.parquet", index=False)
    with pytest.raises(ValueError, match=r"`data` is empty: its Parquet files hold 0 rows\. Received: data='"):
        Forecaster(**TINY).fit(tmp_path / "empty")
