// Selection on a list (DKFDS checkbox pattern). "All N matching" posts all_matching=1 and the
// list's filter, so it works without JavaScript. With JavaScript, marking it marks and locks the
// rows of the page (they are covered by it) and says so in a live region. A list whose rows
// hold forms of their own (Afventer aktivering) gives its row boxes form="…": its box for the
// page (data-select-page) reaches them through form.elements. No inline scripts (CSP).
document.addEventListener("DOMContentLoaded", function () {
  function rowsOf(form, name) {
    return Array.prototype.filter.call(form.elements, function (e) {
      return e.type === "checkbox" && e.name === name;
    });
  }
  document.querySelectorAll("[data-select-page]").forEach(function (box) {
    var form = box.form;
    var name = box.getAttribute("data-select-page");
    var wrapper = box.closest("[data-js-only]");
    if (!form) { return; }
    if (wrapper) { wrapper.hidden = false; }
    function reflect() {
      var all = rowsOf(form, name);
      var marked = all.filter(function (b) { return b.checked; }).length;
      box.checked = all.length > 0 && marked === all.length;
      box.indeterminate = marked > 0 && marked < all.length;
    }
    box.addEventListener("change", function () {
      rowsOf(form, name).forEach(function (b) { b.checked = box.checked; });
    });
    document.addEventListener("change", function (event) {
      if (event.target.name === name && event.target.form === form) { reflect(); }
    });
    reflect();
  });
  document.querySelectorAll("[data-select-matching]").forEach(function (all) {
    var form = all.form;
    var name = all.getAttribute("data-select-matching");
    if (!form) { return; }
    var status = form.querySelector("[data-selection-status]");
    var label = form.querySelector('label[for="' + all.id + '"]');
    function reflect(changed) {
      rowsOf(form, name).forEach(function (box) {
        if (changed) { box.checked = all.checked; }
        box.disabled = all.checked;
      });
      form.querySelectorAll("[data-select-all], [data-select-page]").forEach(function (page) {
        page.disabled = all.checked;
      });
      if (status) { status.textContent = all.checked && label ? label.textContent : ""; }
    }
    all.addEventListener("change", function () { reflect(true); });
    reflect(false);
  });
});
