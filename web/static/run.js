// The run page: the video's chapters and the storyboard's cards seek the
// video; playing it highlights the current card; screenshots open at full
// size; a run in progress follows its events and reloads when it ends.
"use strict";
(() => {
  const video = document.getElementById("video");
  const cards = Array.from(document.querySelectorAll("article.step"));
  const chapters = Array.from(document.querySelectorAll(".chapters [data-step]"));
  let current = -1;

  // stepAt returns the number of the step whose chapter covers t seconds.
  function stepAt(t) {
    let step = 0;
    for (const c of cards) {
      const start = parseFloat(c.dataset.start);
      if (start >= 0 && start <= t + 0.05) step = Number(c.dataset.step);
    }
    return step;
  }

  function highlight(step, scroll) {
    if (step === current) return;
    current = step;
    for (const c of cards) c.classList.toggle("current", Number(c.dataset.step) === step);
    for (const c of chapters) {
      const on = Number(c.dataset.step) === step;
      c.classList.toggle("current", on);
      if (on) c.setAttribute("aria-current", "step");
      else c.removeAttribute("aria-current");
    }
    if (scroll) {
      const card = cards.find((c) => Number(c.dataset.step) === step);
      if (card) card.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  }

  // seek plays the video from t seconds: the video stays in view (sticky),
  // so the reviewer sees the step play where they clicked.
  function seek(t) {
    if (!video || !(t >= 0)) return;
    video.currentTime = t;
    highlight(stepAt(t), false);
    const p = video.play();
    if (p && p.catch) p.catch(() => {}); // a browser may refuse to autoplay; the seek stands
  }

  if (video) {
    video.addEventListener("timeupdate", () => highlight(stepAt(video.currentTime), !video.paused));
    video.addEventListener("seeked", () => highlight(stepAt(video.currentTime), false));
    document.addEventListener("click", (e) => {
      const b = e.target.closest("[data-seek]");
      if (b) {
        e.preventDefault();
        seek(parseFloat(b.dataset.seek));
        return;
      }
      const card = e.target.closest("article.step");
      if (card && !e.target.closest("a, button, summary, details, input, select, textarea, code, .findings")) {
        seek(parseFloat(card.dataset.start));
      }
    });
  }

  // Screenshots open in a lightbox at full size (a plain link without script).
  const box = document.getElementById("lightbox");
  if (box && typeof box.showModal === "function") {
    document.addEventListener("click", (e) => {
      const z = e.target.closest("a.zoom, a.zoom-link");
      if (!z || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
      e.preventDefault();
      box.querySelector("img").src = z.getAttribute("href");
      box.showModal();
    });
    box.addEventListener("click", (e) => {
      if (e.target === box || e.target.tagName === "IMG") box.close();
    });
  }

  // A run in progress: show its step and reload when it ends.
  const progress = document.getElementById("progress");
  if (progress && window.EventSource) {
    const es = new EventSource("/api/runs/" + encodeURIComponent(progress.dataset.run) + "/events");
    es.addEventListener("progress", (e) => {
      const p = JSON.parse(e.data);
      let text = "step " + p.step + (p.steps ? " of " + p.steps : "");
      if (p.stepName) text += ": " + p.stepName;
      progress.querySelector("[data-progress]").textContent = text;
    });
    es.addEventListener("end", () => {
      es.close();
      location.reload();
    });
  }
})();
