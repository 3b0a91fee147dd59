"""The tsai side of tsai_compare.py. Runs inside the separate tsai virtualenv, never in the project's.

It imports nothing from cnnlstm (tsai is not a dependency of the project). One call trains tsai's LSTM_FCN on one
UCR/UEA problem for one seed, the way tsai's README trains a classifier:

    X, y, splits = combine_split_data([X_train, X_test], [y_train, y_test])     # official split
    clf = TSClassifier(X, y, splits=splits, arch=LSTM_FCN, tfms=[None, TSClassification()],
                       batch_tfms=TSStandardize(), metrics=accuracy, bs=[64, 128], seed=seed)
    clf.fit_one_cycle(epochs, 1e-3)

Data: the official TRAIN/TEST .ts files read with tsai's own reader (`tsai.data.external._ts2df`, `stack_pad`,
`match_seq_len`), i.e. exactly what `get_UCR_data` does after its download, minus the download. Unequal lengths
(JapaneseVowels): `stack_pad` pads the end of each case with NaN and `match_seq_len` pads the front of the shorter
split with 0; the NaNs are then set to 0 (TSStandardize would turn them into NaN losses).

As in tsai's README, the "valid" set of the Learner is the official test split: it is evaluated after every epoch
(that costs time, reported apart as `validate_seconds`) but never used to choose weights, so the accuracy of the
last epoch on it is an honest test accuracy. `"valid": "none"` in the config trains with an empty valid set instead.
Other times: `setup_seconds` (TSClassifier(...): dataloaders, TSStandardize's setup, the model), `fit_seconds`
(fit_one_cycle, validation included), `train_seconds` (the training phases of the epochs alone).
tsai's defaults kept: train batch 64 (clipped to the training set's size), valid batch 128, drop_last=True,
shuffled batches, fastai's Adam (decoupled weight decay 0.01), one-cycle schedule.

Usage: python _tsai_worker.py CONFIG_JSON OUTPUT_JSON
CONFIG_JSON keys: data_dir, archive ("UCR"/"UEA"), name, epochs, seed, threads, batch_size, lr, arch_config (dict
passed to LSTM_FCN), valid ("test" or "none").
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

# tsai's default valid batch (TSClassifier's bs=[64, 128]). It also dodges a tsai 1.0.1 bug: an unshuffled
# DataLoader over n <= 127 items indexes with int8, so a second batch starting at 64 computes 64 + 64 = -128 (int8
# overflow), comes out empty and crashes LSTM_FCN's pooling (ECG200's 100 test cases with bs=64). With a batch of
# 128 any n <= 127 is a single batch, and n >= 128 indexes with int16.
VALID_BATCH_SIZE = 128


def import_torchvision_without_its_compiled_operators() -> None:
    """Import torchvision when its compiled operators cannot load (a CUDA wheel beside a CPU torch).

    The package mirror's torchvision 0.28 wheels are CUDA builds: their `_C` extension needs libtorch_cuda.so, which
    the CPU torch lacks. torchvision catches that failure, but `torchvision/_meta_registrations.py` then registers fake
    kernels for `torchvision::nms` and friends unconditionally, and torch refuses them ("operator ... does not exist"),
    so `import torchvision` fails and fastai, hence tsai, cannot import. While torchvision imports, this skips those
    registrations for operators that do not exist and nothing else; LSTM_FCN and tsai's training path use none of
    torchvision's operators (detection ops: nms, roi_align, deform_conv2d), so the timed work is unchanged.
    """
    real = torch.library.register_fake

    def tolerant(op, func=None, /, *args, **kwargs):
        def register(fn):
            try:
                return real(op, fn, *args, **kwargs)
            except RuntimeError as err:
                if "does not exist" not in str(err):
                    raise
                return fn

        return register if func is None else register(func)

    torch.library.register_fake = tolerant
    try:
        import torchvision  # noqa: F401
    finally:
        torch.library.register_fake = real


def read_split(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One .ts file -> X (N, F, T) float64 with NaN end padding for unequal lengths, y str (tsai's own reader)."""
    from tsai.data.external import _ts2df
    from tsai.utils import stack_pad

    frame, y = _ts2df(path)
    dims = [stack_pad(frame[f"dim_{i}"]) for i in range(frame.shape[-1])]  # each (N, T)
    return np.transpose(np.stack(dims, axis=-1), (0, 2, 1)), np.asarray(y)  # (N, T, F) -> (N, F, T)


