// The review queue of the compare page: one change at a time (the others
// hidden, "show every change" shows them all), j/k to move, a/r to accept
// or reject, buttons for the same; each decision is stored through
// /api/reviews and the counts and the approve form follow. Without script
// the queue's own forms store decisions and the whole report is shown.
"use strict";
(() => {
  const queue = document.getElementById("queue");
  const review = document.getElementById("review");
  const bar = document.getElementById("review-bar");
  const report = document.querySelector("#report .cmp");
  if (!queue || !review || !bar) return;
  const items = Array.from(queue.querySelectorAll(".q-item"));
  const note = document.getElementById("review-note");
  const all = document.getElementById("review-all");
  const position = document.getElementById("review-position");
  const csrf = review.dataset.csrf;
  let current = -1;

  document.body.classList.add("js-review");
  for (const el of document.querySelectorAll(".js-only")) el.hidden = false;

  function target(li) {
    if (!report) return null;
    return report.querySelector('[data-change="' + CSS.escape(li.dataset.change) + '"]');
  }

  // show makes item i the current change: its part of the report is the
  // only one shown (unless every change is shown).
  function show(i, scroll) {
    if (!items.length) return;
    i = Math.max(0, Math.min(items.length - 1, i));
    current = i;
    for (const el of document.querySelectorAll(".q-current, .q-target, .q-run")) el.classList.remove("q-current", "q-target", "q-run");
    const li = items[i];
    li.classList.add("q-current");
    li.setAttribute("aria-current", "true");
    for (const o of items) if (o !== li) o.removeAttribute("aria-current");
    const t = target(li);
    if (t) {
      t.classList.add("q-target");
      const run = t.closest(".cmp-run");
      if (run) {
        run.classList.add("q-run");
        run.open = true;
      }
    }
    if (report) report.classList.toggle("cmp-queue", !all.checked);
    position.textContent = "Change " + (i + 1) + " of " + items.length + ": " + li.querySelector(".q-title").textContent;
    // Keep the current item in view inside the queue's own box (not the page).
    if (li.offsetTop < queue.scrollTop) queue.scrollTop = li.offsetTop;
    else if (li.offsetTop + li.offsetHeight > queue.scrollTop + queue.clientHeight) queue.scrollTop = li.offsetTop + li.offsetHeight - queue.clientHeight;
    if (history.replaceState) history.replaceState(null, "", "#change-" + li.dataset.n);
    if (scroll && t) {
      const top = t.closest(".cmp-run") || t;
      const y = top.getBoundingClientRect().top + window.scrollY - bar.offsetHeight - 8;
      if (y < window.scrollY || top.getBoundingClientRect().top > window.innerHeight * 0.6) window.scrollTo({ top: y });
    }
  }

  function counts() {
    const n = { accepted: 0, rejected: 0, unreviewed: 0 };
    for (const li of items) n[li.dataset.decision || "unreviewed"]++;
    for (const el of review.querySelectorAll("[data-count]")) el.textContent = n[el.dataset.count];
    const open = n.unreviewed + n.rejected;
    const state = document.getElementById("approve-state");
    const confirm = document.getElementById("approve-confirm");
    if (state && confirm) {
      state.dataset.open = open;
      confirm.value = open;
      confirm.required = open > 0;
      confirm.closest("label").hidden = open === 0;
      if (open === 0) confirm.checked = false;
      for (const el of document.querySelectorAll("[data-open-count]")) el.textContent = open;
      state.textContent = open === 0 ? "Every change is accepted." : "Approval needs every change reviewed: " + open + " changes are unreviewed or rejected.";
    }
    return n;
  }

  async function decide(decision, li, text) {
    li = li || items[current];
    if (!li) return;
    const body = {
      baseRun: Number(li.dataset.baseRun), headRun: Number(li.dataset.headRun),
      change: li.dataset.change, decision: decision, note: text || "",
    };
    const out = li.querySelector("[data-decision-text]");
    let res;
    try {
      res = await fetch("/api/reviews", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(body),
      });
    } catch (e) {
      out.textContent = "! not saved: " + e.message;
      return;
    }
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      out.textContent = "! not saved: " + (data.error || res.status);
      return;
    }
    li.dataset.decision = data.decision;
    li.classList.remove("q-unreviewed", "q-accepted", "q-rejected");
    li.classList.add("q-" + data.decision);
    out.textContent = (data.decision === "accepted" ? "✓ " : "✗ ") + data.decision + " by " + data.by + (data.note ? ": “" + data.note + "”" : "");
    if (note) note.value = "";
    counts();
    // On to the next change still unreviewed, else the next one.
    const i = items.indexOf(li);
    let next = items.findIndex((o, k) => k > i && !o.dataset.decision);
    if (next < 0) next = items.findIndex((o) => !o.dataset.decision);
    if (next < 0) next = Math.min(i + 1, items.length - 1);
    show(next, true);
  }

  bar.addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    if (b.dataset.move) show(current + Number(b.dataset.move), true);
    if (b.dataset.decide) decide(b.dataset.decide, null, note.value);
  });
  all.addEventListener("change", () => show(current, false));
  queue.addEventListener("click", (e) => {
    const a = e.target.closest(".q-link");
    if (!a) return;
    e.preventDefault();
    show(items.indexOf(a.closest(".q-item")), true);
  });
  // The queue's own forms (what works without script) go through fetch too.
  queue.addEventListener("submit", (e) => {
    const form = e.target.closest(".q-form");
    if (!form) return;
    e.preventDefault();
    const b = e.submitter;
    decide(b ? b.value : "accepted", form.closest(".q-item"), form.elements.note.value);
    form.elements.note.value = "";
  });
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    // Typing in a text field is typing, not a command.
    if (e.target.closest('input:not([type="checkbox"]):not([type="radio"]):not([type="range"]):not([type="button"]):not([type="submit"]), textarea, select, [contenteditable]')) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    switch (e.key) {
      case "j": show(current + 1, true); break;
      case "k": show(current - 1, true); break;
      case "a": decide("accepted", null, note.value); break;
      case "r": decide("rejected", null, note.value); break;
      default: return;
    }
    e.preventDefault();
  });

  counts();
  const m = /^#change-(\d+)$/.exec(location.hash);
  let start = m ? items.findIndex((li) => li.dataset.n === m[1]) : -1;
  if (start < 0) start = Math.max(0, items.findIndex((li) => !li.dataset.decision));
  show(start, false);
})();
