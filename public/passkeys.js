// Passkey ceremonies on the pages (docs/passkeys.md), with the vendored @simplewebauthn/browser
// (window.SimpleWebAuthnBrowser). A form marked data-passkey-options names the page route that
// answers options; this script runs the ceremony, puts the browser's answer into the form's
// hidden `credential` field (and `challenge_id`, when the options came with one) and submits
// the form natively, so the server answers with an ordinary page. Loaded with `defer`.
(function () {
  "use strict";

  var lib = window.SimpleWebAuthnBrowser;
  var supported = !!(lib && lib.browserSupportsWebAuthn && lib.browserSupportsWebAuthn());

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // Where passkeys can work, the controls appear and the "needs JavaScript" line goes; where the
  // browser has no WebAuthn, the line says that instead.
  function prepare(root) {
    if (!root || !root.querySelectorAll) return;
    var notes = root.querySelectorAll("[data-passkey-nojs]");
    for (var i = 0; i < notes.length; i++) {
      if (supported) notes[i].hidden = true;
      else notes[i].textContent = "This browser does not support passkeys.";
    }
    if (!supported) return;
    var controls = root.querySelectorAll("[data-passkey-login], [data-passkey-controls], [data-passkey-mfa]");
    for (var j = 0; j < controls.length; j++) controls[j].hidden = false;
    startAutofill(root);
  }

  function showError(form, text) {
    var box = form.querySelector("[data-passkey-error]");
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  }

  function describe(error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "AbortError") return "The passkey request was cancelled or timed out. Try again.";
    if (name === "InvalidStateError") return "This device already has a passkey for your account.";
    if (error && error.status === 429) return "Too many attempts. Wait a minute and try again.";
    if (error && error.status === 403) return "Confirm it is you: sign in again, then add the passkey.";
    return "Passkeys are not available right now. Try again, or use another way.";
  }

  function fetchOptions(form) {
    var body = new URLSearchParams();
    var extra = form.querySelectorAll("input[data-passkey-send]");
    for (var i = 0; i < extra.length; i++) body.set(extra[i].name, extra[i].value);
    return fetch(form.getAttribute("data-passkey-options"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken(), Accept: "application/json" },
      body: body,
    }).then(function (response) {
      if (!response.ok) {
        var failure = new Error("options refused");
        failure.status = response.status;
        throw failure;
      }
      return response.json();
    });
  }

  function submitWith(form, answer, challengeId) {
    form.querySelector('input[name="credential"]').value = JSON.stringify(answer);
    var idField = form.querySelector('input[name="challenge_id"]');
    if (idField && challengeId) idField.value = challengeId;
    // A native submit: htmx does not intercept it, and the answer is a whole page.
    HTMLFormElement.prototype.submit.call(form);
  }

  function authenticate(form, autofill) {
    return fetchOptions(form).then(function (data) {
      return lib.startAuthentication({ optionsJSON: data.options, useBrowserAutofill: autofill }).then(function (answer) {
        submitWith(form, answer, data.challenge_id);
      });
    });
  }

  // Conditional UI: the username field offers this site's passkeys among its suggestions.
  var autofillStarted = null;
  function startAutofill(root) {
    var field = root.querySelector && root.querySelector('input[autocomplete~="webauthn"]');
    var form = document.getElementById("passkey-login-form");
    if (!field || !form || autofillStarted === field || !lib.browserSupportsWebAuthnAutofill) return;
    // Right after a refused passkey, offer it again only on request (an authenticator that
    // answers by itself would otherwise go round in circles).
    if (/[?&]notice=passkey-failed/.test(location.search)) return;
    autofillStarted = field;
    lib.browserSupportsWebAuthnAutofill().then(function (ok) {
      if (!ok) return;
      authenticate(form, true).catch(function () {
        // Cancelled by the button's own ceremony, or dismissed: nothing to report.
      });
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("[data-passkey-login], [data-passkey-register], [data-passkey-mfa]");
    if (!target || !supported) return;
    var form = target.closest("form");
    if (!form) return;
    event.preventDefault();
    showError(form, "");
    target.disabled = true;
    var ceremony = target.hasAttribute("data-passkey-register")
      ? fetchOptions(form).then(function (data) {
          return lib.startRegistration({ optionsJSON: data.options }).then(function (answer) {
            submitWith(form, answer, null);
          });
        })
      : authenticate(form, false);
    ceremony.catch(function (error) {
      target.disabled = false;
      showError(form, describe(error));
    });
  });

  prepare(document);
  document.addEventListener("htmx:load", function (event) {
    prepare(event.detail.elt);
  });
})();
