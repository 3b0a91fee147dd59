"""The default Classifier's training curve on one UCR/UEA problem: is it still learning at the last epoch?

Fits `Classifier(seed=...)` with the library's defaults (LSTM-FCN, every training sequence, the plateau schedule)
on the official TRAIN file and records, per epoch, the training loss and the learning rate; then the epoch of the
lowest training loss (the weights kept), the first epoch at the rate's floor (lr / 100), and the test accuracy.
Written to results/training_curve_<problem>.json.

    python benchmarks/training_curve.py [--problem ItalyPowerDemand] [--seed 0] [--epochs N] [--dry-run]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

from cnnlstm import Classifier, datasets  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problem", default="ItalyPowerDemand")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=None, help="default: the Classifier's")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--dry-run", action="store_true", help="3 epochs")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    data_dir = _common.data_dir(args.data_dir)
    X, y = datasets.load(args.problem, split="train", data_dir=data_dir)
    X_test, y_test = datasets.load(args.problem, split="test", data_dir=data_dir)
    epochs = 3 if args.dry_run else args.epochs
    clf = Classifier(seed=args.seed, device="cpu", progress=False, **({"epochs": epochs} if epochs else {}))
    clf.fit(X, y)
    history = clf.history_
    floor = history.index[history["lr"] <= clf.lr / 100 * (1 + 1e-6)]
    summary = {"problem": args.problem, "seed": args.seed, "epochs": len(history), "lr": clf.lr,
               "best_epoch": int(history["train_loss"].idxmin()) + 1,
               "best_train_loss": float(history["train_loss"].min()),
               "first_epoch_at_lr_floor": int(floor[0]) + 1 if len(floor) else None,
               "test_accuracy": float(clf.score(X_test, y_test))}
    for key, value in summary.items():
        print(f"{key}: {value}")
    step = max(1, len(history) // 20)
    print(history.iloc[::step][["epoch", "train_loss", "lr"]].to_string(index=False))
    path = _common.write_json(f"training_curve_{args.problem}", {
        **summary, "curve": {"epoch": history["epoch"].tolist(),
                             "train_loss": [round(float(v), 6) for v in history["train_loss"]],
                             "lr": [float(v) for v in history["lr"]]}}, dry_run=args.dry_run)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
