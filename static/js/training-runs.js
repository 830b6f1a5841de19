// The training run list's live cells: while a shown run is queued or running, ask the status
// endpoint every two seconds and update its state, progress bar and progress line in place.
(function () {
  "use strict";
  var INTERVAL_MS = 2000;

  function openCells() {
    return Array.prototype.slice.call(
      document.querySelectorAll("[data-training-run][data-open='true']")
    );
  }

  function update(run) {
    var cells = document.querySelectorAll("[data-training-run='" + run.id + "']");
    Array.prototype.forEach.call(cells, function (cell) {
      cell.setAttribute("data-open", run.open ? "true" : "false");
      var state = cell.querySelector("[data-run-state]");
      if (state) state.textContent = run.state_label;
      var bar = cell.querySelector("progress");
      if (bar) {
        if (run.percent === null) {
          bar.hidden = true;
        } else {
          bar.hidden = false;
          bar.value = run.percent;
          bar.textContent = run.percent + "%";
        }
      }
      var text = cell.querySelector("[data-run-text]");
      if (text) {
        var extra = run.error || run.note || (run.version ? "made v" + run.version : "");
        text.textContent = run.text + (extra ? " (" + extra + ")" : "");
      }
    });
  }

  function poll() {
    var cells = openCells();
    if (!cells.length) return;
    var ids = [];
    cells.forEach(function (cell) {
      var id = cell.getAttribute("data-training-run");
      if (ids.indexOf(id) < 0) ids.push(id);
    });
    var url = cells[0].getAttribute("data-status-url") + "?ids=" + ids.join(",");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { runs: [] };
      })
      .then(function (data) {
        data.runs.forEach(update);
      })
      .catch(function () {})
      .then(function () {
        window.setTimeout(poll, INTERVAL_MS);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    window.setTimeout(poll, INTERVAL_MS);
  });
})();
