"""Training throughput of `Forecaster.fit` against a minimal plain-PyTorch loop, measured in the same run.

Two tasks on ETTh1 (split 8640/2880/2880 rows = 12/4/4 months):

* reference: all 7 channels as targets, window 96, horizon 24, `cnn_lstm` (2 convolutions of 64 filters, kernel 3,
  one max-pool of 2, LSTM hidden 128). CPU: batch 256 at 1 and 2 threads. CUDA: batch 1024 fp32, 4096 bf16.
* lstm_ot (the issue's CPU comparison): OT only, window 48, horizon 12, `lstm` hidden 64 with 1 layer, batch 32,
  1 thread; also the seconds to forecast every origin of the test part (`Forecaster.backtest`).

The API side is `Forecaster(...).fit(df)` exactly as a user calls it; its epoch seconds come from `history_` (the
first epoch is a warm-up and is dropped). Those seconds include the validation pass at the end of each epoch, so
the script also times a forward pass of the fitted network (`net_`) over as many windows as validation has, and
reports both "API incl. validation" and "API train-only" (epoch seconds minus that validation time).
The headline ratio is train-only / plain, since the plain loop does no validation.
The machine may be shared, so each setting runs --repeats alternating API / plain rounds and each side is timed by
its fastest epoch (medians are in the JSON as well, with the 1-minute load average around each round).

The plain loop: the same backbone from `cnnlstm.models.build_model`, per-window instance normalisation (the API's
RevIN without its two affine vectors), the scaled data as one tensor on the device, random start indices gathered
per batch, AdamW, no validation, no clipping, no schedule. Both sides do ceil(N / batch) steps of a full batch per
epoch and count N windows per epoch.

    python benchmarks/throughput.py [--dry-run] [--threads 1,2] [--epochs 2] [--repeats 2] [--tasks reference,lstm_ot]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

from cnnlstm import Forecaster, build_model, datasets  # noqa: E402

ETT_SPLIT = (8640, 2880, 2880)
CHANNELS = ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]


@dataclass
class Task:
    name: str
    model: str
    hyperparameters: dict
    window: int
    horizon: int
    targets: list[str]
    split: tuple = ETT_SPLIT
    runs: list[dict] = field(default_factory=list)  # (threads, batch_size, amp) to measure
    backtest: bool = False


def make_tasks(args, cuda: bool) -> list[Task]:
    ref = Task("reference", "cnn_lstm", dict(num_conv_layers=2, filters=64, kernel_size=3, pool=2, hidden_size=128),
               window=96, horizon=24, targets=CHANNELS)
    lstm = Task("lstm_ot", "lstm", dict(hidden_size=64, num_layers=1), window=48, horizon=12, targets=["OT"],
                backtest=True)
    if cuda:
        threads = max(args.threads)
        ref.runs = [dict(threads=threads, batch_size=1024, amp=False), dict(threads=threads, batch_size=4096, amp=True)]
    else:
        ref.runs = [dict(threads=t, batch_size=256, amp=False) for t in args.threads]
    lstm.runs = [dict(threads=1, batch_size=32, amp=False)]
    if args.dry_run:  # a miniature: small data, small nets, one measured epoch
        for task in (ref, lstm):
            task.split = (400, 100, 100)
            task.window, task.horizon = 24, 6
            task.hyperparameters = {**task.hyperparameters, "hidden_size": 16}
            task.runs = [dict(run, threads=1, batch_size=32) for run in task.runs[:1]]
        ref.hyperparameters["filters"] = 8
    chosen = [t for t in (ref, lstm) if t.name in args.tasks]
    return chosen


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


# ---------------------------------------------------------------------------------------------- the public API
def measure_api(task: Task, frame, run: dict, epochs: int, device: str) -> dict:
    forecaster = Forecaster(
        model=task.model, window=task.window, horizon=task.horizon, targets=task.targets, calendar=None,
        split=task.split, batch_size=run["batch_size"], epochs=1 + epochs, patience=None, amp=run["amp"],
        device=device, progress=False, **task.hyperparameters,
    )
    began = time.perf_counter()
    forecaster.fit(frame)
    fit_seconds = time.perf_counter() - began
    epoch_seconds = forecaster.history_["seconds"].to_numpy()[1:]  # epoch 1 is the warm-up
    result = {
        "num_train_windows": forecaster.num_train_windows_, "num_val_windows": forecaster.num_val_windows_,
        "fit_seconds": fit_seconds, "epoch_seconds": epoch_seconds.tolist(),
        "api_epoch_seconds": _common.median(epoch_seconds),
    }
    if task.backtest:
        began = time.perf_counter()
        backtest = forecaster.backtest(frame)
        result["api_backtest_seconds"] = time.perf_counter() - began
        result["num_test_windows"] = len(backtest.origins)
    return result, forecaster


def validation_seconds(net: torch.nn.Module, values: torch.Tensor, count: int, window: int, horizon: int,
                       amp: bool, repeats: int = 3) -> float:
    """Seconds for a forward pass of the API's fitted network over `count` windows in batches of 1024 (the
    validation pass inside each API epoch: TrainConfig.eval_batch_size=1024)."""
    device = values.device
    rows = torch.arange(count, device=device) % (len(values) - window - horizon + 1)
    offsets = torch.arange(window, device=device)
    net.eval()
    times = []
    with torch.no_grad():
        for _ in range(repeats):
            sync(device)
            began = time.perf_counter()
            total = torch.zeros((), device=device)
            for chunk in rows.split(1024):
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp and device.type == "cuda"):
                    total += net(values[chunk[:, None] + offsets]).float().mean()
            total.item()
            times.append(time.perf_counter() - began)
    return _common.median(times)


# ---------------------------------------------------------------------------------------------- the plain loop
class PlainNet(torch.nn.Module):
    """The registry backbone between a per-window normalisation and its inverse: (B, W, T) -> (B, H, T)."""

    def __init__(self, task: Task):
        super().__init__()
        self.horizon, self.targets = task.horizon, len(task.targets)
        self.backbone = build_model(task.model, self.targets, task.horizon * self.targets, window=task.window,
                                    **task.hyperparameters)

    def forward(self, x):
        mean = x.mean(dim=1, keepdim=True)  # (B, 1, T)
        std = torch.sqrt(x.var(dim=1, keepdim=True, unbiased=False) + 1e-5)
        out = self.backbone((x - mean) / std).view(len(x), self.horizon, self.targets)  # (B, H, T)
        return out * std + mean


def scaled_values(task: Task, frame) -> np.ndarray:
    values = frame[task.targets].to_numpy(np.float64)[: sum(task.split)]
    train = values[: task.split[0]]
    return ((values - train.mean(0)) / train.std(0)).astype(np.float32)  # (N, T), z-score fitted on train


def measure_plain(task: Task, frame, run: dict, epochs: int, device: torch.device, seed: int = 0) -> dict:
    torch.manual_seed(seed)
    values = torch.as_tensor(scaled_values(task, frame), device=device)  # (N, T), lives on the device
    window, horizon, batch_size = task.window, task.horizon, run["batch_size"]
    starts = torch.arange(task.split[0] - window - horizon + 1, device=device)  # train windows: target in train
    offsets = torch.arange(window + horizon, device=device)
    steps = math.ceil(len(starts) / batch_size)
    net = PlainNet(task).to(device)
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    amp = run["amp"] and device.type == "cuda"

    seconds = []
    for epoch in range(1 + epochs):  # epoch 0 is the warm-up
        sync(device)
        began = time.perf_counter()
        net.train()
        order = torch.randint(len(starts), (steps * batch_size,), device=device)  # random start indices
        total = torch.zeros((), device=device)
        for rows in starts[order].view(steps, batch_size):
            block = values[rows[:, None] + offsets]  # (B, W + H, T)
            x, y = block[:, :window], block[:, window:]
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                prediction = net(x)
            loss = F.mse_loss(prediction.float(), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach()
        total.item()
        seconds.append(time.perf_counter() - began)
    result = {"plain_epoch_seconds_all": seconds[1:], "plain_epoch_seconds": _common.median(seconds[1:]),
              "plain_final_loss": float(total / steps)}
    if task.backtest:
        test_starts = torch.arange(sum(task.split[:2]) - window, sum(task.split) - window - horizon + 1,
                                   device=device)
        net.eval()
        sync(device)
        began = time.perf_counter()
        with torch.no_grad():
            outputs = [net(values[chunk[:, None] + offsets[:window]]) for chunk in test_starts.split(1024)]
            torch.cat(outputs).cpu()
        result["plain_predict_seconds"] = time.perf_counter() - began
        result["plain_num_test_windows"] = len(test_starts)
    return result


# ---------------------------------------------------------------------------------------------- main
def combine(rounds: list[dict], all_key: str, key: str, extra=()) -> dict:
    """Merge repeated rounds: every epoch's seconds, the fastest as `key`, the median as `key`_median."""
    merged = dict(rounds[0])
    seconds = [s for r in rounds for s in r[all_key]]
    merged[all_key], merged[key], merged[key + "_median"] = seconds, min(seconds), _common.median(seconds)
    for name in extra:
        if name in rounds[0]:
            merged[name] = min(r[name] for r in rounds)
    return merged


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="a seconds-long miniature, for CI")
    parser.add_argument("--threads", default="1,2", help="CPU thread counts to measure (torch.set_num_threads)")
    parser.add_argument("--epochs", type=int, default=2, help="measured epochs after one warm-up epoch, per round")
    parser.add_argument("--repeats", type=int, default=2, help="alternating API / plain rounds per setting")
    parser.add_argument("--tasks", default="reference,lstm_ot")
    parser.add_argument("--device", default="auto", help="auto (cuda if available), cpu or cuda")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    args.threads = [int(t) for t in args.threads.split(",")]
    args.tasks = args.tasks.split(",")
    epochs = 1 if args.dry_run else args.epochs
    repeats = 1 if args.dry_run else args.repeats

    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if args.device == "auto" else args.device))
    frame = datasets.load("etth1", data_dir=_common.data_dir(args.data_dir), download=False)
    if args.dry_run:
        frame = frame.iloc[:600].reset_index(drop=True)

    rows = []
    for task in make_tasks(args, device.type == "cuda"):
        for run in task.runs:
            torch.set_num_threads(run["threads"])
            # The machine may be shared: alternate API and plain rounds and keep the fastest epoch of each side
            # (the usual estimator under interference); medians are kept in the JSON too.
            loads, api_rounds, plain_rounds = [os.getloadavg()[0]], [], []
            for _ in range(repeats):
                api, forecaster = measure_api(task, frame, run, epochs, str(device))
                api_rounds.append(api)
                plain_rounds.append(measure_plain(task, frame, run, epochs, device))
                loads.append(os.getloadavg()[0])
            api = combine(api_rounds, "epoch_seconds", "api_epoch_seconds",
                          extra=("api_backtest_seconds",))
            plain = combine(plain_rounds, "plain_epoch_seconds_all", "plain_epoch_seconds",
                            extra=("plain_predict_seconds",))
            values = torch.as_tensor(scaled_values(task, frame), device=device)
            val = validation_seconds(forecaster.net_, values, api["num_val_windows"], task.window, task.horizon,
                                     run["amp"])
            api["load_average_1min"] = loads
            n = api["num_train_windows"]
            row = {
                "task": task.name, "model": task.model, "device": device.type, "threads": torch.get_num_threads(),
                "batch_size": run["batch_size"], "precision": "bf16" if run["amp"] and device.type == "cuda" else "fp32",
                "api_windows_per_s": n / api["api_epoch_seconds"],
                "api_train_only_windows_per_s": n / max(1e-9, api["api_epoch_seconds"] - val),
                "plain_windows_per_s": n / plain["plain_epoch_seconds"],
                "validation_seconds": val,
                **api, **plain,
            }
            row["ratio_incl_validation"] = row["api_windows_per_s"] / row["plain_windows_per_s"]
            row["ratio_train_only"] = row["api_train_only_windows_per_s"] / row["plain_windows_per_s"]
            row["goal_ratio_0.8_met"] = row["ratio_train_only"] >= 0.8
            rows.append(row)
            print(f"[{task.name} threads={row['threads']} batch={row['batch_size']}] "
                  f"API {row['api_windows_per_s']:.0f} w/s (train-only {row['api_train_only_windows_per_s']:.0f}), "
                  f"plain {row['plain_windows_per_s']:.0f} w/s", flush=True)

    columns = ["task", "device", "threads", "batch_size", "precision", "api_windows_per_s",
               "api_train_only_windows_per_s", "plain_windows_per_s", "ratio_incl_validation", "ratio_train_only"]
    print()
    _common.print_table(rows, columns)
    predict_rows = [r for r in rows if "api_backtest_seconds" in r]
    if predict_rows:
        print()
        _common.print_table(predict_rows, ["task", "threads", "num_test_windows", "api_backtest_seconds",
                                           "plain_predict_seconds"])
    path = _common.write_json("throughput", {"epochs_measured_per_round": epochs, "rounds": repeats,
                                             "estimator": "fastest epoch over all rounds", "results": rows}, dry_run=args.dry_run)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
