"""Our side of tsai_compare.py: one `cnnlstm.Classifier` fit on one UCR/UEA problem for one seed, in a fresh
process of the project's interpreter, so that it starts as cold as the tsai worker does.

Timed: `Classifier(...).fit(X_train, y_train)` on arrays already in memory (scaling, the model, every epoch), and
apart from it the epochs alone (the sum of `history_`'s "seconds"). Then `score` on the official test split.

Usage: python _cnnlstm_worker.py CONFIG_JSON OUTPUT_JSON
CONFIG_JSON keys: data_dir, name, epochs, seed, threads, batch_size, lr, val_size, model_kwargs.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import torch


def _epoch_seconds(history) -> list[float]:
    """Per-epoch seconds from `history_`, a DataFrame or a list of dicts."""
    if hasattr(history, "columns"):
        return [float(s) for s in history["seconds"]]
    return [float(h["seconds"]) for h in history]


def main(config_path: str, output_path: str) -> None:
    config = json.loads(Path(config_path).read_text())
    torch.set_num_threads(config["threads"])
    torch.set_num_interop_threads(1)

    import cnnlstm
    from cnnlstm import Classifier, datasets

    X_train, y_train = datasets.load(config["name"], split="train", data_dir=config["data_dir"])
    X_test, y_test = datasets.load(config["name"], split="test", data_dir=config["data_dir"])

    began = time.perf_counter()
    settings = {"model": "parallel", **config["model_kwargs"]}  # model_kwargs name the model (older runs: parallel)
    # fit_one_cycle's counterpart: one cosine schedule, the last weights kept (not the Classifier's plateau default)
    clf = Classifier(epochs=config["epochs"], batch_size=config["batch_size"], lr=config["lr"], schedule="cosine",
                     val_size=config["val_size"], seed=config["seed"], device="cpu", progress=False, **settings)
    clf.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - began
    epochs = _epoch_seconds(clf.history_)

    began = time.perf_counter()
    scores = clf.evaluate(X_test, y_test)
    predict_seconds = time.perf_counter() - began
    num_train = len(X_train)
    num_fit = num_train - round(config["val_size"] * num_train)  # approximate when stratified per class
    batch = min(config["batch_size"], num_fit)
    net = getattr(clf, "net_", None)
    json.dump({
        "cnnlstm_version": cnnlstm.__version__, "torch": torch.__version__, "threads": torch.get_num_threads(),
        "problem": config["name"], "seed": config["seed"], "epochs": config["epochs"],
        "epochs_run": len(epochs), **{k: float(v) for k, v in scores.items()},
        "fit_seconds": fit_seconds, "train_seconds": float(sum(epochs)), "epoch_seconds": epochs,
        "predict_seconds": predict_seconds,
        "num_parameters": int(sum(p.numel() for p in net.parameters())) if net is not None else None,
        "num_train": num_train, "num_test": len(X_test), "val_size": config["val_size"],
        "train_batch_size": batch, "train_batches_per_epoch": math.ceil(num_fit / batch),
        "model": {"model": "parallel", **config["model_kwargs"], "repr": repr(net)},
    }, open(output_path, "w"), indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
