// Confirmation modals (templates/includes/confirm_modal.html). Loaded once by base.html; every
// step here is idempotent. DKFDS makes every child of <body> inert while a modal is open, except a
// .fds-modal-container: the modals are moved into one. Their triggers become plain buttons (without
// JavaScript they submit, and the server asks for confirmation on a page of its own).
(function () {
  "use strict";

  function container() {
    var box = document.getElementById("confirm-modals");
    if (!box) {
      box = document.createElement("div");
      box.id = "confirm-modals";
      box.className = "fds-modal-container";
      document.body.appendChild(box);
    }
    return box;
  }

  // Enter in a field of the form would submit it with its first submit button, which is now the
  // modal's own "Ja, …" (the triggers are plain buttons): a disabled submit button first in the
  // form is the form's default button instead, so Enter acts on nothing unconfirmed.
  function guard(form) {
    if (!form || form.querySelector("[data-confirm-guard]")) { return; }
    var button = document.createElement("button");
    button.type = "submit";
    button.disabled = true;
    button.hidden = true;
    button.tabIndex = -1;
    button.setAttribute("aria-hidden", "true");
    button.setAttribute("data-confirm-guard", "");
    form.insertBefore(button, form.firstChild);
  }

  function prepare(scope) {
    // Only the modals not moved yet.
    var modals = scope.querySelectorAll(":not(#confirm-modals) > .fds-modal[data-confirm-modal]");
    for (var i = 0; i < modals.length; i++) {
      var modal = modals[i];
      var triggers = document.querySelectorAll('[data-module="modal"][data-target="' + modal.id + '"]');
      for (var t = 0; t < triggers.length; t++) {
        triggers[t].setAttribute("type", "button");
        guard(triggers[t].form);
      }
      container().appendChild(modal);
    }
  }

  prepare(document);

  if (window.confirmModalsReady) { return; }
  window.confirmModalsReady = true;

  // A trigger in a form that is not valid yet (e.g. no role chosen) shows the form's own messages
  // instead of the modal; otherwise a heading with {choice} takes the chosen option's text.
  document.addEventListener("click", function (event) {
    var trigger = event.target.closest('[data-module="modal"][data-target^="modal-"]');
    if (!trigger) { return; }
    var form = trigger.form;
    if (form && !form.checkValidity()) {
      event.stopImmediatePropagation();
      event.preventDefault();
      form.reportValidity();
      return;
    }
    var modal = document.getElementById(trigger.getAttribute("data-target"));
    var source = modal && form && modal.hasAttribute("data-confirm-choice") && form.querySelector("select");
    var title = modal && modal.querySelector(".modal-title");
    if (source && title && source.selectedIndex >= 0) {
      title.textContent = modal.getAttribute("data-confirm-heading").replace("{choice}", source.options[source.selectedIndex].text);
    }
  }, true);
})();
