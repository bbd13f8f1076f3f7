// The console's own script (no framework): the phone menu, the search shortcut (/ or Ctrl+K), wide tables
// reachable by keyboard, and form hints
// that follow a chosen format (a select with data-switches-hints sets each data-hint-<value> of its form as
// the placeholder).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    var box = document.getElementById("global-search");
    if (!box) return;
    var slash = event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(event.target);
    var ctrlK = (event.ctrlKey || event.metaKey) && (event.key === "k" || event.key === "K");
    if (slash || ctrlK) {
      event.preventDefault();
      box.focus();
      box.select();
    } else if (event.key === "Escape" && event.target === box) {
      box.blur();
    }
  });

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest(".menu-toggle");
    if (!toggle) return;
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    document.querySelector(".topbar").classList.toggle("menu-open", open);
  });

  // A table too wide for the screen scrolls sideways (atlas.css); keyboard users reach it with Tab.
  function scrollable(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("table").forEach(function (table) {
      if (table.scrollWidth > table.clientWidth + 1) {
        table.setAttribute("tabindex", "0");
      } else if (table.getAttribute("tabindex") === "0") {
        table.removeAttribute("tabindex");
      }
    });
  }
  var resizing;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { scrollable(document); }, 150);
  });
  document.addEventListener("DOMContentLoaded", function () { scrollable(document); });
  document.addEventListener("htmx:afterSettle", function (event) { scrollable(event.target); });

  document.addEventListener("change", function (event) {
    var chooser = event.target;
    if (!chooser.matches || !chooser.matches("select[data-switches-hints]") || !chooser.form) return;
    var attribute = "data-hint-" + chooser.value;
    chooser.form.querySelectorAll("[" + attribute + "]").forEach(function (field) {
      field.placeholder = field.getAttribute(attribute);
    });
  });
})();
