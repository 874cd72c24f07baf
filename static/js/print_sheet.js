// The Print button of the codes sheet (templates/activation/codes/sheet.html): shown only with
// JavaScript, which it needs; without it the browser's own print command does the same.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-print-sheet]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function () { window.print(); });
  }
})();
