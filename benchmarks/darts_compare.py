"""cnnlstm against Darts on the issue's CPU task, both measured in the same run on the same machine.

Task: ETTh1 column OT only, ETT split (8640/2880/2880 rows), z-score fitted on train, window 48, horizon 12, an LSTM
of hidden size 64 with 1 layer, batch 32, one CPU thread, a fixed number of epochs (one warm-up epoch, then
--epochs measured ones).

* cnnlstm (this interpreter): `Forecaster(model="lstm", hidden_size=64, num_layers=1, ...)`; training windows/s
  from `history_["seconds"]` (which include a validation pass; a train-only figure subtracts the validation time,
  measured as in throughput.py); prediction = `Forecaster.backtest(df)`, every origin of the test part, wall time.
* Darts (a separate virtualenv, run as a subprocess; Darts is not a dependency of cnnlstm):
  `BlockRNNModel(model="LSTM", hidden_dim=64, n_rnn_layers=1, input_chunk_length=48, output_chunk_length=12,
  batch_size=32)`; epoch seconds from a Lightning callback (no validation series, so no validation pass);
  prediction = `historical_forecasts(retrain=False, last_points_only=False)` over the test part, wall time.

The Darts virtualenv (default /tmp/darts-venv) is created when missing: first `pip install torch==2.13.0` (the CPU
build from the local wheel directory; installing Darts first pulls a multi-GB CUDA build), then `darts[torch]`,
falling back to `darts`, then `u8darts[torch]`. If that fails the script says so and exits with status 2.

Goals: cnnlstm >= 1.5x Darts' training windows/s, and >= 3x faster prediction.

    python benchmarks/darts_compare.py [--dry-run] [--epochs 3] [--venv /tmp/darts-venv] [--cnnlstm-only]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _common  # noqa: E402
from throughput import Task, measure_api, measure_plain, scaled_values, validation_seconds  # noqa: E402

from cnnlstm import datasets  # noqa: E402

ETT_SPLIT = (8640, 2880, 2880)
TORCH_PIN = "torch==2.13.0"
DARTS_SPECS = ["darts[torch]", "darts", "u8darts[torch]"]


def _run(command: list[str], log) -> bool:
    print("$ " + " ".join(command), flush=True)
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log.append({"command": command, "returncode": done.returncode, "tail": done.stdout[-2000:]})
    if done.returncode != 0:
        print(done.stdout[-2000:], flush=True)
    return done.returncode == 0


def ensure_darts(venv: Path) -> tuple[Path | None, list]:
    """The Darts venv's python, installing what is missing; None (and the log) if that fails."""
    log: list = []
    python = venv / "bin" / "python"
    if not python.exists() and not _run([sys.executable, "-m", "venv", str(venv)], log):
        return None, log
    check = [str(python), "-c", "import darts, torch, sklearn, pytorch_lightning"]
    if subprocess.run(check, capture_output=True).returncode == 0:
        return python, log
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    if not _run(pip + [TORCH_PIN], log):  # the CPU torch first, so that Darts does not pull a CUDA build
        return None, log
    for spec in DARTS_SPECS:
        if _run(pip + [spec], log) and subprocess.run(check, capture_output=True).returncode == 0:
            return python, log
    return None, log


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="a miniature (the Darts venv must still be made)")
    parser.add_argument("--epochs", type=int, default=3, help="measured epochs after one warm-up epoch")
    parser.add_argument("--venv", default="/tmp/darts-venv")
    parser.add_argument("--cnnlstm-only", action="store_true", help="skip Darts (e.g. CI without network)")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    threads, epochs = 1, (1 if args.dry_run else args.epochs)
    torch.set_num_threads(threads)

    data_dir = _common.data_dir(args.data_dir)
    frame = datasets.load("etth1", data_dir=data_dir, download=False)
    task = Task("lstm_ot", "lstm", dict(hidden_size=64, num_layers=1), window=48, horizon=12, targets=["OT"],
                backtest=True)
    if args.dry_run:
        frame = frame.iloc[:1000].reset_index(drop=True)
        task.split = (600, 200, 200)
    run = dict(threads=threads, batch_size=32, amp=False)

    darts_result, install_log = None, []
    if not args.cnnlstm_only:
        began = time.perf_counter()
        python, install_log = ensure_darts(Path(args.venv))
        if python is None:
            print(f"ERROR: could not install Darts into {args.venv}; see the pip output above. No comparison was "
                  "measured.", file=sys.stderr)
            _common.write_json("darts_compare", {"error": "Darts install failed", "install_log": install_log},
                               dry_run=args.dry_run)
            return 2
        print(f"Darts venv ready in {time.perf_counter() - began:.1f}s: {python}", flush=True)
        csv = Path(data_dir) / "ETT" / "ETTh1.csv"
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "config.json"
            output = Path(tmp) / "out.json"
            config.write_text(json.dumps({"csv": str(csv), "split": list(task.split), "window": task.window,
                                          "horizon": task.horizon, "target": "OT", "batch_size": 32,
                                          "epochs": epochs, "threads": threads}))
            began = time.perf_counter()
            done = subprocess.run([str(python), str(HERE / "_darts_worker.py"), str(config), str(output)],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                print(done.stdout[-3000:], done.stderr[-5000:], file=sys.stderr)
                print("ERROR: the Darts measurement failed (above).", file=sys.stderr)
                return 3
            darts_result = json.loads(output.read_text())
            darts_result["subprocess_seconds"] = time.perf_counter() - began
        seconds = darts_result["epoch_seconds_all"][1:]  # the first epoch is the warm-up
        darts_result["epoch_seconds"] = min(seconds)  # fastest epoch, as for cnnlstm: the machine may be shared
        darts_result["windows_per_s"] = darts_result["num_train_windows"] / darts_result["epoch_seconds"]

    api, forecaster = measure_api(task, frame, run, epochs, "cpu")
    values = torch.as_tensor(scaled_values(task, frame))
    val = validation_seconds(forecaster.net_, values, api["num_val_windows"], task.window, task.horizon, False)
    plain = measure_plain(task, frame, run, epochs, torch.device("cpu"))
    n = api["num_train_windows"]
    fastest = min(api["epoch_seconds"])
    ours = {"windows_per_s": n / fastest, "train_only_windows_per_s": n / max(1e-9, fastest - val),
            "validation_seconds": val, "predict_seconds": api["api_backtest_seconds"],
            "scaled_mse": forecaster.evaluate(frame)["scaled_mse"], **api}
    plain["windows_per_s"] = n / min(plain["plain_epoch_seconds_all"])

    rows = [{"library": "cnnlstm Forecaster", "threads": threads, "train_windows_per_s": ours["windows_per_s"],
             "train_only_windows_per_s": ours["train_only_windows_per_s"], "predict_seconds": ours["predict_seconds"],
             "forecasts": api["num_test_windows"]},
            {"library": "plain PyTorch loop", "threads": threads, "train_windows_per_s": plain["windows_per_s"],
             "predict_seconds": plain["plain_predict_seconds"], "forecasts": plain["plain_num_test_windows"]}]
    ratios = {}
    if darts_result is not None:
        rows.append({"library": f"Darts {darts_result['darts_version']} BlockRNNModel", "threads": darts_result["threads"],
                     "train_windows_per_s": darts_result["windows_per_s"],
                     "predict_seconds": darts_result["predict_seconds"], "forecasts": darts_result["num_forecasts"]})
        ratios = {
            "train_incl_validation_vs_darts": ours["windows_per_s"] / darts_result["windows_per_s"],
            "train_only_vs_darts": ours["train_only_windows_per_s"] / darts_result["windows_per_s"],
            "predict_speedup_vs_darts": darts_result["predict_seconds"] / ours["predict_seconds"],
        }
        ratios["goal_train_1.5x_met"] = ratios["train_incl_validation_vs_darts"] >= 1.5
        ratios["goal_predict_3x_met"] = ratios["predict_speedup_vs_darts"] >= 3
    print()
    _common.print_table(rows)
    if ratios:
        print()
        for key, value in ratios.items():
            print(f"{key}: {value:.3g}" if isinstance(value, float) else f"{key}: {value}")
    path = _common.write_json("darts_compare", {"epochs_measured": epochs, "split": list(task.split), "rows": rows,
                                                "ratios": ratios, "cnnlstm": ours, "plain": plain,
                                                "darts": darts_result, "install_log": install_log},
                              dry_run=args.dry_run)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
