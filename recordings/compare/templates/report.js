// The swipe view of the comparison report: the range input moves the edge
// between the base (left) and the head (right) screenshot.
(function () {
  for (const input of document.querySelectorAll(".cmp-swipe-control input")) {
    const swipe = input.closest(".cmp-view-swipe").querySelector(".cmp-swipe");
    const set = () => swipe.style.setProperty("--cmp-pos", input.value + "%");
    input.addEventListener("input", set);
    set();
  }
})();
