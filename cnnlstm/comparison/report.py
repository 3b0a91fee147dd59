"""The HTML report of `cnnlstm compare`: one self-contained page that opens offline.

The page takes a plain, JSON-able payload (built by the comparison, nothing imported from it) and shows, each in
its own section when its key is present: the ranked table with the significance verdicts, the forecasts of every
contender at a selectable origin, the learning curves, the confusion matrices, the remaining useful life per test
engine, how much each branch of a parallel model contributes, the stacked ensemble's weights, the notes, and the
data and settings. plotly.js is inlined once; every chart is a JSON figure drawn by `Plotly.newPlot`.

The sections are HTML fragments built here (every payload value through `html.escape`); the page around them, its
styles and its scripts are package data in ``templates/`` (``report.html.j2``, ``report.css``, ``errors.js``,
``charts.js``), put together by Jinja2 with autoescaping on.

The page reports on itself for tests: a `window` error handler installed first writes every JavaScript error into
the hidden ``<pre id="js-errors">``, and once every chart is drawn ``<body data-rendered="N">`` holds the number of
charts drawn (``data-charts`` holds the number expected).
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

from .._errors import unknown_name
from ..checkpoint import atomic_write_text

TASKS = ("forecast", "classify", "regress", "rul")
REQUIRED = ("title", "task", "table", "columns")
# Metrics where a larger value is better; the payload's "higher_is_better" overrides this guess.
HIGHER_IS_BETTER = {"accuracy", "balanced_accuracy", "f1", "f1_macro", "r2", "auc", "roc_auc", "precision", "recall"}
# Tableau 10: distinct, colour-blind friendlier than plotly's default; contenders keep one colour on every chart.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#17becf")
DASH = {"neural": "solid", "ensemble": "dash", "baseline": "dot"}
FORECAST_VISIBLE = 5  # contenders drawn at first on the forecast chart; the rest wait in the legend
MISSING = "\u2014"


def write_report(payload: dict, path) -> Path:
    """Render the comparison report and write it to `path` atomically.

    The page is rendered in full first, then written with `checkpoint.atomic_write_text` (a temporary file in the
    same folder moved over `path`), so an existing report is never left half-written (or touched at all when
    rendering fails).

    Args:
        payload: the comparison, as described in `render_report`.
        path: the HTML file to write; its folder is created when missing.

    Returns:
        The path written, as a `pathlib.Path`.

    Example:
        >>> payload = {"title": "cnnlstm compare: airline", "task": "forecast", "metric": "rmse",
        ...            "columns": ["rank", "contender", "rmse"],
        ...            "table": [{"rank": 1, "contender": "cnn_lstm", "rmse": 28.3}]}
        >>> write_report(payload, "runs/demo/report.html")  # doctest: +SKIP
        PosixPath('runs/demo/report.html')
    """
    page = render_report(payload)
    path = Path(path)
    atomic_write_text(path, page)
    return path


def render_report(payload: dict) -> str:
    """Return the HTML text of the comparison report.

    Args:
        payload: a JSON-able dict. Required: "title", "task" (one of "forecast", "classify", "regress", "rul"),
            "columns" (the table's column keys, in order) and "table" (the ranked rows: dicts from column key to a
            formatted string or a number; "contender", "kind" and "verdict" are read when present). Optional,
            each adding its section: "created", "version", "metric", "higher_is_better", "significance", "notes",
            "data", "settings", "forecasts", "curves", "confusion", "rul", "branches", "ensembles". "forecasts" may
            hold "intervals": {contender: {"level", "lower", "upper"}}, bands drawn around the contender's line.

    Returns:
        One self-contained HTML page: styles, plotly.js and data inlined, nothing loaded from the network.

    Raises:
        TypeError: when `payload` is not a dict.
        ValueError: when a required key is missing, the task is unknown or a section's arrays disagree in size.

    Example:
        >>> page = render_report({"title": "demo", "task": "classify", "metric": "accuracy",
        ...                       "columns": ["rank", "contender", "accuracy"],
        ...                       "table": [{"rank": 1, "contender": "cnn", "accuracy": 0.93}]})
        >>> page.startswith("<!DOCTYPE html>")
        True
    """
    _validate(payload)
    # only here: importing the module stays cheap for the CLI
    import jinja2
    import plotly.offline
    from markupsafe import Markup

    contenders = _contenders(payload)
    charts: list[dict] = []  # {"id", "figure"}: drawn as they are
    selectables: dict[str, list[dict]] = {}  # chart id -> one figure per option of its <select>
    extra: dict = {}
    sections = [
        ("ranking", "Ranking", _ranking_section(payload)),
        ("notes", "Notes", _notes_section(payload)),
        ("forecasts", "Forecasts", _forecast_section(payload, contenders, extra)),
        ("confusion", "Confusion matrices", _confusion_section(payload, selectables)),
        ("rul", "Remaining useful life", _rul_section(payload, contenders, charts)),
        ("curves", "Learning curves", _curves_section(payload, selectables)),
        ("branches", "Branch contributions", _branches_section(payload, charts)),
        ("ensembles", "Ensembles", _ensembles_section(payload)),
        ("setup", "Data and settings", _setup_section(payload)),
    ]
    expected = len(charts) + len(selectables) + (1 if "forecast" in extra else 0)
    blob = {"charts": charts, "selectables": selectables, **extra}
    environment = jinja2.Environment(loader=jinja2.PackageLoader("cnnlstm.comparison", "templates"),
                                     autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    # Markup: text already safe where it goes (escaped HTML, or script text that cannot close its <script>)
    return environment.get_template("report.html.j2").render(
        title=payload["title"],
        version=payload.get("version") or "",
        meta=Markup(_meta_line(payload)),
        expected=expected,
        sections=[{"anchor": anchor, "heading": heading, "body": Markup(body)}
                  for anchor, heading, body in sections if body],
        plotlyjs=Markup(plotly.offline.get_plotlyjs()),
        data=Markup(_json_for_script(blob)),
    )


# ---------------------------------------------------------------------------------------------------- validation
def _validate(payload) -> None:
    if not isinstance(payload, dict):
        raise TypeError(f"`payload` must be a dict. Received: payload of type {type(payload).__name__}. "
                        "Fix: pass the comparison's report payload (a JSON-able dict).")
    for key in REQUIRED:
        if key not in payload:
            raise ValueError(f"`payload` must have the key {key!r}. Received: keys={sorted(payload)}. "
                             f"Fix: add payload[{key!r}] (required keys: {', '.join(REQUIRED)}).")
    if payload["task"] not in TASKS:
        raise unknown_name("task", payload["task"], TASKS, "Fix: set payload['task'] to one of these.")
    columns, table = payload["columns"], payload["table"]
    if not isinstance(columns, (list, tuple)) or not all(isinstance(c, str) for c in columns):
        raise ValueError(f"`payload['columns']` must be a list of column names. Received: columns={columns!r}. "
                         "Fix: list the keys of the table's rows in display order.")
    if not isinstance(table, (list, tuple)) or not all(isinstance(row, dict) for row in table):
        raise ValueError(f"`payload['table']` must be a list of dicts (one per ranked row). Received: "
                         f"table of type {type(table).__name__}. Fix: pass rows like {{'rank': 1, 'contender': ...}}.")
    _validate_forecasts(payload.get("forecasts"))
    confusion = payload.get("confusion")
    if confusion is not None:
        size = len(confusion.get("labels", []))
        for name, matrix in confusion.get("matrices", {}).items():
            if len(matrix) != size or any(len(row) != size for row in matrix):
                raise ValueError(f"`payload['confusion']['matrices'][{name!r}]` must be {size} x {size} (one row and "
                                 f"column per label). Received: {len(matrix)} rows. Fix: count every label pair.")
    rul = payload.get("rul")
    if rul is not None:
        size = len(rul.get("truth", []))
        for key, values in [("units", rul.get("units", [None] * size)), *rul.get("predictions", {}).items()]:
            if len(values) != size:
                raise ValueError(f"`payload['rul']` {key!r} must have one value per test engine ({size}, like "
                                 f"'truth'). Received: {len(values)}. Fix: align it with 'truth'.")


def _validate_forecasts(forecasts) -> None:
    if forecasts is None:
        return
    for key in ("actual", "steps"):
        if key not in forecasts:
            raise ValueError(f"`payload['forecasts']` must have the key {key!r}. Received: keys={sorted(forecasts)}. "
                             "Fix: give the actual values and the step labels of every origin.")
    size = len(forecasts["actual"])
    arrays = {"steps": forecasts["steps"]}
    arrays.update({f"predictions[{k!r}]": v for k, v in forecasts.get("predictions", {}).items()})
    for key in ("origins", "series", "context", "context_steps"):
        if forecasts.get(key) is not None:
            arrays[key] = forecasts[key]
    for name, band in forecasts.get("intervals", {}).items():
        for key in ("lower", "upper"):
            arrays[f"intervals[{name!r}][{key!r}]"] = band.get(key, [])
    for key, values in arrays.items():
        if len(values) != size:
            raise ValueError(f"`payload['forecasts'][{key}]` must have one entry per origin ({size}, like 'actual'). "
                             f"Received: {len(values)}. Fix: build every forecast array over the same origins.")


# ------------------------------------------------------------------------------------------------ formatting
def _esc(value) -> str:
    """HTML-escape any payload value for the page."""
    return html.escape(str(value), quote=True)


def _plot_text(value) -> str:
    """Escape for plotly's text fields, which read a few HTML tags (<b>, <a href>) and decode entities."""
    return html.escape(str(value), quote=False)


