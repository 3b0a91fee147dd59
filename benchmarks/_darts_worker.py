"""The Darts side of darts_compare.py. Runs inside the separate Darts virtualenv, never in the project's.

It imports nothing from cnnlstm (Darts is not a dependency of the project); it reads ETTh1.csv with pandas.
Usage: python _darts_worker.py CONFIG_JSON OUTPUT_JSON
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import pandas as pd
import torch


def main(config_path: str, output_path: str) -> None:
    config = json.loads(open(config_path).read())
    torch.set_num_threads(config["threads"])

    import darts
    from darts import TimeSeries
    from darts.dataprocessing.transformers import Scaler
    from darts.models import BlockRNNModel
    from pytorch_lightning.callbacks import Callback
    from sklearn.preprocessing import StandardScaler

    class EpochTimer(Callback):
        def __init__(self):
            self.seconds, self.began = [], None

        def on_train_epoch_start(self, trainer, module):
            self.began = time.perf_counter()

        def on_train_epoch_end(self, trainer, module):
            self.seconds.append(time.perf_counter() - self.began)

    train_rows, val_rows, test_rows = config["split"]
    window, horizon = config["window"], config["horizon"]
    frame = pd.read_csv(config["csv"], parse_dates=["date"]).iloc[: train_rows + val_rows + test_rows]
    series = TimeSeries.from_dataframe(frame, time_col="date", value_cols=config["target"]).astype(np.float32)
    scaler = Scaler(StandardScaler())  # z-score fitted on the training part only, as in cnnlstm
    scaler.fit(series[:train_rows])
    scaled = scaler.transform(series)
    train = scaled[:train_rows]

    timer = EpochTimer()
    model = BlockRNNModel(
        model="LSTM", hidden_dim=64, n_rnn_layers=1, input_chunk_length=window, output_chunk_length=horizon,
        batch_size=config["batch_size"], n_epochs=1 + config["epochs"], random_state=0,
        pl_trainer_kwargs={"accelerator": "cpu", "callbacks": [timer], "enable_progress_bar": False,
                           "enable_model_summary": False, "logger": False, "enable_checkpointing": False},
    )
    began = time.perf_counter()
    model.fit(train, verbose=False)
    fit_seconds = time.perf_counter() - began
    num_train_windows = len(train) - window - horizon + 1

    # every forecast origin of the test part, in batch, with the fitted model (no retraining)
    began = time.perf_counter()
    forecasts = model.historical_forecasts(
        scaled, start=train_rows + val_rows, start_format="position", forecast_horizon=horizon, stride=1,
        retrain=False, last_points_only=False, verbose=False, predict_kwargs={"batch_size": 1024},
    )
    predict_seconds = time.perf_counter() - began
    # scaled MSE over the test part, as a sanity check that the model learned something
    actual = scaled.values(copy=False)[:, 0]
    errors = [f.values(copy=False)[:, 0] - actual[scaled.get_index_at_point(f.start_time()):][:horizon]
              for f in forecasts]
    json.dump({
        "darts_version": darts.__version__, "torch": torch.__version__, "threads": torch.get_num_threads(),
        "num_train_windows": num_train_windows, "epoch_seconds_all": timer.seconds,
        "fit_seconds": fit_seconds, "predict_seconds": predict_seconds, "num_forecasts": len(forecasts),
        "scaled_mse": float(np.mean(np.square(np.concatenate(errors)))),
    }, open(output_path, "w"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
