// Draws every chart from the JSON in #report-data, then writes the number drawn into the body's
// data-rendered (the browser tests compare it with data-charts).
(function () {
  "use strict";
  var blob = JSON.parse(document.getElementById("report-data").textContent);
  var config = {displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"]};
  var jobs = [];

  function draw(id, figure) {
    try {
      return Plotly.newPlot(id, figure.data, figure.layout, config).then(
        function () { return true; },
        function (error) { reportError(id + ": " + error); return false; });
    } catch (error) {
      reportError(id + ": " + error);
      return Promise.resolve(false);
    }
  }

  blob.charts.forEach(function (chart) { jobs.push(draw(chart.id, chart.figure)); });

  Object.keys(blob.selectables).forEach(function (id) {
    var figures = blob.selectables[id];
    var select = document.getElementById(id + "-select");
    jobs.push(draw(id, figures[0]));
    select.addEventListener("change", function () {
      var figure = figures[Number(select.value)];
      Plotly.react(id, figure.data, figure.layout, config);
    });
  });

  var f = blob.forecast;
  if (f) {
    var origin = document.getElementById(f.id + "-origin");
    var target = document.getElementById(f.id + "-target");
    var visible = {};
    f.contenders.forEach(function (c) { visible[c.name] = c.visible ? true : "legendonly"; });
    var pick = function (rows, t) { return rows.map(function (row) { return row[t]; }); };
    var rmse = function (pred, actual) {
      var sum = 0, n = 0;
      for (var i = 0; i < pred.length; i++) {
        if (pred[i] !== null && actual[i] !== null) { sum += (pred[i] - actual[i]) * (pred[i] - actual[i]); n++; }
      }
      return n ? Math.sqrt(sum / n) : NaN;
    };
    var fmt = function (v) {
      if (!isFinite(v)) { return "n/a"; }
      var a = Math.abs(v);
      return a >= 1000 ? v.toFixed(0) : a >= 1 ? v.toPrecision(4).replace(/\.?0+$/, "") : v.toPrecision(3);
    };
    var figure = function () {
      var o = Number(origin.value), t = target ? Number(target.value) : 0;
      var actual = f.actual[o].map(function (row) { return row[t]; });
      var data = [];
      if (f.context) {
        data.push({type: "scatter", mode: "lines", name: "input window", uid: "__context", x: f.context_steps[o],
                   y: f.context[o].map(function (row) { return row[t]; }), line: {color: "#9ca3af", width: 1.5}});
      }
      data.push({type: "scatter", mode: "lines+markers", name: "actual", uid: "__actual", x: f.steps[o], y: actual,
                 line: {color: "#111827", width: 2.5}, marker: {size: 5}});
      f.contenders.forEach(function (c) {
        var y = c.values[o].map(function (row) { return row[t]; });
        if (c.lower) {  // the prediction interval: lower edge, then upper edge filled down to it; one legend group
          data.push({type: "scatter", mode: "lines", uid: c.name + "__lo", x: f.steps[o], legendgroup: c.name,
                     y: c.lower[o].map(function (row) { return row[t]; }), visible: visible[c.name],
                     showlegend: false, hoverinfo: "skip", line: {color: c.color, width: 0}});
          data.push({type: "scatter", mode: "lines", uid: c.name + "__hi", x: f.steps[o], legendgroup: c.name,
                     y: c.upper[o].map(function (row) { return row[t]; }), visible: visible[c.name],
                     name: c.label + " " + c.level + "% interval", showlegend: false, hoverinfo: "skip",
                     fill: "tonexty", fillcolor: c.color + "33", line: {color: c.color, width: 0}});
        }
        data.push({type: "scatter", mode: "lines", uid: c.name, name: c.label + "  " + fmt(rmse(y, actual))
                   + (c.lower ? "  (" + c.level + "% band)" : ""), legendgroup: c.lower ? c.name : undefined,
                   x: f.steps[o], y: y, visible: visible[c.name], line: {color: c.color, dash: c.dash, width: 2}});
      });
      var layout = JSON.parse(JSON.stringify(f.layout));
      layout.yaxis.title = {text: f.targets[t]};
      layout.shapes = [{type: "line", xref: "x", yref: "paper", x0: f.steps[o][0], x1: f.steps[o][0], y0: 0, y1: 1,
                        line: {color: "#9ca3af", width: 1, dash: "dot"}}];
      return {data: data, layout: layout};
    };
    var redraw = function () {
      var gd = document.getElementById(f.id);
      (gd.data || []).forEach(function (trace) { if (trace.uid in visible) { visible[trace.uid] = trace.visible; } });
      var fig = figure();
      Plotly.react(f.id, fig.data, fig.layout, config);
    };
    jobs.push(draw(f.id, figure()));
    origin.addEventListener("change", redraw);
    if (target) { target.addEventListener("change", redraw); }
  }

  document.querySelectorAll("button[data-step]").forEach(function (button) {
    button.addEventListener("click", function () {
      var select = document.getElementById(button.dataset.for);
      var next = Number(select.value) + Number(button.dataset.step);
      if (next >= 0 && next < select.options.length) {
        select.value = String(next);
        select.dispatchEvent(new Event("change"));
      }
    });
  });

  Promise.all(jobs).then(function (done) {
    document.body.dataset.rendered = String(done.filter(Boolean).length);
  });
})();
