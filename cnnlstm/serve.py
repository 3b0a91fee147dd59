"""`cnnlstm serve RUN`: a saved model's predictions over HTTP (FastAPI + uvicorn: ``pip install 'cnnlstm[serve]'``).

    POST /predict    a table to predict from, in the layout the model was fitted on, as JSON records
                     (``[{"column": value, ...}, ...]``, or ``{"records": [...], "future": [...], "level": 90}``) or
                     as a CSV body (``Content-Type: text/csv``). Answers ``{"task", "estimator", "predictions":
                     [records], "warnings": [...]}``: a forecaster's next `horizon` steps; a classifier's labels and
                     class probabilities; a regressor's values; each unit's remaining useful life. ``?level=90``
                     asks for prediction intervals where the estimator's `predict` takes `level`.
    GET /health      ``{"status": "ok"}`` once the model is loaded.
    GET /metadata    the estimator, its task, its parameters and the columns it reads.

A bad request gets a 422 (a body over `max_body_bytes`: a 413) whose ``detail`` is the library's own one-line
error: the argument, what was expected, what was received, the fix. Anything unexpected is a 500 with a short
body, and its traceback goes to the server's log, never to the client. The model is loaded once; predictions run
one at a time per process (torch with `threads` threads), so more throughput means more worker processes.

The table is read and predicted by the same functions as `cnnlstm predict` (`cli._read_for`, `cli._prediction_frame`),
so a layout that works for one works for the other.

Example:
    >>> app = create_app("runs/cnn_lstm-airline")               # doctest: +SKIP
    >>> serve("runs/cnn_lstm-airline", port=8000)               # doctest: +SKIP
"""

# no `from __future__ import annotations`: FastAPI reads the endpoints' annotations (Request, imported lazily)
import inspect
import io
import json
import logging
import os
import warnings
from pathlib import Path

from ._errors import did_you_mean

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024  # about 100k rows of a few numeric columns: far more than a window
JSON_TYPES = ("application/json",)
CSV_TYPES = ("text/csv", "application/csv")
BODY_KEYS = ("records", "future", "level")  # the keys of a JSON object body
QUERY_KEYS = ("level",)

logger = logging.getLogger("cnnlstm.serve")


class PayloadTooLarge(ValueError):
    """A request body over the server's limit: answered with 413 instead of 422."""


def require_serve() -> None:
    """Check that FastAPI and uvicorn are installed, with the fix when they are not."""
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        raise ImportError(
            f"`cnnlstm serve` needs FastAPI and uvicorn, and {error.name!r} is not installed. "
            "Fix: pip install 'cnnlstm[serve]'."
        ) from None


def create_app(model, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, threads: int | None = 1):
    """The FastAPI app that serves one saved model (see the module docstring for the endpoints).

    Args:
        model: a run folder written by `cnnlstm train` or an estimator's `save` (loaded here, once), or a fitted
            estimator.
        max_body_bytes: the largest request body read; a larger one is refused with 413 before it is read whole.
        threads: torch's CPU threads for this process (None: leave torch's setting alone). Small models are
            fastest on 1; give each worker process a share of the cores rather than all of them.

    Example:
        >>> from fastapi.testclient import TestClient                             # doctest: +SKIP
        >>> client = TestClient(create_app("runs/cnn_lstm-airline"))
        >>> client.post("/predict", json=airline.to_dict(orient="records")).json()["predictions"]
    """
    require_serve()
    import anyio
    import torch
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse, Response

    import cnnlstm

    if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes < 1:
        raise ValueError(f"`max_body_bytes` must be a positive integer. Received: max_body_bytes={max_body_bytes!r}. "
                         "Fix: e.g. max_body_bytes=8_388_608 (8 MiB).")
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"`threads` must be a positive integer or None. Received: threads={threads!r}. "
                             "Fix: e.g. threads=1 (small models are fastest on one).")
        torch.set_num_threads(threads)
    estimator = cnnlstm.load(model) if isinstance(model, (str, os.PathLike)) else model
    estimator._check_fitted()
    metadata = describe(estimator, max_body_bytes=max_body_bytes)
    # one prediction at a time, on a worker thread: steady latency, flat memory (threads running torch at once
    # would each grow their own malloc arena), no state shared between threads; waiting requests wait in the event
    # loop, not in threads, and /health answers meanwhile
    one_at_a_time = anyio.CapacityLimiter(1)

    app = FastAPI(title="cnnlstm", version=cnnlstm.__version__, description=f"Predictions of a {metadata['estimator']} "
                  f"({metadata['model']}, task {metadata['task']}).", docs_url="/docs", redoc_url=None)
    app.state.estimator, app.state.metadata = estimator, metadata

    def _error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"detail": message}, status_code=status)

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok"}

    @app.get("/metadata")
    async def get_metadata() -> dict:
        return metadata

    @app.post("/predict")
    async def post_predict(request: Request):
        try:
            body = await _read_body(request, max_body_bytes)
            answer = await anyio.to_thread.run_sync(_answer, estimator, metadata, body,
                                                    request.headers.get("content-type"), request.query_params,
                                                    limiter=one_at_a_time)
        except PayloadTooLarge as error:
            return _error(413, str(error))
        except (ValueError, TypeError) as error:  # the request's or the library's input errors, one line each
            return _error(422, str(error))
        except Exception:  # noqa: BLE001 - the server stays up; the traceback goes to the log, not to the client
            logger.exception("POST /predict failed")
            return _error(500, "The prediction failed on the server (an unexpected error, logged there). "
                               "Fix: check the server's log; if the request is valid, report it.")
        return Response(answer, media_type="application/json")

    return app