def _is_missing(value) -> bool:
    """None, NaN, or a formatted NaN ("nan", "nan ± 0": a metric a contender does not have, such as an interval's
    coverage for a forecaster that gives no intervals)."""
    if isinstance(value, str):
        return re.fullmatch(r"nan(\s*\u00b1\s*\S+)?", value.strip(), re.IGNORECASE) is not None
    return value is None or (isinstance(value, float) and math.isnan(value))


def _number(value: float) -> str:
    """A float at a readable precision: 4 significant digits, 3 below one, thousands grouped from 10,000."""
    if value == 0:
        return "0"
    if math.isinf(value):
        return "\u221e" if value > 0 else "\u2212\u221e"
    if abs(value) >= 10000:
        return f"{value:,.0f}"
    if abs(value) >= 1000:
        return f"{value:.0f}"
    return f"{value:.4g}" if abs(value) >= 1 else f"{value:.3g}"


def _format(value, column: str = "") -> str:
    """Return the escaped cell text of one payload value."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)  # a seed of 2026 is no quantity
    if isinstance(value, float):
        if column in ("p_value", "p-value", "pvalue"):
            return "&lt;0.001" if value < 0.001 else f"{value:.3f}"
        if value.is_integer() and abs(value) < 1e15 and column in ("parameters", "params", "rank"):
            return _format(int(value))
        return _number(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_format(v) for v in value)
    if isinstance(value, dict):
        return _esc(json.dumps(value, default=str))
    return _esc(value)


def _column_title(column: str) -> str:
    names = {"rank": "#", "p_value": "p-value", "train_s": "train (s)", "predict_s": "predict (s)"}
    if column in names:
        return names[column]
    return _esc(re.sub(r"_s$", " (s)", column).replace("_", " "))


def _numeric_column(rows: list[dict], column: str) -> bool:
    """Right-align a column whose cells are all numbers or read like one ("28.3 ± 1.2")."""
    cells = [row.get(column) for row in rows if not _is_missing(row.get(column))]
    def numeric(cell) -> bool:
        if isinstance(cell, str):
            return re.match(r"^[-+\u2212]?[\d.]", cell) is not None
        return isinstance(cell, (int, float)) and not isinstance(cell, bool)

    return bool(cells) and all(numeric(c) for c in cells)


def _json_for_script(value) -> str:
    """JSON safe inside a <script> element: no '</script>' or '<!--' can close or comment it."""
    text = json.dumps(_finite(value), separators=(",", ":"), allow_nan=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _finite(value):
    """NaN and infinities become null, which plotly draws as a gap (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _finite(value.tolist())
    return value


def _higher_is_better(payload: dict) -> bool:
    if "higher_is_better" in payload:
        return bool(payload["higher_is_better"])
    return str(payload.get("metric", "")).lower() in HIGHER_IS_BETTER


def _meta_line(payload: dict) -> str:
    parts = [f"task: <b>{_esc(payload['task'])}</b>"]
    if payload.get("data", {}).get("name"):
        parts.append(f"data: <b>{_esc(payload['data']['name'])}</b>")
    if payload.get("metric"):
        direction = "higher is better" if _higher_is_better(payload) else "lower is better"
        parts.append(f"ranked by <b>{_esc(payload['metric'])}</b> ({direction})")
    parts.append(f"{len(payload['table'])} contenders")
    if payload.get("created"):
        parts.append(f"created {_esc(payload['created'])}")
    if payload.get("version"):
        parts.append(f"cnnlstm {_esc(payload['version'])}")
    return " \u00b7 ".join(parts)


def _contenders(payload: dict) -> dict[str, dict]:
    """Every contender named anywhere, in rank order first, with its kind and its colour on every chart."""
    names = [str(row["contender"]) for row in payload["table"] if "contender" in row]
    kinds = {str(row["contender"]): str(row.get("kind", "")) for row in payload["table"] if "contender" in row}
    found = [
        *payload.get("forecasts", {}).get("predictions", {}),
        *payload.get("rul", {}).get("predictions", {}),
        *payload.get("confusion", {}).get("matrices", {}),
        *payload.get("curves", {}),
    ]
    for name in found:
        if str(name) not in names:
            names.append(str(name))
    return {name: {"color": PALETTE[i % len(PALETTE)], "kind": kinds.get(name, ""),
                   "dash": DASH.get(kinds.get(name, ""), "solid")} for i, name in enumerate(names)}


def _table(headers: list[str], rows: list[list[str]], *, numeric: tuple[int, ...] = (), cls: str = "") -> str:
    def cell(tag: str, i: int, text: str) -> str:
        return f'<{tag} class="num">{text}</{tag}>' if i in numeric else f"<{tag}>{text}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f'<div class="scroll"><table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


# -------------------------------------------------------------------------------------------------- sections
def _ranking_section(payload: dict) -> str:
    columns, rows = list(payload["columns"]), payload["table"]
    metric = str(payload.get("metric", ""))
    higher = _higher_is_better(payload)
    head = []
    for column in columns:
        classes = ["num"] if _numeric_column(rows, column) else []
        title = ""
        if column == metric:
            classes.append("metric")
            title = f' title="ranking metric: {"higher" if higher else "lower"} is better"'
            arrow = "\u25b2" if higher else "\u25bc"
            label = f"{_column_title(column)} {arrow}"
        else:
            label = _column_title(column)
        head.append(f'<th class="{" ".join(classes)}"{title}>{label}</th>')
    body = []
    for row in rows:
        verdict = str(row.get("verdict", "")).lower()
        cells = []
        for column in columns:
            value = row.get(column)
            classes = ["num"] if _numeric_column(rows, column) else []
            if column == metric:
                classes.append("metric")
            if column == "verdict" and not _is_missing(value):
                text = f'<span class="badge verdict-{_esc(verdict)}">{_esc(value)}</span>'
            elif column == "kind" and not _is_missing(value):
                text = f'<span class="kind kind-{_esc(str(value).lower())}">{_esc(value)}</span>'
            elif column == "contender":
                text = f"<b>{_format(value, column)}</b>"
            else:
                text = _format(value, column)
            cells.append(f'<td class="{" ".join(classes)}">{text}</td>')
        body.append(f'<tr class="row-{_esc(verdict)}">{"".join(cells)}</tr>')
    table = (f'<div class="scroll"><table class="ranking"><thead><tr>{"".join(head)}</tr></thead>'
             f'<tbody>{"".join(body)}</tbody></table></div>')
    direction = "highest" if higher else "lowest"
    lines = []
    if metric:
        lines.append(f"Ranked by <b>{_esc(metric)}</b> on the test part, {direction} first; "
                     "\u00b1 is the standard deviation over seeds.")
    verdicts = {str(row.get("verdict", "")).lower() for row in rows}
    if payload.get("significance") or "tie" in verdicts:
        sentence = _esc(payload["significance"]) + ". " if payload.get("significance") else ""
        lines.append(f'{sentence}<span class="badge verdict-tie">tie</span> marks a contender not significantly '
                     'different from the <span class="badge verdict-best">best</span>; '
                     '<span class="badge verdict-worse">worse</span> one significantly behind it.')
    caption = "".join(f'<p class="caption">{line}</p>' for line in lines)
    return table + caption


def _notes_section(payload: dict) -> str:
    notes = payload.get("notes")
    if not notes:
        return ""
    return '<ul class="notes">' + "".join(f"<li>{_esc(note)}</li>" for note in notes) + "</ul>"


def _setup_section(payload: dict) -> str:
    blocks = []
    data = payload.get("data")
    if data:
        summary = data.get("summary", {})
        rows = [[_esc(key), _format(value, key)] for key, value in summary.items()]
        name = f" <b>{_esc(data['name'])}</b>" if data.get("name") else ""
        blocks.append(f"<div><h3>Data{name}</h3>{_table(['', ''], rows, cls='keyvalue')}</div>")
    settings = payload.get("settings")
    if settings:
        rows = [[_esc(key), _format(value, key)] for key, value in settings.items()]
        blocks.append(f"<div><h3>Settings</h3>{_table(['', ''], rows, cls='keyvalue')}</div>")
    return f'<div class="grid2">{"".join(blocks)}</div>' if blocks else ""


def _ensembles_section(payload: dict) -> str:
    ensembles = payload.get("ensembles")
    if not ensembles:
        return ""
    members = []
    for spec in ensembles.values():
        members += [m for m in spec.get("weights", {}) if m not in members]
    rows = [[f"<b>{_esc(name)}</b>", *(_format(spec.get("weights", {}).get(m)) for m in members)]
            for name, spec in ensembles.items()]
    headers = ["ensemble", *(_esc(m) for m in members)]
    caption = '<p class="caption">Fitted weight of each member in the ensemble\'s prediction.</p>'
    return _table(headers, rows, numeric=tuple(range(1, len(headers)))) + caption


def _controls(chart_id: str, label: str, options: list[str], *, role: str = "select", steps: bool = False) -> str:
    opts = "".join(f'<option value="{i}">{_esc(o)}</option>' for i, o in enumerate(options))
    target = f"{chart_id}-{role}"
    buttons = (f'<button type="button" data-step="-1" data-for="{target}" aria-label="previous">\u25c0</button>'
               f'<button type="button" data-step="1" data-for="{target}" aria-label="next">\u25b6</button>'
               if steps else "")
    return (f'<span class="group"><label>{label} <select id="{chart_id}-{role}" data-chart="{chart_id}">{opts}'
            f"</select></label>{buttons}</span>")


def _base_layout(height: int, **extra) -> dict:
    layout = {
        "height": height, "margin": {"l": 64, "r": 24, "t": 24, "b": 56},
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", "size": 13},
        "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff", "hovermode": "closest",
        "xaxis": {"gridcolor": "#e5e7eb", "zerolinecolor": "#d1d5db", "automargin": True},
        "yaxis": {"gridcolor": "#e5e7eb", "zerolinecolor": "#d1d5db", "automargin": True},
        "legend": {"bgcolor": "rgba(255,255,255,0.8)"},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout


def _column(rows, target: int) -> list:
    """Column `target` of a (steps, targets) nested list; a flat list is one target."""
    return [row[target] if isinstance(row, (list, tuple)) else row for row in rows]


def _rows(values) -> list[list]:
    """One origin's (steps, targets) nested list; a flat list of steps is one target."""
    return [list(row) if isinstance(row, (list, tuple)) else [row] for row in values]


def _forecast_section(payload: dict, contenders: dict, extra: dict) -> str:
    forecasts = payload.get("forecasts")
    if not forecasts or not forecasts.get("actual"):
        return ""
    size = len(forecasts["actual"])
    first = forecasts["actual"][0]
    num_targets = len(first[0]) if first and isinstance(first[0], (list, tuple)) else 1
    targets = [str(t) for t in forecasts.get("targets", [])] or [f"target {i}" for i in range(num_targets)]
    origins = [str(o) for o in forecasts.get("origins", range(1, size + 1))]
    series = forecasts.get("series")
    labels = ([f"{s} \u00b7 {o}" for s, o in zip(series, origins)] if series and len(set(map(str, series))) > 1
              else origins)
    predicted = [name for name in contenders if name in forecasts.get("predictions", {})]
    shown = predicted if len(predicted) <= FORECAST_VISIBLE + 1 else predicted[:FORECAST_VISIBLE]
    intervals = forecasts.get("intervals", {})
    extra["forecast"] = {
        "id": "forecast-chart",
        "targets": [_plot_text(t) for t in targets],
        "steps": forecasts["steps"],
        "actual": [_rows(values) for values in forecasts["actual"]],
        "context": [_rows(values) for values in forecasts["context"]] if forecasts.get("context") else None,
        "context_steps": forecasts.get("context_steps"),
        "contenders": [
            {"name": name, "label": _plot_text(name), "color": contenders[name]["color"],
             "dash": contenders[name]["dash"], "visible": name in shown,
             "values": [_rows(values) for values in forecasts["predictions"][name]],
             **({"level": intervals[name].get("level"), "lower": [_rows(v) for v in intervals[name]["lower"]],
                 "upper": [_rows(v) for v in intervals[name]["upper"]]} if name in intervals else {})}
            for name in predicted
        ],
        "layout": _base_layout(460, legend={"title": {"text": "RMSE at this origin"}}),
    }
    controls = _controls("forecast-chart", "Origin", labels, role="origin", steps=size > 1)
    if len(targets) > 1:
        controls += _controls("forecast-chart", "Target", targets, role="target")
    hidden = len(predicted) - len(shown)
    caption = ("Actual values (black) and every contender's forecast from the chosen origin; "
               + ("the grey line is the input window before it. " if forecasts.get("context") else "")
               + "Line style: solid neural, dashed ensemble, dotted baseline."
               + (" A shaded band is a contender's prediction interval (its level in the legend; mean bounds over "
                  "seeds), shown and hidden with its line." if intervals else "")
               + (f" The {hidden} lower-ranked contenders start hidden: click their legend entries." if hidden else ""))
    return (f'<div class="controls">{controls}</div><div id="forecast-chart" class="chart"></div>'
            f'<p class="caption">{caption}</p>')


def _curves_section(payload: dict, selectables: dict) -> str:
    curves = payload.get("curves")
    if not curves:
        return ""
    seed_colors = PALETTE
    figures = []
    for name, seeds in curves.items():
        data, values = [], []
        for i, (seed, curve) in enumerate(seeds.items()):
            color = seed_colors[i % len(seed_colors)]
            epochs = curve.get("epoch") or list(range(1, len(curve.get("train_loss", [])) + 1))
            for key, label, dash in (("train_loss", "train", "solid"), ("val_loss", "validation", "dash")):
                if curve.get(key):
                    values += [v for v in curve[key] if isinstance(v, (int, float)) and math.isfinite(v)]
                    data.append({"type": "scatter", "mode": "lines", "x": epochs, "y": curve[key],
                                 "name": f"seed {_plot_text(seed)} {label}", "legendgroup": f"seed {seed}",
                                 "line": {"color": color, "dash": dash, "width": 1.8}})
        log = bool(values) and min(values) > 0 and max(values) / min(values) > 10
        layout = _base_layout(380, xaxis={"title": {"text": "epoch"}},
                              yaxis={"title": {"text": "loss" + (" (log scale)" if log else "")},
                                     "type": "log" if log else "linear",
                                     **(_log_ticks(min(values), max(values)) if log else {})})
        figures.append({"data": data, "layout": layout})
    selectables["curves-chart"] = figures
    controls = _controls("curves-chart", "Contender", list(curves))
    caption = "Training loss (solid) and validation loss (dashed) per epoch, one colour per seed."
    return (f'<div class="controls">{controls}</div><div id="curves-chart" class="chart"></div>'
            f'<p class="caption">{caption}</p>')


def _log_ticks(low: float, high: float) -> dict:
    """Ticks at 1, 2 and 5 times each power of ten, labelled in full (plotly's own log ticks read "2 5 2 5")."""
    ticks = [m * 10.0**k for k in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
             for m in (1, 2, 5) if low <= m * 10.0**k <= high]
    return {"tickvals": ticks, "ticktext": [_number(t) for t in ticks]} if len(ticks) >= 2 else {}


def _confusion_section(payload: dict, selectables: dict) -> str:
    confusion = payload.get("confusion")
    if not confusion or not confusion.get("matrices"):
        return ""
    labels = [_plot_text(label) for label in confusion["labels"]]
    height = min(900, 260 + 40 * len(labels))
    figures = []
    for matrix in confusion["matrices"].values():
        shares = [[(count / sum(row) if sum(row) else 0.0) for count in row] for row in matrix]
        total = sum(map(sum, matrix))
        correct = sum(matrix[i][i] for i in range(len(matrix)))
        figures.append({
            "data": [{"type": "heatmap", "z": shares, "x": labels, "y": labels, "customdata": matrix,
                      "text": [[str(c) for c in row] for row in matrix], "texttemplate": "%{text}",
                      "colorscale": "Blues", "reversescale": True, "zmin": 0, "zmax": 1, "xgap": 1, "ygap": 1,
                      "colorbar": {"title": {"text": "row share"}, "thickness": 12},
                      "hovertemplate": "true %{y}, predicted %{x}<br>%{customdata} samples (%{z:.1%} of the true "
                                       "class)<extra></extra>"}],
            "layout": _base_layout(
                height, width=height + 180, margin={"l": 90, "r": 24, "t": 40, "b": 64},
                title={"text": f"accuracy {correct / total:.1%} on {total:,} test samples" if total else "",
                       "font": {"size": 13}, "x": 0.01},
                xaxis={"title": {"text": "predicted class"}, "type": "category", "gridcolor": "rgba(0,0,0,0)",
                       "constrain": "domain"},
                yaxis={"title": {"text": "true class"}, "type": "category", "autorange": "reversed",
                       "gridcolor": "rgba(0,0,0,0)", "scaleanchor": "x", "constrain": "domain"}),
        })
    selectables["confusion-chart"] = figures
    controls = _controls("confusion-chart", "Contender", list(confusion["matrices"]))
    caption = ("Counts of test samples by true class (rows) and predicted class (columns); the colour is the share "
               "of the true class, so the diagonal is each class's recall.")
    return (f'<div class="controls">{controls}</div><div id="confusion-chart" class="chart"></div>'
            f'<p class="caption">{caption}</p>')


def _rul_section(payload: dict, contenders: dict, charts: list) -> str:
    rul = payload.get("rul")
    if not rul or not rul.get("truth"):
        return ""
    truth = rul["truth"]
    units = rul.get("units") or list(range(1, len(truth) + 1))
    order = sorted(range(len(truth)), key=lambda i: (1, 0) if _is_missing(truth[i]) else (0, truth[i]))
    x = list(range(1, len(order) + 1))
    unit_text = [f"unit {_plot_text(units[i])}" for i in order]
    data = []
    errors = []
    for name, values in rul.get("predictions", {}).items():
        spec = contenders.get(str(name), {"color": PALETTE[0], "dash": "solid"})
        data.append({"type": "scatter", "mode": "markers", "x": x, "y": [values[i] for i in order],
                     "name": _plot_text(name), "text": unit_text, "opacity": 0.85,
                     "marker": {"color": spec["color"], "size": 6},
                     "hovertemplate": "%{text}: predicted %{y:.1f}<extra>%{fullData.name}</extra>"})
        error = [None if _is_missing(p) or _is_missing(t) else p - t for p, t in zip(values, truth)]
        errors.append({"type": "box", "x": error,
                       "name": _plot_text(name), "marker": {"color": spec["color"]}, "boxmean": True,
                       "orientation": "h", "showlegend": False})
    data.append({"type": "scatter", "mode": "lines+markers", "x": x, "y": [truth[i] for i in order], "name": "truth",
                 "text": unit_text, "line": {"color": "#111827", "width": 2.5}, "marker": {"size": 4},
                 "hovertemplate": "%{text}: true RUL %{y}<extra></extra>"})
    charts.append({"id": "rul-chart", "figure": {"data": data, "layout": _base_layout(
        440, xaxis={"title": {"text": "test engine, sorted by true remaining useful life"}},
        yaxis={"title": {"text": "remaining useful life (cycles)"}})}})
    html_out = '<div id="rul-chart" class="chart"></div>'
    html_out += ('<p class="caption">True remaining useful life at each test engine\'s last cycle (black) and every '
                 "contender's prediction; hover for the unit number.</p>")
    if errors:
        charts.append({"id": "rul-error-chart", "figure": {"data": errors[::-1], "layout": _base_layout(
            min(600, 120 + 48 * len(errors)), xaxis={"title": {"text": "prediction \u2212 truth (cycles)"},
                                                     "zeroline": True, "zerolinecolor": "#111827"})}})
        html_out += ('<div id="rul-error-chart" class="chart chart-small"></div><p class="caption">Distribution of the '
                     "error over the test engines (box: quartiles, line: median, dashed: mean); right of zero is "
                     "late, over-optimistic, the costly side.</p>")
    return html_out


def _branches_section(payload: dict, charts: list) -> str:
    branches = payload.get("branches")
    if not branches:
        return ""
    rows, names = [], []  # rows: (label, {branch: weight})
    for model, spec in branches.items():
        merge = f" ({spec['merge']})" if spec.get("merge") else ""
        if spec.get("weights"):
            rows.append((f"{model}{merge} \u00b7 mean", spec["weights"]))
        for seed, weights in enumerate(spec.get("per_seed") or []):
            rows.append((f"{model} \u00b7 seed {seed}", weights))
    for _, weights in rows:
        names += [b for b in weights if b not in names]
    html_out = ""
    if rows:
        data = [{"type": "bar", "orientation": "h", "name": _plot_text(branch),
                 "y": [_plot_text(label) for label, _ in rows], "x": [weights.get(branch) for _, weights in rows],
                 "marker": {"color": PALETTE[i % len(PALETTE)]}, "texttemplate": "%{x:.2f}",
                 "textposition": "inside", "insidetextanchor": "middle"}
                for i, branch in enumerate(names)]
        charts.append({"id": "branch-weights-chart", "figure": {"data": data, "layout": _base_layout(
            min(900, 110 + 30 * len(rows)), barmode="stack", margin={"l": 64, "r": 24, "t": 24, "b": 48},
            xaxis={"title": {"text": "weight of each branch in the merge"}},
            yaxis={"autorange": "reversed", "type": "category"},
            legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "traceorder": "normal"})}})
        html_out += ('<div id="branch-weights-chart" class="chart chart-small"></div><p class="caption">Learned merge '
                     "weight of each branch, averaged over seeds and per seed: how much each branch contributes.</p>")
    for index, (model, spec) in enumerate(branches.items()):
        attention = spec.get("attention")
        if not attention:
            continue
        width = len(attention[0]) if isinstance(attention[0], (list, tuple)) else 1
        branch_names = list(spec.get("weights") or {}) or [f"branch {i}" for i in range(width)]
        x = spec.get("labels") or list(range(1, len(attention) + 1))
        data = [{"type": "scatter", "mode": "lines", "stackgroup": "attention", "name": _plot_text(branch),
                 "x": x, "y": _column(attention, i), "line": {"width": 0.5},
                 "fillcolor": PALETTE[names.index(branch) % len(PALETTE)] if branch in names else PALETTE[i],
                 "marker": {"color": PALETTE[names.index(branch) % len(PALETTE)] if branch in names else PALETTE[i]}}
                for i, branch in enumerate(branch_names[:width])]
        chart_id = f"attention-chart-{index}"
        charts.append({"id": chart_id, "figure": {"data": data, "layout": _base_layout(
            340, xaxis={"title": {"text": "test sample" if not spec.get("labels") else ""}},
            yaxis={"title": {"text": "attention share"}, "range": [0, 1.0]},
            legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "traceorder": "normal"})}})
        html_out += (f"<h3>Attention of {_esc(model)}</h3><div id=\"{chart_id}\" class=\"chart chart-small\"></div>"
                     '<p class="caption">Attention on each branch for every test sample (stacked to one): where '
                     "the model leans on which branch.</p>")
    return html_out
