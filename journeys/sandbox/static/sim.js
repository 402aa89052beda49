// iAM Smart simulator: poll the request's status and follow the outcome; on the
// simulated phone, send the user's decision.
(function () {
  "use strict";
  var id = document.body.dataset.iamsmartRequest;
  if (id) {
    var poll = function () {
      fetch("/iamsmart/status/" + encodeURIComponent(id), { cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (s && s.status !== "pending" && s.redirect) {
            window.location.assign(s.redirect);
            return;
          }
          setTimeout(poll, 300);
        })
        .catch(function () { setTimeout(poll, 300); });
    };
    setTimeout(poll, 300);
  }
  document.querySelectorAll("[data-decide]").forEach(function (b) {
    b.addEventListener("click", function () {
      fetch(window.location.pathname + "/" + b.dataset.decide, { method: "POST" })
        .then(function () { window.location.reload(); });
    });
  });
})();
