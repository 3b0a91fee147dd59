"""`cnnlstm serve`: every endpoint for each kind of estimator, the bad-request matrix (each a 422 or 413 carrying the
library's own message, never a traceback), a 500 that leaks nothing, and one real uvicorn server on loopback."""

from __future__ import annotations

import inspect
import json
import logging
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

import cnnlstm
from cnnlstm import Classifier, Forecaster, Regressor, UnitRegressor, datasets
from cnnlstm import serve as serving
from cnnlstm.cli import main

TINY_F = dict(model="cnn", window=24, horizon=6, split=(96, 24, 24), epochs=1, filters=4, progress=False, device="cpu")
TINY_S = dict(model="cnn", epochs=1, filters=4, progress=False, device="cpu")


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    """One tiny saved model per estimator kind, the apps serving them, and the data to predict from."""
    tmp = tmp_path_factory.mktemp("serve")
    c = SimpleNamespace(tmp=tmp)
    c.air = datasets.load("airline")
    c.history = c.air.tail(30).reset_index(drop=True)  # window 24 and a few rows more
    c.records = c.history.assign(date=c.history["date"].dt.strftime("%Y-%m-%d")).to_dict(orient="records")
    Forecaster(**TINY_F).fit(c.air).save(tmp / "forecast")

    X, y = datasets.load("GunPoint", split="train")
    table = pd.DataFrame(X[:30, ::5, 0], columns=[f"t{i}" for i in range(30)])  # one row per sequence, 30 steps
    table.insert(0, "label", y[:30].astype(int))
    c.table = table
    Classifier(**TINY_S).fit(table, target="label").save(tmp / "classify")
    Regressor(**TINY_S).fit(X[:30, ::5], np.arange(30.0)).save(tmp / "regress")

    units = datasets.load("cmapss-fd001", split="train")
    c.units = units[units["unit"] <= 4].reset_index(drop=True)
    UnitRegressor(**TINY_S, window=10).fit(c.units, group="unit", target="rul").save(tmp / "rul")
    c.client = {kind: TestClient(serving.create_app(tmp / kind)) for kind in ("forecast", "classify", "regress", "rul")}
    return c


def _detail(response) -> str:
    assert "Traceback" not in response.text and 'File "' not in response.text
    return response.json()["detail"]


# ---------------------------------------------------------------------------------------------- the endpoints


def test_health_and_metadata_describe_the_loaded_model(ctx):
    client = ctx.client["forecast"]
    assert client.get("/health").json() == {"status": "ok"}
    meta = client.get("/metadata").json()
    assert (meta["estimator"], meta["task"], meta["model"]) == ("Forecaster", "forecast", "cnn")
    assert meta["inputs"]["targets"] == ["Passengers"] and meta["inputs"]["time_col"] == "date"
    assert (meta["inputs"]["window"], meta["inputs"]["horizon"]) == (24, 6)
    assert meta["max_body_bytes"] == serving.DEFAULT_MAX_BODY_BYTES
    assert meta["predict_takes_level"] == ("level" in inspect.signature(Forecaster.predict).parameters)
    assert ctx.client["classify"].get("/metadata").json()["predict_takes_level"] is False
    assert ctx.client["classify"].get("/metadata").json()["inputs"]["classes"] == [1, 2]
    assert ctx.client["rul"].get("/metadata").json()["inputs"]["group"] == "unit"


def test_forecaster_answers_json_records_and_csv_alike_and_as_cnnlstm_predict(ctx):
    client = ctx.client["forecast"]
    by_json = client.post("/predict", json=ctx.records)
    by_csv = client.post("/predict", content=ctx.history.to_csv(index=False), headers={"Content-Type": "text/csv"})
    wrapped = client.post("/predict", json={"records": ctx.records})
    assert by_json.status_code == by_csv.status_code == wrapped.status_code == 200, by_json.text
    body = by_json.json()
    assert (body["task"], body["estimator"], body["warnings"]) == ("forecast", "Forecaster", [])
    assert body == by_csv.json() == wrapped.json()
    expected = cnnlstm.load(ctx.tmp / "forecast").predict(ctx.history)
    got = pd.DataFrame(body["predictions"])
    assert got["date"].tolist() == expected["date"].dt.strftime("%Y-%m-%dT%H:%M:%S.000").tolist()
    assert got["date"].iloc[0].startswith("1961-01-01")  # the month after the history's last
    np.testing.assert_allclose(got["Passengers"], expected["Passengers"], rtol=1e-6)


