"""Training on the CPU in float32 against bf16 autocast (`amp="always"`), the same estimators in one run.

`amp=True` (the default) autocasts to bf16 on CUDA only; `amp="always"` does it on the CPU too, where oneDNN runs
bf16 convolutions and matrix products on the CPU's bf16 units (Intel AMX, AVX512-BF16) where it has them and
emulates them where it has not. Each case fits the estimator for a few epochs with each setting, interleaved
`--repeats` times, and keeps the median of the epochs after the first (the first holds the one-off start-up);
the ratio is float32 seconds / bf16 seconds per epoch. The machine's bf16 capability is recorded beside it.
Accuracy with bf16 is measured elsewhere (tsc_accuracy.py and cmapss_rul.py with `--set amp=always`).

    python benchmarks/amp_cpu.py [--repeats 2] [--threads 1] [--dry-run]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

from cnnlstm import Classifier, Forecaster, UnitRegressor, datasets  # noqa: E402

# tsai's LSTM_FCN configuration (section 7's comparison)
TSAI_LSTM_FCN = dict(model="lstm_fcn", hidden_size=100, dropout=0.8, filters=(128, 256, 128), kernel_size=(7, 5, 3),
                     shuffle=True, squeeze_excite=False, batch_size=64, schedule="cosine", val_size=0)


def cases(data_dir: str | None, dry_run: bool) -> list[tuple[str, object, dict, int]]:
    """(label, fit(estimator kwargs) -> history DataFrame, estimator kwargs, epochs)."""
    def classify(problem: str):
        X, y = datasets.load(problem, split="train", data_dir=data_dir, download=False)
        if dry_run:
            X, y = X[:20], y[:20]
        return lambda kwargs: Classifier(**kwargs).fit(X, y).history_

    def rul():
        train = datasets.load("cmapss-fd001", split="train", data_dir=data_dir, download=False)
        if dry_run:
            train = train[train["unit"] <= 10]
        return lambda kwargs: UnitRegressor(**kwargs).fit(train, group="unit", target="rul").history_

    def forecast():
        frame = datasets.load("etth1", data_dir=data_dir, download=False)
        shape = dict(window=96, horizon=96, split=(8640, 2880, 2880))  # the ETT protocol at horizon 96
        if dry_run:
            frame, shape = frame.iloc[:700], dict(window=48, horizon=24, split=(400, 150, 150))
        return lambda kwargs: Forecaster(**shape, **kwargs).fit(frame).history_

    epochs = 3 if dry_run else None
    return [
        ("GunPoint, lstm_fcn as tsai's LSTM_FCN", classify("GunPoint"), TSAI_LSTM_FCN, epochs or 12),
        ("GunPoint, Classifier() (lstm_fcn)", classify("GunPoint"), {}, epochs or 12),
        ("BasicMotions, Classifier() (mlstm_fcn)", classify("BasicMotions"), {}, epochs or 12),
        ("C-MAPSS FD001, UnitRegressor() (dcnn), no refit", rul(), dict(refit=False), epochs or 3),
        ("ETTh1, Forecaster(model='cnn_lstm')", forecast(), dict(model="cnn_lstm", patience=None), epochs or 3),
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dry-run", action="store_true", help="small slices, 3 epochs, one repeat")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    repeats = 1 if args.dry_run else args.repeats
    flags = Path("/proc/cpuinfo").read_text().split() if Path("/proc/cpuinfo").exists() else []
    capability = {"torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
                  **{flag: flag in flags for flag in ("amx_bf16", "avx512_bf16", "avx512f")}}
    print(f"CPU: {capability}", flush=True)

    rows = []
    for label, fit, kwargs, epochs in cases(_common.data_dir(args.data_dir), args.dry_run):
        seconds: dict[str, list[float]] = {"float32": [], "bf16": []}
        for _ in range(repeats):
            for name, amp in (("float32", True), ("bf16", "always")):
                history = fit({**kwargs, "epochs": epochs, "amp": amp, "device": "cpu", "progress": False, "seed": 0})
                seconds[name].extend(history["seconds"].tolist()[1:])  # after the first epoch's start-up
        f32, b16 = statistics.median(seconds["float32"]), statistics.median(seconds["bf16"])
        rows.append({"case": label, "epochs": epochs, "repeats": repeats, "float32_epoch_s": round(f32, 4),
                     "bf16_epoch_s": round(b16, 4), "speedup": round(f32 / b16, 3)})
        print(f"{label}: float32 {f32:.3f} s / epoch, bf16 {b16:.3f} s / epoch, {f32 / b16:.2f} x", flush=True)
    _common.print_table(rows)
    path = _common.write_json("amp_cpu", {"threads": args.threads, "repeats": repeats, "cpu": capability,
                                          "rows": rows}, dry_run=args.dry_run)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
