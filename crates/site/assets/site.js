// The search box: shown only when this script runs (without JavaScript
// every question is on the page). Typing filters the questions and opens
// the ones that match; an anchor in the address opens its question.
(function () {
  "use strict";
  var form = document.querySelector("form.search");
  var input = document.getElementById("qa-search");
  var none = document.getElementById("qa-search-none");
  var items = Array.prototype.slice.call(document.querySelectorAll("details.qa"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.category"));
  function openFromHash() {
    if (!location.hash) return;
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.tagName === "DETAILS") target.open = true;
  }
  window.addEventListener("hashchange", openFromHash);
  openFromHash();
  window.addEventListener("beforeprint", function () { items.forEach(function (d) { d.open = true; }); });
  if (!form || !input) return;
  form.hidden = false;
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  input.addEventListener("input", function () {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (d) {
      var text = d.textContent.toLowerCase();
      var match = words.every(function (w) { return text.indexOf(w) !== -1; });
      d.hidden = !match;
      d.open = match && words.length > 0;
      if (match) shown++;
    });
    sections.forEach(function (s) {
      s.hidden = !s.querySelector("details.qa:not([hidden])");
    });
    none.hidden = shown !== 0;
  });
})();
