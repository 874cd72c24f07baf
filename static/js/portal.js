// Initialise the DKFDS components where the bundle is present (no inline scripts: CSP).
document.addEventListener("DOMContentLoaded", function () {
  if (window.DKFDS && typeof window.DKFDS.init === "function") {
    window.DKFDS.init();
  }
});

// The simulated kodeoplæser reads its code aloud (Web Speech API), digit by digit, in Danish.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-speak-target]");
  if (!button || !("speechSynthesis" in window)) { return; }
  var target = document.getElementById(button.getAttribute("data-speak-target"));
  if (!target) { return; }
  var digits = (target.getAttribute("data-code") || "").split("").join(" ");
  var utterance = new SpeechSynthesisUtterance(digits);
  utterance.lang = document.documentElement.lang === "en" ? "en-GB" : "da-DK";
  window.speechSynthesis.speak(utterance);
});
