// journeyproof web app, on every page: times in the viewer's time zone.
// The server writes each time in Hong Kong Time with the zone named
// (<time datetime="..." data-local>2026-01-02 15:04 HKT</time>), which is
// what a page without script shows; here each becomes the same instant in
// the browser's own zone, named too, with the Hong Kong time as its title.
"use strict";
(() => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";

  function format(d, seconds) {
    const opts = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" };
    if (seconds) opts.second = "2-digit";
    const p = {};
    for (const part of new Intl.DateTimeFormat("en-CA", opts).formatToParts(d)) p[part.type] = part.value;
    let s = p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute;
    if (seconds) s += ":" + p.second;
    return s + " " + (p.timeZoneName || zone);
  }

  // localise rewrites the <time data-local> elements under root; pages that
  // replace part of themselves call it again (document.dispatchEvent of
  // "journeyproof:updated").
  function localise(root) {
    for (const t of root.querySelectorAll("time[data-local]")) {
      if (t.dataset.localised) continue;
      const d = new Date(t.getAttribute("datetime"));
      if (isNaN(d)) continue;
      const hk = t.textContent;
      t.textContent = format(d, t.hasAttribute("data-seconds"));
      t.title = hk + (zone ? " · your time zone: " + zone : "");
      t.dataset.localised = "true";
    }
  }
  localise(document);
  document.addEventListener("journeyproof:updated", (e) => localise(e.target && e.target.querySelectorAll ? e.target : document));
})();
