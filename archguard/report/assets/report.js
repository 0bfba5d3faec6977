(function () {
  "use strict";
  var boxes = document.querySelectorAll(".filters input");
  function checked(cls) {
    var out = {};
    document.querySelectorAll("input." + cls).forEach(function (el) {
      out[el.value] = el.checked;
    });
    return out;
  }
  function apply() {
    var sev = checked("f-sev"), cat = checked("f-cat"), shown = 0;
    document.querySelectorAll("article.finding").forEach(function (el) {
      var visible = sev[el.dataset.severity] && cat[el.dataset.category];
      el.classList.toggle("hidden", !visible);
      if (visible) { shown += 1; }
    });
    document.querySelectorAll("section.category").forEach(function (section) {
      section.classList.toggle("hidden", !section.querySelector("article.finding:not(.hidden)"));
    });
    document.getElementById("shown-count").textContent = String(shown);
  }
  boxes.forEach(function (el) { el.addEventListener("change", apply); });
  document.querySelectorAll("a.rule").forEach(function (link) {
    link.addEventListener("click", function () {
      var doc = document.getElementById(link.getAttribute("href").slice(1));
      if (doc) { doc.open = true; }
    });
  });
  apply();
})();
