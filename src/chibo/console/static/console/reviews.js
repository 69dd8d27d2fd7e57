// The review's decision page: a box that ticks (or unticks) every row of the list shown.
(function () {
  "use strict";
  document.querySelectorAll("[data-check-all]").forEach(function (box) {
    box.hidden = false;
    var form = box.form;
    box.addEventListener("change", function () {
      form.querySelectorAll("input[name=pick]:not(:disabled)").forEach(function (row) { row.checked = box.checked; });
    });
  });
})();