def main(config_path: str, output_path: str) -> None:
    config = json.loads(Path(config_path).read_text())
    torch.set_num_threads(config["threads"])
    torch.set_num_interop_threads(1)

    import_torchvision_without_its_compiled_operators()
    import fastai
    import tsai
    from fastai.callback.core import Callback
    from tsai.basics import TSClassification, TSClassifier, TSStandardize, accuracy, combine_split_data
    from tsai.models.RNN_FCN import LSTM_FCN
    from tsai.utils import match_seq_len

    class PhaseTimer(Callback):
        """Wall seconds of each epoch's training phase and validation phase."""

        order = -100  # before fastai's own callbacks, so the time of the phase is all inside

        def __init__(self):
            self.train_seconds, self.validate_seconds, self.began = [], [], None

        def before_train(self):
            self.began = time.perf_counter()

        def after_train(self):
            self.train_seconds.append(time.perf_counter() - self.began)

        def before_validate(self):
            self.began = time.perf_counter()

        def after_validate(self):
            self.validate_seconds.append(time.perf_counter() - self.began)

    folder = Path(config["data_dir"]) / config["archive"] / config["name"]
    X_train, y_train = read_split(folder / f"{config['name']}_TRAIN.ts")
    X_test, y_test = read_split(folder / f"{config['name']}_TEST.ts")
    X_train, X_test = match_seq_len(X_train, X_test)
    X_train, X_test = (np.nan_to_num(x, nan=0.0).astype(np.float32) for x in (X_train, X_test))
    if config.get("valid", "test") == "test":
        X, y, splits = combine_split_data([X_train, X_test], [y_train, y_test])
    else:
        X, y, splits = combine_split_data([X_train], [y_train])
        splits = (splits[0], [])

    timer = PhaseTimer()
    began = time.perf_counter()
    clf = TSClassifier(
        X, y, splits=splits, arch=LSTM_FCN, arch_config=config.get("arch_config", {}),
        tfms=[None, TSClassification()], batch_tfms=TSStandardize(), metrics=accuracy,
        bs=[config["batch_size"], VALID_BATCH_SIZE], lr=config["lr"], seed=config["seed"], cbs=[timer],
    )
    setup_seconds = time.perf_counter() - began  # dataloaders, transforms' setup, the model
    began = time.perf_counter()
    with clf.no_bar(), clf.no_logging():
        clf.fit_one_cycle(config["epochs"], config["lr"])
    fit_seconds = time.perf_counter() - began
    train_seconds, validate_seconds = list(timer.train_seconds), list(timer.validate_seconds)  # get_X_preds adds

    began = time.perf_counter()
    with clf.no_bar():
        _, _, predictions = clf.get_X_preds(X_test, bs=VALID_BATCH_SIZE)
    predict_seconds = time.perf_counter() - began
    model = clf.model
    lstm = model.rnn
    json.dump({
        "tsai_version": tsai.__version__, "fastai_version": fastai.__version__, "torch": torch.__version__,
        "threads": torch.get_num_threads(), "problem": config["name"], "seed": config["seed"],
        "epochs": config["epochs"], "accuracy": float(np.mean(np.asarray(predictions) == y_test)),
        "setup_seconds": setup_seconds, "fit_seconds": fit_seconds, "train_seconds": float(sum(train_seconds)),
        "validate_seconds": float(sum(validate_seconds)), "epoch_train_seconds": train_seconds,
        "predict_seconds": predict_seconds,
        "num_parameters": int(sum(p.numel() for p in model.parameters())),
        "num_train": int(len(X_train)), "num_test": int(len(X_test)), "input_shape_NFT": list(X_train.shape),
        "train_batch_size": int(clf.dls.train.bs), "train_batches_per_epoch": len(clf.dls.train),
        "drop_last": bool(clf.dls.train.drop_last), "valid": config.get("valid", "test"),
        "model": {
            "arch": "tsai.models.RNN_FCN.LSTM_FCN", "arch_config": config.get("arch_config", {}),
            "lstm_input_size": lstm.input_size, "lstm_steps": int(X_train.shape[1]) if lstm.input_size ==
            X_train.shape[2] else int(X_train.shape[2]), "hidden_size": lstm.hidden_size,
            "rnn_layers": lstm.num_layers, "bidirectional": lstm.bidirectional,
            "rnn_dropout": getattr(model.rnn_dropout, "p", 0.0), "fc_dropout": getattr(model.fc_dropout, "p", 0.0),
            "conv_filters": [b[0].out_channels for b in (model.convblock1, model.convblock2, model.convblock3)],
            "kernel_sizes": [b[0].kernel_size[0] for b in (model.convblock1, model.convblock2, model.convblock3)],
            "conv_block": " -> ".join(type(m).__name__ for m in model.convblock1),
            "repr": repr(model),
        },
        "optimizer": "fastai Adam (wd=0.01 decoupled, moms 0.95/0.85/0.95), fit_one_cycle(lr_max=lr)",
    }, open(output_path, "w"), indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
