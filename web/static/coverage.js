// The coverage page follows its release live: the server's event stream
// says when a run of the release started, stored a step or ended, and the
// totals and the matrix are read again and swapped in place, no reload.
"use strict";
(() => {
  const live = document.getElementById("coverage-live");
  if (!live || !window.EventSource || !window.DOMParser) return;
  const release = live.dataset.release;
  let busy = false, again = false;

  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const res = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!res.ok) return;
      const doc = new DOMParser().parseFromString(await res.text(), "text/html");
      const next = doc.getElementById("coverage-body");
      const cur = document.getElementById("coverage-body");
      if (!next || !cur) {
        location.reload(); // the page changed shape (the release's first run)
        return;
      }
      cur.replaceWith(next);
      next.dispatchEvent(new CustomEvent("journeyproof:updated", { bubbles: true }));
      live.querySelector("[data-when]").textContent = "updated " + new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
      live.dataset.updates = String(Number(live.dataset.updates || 0) + 1);
    } finally {
      busy = false;
      if (again) { again = false; refresh(); }
    }
  }

  const es = new EventSource("/api/releases/" + encodeURIComponent(release) + "/events");
  es.addEventListener("state", () => { live.hidden = false; live.classList.add("on"); });
  es.addEventListener("changed", refresh);
  es.addEventListener("error", () => live.classList.remove("on"));
})();
