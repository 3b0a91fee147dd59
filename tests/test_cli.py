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


@pytest.mark.parametrize("command", ["train", "predict", "evaluate", "models", "datasets", "compare"])
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
    run("train", "--data", csv, "--model", "cnn_lstm", *TINY, "--split", "96,24,24", "--out", out)
    for name in ("config.json", "model.pt", "scaler.json", "metrics.json", "history.csv", "forecast.png",
                 "learning_curve.png"):
        assert (out / name).exists(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["table"]) == {"model", "naive", "seasonal_naive"}
    assert metrics["test"]["windows"] == 19  # origins 120 .. 138 with horizon 6
    config = json.loads((out / "config.json").read_text())
    assert config["params"]["model_kwargs"] == {"filters": 8, "hidden_size": 8, "num_conv_layers": 1}

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
    assert "model 'lstm'" in result.output and "horizon 3" in result.output
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
        assert "model 'linear'" in run("--threads", "1", "train", "--dataset", "airline", "--model", "linear",
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
    result = run("--threads", 1, "train", "--task", task, "--dataset", dataset, "--out", tmp_path / "run", "--dry-run",
                 *SMALL_NET)
    assert "dry run" in result.output and "nothing was written" in result.output
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
    assert result.exit_code != 0 and "--horizon applies to --task forecast only" in result.output
    result = run("train", "--task", "rul", "--dataset", "GunPoint", ok=False)
    assert "GunPoint is a classification (--task classify) dataset. Received: --task rul" in result.output


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
