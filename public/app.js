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
    // The words come with the button (src/web/components/ui.tsx), so a translated page needs no new script.
    button.textContent = button.getAttribute(shown ? "data-hide-label" : "data-show-label");
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

  // "Resend" and the like: a button that may be pressed again only later counts down to then.
  // Its label is read once; the count goes in a separate span so screen readers hear the name.
  function startCountdowns(root) {
    if (!root || !root.querySelectorAll) return;
    var buttons = root.querySelectorAll("button[data-countdown]");
    for (var i = 0; i < buttons.length; i++) countDown(buttons[i], Number(buttons[i].getAttribute("data-countdown")));
  }
  function countDown(button, seconds) {
    if (!(seconds > 0)) return;
    var format = button.getAttribute("data-countdown-text") || "{s}";
    button.removeAttribute("data-countdown");
    button.disabled = true;
    var left = document.createElement("span");
    left.className = "tabular-nums";
    button.appendChild(left);
    var timer = setInterval(tick, 1000);
    tick();
    function tick() {
      if (seconds <= 0 || !button.isConnected) {
        clearInterval(timer);
        left.remove();
        button.disabled = false;
        return;
      }
      left.textContent = format.replace("{s}", String(seconds));
      seconds -= 1;
    }
  }
  startCountdowns(document);
  document.addEventListener("htmx:load", function (event) {
    startCountdowns(event.detail.elt);
  });

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
      button.textContent = button.getAttribute("data-copied-label") || button.textContent;
    });
  });

  // Times come in UTC (<time datetime="…Z" data-time>, src/web/components/time.tsx): say them in
  // the viewer's own zone, in the page's language. A relative time ("2 minutes ago") keeps its
  // words and gets the local clock time on hover.
  var DAY = { year: "numeric", month: "short", day: "numeric" };
  var MOMENT = { year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short" };
  function localiseTimes(root) {
    if (!root || !root.querySelectorAll || !window.Intl) return;
    var lang = document.documentElement.lang || undefined;
    var times = root.querySelectorAll("time[data-time]");
    for (var i = 0; i < times.length; i++) {
      var date = new Date(times[i].getAttribute("datetime"));
      if (isNaN(date.getTime())) continue;
      var moment = new Intl.DateTimeFormat(lang, MOMENT).format(date);
      var kind = times[i].getAttribute("data-time");
      if (kind === "datetime") times[i].textContent = moment;
      else {
        if (kind === "date") times[i].textContent = new Intl.DateTimeFormat(lang, DAY).format(date);
        times[i].title = moment;
      }
    }
  }
  localiseTimes(document);
  document.addEventListener("htmx:load", function (event) {
    localiseTimes(event.detail.elt);
  });

  // A new request makes the last one's message in the flash area stale ("Slow down" beside a
  // later success): clear it; a refusal of this request puts its own message there again.
  document.addEventListener("htmx:beforeRequest", function () {
    var flash = document.getElementById("flash");
    if (flash) flash.innerHTML = "";
  });

  // After a form comes back, put the keyboard where the answer is: the first field to fix, else
  // the form's message. An outerHTML swap detaches the old target, so the form that came back
  // is found again by its id (a detached element would leave focus on <body>).
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    var root = target && target.id ? document.getElementById(target.id) : null;
    if (!root && event.detail.elt && event.detail.elt.isConnected) root = event.detail.elt;
    if (!root || !root.querySelector) return;
    var invalid = root.querySelector('[aria-invalid="true"]');
    var alert = invalid ? null : root.querySelector('[role="alert"]');
    if (invalid) invalid.focus();
    else if (alert) {
      alert.setAttribute("tabindex", "-1");
      alert.focus();
    }
  });
})();
