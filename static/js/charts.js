// Draws every <canvas data-chart="ID"> from the JSON in <script id="ID" type="application/json">.
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: canvas.dataset.chartType || "bar",
      data: {
        labels: data.labels,
        datasets: [{ label: canvas.getAttribute("aria-label") || "", data: data.values, backgroundColor: "#a4161a" }]
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } } }
    });
  });
})();
