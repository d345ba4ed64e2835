/* Sortable tables of the check report page: click a header to sort by that column. */
(function () {
  "use strict";
  function cellText(row, index) {
    var cell = row.cells[index];
    return cell ? cell.textContent.trim() : "";
  }
  function sortTable(table, index, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var collator = new Intl.Collator("fr", { numeric: true, sensitivity: "base" });
    rows.sort(function (a, b) {
      var r = collator.compare(cellText(a, index), cellText(b, index));
      return ascending ? r : -r;
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) {
      h.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    rows.forEach(function (row) { body.appendChild(row); });
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.setAttribute("tabindex", "0");
      th.addEventListener("click", function () { sortTable(table, index, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { sortTable(table, index, th); }
      });
    });
  });
  /* "#trier-COLONNE" in the address sorts the first table by that column when the page opens
     (handy for a link to a sorted report, and used by the browser test). */
  var m = /^#trier-(\d+)$/.exec(window.location.hash);
  var first = document.querySelector("table.sortable");
  if (m && first) {
    var th = first.tHead.rows[0].cells[Number(m[1])];
    if (th) { sortTable(first, Number(m[1]), th); }
  }
  document.body.setAttribute("data-ready", "1");
})();
