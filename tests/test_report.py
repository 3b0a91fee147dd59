"""The comparison report: validation, escaping, atomic writes, offline page, and a real browser drawing each task.

The browser tests need Debian's chromium (`make browser`); they fail, never skip, when it is missing, since a
report that does not open is exactly what they are here to catch.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import numpy as np
import pytest

from cnnlstm import datasets
from cnnlstm.comparison.report import render_report, write_report

SHOTS = Path(os.environ.get("CNNLSTM_REPORT_SHOTS", "/tmp/report_shots"))
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--enable-logging=stderr", "--v=0"]
PLOTLY_SCRIPT = re.compile(r'<script id="plotlyjs">.*?</script>', re.S)


# ------------------------------------------------------------------------------------------------ payloads
def _ranked(errors: dict[str, np.ndarray], kinds: dict[str, str], metric: str, *, higher: bool = False) -> list[dict]:
    """Rows ranked by the mean of `errors`; the runner-up ties with the best, the rest are worse."""
    order = sorted(errors, key=lambda name: -errors[name].mean() if higher else errors[name].mean())
    rows = []
    for rank, name in enumerate(order, start=1):
        verdict = "best" if rank == 1 else "tie" if rank == 2 else "worse"
        rows.append({"rank": rank, "contender": name, "kind": kinds[name],
                     metric: f"{errors[name].mean():.3g} \u00b1 {errors[name].std():.2g}",
                     "train_s": 0.0123 * rank, "predict_s": 0.0004,
                     "parameters": 0 if kinds[name] == "baseline" else 12345,
                     "p_value": None if rank == 1 else 0.31 if rank == 2 else 0.0004, "verdict": verdict})
    return rows


def _curves(seed_count: int = 2, epochs: int = 30) -> dict:
    epoch = list(range(1, epochs + 1))
    return {str(seed): {"epoch": epoch,
                        "train_loss": [float(1.2 * np.exp(-e / (6 + seed)) + 0.02) for e in epoch],
                        "val_loss": [float(1.3 * np.exp(-e / (7 + seed)) + 0.05 + 0.001 * e) for e in epoch]}
            for seed in range(seed_count)}


def forecast_payload() -> dict:
    """The airline series, 12 test origins of a 12-month horizon, naive forecasts as contenders."""
    frame = datasets.load("airline")
    values = frame["Passengers"].to_numpy(dtype=float)
    dates = frame["date"].dt.strftime("%Y-%m-%d").to_numpy()
    series = np.stack([values, np.log(values)], axis=1)  # (144, 2): two targets exercise the target selector
    window, horizon = 24, 12
    starts = range(120, 144 - horizon + 1)  # origins over the last 24 months (the test part)
    actual = [series[s:s + horizon] for s in starts]
    predictions = {
        "seasonal_naive": [series[s - 12:s - 12 + horizon] for s in starts],
        "naive": [np.repeat(series[s - 1:s], horizon, axis=0) for s in starts],
        "window_mean": [np.repeat(series[s - window:s].mean(axis=0, keepdims=True), horizon, axis=0) for s in starts],
    }
    predictions["mean_ensemble"] = [(a + b) / 2 for a, b in zip(predictions["seasonal_naive"], predictions["naive"])]
    kinds = {"seasonal_naive": "baseline", "naive": "baseline", "window_mean": "baseline", "mean_ensemble": "ensemble"}
    errors = {name: np.array([np.sqrt(((p[:, 0] - a[:, 0]) ** 2).mean()) for p, a in zip(preds, actual)])
              for name, preds in predictions.items()}
    rng = np.random.default_rng(0)
    attention = rng.dirichlet([6, 4], size=len(actual)).round(3)
    return {
        "title": "cnnlstm compare: airline", "task": "forecast", "created": "2026-11-23 02:30 UTC", "version": "0.1.0",
        "metric": "rmse", "higher_is_better": False,
        "data": {"name": "airline", "summary": {"rows": 144, "targets": "passengers, log passengers", "frequency": "MS",
                                                "train / validation / test": "96 / 24 / 24"}},
        "settings": {"epochs": 60, "seeds": 3, "window": window, "horizon": horizon, "learning_rate": 0.001,
                     "models": ["seasonal_naive", "naive"]},
        "notes": ["MiniRocket skipped: aeon not installed (pip install 'cnnlstm[baselines]')"],
        "columns": ["rank", "contender", "kind", "rmse", "train_s", "predict_s", "parameters", "p_value", "verdict"],
        "table": _ranked(errors, kinds, "rmse"),
        "significance": "Diebold-Mariano test against the best, squared error, 5% level",
        "forecasts": {
            "targets": ["passengers", "log passengers"], "series": ["airline"] * len(actual),
            "origins": [dates[s] for s in starts], "steps": [list(dates[s:s + horizon]) for s in starts],
            "context": [series[s - window:s].tolist() for s in starts],
            "context_steps": [list(dates[s - window:s]) for s in starts],
            "actual": [a.tolist() for a in actual],
            "predictions": {name: [p.tolist() for p in preds] for name, preds in predictions.items()},
        },
        "curves": {"mean_ensemble": _curves(3)},
        "branches": {"parallel_attention": {"merge": "attention", "weights": {"cnn": 0.58, "lstm": 0.42},
                                            "per_seed": [{"cnn": 0.6, "lstm": 0.4}, {"cnn": 0.55, "lstm": 0.45}],
                                            "attention": attention.tolist(),
                                            "labels": [dates[s] for s in starts]}},
        "ensembles": {"mean_ensemble": {"weights": {"seasonal_naive": 0.5, "naive": 0.5}}},
    }


WEIRD = 'mini<rocket> & "co"'  # a contender name straight from a user's file


def classify_payload() -> dict:
    labels = ["walk", "run", "sit"]
    matrices = {"cnn_lstm": [[50, 3, 1], [2, 45, 0], [4, 0, 38]], WEIRD: [[48, 5, 1], [6, 41, 0], [2, 1, 39]],
                "majority": [[54, 0, 0], [47, 0, 0], [42, 0, 0]]}
    accuracy = {name: np.array([np.trace(m) / np.sum(m)]) for name, m in map(lambda kv: (kv[0], np.array(kv[1])),
                                                                             matrices.items())}
    kinds = {"cnn_lstm": "neural", WEIRD: "baseline", "majority": "baseline"}
    return {
        "title": "cnnlstm compare: <activity>", "task": "classify", "metric": "accuracy", "higher_is_better": True,
        "data": {"name": "<activity>", "summary": {"samples": 143, "classes": 3}},
        "notes": ["<script>alert('x')</script> stays text"],
        "columns": ["rank", "contender", "kind", "accuracy", "parameters", "verdict"],
        "table": _ranked(accuracy, kinds, "accuracy", higher=True),
        "confusion": {"labels": labels, "matrices": matrices},
        "curves": {"cnn_lstm": _curves(2)},
    }


def rul_payload() -> dict:
    """C-MAPSS FD001 test engines: the true RUL at each unit's last cycle, perturbed copies as predictions."""
    test = datasets.load("cmapss-fd001", split="test")
    last = test.groupby("unit").tail(1)
    units, truth = last["unit"].tolist(), last["rul"].to_numpy(dtype=float)
    rng = np.random.default_rng(1)
    predictions = {"cnn_lstm": np.clip(truth + rng.normal(0, 14, truth.size), 0, None),
                   "gbm": np.clip(truth + rng.normal(6, 20, truth.size), 0, None),
                   "mean_rul": np.full(truth.size, truth.mean())}
    errors = {name: np.abs(pred - truth) for name, pred in predictions.items()}
    kinds = {"cnn_lstm": "neural", "gbm": "baseline", "mean_rul": "baseline"}
    return {
        "title": "cnnlstm compare: cmapss-fd001", "task": "rul", "metric": "rmse",
        "columns": ["rank", "contender", "kind", "rmse", "train_s", "parameters", "p_value", "verdict"],
        "table": _ranked(errors, kinds, "rmse"),
        "rul": {"units": units, "truth": truth.tolist(),
                "predictions": {name: values.tolist() for name, values in predictions.items()}},
        "branches": {"parallel_weighted": {"merge": "weighted", "weights": {"cnn": 0.62, "lstm": 0.38},
                                           "per_seed": [{"cnn": 0.6, "lstm": 0.4}, {"cnn": 0.65, "lstm": 0.35},
                                                        {"cnn": 0.61, "lstm": 0.39}]}},
        "curves": {"cnn_lstm": _curves(3)},
    }


