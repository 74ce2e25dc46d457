// mlops-gov pages: the collapsing menu and tables that scroll inside their own box. No third-party code.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setUpMenu() {
    var toggle = document.querySelector(".nav-toggle");
    var menu = document.getElementById("site-menu");
    if (!toggle || !menu) return;
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.classList.contains("open")) {
        menu.classList.remove("open");
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }

  // Every table in the content gets a scroll box; one that overflows becomes focusable so keyboard users can
  // scroll it too (and a screen reader hears what the region holds).
  function wrapTables() {
    var tables = document.querySelectorAll("main table");
    Array.prototype.forEach.call(tables, function (table) {
      var parent = table.parentElement;
      if (parent && parent.classList.contains("table-scroll")) return;
      var box = document.createElement("div");
      box.className = "table-scroll";
      parent.insertBefore(box, table);
      box.appendChild(table);
    });
    markScrollable();
  }

  function markScrollable() {
    var boxes = document.querySelectorAll(".table-scroll");
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        var table = box.querySelector("table");
        var label = box.getAttribute("aria-label") || (table && table.getAttribute("aria-label"));
        if (!label) {
          var heading = table && table.querySelector("caption");
          label = heading ? heading.textContent.trim() : "Table (scrolls sideways)";
        }
        box.setAttribute("aria-label", label);
      } else if (!box.hasAttribute("data-keep-focus")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
      }
    });
  }

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    setUpMenu();
    wrapTables();
    window.addEventListener("resize", markScrollable);
  });
})();
