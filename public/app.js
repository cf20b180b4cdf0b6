// Cobalt's only script besides htmx. Loaded with `defer`; the CSP allows no inline script.
(function () {
  "use strict";

  function csrfMeta() {
    return document.querySelector('meta[name="csrf-token"]');
  }

  // Every htmx request carries the CSRF token as a header (forms also carry it as a field).
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = csrfMeta();
    if (meta && meta.content) event.detail.headers["X-CSRF-Token"] = meta.content;
  });

  // The token follows the session: a response that changed it (sign-in, sign-out) says so.
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    var token = xhr && xhr.getResponseHeader("X-CSRF-Token");
    var meta = csrfMeta();
    if (token && meta) meta.content = token;
  });

  // After a form comes back with errors, put the keyboard on the first field to fix.
  document.addEventListener("htmx:afterSwap", function (event) {
    var invalid = event.detail.target && event.detail.target.querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
  });
})();
