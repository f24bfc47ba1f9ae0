// Small enhancements; every page works without them. No inline script anywhere (the
// Content-Security-Policy forbids it): this file is the only script besides htmx.
(function () {
  "use strict";

  function openTarget(hash) {
    if (!hash || hash.length < 2) return;
    var target = document.getElementById(decodeURIComponent(hash.slice(1)));
    if (target && target.tagName === "DETAILS") target.open = true;
  }

  // A citation marker [n] opens its source's quote.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.cite") : null;
    if (link) openTarget(link.getAttribute("href"));
  });
  window.addEventListener("hashchange", function () { openTarget(window.location.hash); });
  document.addEventListener("DOMContentLoaded", function () { openTarget(window.location.hash); });

  // Upload progress while a boosted form sends its files.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest ? event.target.closest("form") : null;
    var bar = form ? form.querySelector("progress.upload-progress") : null;
    if (bar && event.detail.lengthComputable) {
      bar.value = Math.round(100 * event.detail.loaded / event.detail.total);
    }
  });

  // After htmx swaps in a page with an error summary, move focus to it (as on a full load).
  document.addEventListener("htmx:afterSettle", function () {
    var summary = document.querySelector(".error-summary[autofocus]");
    if (summary) summary.focus();
  });
})();
