// Sandbox Online Service: text size, help panel and the cookie notice.
// jpSite binds them within root: the document, or the shadow root that
// a corpus page (journeys/sandbox/corpus.go) renders the same content in.
window.jpSite = function (root) {
  "use strict";
  root.querySelectorAll("[data-size]").forEach(function (b) {
    b.addEventListener("click", function () {
      document.documentElement.classList.toggle("text-large", b.dataset.size === "large");
    });
  });
  var help = root.querySelector("#help-toggle");
  var panel = root.querySelector("#help-panel");
  if (help && panel) {
    help.addEventListener("click", function () {
      var open = panel.hidden;
      panel.hidden = !open;
      help.setAttribute("aria-expanded", String(open));
    });
  }
  // The cookie notice (defect covered-button) sits on top of the iAM Smart entry.
  // A click on it closes it; a click outside its OK button also reaches what is
  // underneath, so journeys that click the entry still complete.
  var banner = root.querySelector("#cookie-banner");
  if (banner) {
    banner.addEventListener("click", function (e) {
      var ok = e.target.closest(".cookie-ok");
      banner.remove();
      if (!ok) {
        var under = root.elementFromPoint(e.clientX, e.clientY);
        var target = under && under.closest("a, button");
        if (target) target.click();
      }
    });
  }
};
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", function () { window.jpSite(document); });
} else {
  window.jpSite(document);
}
