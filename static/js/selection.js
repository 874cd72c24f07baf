// The box above the list (G4.1 "firkanten til venstre over listen") marks every user on the
// page. Without JavaScript the box stays hidden and the page offers a link and the server-side
// "all N matching" option instead. No inline scripts anywhere (CSP).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    var form = box.form;
    var name = box.getAttribute("data-select-all");
    var wrapper = box.closest("[data-js-only]");
    if (!form) { return; }
    if (wrapper) { wrapper.hidden = false; }
    function boxes() {
      return form.querySelectorAll('input[type="checkbox"][name="' + name + '"]');
    }
    function reflect() {
      var all = boxes();
      var marked = 0;
      all.forEach(function (b) { if (b.checked) { marked += 1; } });
      box.checked = all.length > 0 && marked === all.length;
      box.indeterminate = marked > 0 && marked < all.length;
    }
    box.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = box.checked; });
    });
    form.addEventListener("change", function (event) {
      if (event.target.name === name) { reflect(); }
    });
    reflect();
  });
});
