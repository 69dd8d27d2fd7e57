// The progress page: bar widths (set here, the CSP allows no inline styles) and the two charts.
(function () {
  "use strict";
  document.querySelectorAll(".js-bar").forEach(function (bar) {
    var percent = Math.max(0, Math.min(100, Number(bar.dataset.percent) || 0));
    bar.style.width = percent + "%";
  });
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var red = "#a4161a", grey = "#6c757d";
  new Chart(document.getElementById("chart-line"), {
    type: "line",
    data: {
      labels: data.weeks,
      datasets: [
        {label: data.labels.admitted, data: data.cumulative, borderColor: red, backgroundColor: red, tension: 0.1},
        {label: data.labels.pace, data: data.pace, borderColor: grey, borderDash: [6, 4], pointRadius: 0}
      ]
    },
    options: {animation: false, responsive: true, scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}
  });
  new Chart(document.getElementById("chart-categories"), {
    type: "bar",
    data: {labels: data.category_labels, datasets: [{label: data.labels.admitted, data: data.category_counts,
                                                     backgroundColor: red}]},
    options: {animation: false, indexAxis: "y", responsive: true, plugins: {legend: {display: false}},
              scales: {x: {beginAtZero: true, ticks: {precision: 0}}}}
  });
})();