def minimal_payload(**extra) -> dict:
    return {"title": "t", "task": "regress", "columns": ["rank", "contender"],
            "table": [{"rank": 1, "contender": "cnn"}], **extra}


# ---------------------------------------------------------------------------------------------- fast tests
@pytest.mark.parametrize("key", ["title", "task", "table", "columns"])
def test_missing_required_key_names_it_and_the_fix(key):
    payload = minimal_payload()
    del payload[key]
    with pytest.raises(ValueError, match=rf"`payload` must have the key '{key}'.*Fix: add payload\['{key}'\]"):
        render_report(payload)


def test_unknown_task_lists_the_tasks():
    with pytest.raises(ValueError, match=r"`task` must be one of 'forecast', 'classify', 'regress', 'rul'.*"
                                         r"Received: task='forcast'.*Did you mean 'forecast'"):
        render_report(minimal_payload(task="forcast"))


def test_payload_must_be_a_dict():
    with pytest.raises(TypeError, match=r"`payload` must be a dict\. Received: payload of type list"):
        render_report([])


def test_forecast_arrays_must_cover_every_origin():
    payload = forecast_payload()
    payload["forecasts"]["predictions"]["naive"].pop()
    with pytest.raises(ValueError, match=r"`payload\['forecasts'\]\[predictions\['naive'\]\]` must have one entry per "
                                         r"origin \(13, like 'actual'\)\. Received: 12"):
        render_report(payload)


