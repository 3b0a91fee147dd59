"""Every subcommand runs, with --dry-run and for real on tiny settings; errors are one clear line."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from cnnlstm import list_models
from cnnlstm.cli import main

TINY = ["--window", "24", "--horizon", "6", "--epochs", "2", "--batch-size", "16", "--set", "filters=8",
        "--set", "hidden_size=8", "--set", "num_conv_layers=1"]


def run(*args, ok: bool = True):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("command", ["train", "predict", "evaluate", "models", "datasets", "compare", "export", "serve", "tune"])
def test_every_subcommand_has_help(command):
    result = run(command, "--help")
    assert "--dry-run" in result.output
    assert "Usage:" in result.output


def test_models_lists_the_registry():
    result = run("models", "--json")
    registry = json.loads(result.output)
    assert set(registry) == set(list_models()) >= {"cnn", "lstm", "cnn_lstm", "lstm_cnn", "parallel", "linear"}
    assert registry["parallel"]["hyperparameters"]["merge"] == "concat"
    assert "cnn_lstm" in run("models", "--dry-run").output


def test_datasets_lists_where_each_is_found():
    output = run("datasets", "--dry-run").output
    assert "airline" in output and "packaged" in output and "etth1" in output


def test_train_dry_run_writes_nothing(tmp_path):
    out = tmp_path / "run"
    result = run("train", "--dataset", "airline", "--model", "parallel", *TINY, "--set", "merge=attention",
                 "--out", out, "--dry-run")
    assert "dry run" in result.output and "(2, 6, 1)" in result.output
    assert not out.exists()


def test_compare_dry_run_checks_every_model(tmp_path):
    result = run("compare", "--window", "24", "--horizon", "12", "--out", tmp_path / "c", "--dry-run")
    for name in ("cnn", "lstm", "cnn_lstm", "lstm_cnn", "parallel", "linear"):
        assert f"model {name!r}" in result.output
    assert not (tmp_path / "c").exists()


def test_train_predict_evaluate_round_trip(tmp_path, airline):
    csv = tmp_path / "airline.csv"
    airline.to_csv(csv, index=False)
    out = tmp_path / "run"
    trained = run("train", "--data", csv, "--model", "cnn_lstm", *TINY, "--split", "96,24,24", "--out", out).output
    assert "window=24" in trained and "horizon=6" in trained and "split=(96, 24, 24)" in trained
    assert "targets ['Passengers']" in trained
    for name in ("config.json", "model.pt", "scaler.json", "metrics.json", "history.csv", "forecast.png",
                 "learning_curve.png"):
        assert (out / name).exists(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["table"]) == {"model", "naive", "seasonal_naive"}
    assert metrics["test"]["windows"] == 19  # origins 120 .. 138 with horizon 6
    config = json.loads((out / "config.json").read_text())
    assert config["params"]["filters"] == 8 and config["params"]["num_conv_layers"] == 1  # each one a parameter

    assert "dry run" in run("predict", out, "--data", csv, "--dry-run").output
    forecast_csv = tmp_path / "forecast.csv"
    run("predict", out, "--data", csv, "--out", forecast_csv)
    forecast = pd.read_csv(forecast_csv)
    assert forecast["date"].tolist()[:2] == ["1961-01-01", "1961-02-01"] and len(forecast) == 6

    assert "dry run" in run("evaluate", out, "--data", csv, "--dry-run").output
    run("evaluate", out, "--data", csv, "--stride", "6", "--out", tmp_path / "m.json")
    assert json.loads((tmp_path / "m.json").read_text())["model"]["rmse"] > 0


def test_train_reports_branch_weights_of_a_weighted_parallel_model(tmp_path):
    out = tmp_path / "run"
    result = run("train", "--dataset", "airline", "--model", "parallel", *TINY, "--set", "merge=weighted", "--out", out)
    assert "Branch contributions" in result.output
    weights = json.loads((out / "metrics.json").read_text())["branch_weights"]
    assert set(weights) == {"cnn", "lstm"} and abs(sum(weights.values()) - 1) < 1e-6


def test_compare_ranks_models_beside_baselines(tmp_path):
    out = tmp_path / "c"
    result = run("compare", "--models", "linear,cnn", "--baselines", "naive,seasonal_naive", "--seeds", "2",
                 "--epochs", "2", "--set", "filters=8", "--out", out)
    table = pd.read_csv(out / "table.csv", index_col="contender")
    assert set(table.index) == {"linear", "cnn", "stacked", "naive", "seasonal_naive"}
    assert table["rank"].tolist() == [1, 2, 3, 4, 5] and table["rmse"].is_monotonic_increasing
    assert (out / "report.html").exists() and (out / "comparison.json").exists()
    assert "seasonal_naive" in result.output and "Diebold-Mariano" in result.output
    again = run("compare", "--models", "linear,cnn", "--baselines", "naive,seasonal_naive", "--seeds", "2",
                "--epochs", "2", "--set", "filters=8", "--out", out)  # everything is reused from the run folder
    assert pd.read_csv(out / "table.csv", index_col="contender")["rmse"].equals(table["rmse"])
    assert "stacked" in again.output


def test_compare_refuses_seed_and_contradictory_tasks(tmp_path):
    result = run("compare", "--seed", "3", "--out", tmp_path, ok=False)
    assert result.exit_code != 0 and "--seeds N" in result.output
    result = run("compare", "--dataset", "GunPoint", "--task", "forecast", "--out", tmp_path, ok=False)
    assert result.exit_code != 0 and "is a classify dataset" in result.output


def test_config_file_and_overrides(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('model = "lstm"\nwindow = 24\nhorizon = 6\n[hyperparameters]\nhidden_size = 8\n')
    result = run("train", "--dataset", "airline", "--config", config, "--horizon", "3", "--dry-run")
    assert "model='lstm'" in result.output and "horizon=3" in result.output and "hidden_size=8" in result.output
    config.write_text("windw = 24\n")
    result = run("train", "--dataset", "airline", "--config", config, "--dry-run", ok=False)
    assert result.exit_code != 0 and "'windw' is not a setting" in result.output and "window" in result.output


def test_errors_are_clear_one_liners(tmp_path):
    result = run("train", "--dataset", "airline", "--target", "Passengrs", "--dry-run", ok=False)
    assert result.exit_code == 1 and "Did you mean 'Passengers'" in result.output and "Traceback" not in result.output
    result = run("train", "--dry-run", ok=False)
    assert "Pass --data PATH" in result.output
    result = run("train", "--dataset", "airlin", "--dry-run", ok=False)
    assert "Did you mean 'airline'" in result.output
    result = run("train", "--dataset", "airline", "--set", "hidden_size", "--dry-run", ok=False)
    assert "KEY=VALUE" in result.output
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = run("train", "--data", empty, "--dry-run", ok=False)
    assert "empty file" in result.output


def test_threads_option():
    import torch

    before = torch.get_num_threads()
    try:
        assert "model='linear'" in run("--threads", "1", "train", "--dataset", "airline", "--model", "linear",
                                       "--dry-run").output
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    result = run("--threads", "0", "models", ok=False)
    assert result.exit_code != 0 and "--threads" in result.output


# -----------------------------------------------------------------------------
# whole-sequence tasks

SMALL_NET = ["--epochs", "2", "--set", "filters=8", "--set", "hidden_size=8"]


@pytest.mark.parametrize("task,dataset", [("classify", "GunPoint"), ("classify", "JapaneseVowels"), ("regress", "cmapss-fd001"),
                                          ("rul", "cmapss-fd001")])
def test_train_dry_run_per_task(task, dataset, tmp_path):
    small = SMALL_NET[:4] if task == "rul" else SMALL_NET  # rul's default, the DCNN, has filters but no hidden_size
    result = run("--threads", 1, "train", "--task", task, "--dataset", dataset, "--out", tmp_path / "run", "--dry-run",
                 *small)
    assert "dry run" in result.output and "nothing was trained or written" in result.output
    assert not (tmp_path / "run").exists()


def test_train_classify_writes_the_run_folder(tmp_path):
    out = tmp_path / "gunpoint"
    result = run("--threads", 1, "train", "--task", "classify", "--dataset", "GunPoint", "--model", "cnn_lstm",
                 "--out", out, *SMALL_NET)
    assert "accuracy" in result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0 <= metrics["test"]["accuracy"] <= 1 and len(metrics["test"]["confusion_matrix"]) == 2
    for name in ("config.json", "model.pt", "history.csv", "learning_curve.png", "confusion_matrix.png"):
        assert (out / name).exists(), name


def test_train_classify_from_ts_files(tmp_path):
    from conftest import DATA_DIR

    folder = DATA_DIR / "UCR" / "ItalyPowerDemand"
    out = tmp_path / "italy"
    run("--threads", 1, "train", "--task", "classify", "--data", folder / "ItalyPowerDemand_TRAIN.ts",
        "--test-data", folder / "ItalyPowerDemand_TEST.ts", "--model", "cnn", "--out", out, "--epochs", "2",
        "--set", "filters=8")
    assert json.loads((out / "metrics.json").read_text())["test"]["accuracy"] > 0


def test_train_rul_writes_scores_and_plot(tmp_path):
    out = tmp_path / "fd001"
    run("--threads", 1, "train", "--task", "rul", "--dataset", "cmapss-fd001", "--model", "cnn", "--out", out,
        "--epochs", "1", "--set", "filters=4", "--batch-size", "512")
    test = json.loads((out / "metrics.json").read_text())["test"]
    assert {"rmse", "score", "rmse_capped"} <= set(test)
    assert (out / "rul.png").exists()


def test_forecast_options_are_refused_for_other_tasks():
    result = run("train", "--task", "classify", "--dataset", "GunPoint", "--horizon", "3", ok=False)
    assert result.exit_code != 0 and "--horizon is a setting of Forecaster, not of Classifier" in result.output
    result = run("train", "--task", "rul", "--dataset", "GunPoint", ok=False)
    assert "'GunPoint' is a classify dataset. Received: task='rul'. Fix: task='classify'" in result.output


def test_train_transfers_a_frozen_encoder_between_problems(tmp_path):
    run("--threads", 1, "train", "--task", "classify", "--dataset", "GunPoint", "--model", "cnn", "--out",
        tmp_path / "source", *SMALL_NET[:2], "--set", "filters=8")
    run("--threads", 1, "train", "--task", "classify", "--dataset", "ItalyPowerDemand", "--model", "cnn",
        "--encoder", tmp_path / "source", "--freeze-encoder", "--out", tmp_path / "target", *SMALL_NET[:2],
        "--set", "filters=8")
    params = json.loads((tmp_path / "target" / "config.json").read_text())["params"]
    assert params["freeze_encoder"] is True and params["encoder"].endswith("source")
    result = run("train", "--dataset", "airline", "--encoder", tmp_path / "source", ok=False)
    assert "--encoder and --freeze-encoder apply to --task classify" in result.output


# -----------------------------------------------------------------------------
# issue 9: each bug a new user met, pinned


def _gunpoint_tables(tmp_path):
    """GunPoint as two plain CSV tables, one row per sequence, the label in column `label`."""
    from cnnlstm import datasets

    paths = []
    for split in ("train", "test"):
        X, y = datasets.load("GunPoint", split=split)
        frame = pd.DataFrame(X[:, :, 0], columns=[f"t{i}" for i in range(X.shape[1])])
        frame.insert(0, "label", y)
        paths.append(tmp_path / f"gunpoint_{split}.csv")
        frame.to_csv(paths[-1], index=False)
    return paths


def test_classify_from_csv_tables_with_a_target_column(tmp_path):
    train, test = _gunpoint_tables(tmp_path)
    out = tmp_path / "run"
    args = ["train", "--task", "classify", "--data", train, "--test-data", test, "--target", "label",
            "--model", "cnn", "--out", out, *SMALL_NET[:2], "--set", "filters=8"]
    assert "classes" in run(*args, "--dry-run").output and not out.exists()
    result = run("--threads", 1, *args)
    assert "model='cnn'" in result.output  # the resolved settings are printed
    assert json.loads((out / "metrics.json").read_text())["test"]["accuracy"] > 0
    # predict and evaluate take a classifier's run folder; the writer follows the suffix
    run("predict", out, "--data", test, "--target", "label", "--out", tmp_path / "labels.parquet")
    labels = pd.read_parquet(tmp_path / "labels.parquet")
    assert len(labels) == 150 and {"prediction", "proba_1", "proba_2"} <= set(labels.columns)
    run("predict", out, "--data", test, "--target", "label", "--out", tmp_path / "labels.json")
    assert len(json.loads((tmp_path / "labels.json").read_text())) == 150
    result = run("evaluate", out, "--data", test, "--target", "label", "--out", tmp_path / "m.json")
    assert "accuracy" in result.output and json.loads((tmp_path / "m.json").read_text())["accuracy"] > 0
    result = run("predict", out, "--data", test, "--out", tmp_path / "labels.txt", ok=False)
    assert result.exit_code != 0 and "--out must end in .csv, .parquet, .json" in result.output


def test_rul_from_a_csv_of_units_rows(tmp_path):
    from cnnlstm import datasets

    train = datasets.load("cmapss-fd001", split="train")
    test = datasets.load("cmapss-fd001", split="test")
    train[train["unit"] <= 15].to_csv(tmp_path / "units.csv", index=False)
    test[test["unit"] <= 5].to_csv(tmp_path / "units_test.csv", index=False)
    out = tmp_path / "rul"
    args = ["train", "--task", "rul", "--data", tmp_path / "units.csv", "--test-data", tmp_path / "units_test.csv",
            "--id-col", "unit", "--target", "rul", "--model", "cnn", "--epochs", "1", "--set", "filters=4",
            "--out", out]
    dry = run(*args, "--dry-run").output
    assert "units: 15" in dry and "conditions: 1" in dry
    run("--threads", 1, *args)
    assert {"rmse", "rmse_capped", "score"} <= set(json.loads((out / "metrics.json").read_text())["test"])
    run("predict", out, "--data", tmp_path / "units_test.csv", "--out", tmp_path / "rul.csv")
    assert len(pd.read_csv(tmp_path / "rul.csv")) == 5
    assert "rmse_capped" in run("evaluate", out, "--data", tmp_path / "units_test.csv").output


def test_config_file_is_checked_against_the_tasks_estimator(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text("val_size = 0.1\nepochs = 1\n")
    assert "validation: " in run("train", "--task", "classify", "--dataset", "GunPoint", "--config", config,
                                 "--dry-run").output
    config.write_text("horizon = 3\n")
    result = run("train", "--task", "classify", "--dataset", "GunPoint", "--config", config, "--dry-run", ok=False)
    assert "'horizon' is a setting of Forecaster, not of Classifier" in result.output


def test_light_commands_import_neither_torch_nor_pandas():
    import subprocess
    import sys

    for args in (["--help"], ["--version"], ["models"], ["datasets"], ["train", "--help"]):
        code = ("import sys; from cnnlstm.cli import main; sys.argv = ['cnnlstm', *%r]\n"
                "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
                "print([m for m in ('torch', 'pandas') if m in sys.modules], file=sys.stderr)" % (args,))
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert result.stderr.strip().splitlines()[-1] == "[]", (args, result.stderr)


def test_datasets_lists_every_task_and_help_shows_defaults():
    output = run("datasets").output
    assert "GunPoint" in output and "cmapss-fd001" in output and "classify" in output and "rul" in output
    rows = json.loads(run("datasets", "--json").output)
    assert all(row["license"] for row in rows) and {row["task"] for row in rows} == {"forecast", "classify", "rul"}
    text = " ".join(run("train", "--help").output.split())
    assert "default: the model's recipe, else 20 forecast, 300 classify, 30 regress, 100 rul" in text
    assert "customary target" in text


def test_train_on_the_raw_pollution_csv_prints_and_stores_what_it_inferred(tmp_path):
    import os
    from pathlib import Path

    csv = tmp_path / "pollution.csv"
    with open(Path(os.environ["CNNLSTM_DATA_DIR"]) / "beijing_pm25" / "pollution.csv") as file:
        csv.write_text("".join(next(file) for _ in range(301)))
    out = tmp_path / "run"
    trained = run("train", "--data", csv, "--model", "linear", "--window", "24", "--horizon", "6", "--epochs", "1",
                  "--target", "pm2.5", "--past-covariate", "cbwd", "--missing", "interpolate", "--out", out).output
    assert "time column 'date' (assembled from 'year', 'month', 'day', 'hour'), freq 'h'" in trained
    assert "one-hot encoded: 'cbwd' ['NE', 'NW', 'SE', 'cv']" in trained
    assert "columns not used: 'No' (row numbers: 1, 2, 3, ...); 'DEWP' (not named)" in trained
    state = json.loads((out / "config.json").read_text())["state"]
    assert state["time_col"] == "date" and state["time_parts"] == ["year", "month", "day", "hour"]
    result = run("train", "--data", csv, "--time-col", "No", "--dry-run", ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "`time_col` names 'No', a column of numbers (1, 2, 3, ...), not dates" in result.output
    result = run("train", "--data", csv, "--time-col", "year,month,day,hour", "--target", "TEMP", "--dry-run")
    assert "time_parts: ['year', 'month', 'day', 'hour']" in result.output


def test_train_refuses_an_existing_run_unless_overwrite_and_replaces_it_whole(tmp_path, monkeypatch):
    out = tmp_path / "run"
    linear = ["train", "--dataset", "airline", "--model", "linear", "--window", "24", "--horizon", "6", "--epochs", "1",
              "--out", out]
    run(*linear)
    (out / "notes.txt").write_text("belongs to the first run")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    result = run(*linear, "--seed", "1", ok=False)  # refused before training
    assert result.exit_code == 1 and "Traceback" not in result.output and "Test backtest" not in result.output
    assert f"`--out` '{out}' already holds a saved run (config.json)" in result.output
    assert "Fix: pass --overwrite to replace it (the whole folder), or choose another --out." in result.output

    def crash(*args, **kwargs):
        raise RuntimeError("killed while plotting")

    monkeypatch.setattr("cnnlstm.plots.save_figure", crash)  # dies after the model is saved, before the plots
    with pytest.raises(RuntimeError, match="killed while plotting"):
        run(*linear, "--seed", "1", "--overwrite")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the first run, whole
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no half-written folder beside it
    monkeypatch.undo()

    assert f"Run folder: {out}" in run(*linear, "--seed", "1", "--overwrite").output
    assert json.loads((out / "config.json").read_text())["params"]["seed"] == 1
    assert not (out / "notes.txt").exists() and (out / "forecast.png").exists()  # the folder replaced as a whole


def test_predict_names_a_damaged_or_interrupted_run_folder_in_one_line(tmp_path):
    from cnnlstm import Forecaster, datasets

    out = tmp_path / "run"
    Forecaster(model="linear", window=24, horizon=6, epochs=1, progress=False).fit(datasets.load("airline")).save(out)
    weights = out / "model.pt"
    weights.write_bytes(weights.read_bytes()[:100])
    result = run("predict", out, "--dataset", "airline", ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"Error: '{weights}' is not a readable torch weights file" in result.output
    assert "Fix: save the model again" in result.output.splitlines()[0]

    (tmp_path / "run").rename(tmp_path / "run.old-999999999-0a1b2c3d")  # as a save killed between renames leaves it
    result = run("evaluate", out, "--dataset", "airline", ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"'{out}' is missing: a save to it was interrupted, and the previous folder is in " in result.output
    assert f"Fix: restore it with `mv {out}.old-999999999-0a1b2c3d {out}`." in result.output
