// The organisation's wizards (templates/organisations/_wizard.html). Runs before DKFDS.init (a
// deferred script after portal.js), so that DKFDS finds everything in place.
(function () {
  "use strict";

  // DKFDS makes every child of <body> inert while a modal is open, except a .fds-modal-container:
  // the step indicator's modal (the phone's "Trin 2 af 5") moves into one.
  var modal = document.getElementById("modal-step-indicator");
  if (modal && !modal.parentNode.classList.contains("fds-modal-container")) {
    var box = document.createElement("div");
    box.className = "fds-modal-container";
    document.body.appendChild(box);
    box.appendChild(modal);
  }

  // DKFDS's conditional radio buttons (js-radio-toggle-group, data-controls) show one panel per
  // radio button. A panel that several of a group's buttons control (the other administrator's
  // fields under "En anden person" and "Både mig selv og en anden person") shows while any of
  // them is checked; DKFDS alone would let the group's last button decide.
  function sync(group) {
    var shown = {};
    var radios = group.querySelectorAll("input[type=radio][data-controls]");
    for (var i = 0; i < radios.length; i++) {
      var target = radios[i].getAttribute("data-controls");
      shown[target] = shown[target] || radios[i].checked;
    }
    Object.keys(shown).forEach(function (target) {
      var panel = document.querySelector(target);
      if (!panel) { return; }
      panel.setAttribute("aria-hidden", shown[target] ? "false" : "true");
      if (panel.parentNode.classList.contains("hidden-content-wrapper")) {
        panel.parentNode.classList.toggle("show-content", shown[target]);
      }
      for (var r = 0; r < radios.length; r++) {
        if (radios[r].getAttribute("data-controls") === target) {
          radios[r].setAttribute("data-expanded", radios[r].checked ? "true" : "false");
        }
      }
    });
  }

  var groups = document.querySelectorAll(".js-radio-toggle-group[data-shared-panels]");
  // After DKFDS's own listeners (on the radio buttons) have run: this one is on the document.
  document.addEventListener("change", function (event) {
    var group = event.target.closest && event.target.closest(".js-radio-toggle-group[data-shared-panels]");
    if (group) { sync(group); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    for (var g = 0; g < groups.length; g++) { sync(groups[g]); }
  });
})();
