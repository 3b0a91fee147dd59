"""Seconds per training epoch on ETTh1 (window 96, all 7 channels, the ETT split), one thread, in one run: the
recurrent models against each other in the same channel-independent setting, beside `linear`.

Issue 10's speed target: `seg_lstm`'s epoch at most half of `cnn_lstm`'s (the recurrence runs over 4 segments of
24 steps instead of 48 pooled steps). Each model trains one full epoch (batch 64, the library's defaults
otherwise), `--repeats` times interleaved; the fastest epoch is kept (the least disturbed by other load).

    python benchmarks/epoch_seconds.py --horizon 96 --repeats 2
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

from cnnlstm import Forecaster, datasets  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="linear,cnn_lstm,lstm_cnn,seg_lstm")
    parser.add_argument("--horizon", type=int, default=96)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dry-run", action="store_true", help="a few hundred rows, one repeat")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    frame = datasets.load("etth1", data_dir=_common.data_dir(args.data_dir), download=False)
    split, window, horizon, repeats = (8640, 2880, 2880), 96, args.horizon, args.repeats
    if args.dry_run:
        frame, split, window, horizon, repeats = frame.iloc[:700], (400, 150, 150), 48, 24, 1
    seconds: dict[str, list[float]] = {m: [] for m in args.models.split(",")}
    windows = {}
    for _ in range(repeats):
        for model in seconds:
            forecaster = Forecaster(model, window=window, horizon=horizon, split=split, calendar=None,
                                    channel_independent=True, epochs=1, batch_size=64, patience=None,
                                    progress=False, device="cpu").fit(frame)
            seconds[model].append(float(forecaster.history_["seconds"].iloc[0]))
            windows[model] = forecaster.num_train_windows_
    rows = [{"model": m, "epoch_s": round(min(s), 2), "all_s": [round(v, 2) for v in s],
             "train_windows": windows[m]} for m, s in seconds.items()]
    reference = min(seconds["cnn_lstm"]) if "cnn_lstm" in seconds else None
    for row in rows:
        row["vs_cnn_lstm"] = round(row["epoch_s"] / reference, 3) if reference else None
    _common.print_table(rows, ["model", "epoch_s", "vs_cnn_lstm", "train_windows"])
    path = _common.write_json("epoch_seconds", {
        "protocol": {"window": window, "horizon": horizon, "split": split, "channel_independent": True,
                     "batch_size": 64, "threads": torch.get_num_threads(), "repeats": repeats,
                     "estimator": "fastest full epoch"}, "rows": rows}, dry_run=args.dry_run)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
