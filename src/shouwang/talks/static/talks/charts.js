// The talks statistics chart (ECharts, vendored): met / open / overdue per counsellor. Data from
// the page's JSON block (json_script), tooltips drawn on the canvas so the CSP holds.
(function () {
  "use strict";
  function start() {
    var source = document.getElementById("chart-data");
    var el = document.getElementById("chart-holders");
    if (!source || !el || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var c = window.echarts.init(el, null, { renderer: "canvas" });
    c.setOption({
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0 },
      grid: { left: 40, right: 10, top: 40, bottom: 60, containLabel: true },
      xAxis: { type: "category", data: data.holders, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: data.labels.met, type: "bar", stack: "s", data: data.met },
        { name: data.labels.open, type: "bar", stack: "s", data: data.open },
        { name: data.labels.overdue, type: "bar", stack: "s", data: data.overdue }
      ]
    });
    window.addEventListener("resize", function () { c.resize(); });
    el.setAttribute("data-ready", "1");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else { start(); }
}());
