"""Moving digits: how well the frames models tell which digit moves, and in which of 8 directions.

Data: `make_moving_digits` (real 8x8 sklearn digits moving one pixel per frame on a 24x24 canvas, 10 frames).
Training sequences use digit images 0..1199 (digits="train", seed s), test sequences images 1200..1796
(digits="test", seed 1000 + s), so no digit image is seen in both. Two tasks, one model each: "digit" (10 classes)
and "direction" (8 classes); chance is 10% and 12.5%.

Models: `build_model(name, 1, num_classes)` with the registry defaults. There is no estimator for frames yet, so
this is a plain loop, every line visible: AdamW (lr --lr, weight decay 0.01), cross-entropy, --batch-size, a fresh
permutation per epoch, no validation, no schedule, no early stopping; the test accuracy after the last epoch is
reported with the training wall time (data generation and evaluation excluded) at --threads torch threads.

    python benchmarks/moving_digits.py [--dry-run] [--models lrcn,conv_lstm] [--tasks digit,direction]
                                       [--epochs 5] [--seeds 1] [--threads 1] [--train 1000] [--test 300]

Writes benchmarks/results/moving_digits.json (moving_digits.dry-run.json with --dry-run: 64 / 32 sequences,
one epoch, small models), atomically.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

from cnnlstm.data.moving_digits import make_moving_digits  # noqa: E402
from cnnlstm.models import build_model  # noqa: E402

NUM_CLASSES = {"digit": 10, "direction": 8}
DRY_RUN_HYPERPARAMETERS = {"lrcn": dict(filters=8, hidden_size=8), "conv_lstm": dict(hidden_channels=8)}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="lrcn,conv_lstm", help="registry names of frames models, comma-separated")
    parser.add_argument("--tasks", default="digit,direction", help="digit, direction, or both, comma-separated")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=1, help="runs seeds 0 .. N-1 (data, initialisation, batches)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--train", type=int, default=1000, help="training sequences")
    parser.add_argument("--test", type=int, default=300, help="test sequences")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--dry-run", action="store_true", help="a miniature: 64 / 32 sequences, 1 epoch, small models")
    args = parser.parse_args(argv)
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    args.tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = [t for t in args.tasks if t not in NUM_CLASSES]
    if unknown:
        parser.error(f"--tasks must be among {', '.join(NUM_CLASSES)}; received {unknown[0]!r}")
    if args.dry_run:
        args.train, args.test, args.epochs = 64, 32, 1
    return args


def labels(data, task: str) -> torch.Tensor:
    return torch.as_tensor(data.digit if task == "digit" else data.direction)


def accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int) -> float:
    model.eval()
    with torch.no_grad():
        predicted = torch.cat([model(x[i : i + batch_size]).argmax(dim=1) for i in range(0, len(x), batch_size)])
    return float((predicted == y).float().mean())


def run_one(name: str, task: str, seed: int, args) -> dict:
    train = make_moving_digits(args.train, digits="train", seed=seed)
    test = make_moving_digits(args.test, digits="test", seed=1000 + seed)
    x_train, y_train = torch.as_tensor(train.X), labels(train, task)
    x_test, y_test = torch.as_tensor(test.X), labels(test, task)

    torch.manual_seed(seed)
    hyperparameters = DRY_RUN_HYPERPARAMETERS.get(name, {}) if args.dry_run else {}
    model = build_model(name, 1, NUM_CLASSES[task], **hyperparameters)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    generator = torch.Generator().manual_seed(seed)

    began = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        total, count = 0.0, 0
        for rows in torch.randperm(len(x_train), generator=generator).split(args.batch_size):
            loss = F.cross_entropy(model(x_train[rows]), y_train[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, count = total + loss.item() * len(rows), count + len(rows)
        print(f"  {name} {task} seed {seed} epoch {epoch + 1}/{args.epochs}: train loss {total / count:.4f} "
              f"({time.perf_counter() - began:.0f} s)", flush=True)
    seconds = time.perf_counter() - began
    return {
        "model": name, "task": task, "seed": seed, "epochs": args.epochs,
        "train_accuracy": accuracy(model, x_train, y_train, 256), "test_accuracy": accuracy(model, x_test, y_test, 256),
        "chance": 1.0 / NUM_CLASSES[task], "train_seconds": seconds, "seconds_per_epoch": seconds / args.epochs,
        "parameters": sum(p.numel() for p in model.parameters()), "hyperparameters": model.config,
    }


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    rows = []
    for name in args.models:
        for task in args.tasks:
            for seed in range(args.seeds):
                rows.append(run_one(name, task, seed, args))
    summary = []
    for name in args.models:
        for task in args.tasks:
            runs = [r for r in rows if r["model"] == name and r["task"] == task]
            tests = [r["test_accuracy"] for r in runs]
            summary.append({
                "model": name, "task": task, "seeds": len(runs), "test_acc": float(np.mean(tests)),
                "test_acc_std": float(np.std(tests)), "train_acc": float(np.mean([r["train_accuracy"] for r in runs])),
                "chance": runs[0]["chance"], "s/epoch": float(np.mean([r["seconds_per_epoch"] for r in runs])),
                "params": runs[0]["parameters"],
            })
    print()
    _common.print_table(summary)
    settings = {k: getattr(args, k) for k in ("models", "tasks", "epochs", "seeds", "threads", "train", "test",
                                              "batch_size", "lr")}
    path = _common.write_json("moving_digits", {"settings": settings, "summary": summary, "runs": rows},
                              dry_run=args.dry_run)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
