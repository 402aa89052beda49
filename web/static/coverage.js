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

// The download button says what the evidence pack would lack (per process,
// cell and branch) before it downloads: missing or failed cells and
// unwaived error findings; the user downloads anyway or stays.
(() => {
  const btn = document.getElementById("pack");
  if (!btn || !window.fetch) return;
  let confirmed = false;
  btn.addEventListener("click", async (ev) => {
    if (confirmed) { confirmed = false; return; }
    ev.preventDefault();
    let res;
    try {
      const r = await fetch(btn.getAttribute("href") + "/completeness", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!r.ok) { confirmed = true; btn.click(); return; }
      res = await r.json();
    } catch (e) { confirmed = true; btn.click(); return; }
    if (res.complete) { confirmed = true; btn.click(); return; }
    const dlg = document.createElement("dialog");
    dlg.className = "pack-check";
    dlg.setAttribute("aria-labelledby", "pack-check-title");
    const h = document.createElement("h2");
    h.id = "pack-check-title";
    h.textContent = "This evidence pack is incomplete";
    const p = document.createElement("p");
    p.textContent = "A submission needs a passing run of every business process, language, device and branch, and no unwaived error finding. What is missing or failed:";
    const ul = document.createElement("ul");
    for (const line of res.lines) {
      const li = document.createElement("li");
      li.textContent = line;
      ul.append(li);
    }
    const row = document.createElement("div");
    row.className = "actions";
    const go = document.createElement("button");
    go.type = "button";
    go.className = "button";
    go.textContent = "Download anyway";
    const stay = document.createElement("button");
    stay.type = "button";
    stay.className = "button primary";
    stay.textContent = "Cancel";
    row.append(stay, go);
    dlg.append(h, p, ul, row);
    document.body.append(dlg);
    const close = () => { dlg.close(); dlg.remove(); };
    stay.addEventListener("click", close);
    dlg.addEventListener("cancel", () => dlg.remove());
    go.addEventListener("click", () => { close(); confirmed = true; btn.click(); });
    dlg.showModal();
    stay.focus();
  });
})();
