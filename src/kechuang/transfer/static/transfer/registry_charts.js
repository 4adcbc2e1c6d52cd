// The registry's statistics page: draw the charts from the page's JSON (#registry-charts) with ECharts.
//
//   <div class="chart" data-chart="turnover|jingjinji|published" data-label-*="translated series names">
//
// Every chart has a table beside it with the same figures, so without JavaScript, or when ECharts is not
// installed, nothing is lost. Canvas rendering: it sets no inline style attributes, which the page's
// Content-Security-Policy forbids.
"use strict";

(() => {
  function data() {
    const node = document.getElementById("registry-charts");
    return node ? JSON.parse(node.textContent) : null;
  }

  function bars(box, years, series, unit) {
    return {
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 56, right: 56, top: 36, bottom: 28 },
      xAxis: { type: "category", data: years },
      yAxis: [{ type: "value", name: unit }],
      series,
    };
  }

  const builders = {
    turnover(box, all) {
      const d = all.turnover;
      const option = bars(box, d.years, [], "");
      option.yAxis = [
        { type: "value", name: box.dataset.labelTechnology },
        { type: "value", name: box.dataset.labelContracts, splitLine: { show: false } },
      ];
      option.series = [
        { type: "bar", name: box.dataset.labelTechnology, data: d.technology },
        { type: "line", name: box.dataset.labelContracts, yAxisIndex: 1, data: d.contracts },
      ];
      return d.years.length ? option : null;
    },
    jingjinji(box, all) {
      const d = all.jingjinji;
      const series = [
        { type: "bar", stack: "to", name: box.dataset.labelTianjin, data: d.tianjin },
        { type: "bar", stack: "to", name: box.dataset.labelHebei, data: d.hebei },
      ];
      return d.years.length ? bars(box, d.years, series, box.dataset.labelUnit) : null;
    },
    published(box, all) {
      const d = all.published;
      const labels = { beijing_out: "labelBeijingOut", tianjin_in: "labelTianjinIn", hebei_in: "labelHebeiIn" };
      const series = Object.keys(labels).map((key) => ({
        type: "line",
        name: box.dataset[labels[key]] || key,
        data: d[key],
        connectNulls: false,
      }));
      return d.years.length ? bars(box, d.years, series, box.dataset.labelUnit) : null;
    },
  };

  function draw() {
    const all = data();
    if (!all || !window.echarts) return;
    for (const box of document.querySelectorAll(".chart[data-chart]")) {
      const build = builders[box.dataset.chart];
      const option = build ? build(box, all) : null;
      if (!option) continue;
      box.classList.add("drawn");
      const chart = window.echarts.init(box, null, { renderer: "canvas" });
      chart.setOption(option);
      window.addEventListener("resize", () => chart.resize());
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