def test_classifier_answers_labels_and_probabilities(ctx):
    rows = ctx.table.head(8)  # the label column is there too: the model reads the columns it was fitted on
    response = ctx.client["classify"].post("/predict", json=rows.to_dict(orient="records"))
    assert response.status_code == 200, response.text
    got = pd.DataFrame(response.json()["predictions"])
    assert list(got.columns) == ["prediction", "proba_1", "proba_2"] and len(got) == 8
    np.testing.assert_allclose(got["proba_1"] + got["proba_2"], 1.0, rtol=1e-5)
    classifier = cnnlstm.load(ctx.tmp / "classify")
    assert got["prediction"].tolist() == classifier.predict(rows).tolist()


def test_regressor_and_unit_regressor_answer_values(ctx):
    rows = ctx.table.drop(columns="label").head(5)  # fitted on arrays: each row one sequence, steps in order
    response = ctx.client["regress"].post("/predict", content=rows.to_csv(index=False),
                                          headers={"Content-Type": "text/csv; charset=utf-8"})
    assert response.status_code == 200, response.text
    expected = cnnlstm.load(ctx.tmp / "regress").predict(rows.to_numpy()[:, :, None])
    np.testing.assert_allclose([r["prediction"] for r in response.json()["predictions"]], expected, rtol=1e-5)
    shorter = ctx.client["regress"].post("/predict", json=rows.iloc[:, :29].to_dict(orient="records"))
    assert shorter.status_code == 200  # allowed, and the library's note comes back with the answer
    assert "every training sequence had 30" in shorter.json()["warnings"][0]

    response = ctx.client["rul"].post("/predict", content=ctx.units.to_csv(index=False),
                                      headers={"Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    got = pd.DataFrame(response.json()["predictions"])
    assert got["unit"].tolist() == [1, 2, 3, 4] and np.isfinite(got["prediction"]).all()


# ---------------------------------------------------------------------------------------------- bad requests

JSON, CSV = "application/json", "text/csv"
BAD_REQUESTS = {  # name -> (body, content type, query, the message's telling part)
    "malformed JSON": (b'[{"date": "1960-01-01", ', JSON, "", "The request body must be valid JSON. Received: "),
    "empty body": (b"", JSON, "", "Received: an empty body (application/json)"),
    "blank CSV": (b"  \n", CSV, "", "Received: an empty body (text/csv)"),
    "wrong content type": (b"date,Passengers\n", "text/plain", "",
                           "Content-Type must be application/json (records) or text/csv (a table). Received: "
                           "Content-Type: text/plain."),
    "no content type": (b"[]", None, "", "Received: no Content-Type."),
    "NaN literal": (b'[{"date": "1960-01-01", "Passengers": NaN}]', JSON, "",
                    "Received: NaN, which JSON does not have"),
    "a path, not records": (b'"/etc/passwd"', JSON, "", "`records` must be a non-empty list of records, one object "
                                                         "per row. Received: JSON str."),
    "empty list": (b"[]", JSON, "", "Received: an empty list."),
    "not objects": (b"[1, 2]", JSON, "", "Received: a JSON int at row 0."),
    "nested value": (b'[{"date": "1960-01-01", "Passengers": [1, 2]}]', JSON, "",
                     "Received: a nested value in column 'Passengers' at row 0."),
    "unknown body key": (b'{"rows": []}', JSON, "", "Received: the key 'rows'. Did you mean 'records'?"),
    "object without records": (b'{"level": 90}', JSON, "", 'A JSON object body must hold "records"'),
    "unknown query key": (None, JSON, "?levle=90", "Received: levle='90'. Did you mean 'level'?"),
    "level not a number": (None, JSON, "?level=high", "`level` must be a number in percent, or several separated "
                                                       "by commas. Received: level='high'."),
    "level out of range": (None, JSON, "?level=150", "Received: level=150."),  # the estimator's own check
    "level given twice": ("level-in-body", JSON, "?level=80", "`level` must be given once."),
    "wrong columns": (b"a,b\n1,2\n", CSV, "", "`data` must be laid out as in fit: a table with columns 'date', "
                                              "'Passengers'. Received: columns 'a', 'b'"),
    "too few rows": ("ten rows", CSV, "", "has 10 rows, but the model reads window=24 rows before each forecast"),
    "missing value": ("a gap", JSON, "", "missing"),
    "ragged CSV": (b'date,Passengers\n1960-01-01,1,2,3\n"', CSV, "", "The CSV body is not a well-formed table"),
    "not UTF-8": (b"date,Passengers\n\xff\xfe,1\n", CSV, "", "The CSV body must be UTF-8 text."),
}


@pytest.mark.parametrize("name", BAD_REQUESTS)
def test_each_bad_request_is_a_422_with_the_librarys_message(ctx, name):
    body, content_type, query, message = BAD_REQUESTS[name]
    if body is None:
        body = json.dumps(ctx.records).encode()
    elif body == "level-in-body":
        body = json.dumps({"records": ctx.records, "level": 90}).encode()
    elif body == "ten rows":
        body = ctx.history.tail(10).to_csv(index=False).encode()
    elif body == "a gap":
        body = json.dumps([{**r, "Passengers": None} if i == 5 else r for i, r in enumerate(ctx.records)]).encode()
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = ctx.client["forecast"].post("/predict" + query, content=body, headers=headers)
    assert response.status_code == 422, response.text
    assert message in _detail(response)


def test_library_errors_of_the_other_kinds_are_422_too(ctx):
    response = ctx.client["classify"].post("/predict", json=ctx.table[["label", "t0", "t1"]].to_dict(orient="records"))
    assert response.status_code == 422
    assert "`X` must hold the columns the model was fitted on. Received: a table without ['t2'" in _detail(response)
    response = ctx.client["classify"].post("/predict", json={"records": ctx.table.to_dict(orient="records"),
                                                             "future": [{"t0": 1.0}]})
    assert response.status_code == 422
    assert _detail(response).startswith("`future` applies to a Forecaster (its future covariates); this model is a "
                                        "Classifier.")
    response = ctx.client["classify"].post("/predict?level=90", json=ctx.table.to_dict(orient="records"))
    assert response.status_code == 422
    assert _detail(response) == ("`level` (prediction intervals) is not offered by this Classifier's predict. "
                                 "Received: level=90. Fix: leave level out.")


def test_a_body_over_the_limit_is_a_413_whether_announced_or_chunked(ctx):
    client = TestClient(serving.create_app(ctx.tmp / "forecast", max_body_bytes=1000))
    big = ctx.history.to_csv(index=False).encode() * 3
    response = client.post("/predict", content=big, headers={"Content-Type": "text/csv"})
    assert response.status_code == 413
    assert _detail(response).startswith(f"The request body must be at most 1,000 bytes. Received: {len(big):,} bytes.")
    chunked = client.post("/predict", content=iter([big[:600], big[600:1200], big[1200:]]),
                          headers={"Content-Type": "text/csv"})  # no Content-Length: counted while read
    assert chunked.status_code == 413 and "at most 1,000 bytes. Received: over " in _detail(chunked)
    small = client.post("/predict", content=ctx.history.tail(25).to_csv(index=False), headers={"Content-Type": CSV})
    assert small.status_code == 200, small.text


def test_an_unexpected_error_is_a_short_500_logged_on_the_server_and_the_next_request_is_served(
        ctx, monkeypatch, caplog):
    client = ctx.client["forecast"]

    def broken(*args, **kwargs):
        raise RuntimeError("internal detail /secret/path")

    monkeypatch.setattr(serving, "predict_frame", broken)
    with caplog.at_level(logging.ERROR, logger="cnnlstm.serve"):
        response = client.post("/predict", json=ctx.records)
    assert response.status_code == 500
    assert "secret" not in response.text and _detail(response).startswith("The prediction failed on the server")
    assert "internal detail /secret/path" in caplog.text  # the traceback went to the log
    monkeypatch.undo()
    assert client.post("/predict", json=ctx.records).status_code == 200


# ---------------------------------------------------------------------------------------------- level, loading, threads


def test_level_gives_the_forecasters_own_intervals_from_the_query_or_the_body(ctx):
    client = ctx.client["forecast"]
    forecaster = cnnlstm.load(ctx.tmp / "forecast")
    for level, query, body in ((80, "?level=80", ctx.records), ([80, 90], "?level=80,90", ctx.records),
                               ([80, 90], "", {"records": ctx.records, "level": [80, 90]})):
        response = client.post("/predict" + query, json=body)
        assert response.status_code == 200, response.text
        got = pd.DataFrame(response.json()["predictions"])
        expected = forecaster.predict(ctx.history, level=level)
        assert list(got.columns) == list(expected.columns) and len(expected.columns) > 2  # the intervals' columns
        numbers = expected.columns.drop("date")
        np.testing.assert_allclose(got[numbers].to_numpy(float), expected[numbers].to_numpy(float), rtol=1e-6)


def test_the_model_is_loaded_once_and_threads_are_set(ctx, monkeypatch):
    import torch

    calls = []
    real_load = cnnlstm.load
    monkeypatch.setattr(cnnlstm, "load", lambda path, **kw: calls.append(path) or real_load(path, **kw))
    try:
        client = TestClient(serving.create_app(ctx.tmp / "forecast", threads=2))
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(1)
    for _ in range(3):
        assert client.post("/predict", json=ctx.records).status_code == 200
    assert calls == [ctx.tmp / "forecast"]


def test_settings_and_a_missing_extra_are_clear_errors(ctx, monkeypatch):
    with pytest.raises(ValueError, match=r"`max_body_bytes` must be a positive integer. Received: max_body_bytes=0"):
        serving.create_app(ctx.tmp / "forecast", max_body_bytes=0)
    with pytest.raises(ValueError, match=r"`threads` must be a positive integer or None. Received: threads=0"):
        serving.create_app(ctx.tmp / "forecast", threads=0)
    monkeypatch.delenv("CNNLSTM_RUN", raising=False)
    with pytest.raises(ValueError, match=r"`CNNLSTM_RUN` must name the run folder to serve. Received: it is unset"):
        serving.app_from_environment()
    monkeypatch.setenv("CNNLSTM_RUN", str(ctx.tmp / "forecast"))
    monkeypatch.setenv("CNNLSTM_THREADS", "one")
    with pytest.raises(ValueError, match=r"`CNNLSTM_THREADS` must be a positive integer. Received: "
                                         r"CNNLSTM_THREADS='one'"):
        serving.app_from_environment()
    monkeypatch.setenv("CNNLSTM_THREADS", "1")
    assert serving.app_from_environment().state.metadata["task"] == "forecast"
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if the extra were not installed
    with pytest.raises(ImportError, match=r"needs FastAPI and uvicorn, and 'uvicorn' is not installed. Fix: pip "
                                          r"install 'cnnlstm\[serve\]'"):
        serving.create_app(ctx.tmp / "forecast")


def test_cli_serve_dry_run_and_errors(ctx):
    runner = CliRunner()
    result = runner.invoke(main, ["--threads", "1", "serve", str(ctx.tmp / "rul"), "--port", "8123", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "UnitRegressor (cnn, task rul)" in result.output and "http://127.0.0.1:8123" in result.output
    assert "--dry-run" in runner.invoke(main, ["serve", "--help"]).output
    result = runner.invoke(main, ["serve", str(ctx.tmp), "--dry-run"])  # a folder that holds no model
    assert result.exit_code != 0 and "Traceback" not in result.output and "config.json" in result.output
    result = runner.invoke(main, ["serve", str(ctx.tmp / "rul"), "--max-body-mb", "0", "--dry-run"])
    assert result.exit_code != 0 and "must be positive. Received: --max-body-mb 0.0" in result.output


# ---------------------------------------------------------------------------------------------- a real server


def test_a_real_uvicorn_server_answers_on_loopback(ctx):
    import uvicorn

    app = serving.create_app(ctx.tmp / "forecast")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # a free port, held from here on: no race with another process
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline and thread.is_alive():
            time.sleep(0.02)
        assert server.started, "uvicorn did not start"
        url = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(url + "/health", timeout=10) as response:
            assert json.load(response) == {"status": "ok"}
        request = urllib.request.Request(url + "/predict", data=json.dumps(ctx.records).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200 and len(json.load(response)["predictions"]) == 6
        bad = urllib.request.Request(url + "/predict", data=b"{", headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(bad, timeout=10)
        assert caught.value.code == 422 and "must be valid JSON" in json.load(caught.value)["detail"]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
    assert not thread.is_alive()
