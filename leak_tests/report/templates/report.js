"use strict";
(function () {
  const data = JSON.parse(document.getElementById("page-data").textContent);
  const notClean = data.scenarios.filter((s) => s.verdict !== "clean").length;
  if (data.scenarios.length) {
    document.title = document.title + " (" + notClean + " of " + data.scenarios.length + " not clean)";
  }
  const toggle = document.getElementById("only-not-clean");
  if (toggle) {
    toggle.addEventListener("change", function () {
      document.querySelectorAll("table.scorecard tbody tr").forEach(function (row) {
        row.hidden = toggle.checked && row.dataset.clean === "yes";
      });
    });
  }
})();
