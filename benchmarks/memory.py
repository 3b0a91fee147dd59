"""Peak memory of `Forecaster.fit` on many long series, against the size of the raw data.

Synthetic data: S series x T steps x 1 feature (default 100 x 100,000, float32: 40 MB raw), passed to
`Forecaster.fit` as a 3-D NumPy array (S, T, 1) or as a long DataFrame (`--layout long`: a `series` id column and
one float32 value column). Window 512, horizon 24, a small model (`linear` by default), default split (0.7, 0.1,
0.2), one epoch. `--max-steps-per-epoch` (Forecaster's max_steps_per_epoch) caps the epoch while the window index keeps
its full size; `--split 0.1,0.1,0.8` is the other way to shorten it (a smaller training part). Batch 4096; a batch is 4096 x 536 x 4 B = 8.8 MB, small beside the data.

What is measured:
* baseline: the process's resident memory after importing torch, pandas and cnnlstm, before the data exist;
* peak: `resource.getrusage(RUSAGE_SELF).ru_maxrss` after fit (Linux: KiB), which sees NumPy, pandas and torch's
  CPU allocator alike;
* where: a sampling thread reads /proc/self/statm every few milliseconds and, each time resident memory reaches a
  new high, records the innermost cnnlstm source line the main thread is executing. That names the line that holds
  the peak (and the lines of every earlier jump), without tracemalloc, which does not see torch's allocations.

Goal: peak - baseline < 3 x raw data (the raw array itself counts inside the peak).

    python benchmarks/memory.py [--dry-run] [--series 100] [--steps 100000] [--layout array|long] [--model linear]
        [--split 0.7,0.1,0.2]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

import cnnlstm  # noqa: E402
from cnnlstm import Forecaster  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
PACKAGE = str(Path(cnnlstm.__file__).resolve().parent)
MB = 1e6


def rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE


def max_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


class PeakSampler(threading.Thread):
    """Polls resident memory; at every new high (by more than `step` bytes) notes where the main thread is."""

    def __init__(self, interval: float = 0.002, step: float = 4 * MB):
        super().__init__(daemon=True)
        self.interval, self.step = interval, step
        self.main_id = threading.main_thread().ident
        self.high, self.events, self.stop = 0, [], threading.Event()

    def where(self) -> list[str]:
        frame = sys._current_frames().get(self.main_id)
        stack = []
        while frame is not None:
            filename = frame.f_code.co_filename
            if filename.startswith(PACKAGE):
                stack.append(f"cnnlstm/{os.path.relpath(filename, PACKAGE)}:{frame.f_lineno} ({frame.f_code.co_name})")
            frame = frame.f_back
        return stack  # innermost first

    def run(self):
        began = time.perf_counter()
        while not self.stop.is_set():
            rss = rss_bytes()
            if rss > self.high + self.step:
                self.high = rss
                self.events.append({"t": time.perf_counter() - began, "rss_mb": rss / MB, "where": self.where()})
            time.sleep(self.interval)


def make_data(num_series: int, num_steps: int, layout: str, seed: int = 0):
    """Noisy daily sines, (S, T, 1) float32, written one series at a time so that making them costs only the
    raw size (a vectorised expression would hold several full-size temporaries and inflate the peak)."""
    rng = np.random.default_rng(seed)
    t = np.arange(num_steps, dtype=np.float32)
    values = np.empty((num_series, num_steps, 1), dtype=np.float32)
    for s in range(num_series):
        values[s, :, 0] = np.sin(2 * np.pi * t / 24 + rng.uniform(0, 2 * np.pi))
        values[s, :, 0] += 0.1 * rng.standard_normal(num_steps, dtype=np.float32)
    if layout == "array":
        return values, values.nbytes
    frame = pd.DataFrame({"series": np.repeat(np.arange(num_series, dtype=np.int32), num_steps),
                          "y": values.reshape(-1)})
    return frame, values.nbytes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="a seconds-long miniature, for CI")
    parser.add_argument("--series", type=int, default=100)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--layout", choices=["array", "long"], default="array")
    parser.add_argument("--model", default="linear", help="a small registry model: linear or cnn")
    parser.add_argument("--window", type=int, default=512)
    parser.add_argument("--horizon", type=int, default=24)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-steps-per-epoch", type=int, default=None,
                        help="Forecaster(max_steps_per_epoch=...): caps the epoch; the window index stays full size")
    parser.add_argument("--split", default="0.7,0.1,0.2",
                        help="train,val,test fractions; a smaller train share shortens the epoch (fewer windows)")
    args = parser.parse_args(argv)
    if args.dry_run:
        args.series, args.steps, args.window, args.horizon = 4, 3000, 64, 8
    torch.set_num_threads(args.threads)
    split = tuple(float(x) for x in args.split.split(","))
    hyper = {"filters": 16, "num_conv_layers": 2} if args.model == "cnn" else {}
    tiny = dict(hyper)
    if args.max_steps_per_epoch is not None:
        hyper["max_steps_per_epoch"] = args.max_steps_per_epoch

    # A tiny fit first: the first fit loads libraries lazily (torch.optim, autograd), ~100 MB that have nothing
    # to do with the data; the baseline includes them.
    Forecaster(model=args.model, window=16, horizon=4, calendar=None, epochs=1, progress=False, device="cpu",
               **tiny).fit(np.sin(np.arange(200, dtype=np.float32) / 5))
    baseline_rss, baseline_max = rss_bytes(), max_rss_bytes()
    sampler = PeakSampler()
    sampler.start()
    data, raw_bytes = make_data(args.series, args.steps, args.layout)
    after_data = rss_bytes()
    forecaster = Forecaster(model=args.model, window=args.window, horizon=args.horizon, calendar=None,
                            id_col="series" if args.layout == "long" else None, epochs=args.epochs, split=split,
                            batch_size=args.batch_size, patience=None, progress=False, device="cpu", **hyper)
    began = time.perf_counter()
    forecaster.fit(data)
    fit_seconds = time.perf_counter() - began
    time.sleep(0.05)
    sampler.stop.set()
    sampler.join()
    peak = max_rss_bytes()

    above = peak - baseline_rss
    result = {
        "series": args.series, "steps": args.steps, "layout": args.layout, "model": args.model,
        "window": args.window, "horizon": args.horizon, "split": split, "epochs": args.epochs, "batch_size": args.batch_size,
        "max_steps_per_epoch": args.max_steps_per_epoch,
        "threads": torch.get_num_threads(), "num_train_windows": forecaster.num_train_windows_,
        "num_val_windows": forecaster.num_val_windows_, "fit_seconds": fit_seconds,
        "raw_float32_mb": raw_bytes / MB, "pandas_float64_frame_mb": 2 * raw_bytes / MB,
        "baseline_rss_mb": baseline_rss / MB, "baseline_max_rss_mb": baseline_max / MB,
        "rss_after_data_mb": after_data / MB, "peak_rss_mb": peak / MB,
        "peak_above_baseline_mb": above / MB, "peak_above_baseline_over_raw": above / raw_bytes,
        "goal_3x_met": above < 3 * raw_bytes,
        "rss_jumps": sampler.events,
    }
    _common.print_table([{k: result[k] for k in ("layout", "model", "series", "steps", "raw_float32_mb",
                                                 "baseline_rss_mb", "peak_rss_mb", "peak_above_baseline_mb",
                                                 "peak_above_baseline_over_raw", "goal_3x_met", "fit_seconds")}])
    print("\nresident memory at each new high (> 4 MB above the last), with the cnnlstm line running then:")
    for event in sampler.events:
        print(f"  {event['t']:7.2f}s  {event['rss_mb']:8.1f} MB  {' <- '.join(event['where'][:3]) or '(outside cnnlstm)'}")
    name = "memory" if args.dry_run else f"memory_{args.layout}" + ("" if args.split == "0.7,0.1,0.2" else "_short")
    name += "_capped" if args.max_steps_per_epoch and not args.dry_run else ""
    path = _common.write_json(name, result, dry_run=args.dry_run)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