def test_every_payload_string_is_escaped():
    page = PLOTLY_SCRIPT.sub("", render_report(classify_payload()))
    assert "<rocket>" not in page and "<activity>" not in page and "<script>alert" not in page
    assert "mini&lt;rocket&gt; &amp; &quot;co&quot;" in page  # the ranking table and the contender <select>
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; stays text" in page
    assert "<title>cnnlstm compare: &lt;activity&gt;</title>" in page
    data = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in data and _blob(page)["selectables"]["confusion-chart"]


def test_absent_sections_are_left_out_and_numbers_are_formatted():
    page = render_report(minimal_payload(
        columns=["rank", "contender", "rmse", "parameters", "p_value", "train_s"], metric="rmse",
        table=[{"rank": 1, "contender": "cnn", "rmse": 28.34567, "parameters": 1234567, "p_value": None,
                "train_s": 0.012345}, {"rank": 2, "contender": "lstm", "rmse": float("nan"), "parameters": 10.0,
                                        "p_value": 0.00001, "train_s": 12345.6}],
        settings={"seed": 2026, "rows": 13096, "tolerance": 0.000123, "targets": ["a", "<b>"]}))
    for anchor in ("forecasts", "confusion", "rul", "curves", "branches", "ensembles", "notes"):
        assert f'id="{anchor}"' not in page
    assert 'id="ranking"' in page and 'data-charts="0"' in page
    for text in (">28.35<", ">1,234,567<", ">0.0123<", ">\u2014<", ">&lt;0.001<", ">12,346<", ">10<", ">2026<",
                 ">13,096<", ">0.000123<", ">a, &lt;b&gt;<"):
        assert text in page, text


def _blob(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_forecast_data_keeps_origins_steps_and_targets_apart():
    payload = forecast_payload()
    forecast = _blob(render_report(payload))["forecast"]
    assert forecast["actual"] == payload["forecasts"]["actual"]  # (origins, steps, targets)
    assert forecast["context"][3] == payload["forecasts"]["context"][3]
    assert [c["name"] for c in forecast["contenders"]] == [row["contender"] for row in payload["table"]]
    flat = render_report(minimal_payload(forecasts={"steps": [["a", "b"]], "actual": [[1.0, 2.0]],
                                                    "predictions": {"cnn": [[1.5, float("nan")]]}}))
    assert _blob(flat)["forecast"]["contenders"][0]["values"] == [[[1.5], [None]]]  # a flat list is one target


def test_page_loads_nothing_from_the_network():
    for payload in (forecast_payload(), classify_payload(), rul_payload()):
        page = render_report(payload)
        assert len(PLOTLY_SCRIPT.findall(page)) == 1 and page.count("plotly.js v") == 1  # inlined once
        rest = PLOTLY_SCRIPT.sub("", page)
        assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", rest, re.I)
        assert not re.search(r"@import|url\(|<link\b|<script[^>]*\bsrc=|<iframe", rest, re.I)


def test_write_is_atomic_and_keeps_the_old_file_when_rendering_fails(tmp_path, monkeypatch):
    path = write_report(minimal_payload(), tmp_path / "sub" / "report.html")
    assert path == tmp_path / "sub" / "report.html" and path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    before = path.read_bytes()
    with pytest.raises(ValueError, match="`task` must be one of"):
        write_report(minimal_payload(task="nope"), path)
    assert path.read_bytes() == before

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_report(forecast_payload(), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["report.html"]  # no temporary file left behind


@pytest.mark.skipif(os.name != "posix", reason="file modes and the umask are POSIX")
def test_the_report_gets_the_mode_open_gives(tmp_path):
    """Readable by the group, like any other tool's output (a bare tempfile.mkstemp would make it 0o600)."""
    old = os.umask(0o022)
    try:
        path = write_report(minimal_payload(), tmp_path / "report.html")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_figures_are_valid_plotly():
    """plotly.js ignores attributes it does not know; plotly.py's validators do not."""
    import plotly.graph_objects as go

    for payload in (forecast_payload(), classify_payload(), rul_payload()):
        page = render_report(payload)
        blob = _blob(page)
        figures = [c["figure"] for c in blob["charts"]] + [f for fs in blob["selectables"].values() for f in fs]
        if "forecast" in blob:
            figures.append({"data": [], "layout": blob["forecast"]["layout"]})
        for figure in figures:
            go.Figure(figure)


# -------------------------------------------------------------------------------------------- browser tests
def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is missing: the report test opens the page in a real browser. "
                    "Fix: run `make browser` (apt-get install chromium).")
    return found


def _open_in_browser(page: Path, shot: Path | None = None) -> tuple[str, str]:
    """Screenshot the page (when `shot` is given) and return its rendered DOM and chromium's log, after 10 s of
    virtual time."""
    chromium = _chromium()
    common = [chromium, *CHROMIUM_FLAGS, "--virtual-time-budget=10000"]
    log = ""
    if shot is not None:
        shot_run = subprocess.run([*common, "--window-size=1400,4000", f"--screenshot={shot}", page.as_uri()],
                                  capture_output=True, text=True, timeout=60)
        log += shot_run.stderr
    dom_run = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=60)
    assert dom_run.returncode == 0, dom_run.stderr[-2000:]
    return dom_run.stdout, log + dom_run.stderr


