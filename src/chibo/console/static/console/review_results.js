// The review results page: organizations and members by level, this year beside last year, and the
// members by level of each subordinate unit (stacked). No inline script: the CSP allows none.
(function () {
  "use strict";
  var source = document.getElementById("results-chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colours = ["#2e7d32", "#1565c0", "#ef6c00", "#a4161a"];  // excellent, good, completion, non-completion
  var red = "#a4161a", grey = "#adb5bd";
  var percentAxis = {beginAtZero: true, max: 100, ticks: {callback: function (v) { return v + "%"; }}};

  function yearOnYear(id, now, before) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.levels,
        datasets: [
          {label: data.labels.now, data: now, backgroundColor: red},
          {label: data.labels.before, data: before, backgroundColor: grey}
        ]
      },
      options: {animation: false, responsive: true, scales: {y: percentAxis}}
    });
  }
  yearOnYear("chart-orgs", data.orgs_now, data.orgs_before);
  yearOnYear("chart-members", data.members_now, data.members_before);

  var children = document.getElementById("chart-children");
  if (children && data.children.length) {
    // a bar's height whatever the number of units (the box is sized here: the CSP allows no inline style)
    document.getElementById("chart-children-box").style.height = (70 + 28 * data.children.length) + "px";
    new Chart(children, {
      type: "bar",
      data: {
        labels: data.children,
        datasets: data.levels.map(function (label, i) {
          return {label: label, backgroundColor: colours[i],
                  data: data.children_levels.map(function (row) { return row[i]; })};
        })
      },
      options: {animation: false, responsive: true, maintainAspectRatio: false, indexAxis: "y",
                scales: {x: Object.assign({stacked: true}, percentAxis), y: {stacked: true}}}
    });
  }
})();
