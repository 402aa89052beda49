// journeyproof web app: small behaviours shared by the pages.
"use strict";

// Forms marked data-autosubmit submit as soon as a select changes, so
// their submit buttons are not needed.
for (const form of document.querySelectorAll("form[data-autosubmit]")) {
  for (const b of form.querySelectorAll(".js-hide")) b.hidden = true;
  form.addEventListener("change", (e) => {
    if (e.target.matches("select")) form.requestSubmit ? form.requestSubmit() : form.submit();
  });
}
