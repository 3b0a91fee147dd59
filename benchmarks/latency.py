"""Inference latency of one forecast: onnxruntime on the exported graph against `Forecaster.predict`, one thread,
batch 1, on windows of ETTh1.

The model is the default Forecaster (`cnn_lstm` with its recipe: channels independent, the window's last value
subtracted; window 96, horizon 24, all 7 channels as targets, hour and day-of-week calendar features), fitted for a
few steps only: latency does not depend on the weights. Each call forecasts from a different window of the test
part: `predict` gets the 96-row DataFrame (a shallow slice, as a user passes it), onnxruntime the input dict
`onnx_inputs` built from it beforehand (building it is `predict`'s data preparation, not the graph's work). Torch
and onnxruntime each run on one thread. Reported: median and p99 of --calls calls, after --warmup calls, in wall
time (the targets' measure) and in the thread's CPU time (the same on an idle machine; on a shared one, the part of
the wall time that is the call's own work).

Targets (issue 13): onnxruntime <= 1 ms; `Forecaster.predict` <= 5 ms (12.9 ms before this issue).

    python benchmarks/latency.py                      # writes benchmarks/results/latency.json
    python benchmarks/latency.py --dry-run            # a small model, 20 calls, for the tests
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

from cnnlstm import Forecaster, datasets  # noqa: E402

ETT_SPLIT = (8640, 2880, 2880)  # 12/4/4 months, the usual ETTh1 protocol
TARGETS = {"onnxruntime": 1.0, "predict": 5.0}  # milliseconds, median


def timed(call, arguments: list, warmup: int) -> tuple[np.ndarray, np.ndarray]:
    """Milliseconds of call(argument) for each argument, after `warmup` untimed calls: wall clock, and this
    thread's CPU time (what the call costs when other processes share the cores)."""
    for argument in arguments[:warmup]:
        call(argument)
    wall, cpu = np.empty(len(arguments)), np.empty(len(arguments))
    for i, argument in enumerate(arguments):
        began, began_cpu = time.perf_counter_ns(), time.thread_time_ns()
        call(argument)
        cpu[i] = (time.thread_time_ns() - began_cpu) / 1e6
        wall[i] = (time.perf_counter_ns() - began) / 1e6
    return wall, cpu


def summary(wall: np.ndarray, cpu: np.ndarray) -> dict:
    return {"median_ms": float(np.median(wall)), "p99_ms": float(np.quantile(wall, 0.99)),
            "cpu_median_ms": float(np.median(cpu)), "cpu_p99_ms": float(np.quantile(cpu, 0.99)), "calls": len(wall)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="cnn_lstm")
    parser.add_argument("--window", type=int, default=96)
    parser.add_argument("--horizon", type=int, default=24)
    parser.add_argument("--calls", type=int, default=1000, help="timed calls of each (each on its own window)")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--dry-run", action="store_true", help="a small model and 20 calls")
    args = parser.parse_args()
    if args.dry_run:
        args.calls, args.warmup, args.window, args.horizon = 20, 5, 24, 6
    import onnxruntime

    torch.set_num_threads(1)
    frame = datasets.load("etth1", data_dir=_common.data_dir(args.data_dir))
    hyper = {"filters": 8, "hidden_size": 8} if args.dry_run else {}
    forecaster = Forecaster(model=args.model, window=args.window, horizon=args.horizon, split=ETT_SPLIT, epochs=1,
                            max_steps_per_epoch=2 if args.dry_run else 20, device="cpu", progress=False, **hyper)
    forecaster.fit(frame)
    begin = ETT_SPLIT[0] + ETT_SPLIT[1]  # windows of the test part
    windows = [frame.iloc[begin + i : begin + i + args.window] for i in range(args.calls)]

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        path = forecaster.to_onnx(Path(folder) / "forecaster.onnx")
        export_seconds = time.perf_counter() - began
        size = os.path.getsize(path)
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    inputs = [forecaster.onnx_inputs(w) for w in windows]
    difference = max(float(np.abs(session.run(None, inputs[i])[0][0] - forecaster.predict(windows[i])[
        forecaster.spec_.targets].to_numpy()).max()) for i in range(0, args.calls, max(1, args.calls // 20)))

    rows, results = [], {}
    for name, call, arguments in (("onnxruntime", lambda x: session.run(None, x), inputs),
                                  ("predict", forecaster.predict, windows)):
        results[name] = summary(*timed(call, arguments, args.warmup))
        results[name]["target_ms"] = TARGETS[name]
        results[name]["met"] = results[name]["median_ms"] <= TARGETS[name]
        rows.append({"what": name, **results[name]})
    _common.print_table(rows, ["what", "median_ms", "p99_ms", "cpu_median_ms", "cpu_p99_ms", "calls", "target_ms",
                               "met"])
    print(f"max |onnxruntime - predict| over {len(range(0, args.calls, max(1, args.calls // 20)))} windows: "
          f"{difference:.2e} (values of order 10); export {export_seconds:.1f} s, {size / 1024:.0f} KiB")
    payload = {"model": args.model, "window": args.window, "horizon": args.horizon, "threads": 1, "batch": 1,
               "parameters": forecaster.num_parameters(), "network": forecaster.net_.config,
               "onnxruntime_version": onnxruntime.__version__, "export_seconds": export_seconds, "onnx_bytes": size,
               "max_abs_difference": difference, "results": results,
               "load_average": os.getloadavg()}
    print("wrote", _common.write_json("latency", payload, dry_run=args.dry_run))


if __name__ == "__main__":
    main()
