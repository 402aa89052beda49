// The start form offers the languages and devices of the chosen journeys'
// matrices; the page of started runs follows their events live and reloads
// when they have all ended.
"use strict";
(() => {
  const form = document.getElementById("start-form");
  if (form) {
    const journey = form.querySelector("#journey");
    // sync offers the languages and devices of the chosen journeys'
    // matrices (their union).
    const sync = () => {
      const opts = Array.from(journey.selectedOptions);
      if (!opts.length) return;
      const langs = new Set(), devices = new Set();
      for (const o of opts) {
        for (const l of o.dataset.langs.split(",")) langs.add(l);
        for (const d of o.dataset.devices.split(",")) devices.add(d);
      }
      for (const l of form.querySelectorAll("[data-lang]")) {
        const on = langs.has(l.dataset.lang);
        l.hidden = !on;
        l.querySelector("input").disabled = !on;
      }
      for (const d of form.querySelectorAll("[data-device]")) {
        const on = devices.has(d.dataset.device);
        d.hidden = !on;
        d.querySelector("input").disabled = !on;
      }
    };
    const every = document.getElementById("all-journeys");
    if (every) {
      every.hidden = false;
      every.addEventListener("click", () => {
        for (const o of journey.options) o.selected = true;
        sync();
      });
    }
    journey.addEventListener("change", sync);
    sync();
  }

  const inv = document.getElementById("invocation");
  if (!inv || inv.dataset.done === "true" || !window.EventSource) return;

  const icons = { passed: "✓", failed: "✗", running: "◐", interrupted: "⏸", queued: "…", done: "✓" };
  const words = { passed: "Passed", failed: "Failed", running: "Running", interrupted: "Interrupted", queued: "Queued", done: "Done" };
  function status(s) {
    const span = document.createElement("span");
    span.className = "status status-" + s;
    const icon = document.createElement("span");
    icon.className = "icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = icons[s] || "–";
    span.append(icon, " " + (words[s] || s));
    return span;
  }
  function counts(c) {
    const span = document.createElement("span");
    if (!c.errors && !c.warnings) {
      span.className = "counts none";
      span.textContent = "no findings";
      return span;
    }
    span.className = "counts";
    for (const [n, one, many, cls] of [[c.errors, "error", "errors", "sev-error"], [c.warnings, "warning", "warnings", "sev-warning"]]) {
      if (!n) continue;
      const s = document.createElement("span");
      s.className = "sev " + cls;
      s.textContent = n + " " + (n === 1 ? one : many);
      span.append(s);
    }
    return span;
  }

  function update(v) {
    document.getElementById("inv-state").replaceChildren(status(v.state));
    for (const c of v.cells) {
      const row = Array.from(inv.querySelectorAll("tr[data-cell]")).find((r) => r.dataset.cell === c.cell);
      if (!row) continue;
      row.querySelector(".c-status").replaceChildren(status(c.status));
      const bar = row.querySelector("progress");
      bar.max = c.steps || 1;
      bar.value = c.step;
      let text = c.step ? "step " + c.step + " of " + c.steps + (c.stepName ? ": " + c.stepName : "") : "waiting";
      row.querySelector(".c-step").textContent = text;
      if (c.status === "passed" || c.status === "failed") row.querySelector(".c-counts").replaceChildren(counts(c));
      if (c.runId) {
        const a = document.createElement("a");
        a.href = "/runs/" + c.runId;
        a.textContent = "Run " + c.runId;
        row.querySelector(".c-run").replaceChildren(a);
      }
    }
    const ended = v.cells.filter((c) => c.status !== "queued" && c.status !== "running").length;
    document.getElementById("inv-live").textContent = ended + " of " + v.cells.length + " cells ended.";
  }

  const es = new EventSource("/api/invocations/" + encodeURIComponent(inv.dataset.id) + "/events");
  es.addEventListener("invocation", (e) => update(JSON.parse(e.data)));
  es.addEventListener("end", (e) => {
    es.close();
    update(JSON.parse(e.data));
    location.reload();
  });
})();
