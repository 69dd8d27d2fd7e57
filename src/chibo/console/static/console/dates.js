// A calendar on every day field (input[data-datepicker]) in the page's language. A day is written
// dd/mm/yyyy, as the server writes it; typed days are read as the server reads them (dd/mm/yyyy,
// yyyy-mm-dd, dd-mm-yyyy). data-max limits the last day. Runs again on htmx swaps.
(function () {
  "use strict";
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };
  var format = {
    toDisplay: function (date) {
      return pad(date.getDate()) + "/" + pad(date.getMonth() + 1) + "/" + date.getFullYear();
    },
    toValue: function (text) {
      var m = /^\s*(\d{1,2})[\/-](\d{1,2})[\/-](\d{4})\s*$/.exec(text);
      var iso = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$/.exec(text);
      var d = m ? [+m[3], +m[2], +m[1]] : iso ? [+iso[1], +iso[2], +iso[3]] : null;
      if (!d) return NaN;
      var date = new Date(d[0], d[1] - 1, d[2]);
      return date.getMonth() === d[1] - 1 ? date.getTime() : NaN;  // 31/02 is no day
    }
  };
  function attach(root) {
    if (typeof Datepicker === "undefined") return;
    var lang = document.documentElement.lang === "vi" ? "vi" : "en-GB";
    root.querySelectorAll("input[data-datepicker]:not([data-datepicker-on])").forEach(function (input) {
      input.setAttribute("data-datepicker-on", "");
      var max = input.dataset.max ? format.toValue(input.dataset.max) : null;
      // the calendar opens on a click, not on Tab, and closes while the day is typed, so it never
      // lies over the next field or the form's button for someone typing
      var picker = new Datepicker(input, {
        language: lang, format: format, weekStart: 1, autohide: true, todayHighlight: true,
        buttonClass: "btn", updateOnBlur: true, showOnFocus: false, maxDate: max || null
      });
      input.addEventListener("input", function () { picker.hide(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { attach(document); });
  document.addEventListener("htmx:load", function (event) { attach(event.target); });
}());
