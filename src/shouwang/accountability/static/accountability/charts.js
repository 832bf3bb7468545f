// The statistics page's charts (ECharts, vendored). The data comes from the page's JSON block
// (json_script: not executed, so the CSP's script-src 'self' holds). Tooltips are drawn on the
// canvas (renderMode: "richText"): the default HTML tooltip writes style="" attributes, which
// the CSP's style-src 'self' refuses, so no exception to the policy is needed.
(function () {
  "use strict";
  function start() {
    var source = document.getElementById("chart-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var tooltip = { trigger: "axis", renderMode: "richText" };
    var legend = { type: "scroll", top: 0 };
    var grid = { left: 40, right: 10, top: 40, bottom: 60, containLabel: true };
    function chart(id, option) {
      var el = document.getElementById(id);
      if (!el) { return; }
      var c = window.echarts.init(el, null, { renderer: "canvas" });
      c.setOption(option);
      window.addEventListener("resize", function () { c.resize(); });
      el.setAttribute("data-ready", "1");
    }
    chart("chart-findings", {
      tooltip: tooltip, legend: legend, grid: grid,
      xAxis: { type: "category", data: data.units, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", minInterval: 1 },
      series: data.kinds.map(function (name, i) {
        return { name: name, type: "bar", stack: "kinds", data: data.unitKinds[i] };
      })
    });
    chart("chart-metrics", {
      tooltip: tooltip, legend: legend, grid: grid,
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", name: data.labels.minutes },
      series: [
        { name: data.labels.ack, type: "line", data: data.ack, connectNulls: true },
        { name: data.labels.scene, type: "line", data: data.scene, connectNulls: true },
        { name: data.labels.close, type: "line", data: data.close, connectNulls: true }
      ]
    });
    chart("chart-load", {
      tooltip: tooltip, legend: legend, grid: grid,
      xAxis: { type: "category", data: data.people, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: data.loadLabels.received, type: "bar", data: data.received },
        { name: data.loadLabels.night, type: "bar", data: data.night }
      ]
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
