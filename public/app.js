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

  // Asking again for the page already shown (Enter right after typing, say) must not add a
  // second history entry for the same URL: back would seem to do nothing.
  document.addEventListener("htmx:beforeHistoryUpdate", function (event) {
    var update = event.detail.history;
    if (update && update.type === "push" && update.path === location.pathname + location.search) update.type = "replace";
  });

  // "Show password": the buttons ship hidden, so they only appear where this script runs.
  function showRevealButtons(root) {
    if (!root || !root.querySelectorAll) return;
    var buttons = root.querySelectorAll("button[data-reveal]");
    for (var i = 0; i < buttons.length; i++) buttons[i].hidden = false;
  }
  showRevealButtons(document);
  document.addEventListener("htmx:load", function (event) {
    showRevealButtons(event.detail.elt);
  });

  function setRevealed(input, button, shown) {
    input.type = shown ? "text" : "password";
    button.textContent = shown ? "Hide password" : "Show password";
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-reveal]");
    var input = button && document.getElementById(button.getAttribute("data-reveal"));
    if (!input) return;
    setRevealed(input, button, input.type === "password");
    input.focus();
  });

  // A shown password goes back to a password field before sending, so the browser does not
  // keep it in its history of typed text.
  document.addEventListener(
    "submit",
    function (event) {
      var buttons = event.target.querySelectorAll ? event.target.querySelectorAll("button[data-reveal]") : [];
      for (var i = 0; i < buttons.length; i++) {
        var input = document.getElementById(buttons[i].getAttribute("data-reveal"));
        if (input && input.type === "text") setRevealed(input, buttons[i], false);
      }
    },
    true,
  );

  // "Copy" next to a secret shown once (a new personal access token): hidden without this script.
  function showCopyButtons(root) {
    if (!root || !root.querySelectorAll) return;
    var buttons = root.querySelectorAll("button[data-copy]");
    for (var i = 0; i < buttons.length; i++) buttons[i].hidden = !navigator.clipboard;
  }
  showCopyButtons(document);
  document.addEventListener("htmx:load", function (event) {
    showCopyButtons(event.detail.elt);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    var input = button && document.getElementById(button.getAttribute("data-copy"));
    if (!input) return;
    navigator.clipboard.writeText(input.value).then(function () {
      button.textContent = "Copied";
    });
  });

  // After a form comes back with errors, put the keyboard on the first field to fix.
  document.addEventListener("htmx:afterSwap", function (event) {
    var invalid = event.detail.target && event.detail.target.querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
  });
})();