def serve(model, *, host: str = "127.0.0.1", port: int = 8000, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
          threads: int | None = 1, log_level: str = "info") -> None:
    """Serve `model` (a run folder or a fitted estimator) with uvicorn until interrupted: one process.

    For several worker processes behind a production server, see README's "Serving predictions" (uvicorn
    ``--workers`` or gunicorn with `app_from_environment`).

    Example:
        >>> serve("runs/cnn_lstm-airline", host="127.0.0.1", port=8000)          # doctest: +SKIP
    """
    import uvicorn

    app = create_app(model, max_body_bytes=max_body_bytes, threads=threads)
    uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False)


def app_from_environment():
    """An app for worker processes started by uvicorn or gunicorn: the run folder from ``$CNNLSTM_RUN``, the
    threads from ``$CNNLSTM_THREADS`` (default 1), the body limit from ``$CNNLSTM_MAX_BODY_BYTES``.

    Example:
        CNNLSTM_RUN=runs/cnn_lstm-airline uvicorn --factory cnnlstm.serve:app_from_environment --workers 4
    """
    run = os.environ.get("CNNLSTM_RUN")
    if not run:
        raise ValueError("`CNNLSTM_RUN` must name the run folder to serve. Received: it is unset. Fix: e.g. "
                         "CNNLSTM_RUN=runs/cnn_lstm-airline uvicorn --factory cnnlstm.serve:app_from_environment.")
    numbers = {}
    for name, default in (("CNNLSTM_THREADS", 1), ("CNNLSTM_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)):
        text = os.environ.get(name, str(default))
        try:
            numbers[name] = int(text)
        except ValueError:
            raise ValueError(f"`{name}` must be a positive integer. Received: {name}={text!r}. Fix: e.g. "
                             f"{name}={default}.") from None
    return create_app(Path(run), threads=numbers["CNNLSTM_THREADS"], max_body_bytes=numbers["CNNLSTM_MAX_BODY_BYTES"])


# ---------------------------------------------------------------------------------------------- reading a request


async def _read_body(request, limit: int) -> bytes:
    """The body, refused (PayloadTooLarge) as soon as it is known to exceed `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    chunks, size = [], 0
    async for chunk in request.stream():  # a body without Content-Length (chunked) is counted as it comes
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit, at_least=True)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(size: int, limit: int, at_least: bool = False) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The request body must be at most {limit:,} bytes. Received: {'over ' if at_least else ''}{size:,} bytes. "
        "Fix: send only the rows the model needs (a forecaster reads the last `window` rows of each series), split "
        "the rows over several requests, or start the server with a larger limit (--max-body-mb)."
    )


def _parse_request(body: bytes, content_type: str | None, query) -> tuple:
    """(data, future, level) from the body and the query string; ValueError says what is wrong and how to fix it."""
    for key in query.keys():
        if key not in QUERY_KEYS:
            raise ValueError(f"The query string of POST /predict takes only {', '.join(QUERY_KEYS)}. Received: "
                             f"{key}={query[key]!r}.{did_you_mean(key, QUERY_KEYS)} Fix: send the rows in the body, "
                             "and only ?level=... in the query string.")
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in (*JSON_TYPES, *CSV_TYPES):
        received = f"Content-Type: {content_type}" if content_type else "no Content-Type"
        raise ValueError(
            f"The request's Content-Type must be application/json (records) or text/csv (a table). Received: "
            f"{received}. Fix: e.g. curl -H 'Content-Type: application/json' --data @rows.json, or "
            "-H 'Content-Type: text/csv' --data-binary @rows.csv."
        )
    if not body.strip():
        raise ValueError(
            f"The request body must hold the rows to predict from. Received: an empty body ({media}). Fix: send "
            "the table laid out as in fit (GET /metadata lists its columns)."
        )
    level = _query_level(query.getlist("level")) if "level" in query else None
    if media in CSV_TYPES:
        return _csv_frame(body), None, level
    return _json_request(body, level)


def _csv_frame(body: bytes):
    import pandas as pd

    try:
        return pd.read_csv(io.BytesIO(body), encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"The CSV body must be UTF-8 text. Received: byte {error.object[error.start]:#04x} at "
                         f"position {error.start}. Fix: save the table as UTF-8.") from None
    except pd.errors.EmptyDataError:
        raise ValueError("The CSV body has no columns to read. Received: no header row. Fix: send a header row "
                         "and at least one row of values.") from None
    except pd.errors.ParserError as error:
        raise ValueError(f"The CSV body is not a well-formed table: {str(error).strip()}. Fix: correct that line "
                         "(quote any field that holds the separator) or remove it.") from None


def _json_request(body: bytes, level) -> tuple:
    try:
        # NaN and Infinity are not JSON: a missing value is null, which the model's own checks then see
        payload = json.loads(body, parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise ValueError("The JSON body must be UTF-8 text. Received: bytes that are not. Fix: encode it as "
                         "UTF-8.") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"The request body must be valid JSON. Received: {error.msg} at line {error.lineno}, "
                         f"column {error.colno}. Fix: send a list of records, e.g. "
                         '[{"date": "2018-06-26 19:00", "OT": 9.3}, ...].') from None
    future = None
    if isinstance(payload, dict):
        for key in payload:
            if key not in BODY_KEYS:
                raise ValueError(f"A JSON object body holds only the keys {', '.join(map(repr, BODY_KEYS))}. "
                                 f"Received: the key {key!r}.{did_you_mean(key, BODY_KEYS)} Fix: send "
                                 '{"records": [...]} with optional "future" and "level", or the list of records '
                                 "alone.")
        if "records" not in payload:
            raise ValueError('A JSON object body must hold "records": the rows to predict from. Received: keys '
                             f'{list(payload)}. Fix: send {{"records": [{{"column": value, ...}}, ...]}}.')
        if "level" in payload:
            if level is not None:
                raise ValueError(f"`level` must be given once. Received: level={level!r} in the query string and "
                                 f"level={payload['level']!r} in the body. Fix: keep one of them.")
            level = payload["level"]  # a number or a list of them: the estimator checks its values
        future = None if payload.get("future") is None else _records_frame(payload["future"], "future")
        payload = payload["records"]
    return _records_frame(payload, "records"), future, level


def _refuse_constant(name: str):
    raise ValueError(f"The JSON body must hold numbers, text or null. Received: {name}, which JSON does not "
                     "have. Fix: send null for a missing value.")


def _records_frame(records, what: str):
    """A DataFrame from a list of flat JSON objects (one per row)."""
    import pandas as pd

    if not isinstance(records, list) or not records:
        kind = "an empty list" if records == [] else f"JSON {type(records).__name__}"
        raise ValueError(f"`{what}` must be a non-empty list of records, one object per row. Received: {kind}. "
                         'Fix: send e.g. [{"date": "2018-06-26 19:00", "OT": 9.3}, ...].')
    for number, record in enumerate(records):
        bad = None if isinstance(record, dict) else f"a JSON {type(record).__name__}"
        if bad is None:
            key = next((k for k, v in record.items() if isinstance(v, (dict, list))), None)
            bad = None if key is None else f"a nested value in column {key!r}"
        if bad is not None:
            raise ValueError(f"`{what}` must be a list of flat records, one object of column: value per row. "
                             f"Received: {bad} at row {number}. Fix: send one number, text or null per column.")
    return pd.DataFrame.from_records(records)


def _query_level(texts: list[str]):
    """?level=80, ?level=80,90 or ?level=80&level=90 as 80 or [80, 90]; the estimator checks the values."""
    levels = []
    for text in ",".join(texts).split(","):
        try:
            levels.append(int(text))
        except ValueError:
            try:
                levels.append(float(text))
            except ValueError:
                raise ValueError(f"`level` must be a number in percent, or several separated by commas. Received: "
                                 f"level={text!r}. Fix: e.g. ?level=80 or ?level=80,90, or leave level out.") from None
    return levels[0] if len(levels) == 1 else levels


# ---------------------------------------------------------------------------------------------- predicting


def _answer(estimator, metadata: dict, body: bytes, content_type: str | None, query) -> str:
    """POST /predict's JSON text: the request read, predicted and written, on the worker thread."""
    data, future, level = _parse_request(body, content_type, query)
    with warnings.catch_warnings(record=True) as caught:  # one prediction at a time: each gets its own warnings
        warnings.simplefilter("always")
        frame = predict_frame(estimator, data, future=future, level=level)
    records = frame.to_json(orient="records", date_format="iso")  # NaN -> null, timestamps -> ISO text
    head = json.dumps({"task": metadata["task"], "estimator": metadata["estimator"],
                       "warnings": [str(w.message) for w in caught]})
    return head[:-1] + ', "predictions": ' + records + "}"


def predict_frame(estimator, table, *, future=None, level: float | None = None):
    """What POST /predict answers for `table` (a DataFrame laid out as in fit): the same reading and predicting
    as `cnnlstm predict` (`cli._read_for`, `cli._prediction_frame`), plus `future` and `level` when given.

    Example:
        >>> predict_frame(cnnlstm.load("runs/cnn_lstm-airline"), airline.tail(24))     # doctest: +SKIP
    """
    import numpy as np
    import pandas as pd

    from .cli import _X, _prediction_frame, _read_for
    from .estimators import Forecaster

    kind = type(estimator).__name__
    if future is not None and not isinstance(estimator, Forecaster):
        raise ValueError(f'`future` applies to a Forecaster (its future covariates); this model is a {kind}. '
                         'Received: a "future" table. Fix: leave "future" out.')
    task_data = _read_for(estimator, table, None, None, None, labelled=False)
    data = task_data.train
    if level is None and future is None:
        return _prediction_frame(estimator, data)
    kwargs = {} if future is None else {"future": future}
    if level is not None:
        if "level" not in inspect.signature(estimator.predict).parameters:
            raise ValueError(f"`level` (prediction intervals) is not offered by this {kind}'s predict. Received: "
                             f"level={level!r}. Fix: leave level out.")
        kwargs["level"] = level
    result = estimator.predict(_X(data), **kwargs)
    if isinstance(result, pd.DataFrame):
        return result
    if isinstance(result, dict):
        return pd.DataFrame(result)
    values = np.asarray(result)
    return pd.DataFrame(values.reshape(len(values), -1)).add_prefix("prediction_")


def describe(estimator, *, max_body_bytes: int | None = None) -> dict:
    """GET /metadata: the estimator, its task, its parameters and the inputs it reads, as JSON-able values."""
    from . import __version__
    from .cli import _run_task
    from .estimators import Classifier, Forecaster, UnitRegressor

    inputs: dict = {}
    if isinstance(estimator, Forecaster):
        spec = estimator.spec_
        inputs = {"columns": estimator.columns_, "targets": spec.targets, "time_col": spec.time_col,
                  "id_col": spec.id_col, "past_covariates": spec.past_covariates,
                  "future_covariates": spec.future_covariates, "freq": estimator.freq_, "window": estimator.window,
                  "horizon": estimator.horizon, "series_ids": estimator.series_ids_}
    elif isinstance(estimator, UnitRegressor):
        inputs = {"group": estimator.group_, "target": estimator.target_, "features": estimator.features_,
                  "window": estimator.window}
    else:
        inputs = {"columns": getattr(estimator, "feature_columns_", None),
                  "feature_shape": getattr(estimator, "feature_shape_", None),
                  "lengths": getattr(estimator, "lengths_", None)}
        if isinstance(estimator, Classifier):
            inputs["classes"] = estimator.classes_.tolist()
    params = json.loads(json.dumps(estimator.get_params(), default=str))
    return {"estimator": type(estimator).__name__, "task": _run_task(estimator), "model": estimator.model,
            "library_version": __version__, "inputs": json.loads(json.dumps(inputs, default=str)), "params": params,
            "predict_takes_level": "level" in inspect.signature(estimator.predict).parameters,
            "max_body_bytes": max_body_bytes}