def test_the_page_records_javascript_errors(tmp_path):
    """The browser checks below are not vacuous: a failing script lands in <pre id="js-errors">."""
    path = tmp_path / "broken.html"
    path.write_text(render_report(minimal_payload()).replace("</body>", "<script>notDefined();</script></body>"),
                    encoding="utf-8")
    dom, log = _open_in_browser(path)
    assert "notDefined is not defined" in re.search(r'<pre id="js-errors"[^>]*>(.*?)</pre>', dom, re.S).group(1)
    assert 'data-rendered="0"' in dom


@pytest.mark.parametrize("build", [forecast_payload, classify_payload, rul_payload],
                         ids=["forecast", "classify", "rul"])
def test_report_renders_in_a_real_browser(build, tmp_path):
    payload = build()
    path = write_report(payload, tmp_path / "report.html")
    assert_renders_in_browser(path, payload, tmp_path / "page.png")
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "page.png", SHOTS / f"{payload['task']}.png")


def assert_renders_in_browser(path: Path, payload: dict, shot: Path) -> None:
    """Open the report in headless chromium: no JavaScript error, every chart drawn by plotly, every contender in
    the ranking, nothing loaded from the network, and a screenshot that is not blank."""
    import matplotlib.image

    dom, log = _open_in_browser(path, shot)
    errors = re.search(r'<pre id="js-errors"[^>]*>(.*?)</pre>', dom, re.S)
    assert errors is not None and errors.group(1).strip() == "", errors and errors.group(1)
    assert "Uncaught" not in log, log[-2000:]
    expected = int(re.search(r'<body[^>]*data-charts="(\d+)"', dom).group(1))
    rendered = re.search(r'<body[^>]*data-rendered="(\d+)"', dom)
    assert expected > 0 and rendered is not None and int(rendered.group(1)) == expected, "not every chart was drawn"
    chart_ids = re.findall(r'<div id="([\w-]+)" class="chart[^"]*"', render_report(payload))
    assert len(chart_ids) == expected
    for chart_id in chart_ids:
        drawn = re.search(rf'<div id="{chart_id}" class="[^"]*js-plotly-plot[^"]*".*?class="main-svg"', dom, re.S)
        assert drawn, f"{chart_id} was not drawn by plotly"
    ranking = re.search(r'<table class="ranking">.*?</table>', dom, re.S).group(0)
    for row in payload["table"]:
        assert f"<b>{html.escape(row['contender'], quote=False)}</b>" in ranking  # DOM text keeps quotes raw
    assert not re.search(r"""(?:src|href)="(?:https?:)?//""", PLOTLY_SCRIPT.sub("", dom))

    assert shot.exists(), log[-2000:]
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[0] >= 1000 and pixels[..., :3].std() > 0.05, "the screenshot is blank"
