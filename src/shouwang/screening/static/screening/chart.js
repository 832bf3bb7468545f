// A round's students by result (ECharts, vendored). The data comes from the page's JSON block
// (json_script: not executed, so the CSP's script-src 'self' holds); tooltips are drawn on the
// canvas (renderMode "richText") so no inline style is written. The summary arrives by an htmx
// swap when the import ends, so the chart is drawn then too.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("chart-data");
    var el = document.getElementById("chart-flags");
    if (!source || !el || !window.echarts || el.getAttribute("data-ready")) { return; }
    var data = JSON.parse(source.textContent);
    var c = window.echarts.init(el, null, { renderer: "canvas" });
    c.setOption({
      tooltip: { trigger: "axis", renderMode: "richText" },
      grid: { left: 40, right: 10, top: 20, bottom: 30, containLabel: true },
      xAxis: { type: "category", data: data.flags },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: data.label, type: "bar", data: data.counts }]
    });
    window.addEventListener("resize", function () { c.resize(); });
    el.setAttribute("data-ready", "1");
  }
  document.addEventListener("htmx:afterSettle", draw);
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
