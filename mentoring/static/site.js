// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Ask before destructive actions marked with data-confirm.
  document.addEventListener("submit", function (event) {
    var button = event.submitter || event.target.querySelector("[data-confirm]");
    var message = button && button.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
  // Sort tables marked data-sortable by clicking a header (the server also sorts via links).
  function cellValue(row, index) {
    var cell = row.children[index];
    var raw = cell ? (cell.getAttribute("data-sort") || cell.textContent.trim()) : "";
    var number = parseFloat(raw);
    return isNaN(number) || !/^-?[0-9.]+$/.test(raw) ? raw.toLowerCase() : number;
  }
  // The column each header cell stands over, counting the row and column spans of a header of several rows.
  function headerColumns(table) {
    var columns = [], taken = [];
    Array.prototype.forEach.call(table.tHead ? table.tHead.rows : [], function (row, r) {
      var column = 0;
      taken[r] = taken[r] || [];
      Array.prototype.forEach.call(row.cells, function (cell) {
        while (taken[r][column]) { column += 1; }
        if (cell.colSpan === 1) { columns.push([cell, column]); }
        for (var dr = 0; dr < cell.rowSpan; dr += 1) {
          taken[r + dr] = taken[r + dr] || [];
          for (var dc = 0; dc < cell.colSpan; dc += 1) { taken[r + dr][column + dc] = true; }
        }
        column += cell.colSpan;
      });
    });
    return columns;
  }
  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    var columns = headerColumns(table);
    columns.forEach(function (pair) {
      var th = pair[0], index = pair[1];
      th.addEventListener("click", function (event) {
        event.preventDefault();
        var body = table.tBodies[0];
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        columns.forEach(function (other) { other[0].removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        Array.prototype.slice.call(body.rows).sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
        }).forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  // A matching job in progress: poll its small JSON endpoint, update the status, reload when it ends.
  document.querySelectorAll("[data-progress-url][data-active=true]").forEach(function (box) {
    var url = box.getAttribute("data-progress-url");
    function set(selector, text) {
      var element = box.querySelector(selector);
      if (element) { element.textContent = text || ""; }
    }
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          set("[data-progress-stage]", data.stage);
          set("[data-progress-label]", data.label);
          set("[data-progress-detail]", data.detail);
          if (data.active) { window.setTimeout(poll, (data.refresh_seconds || 3) * 1000); }
          else { window.location.reload(); }
        })
        .catch(function () { window.setTimeout(poll, 10000); });
    }
    window.setTimeout(poll, 2000);
  });
})();
