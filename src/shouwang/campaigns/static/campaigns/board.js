// The campaign board's bar chart of problems by item (ECharts, vendored). Data from the page's
// JSON block (json_script: not executed, so the CSP's script-src 'self' holds); the tooltip is
// drawn on the canvas (renderMode "richText"), so no inline style is needed.
(function () {
  "use strict";
  function start() {
    var source = document.getElementById("chart-data");
    var el = document.getElementById("chart-problems");
    if (!source || !el || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var c = window.echarts.init(el, null, { renderer: "canvas" });
    c.setOption({
      tooltip: { trigger: "axis", renderMode: "richText" },
      grid: { left: 10, right: 10, top: 20, bottom: 10, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.items, inverse: true },
      series: [{ type: "bar", data: data.problems }]
    });
    window.addEventListener("resize", function () { c.resize(); });
    el.setAttribute("data-ready", "1");
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
