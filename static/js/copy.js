// Copy buttons: <button data-copy-target="ID" data-copied-label="…" data-failed-label="…">
// copies the value of the input ID and reports in the element [data-copy-status="ID"].
// Loaded as a file (the CSP allows no inline script).
(function () {
  "use strict";

  function report(id, text) {
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (status) {
      status.textContent = text;
    }
  }

  function fallbackCopy(input) {
    input.focus();
    input.select();
    try {
      return document.execCommand("copy");
    } catch (err) {
      return false;
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) {
      return;
    }
    var id = button.getAttribute("data-copy-target");
    var input = document.getElementById(id);
    if (!input) {
      return;
    }
    var copied = button.getAttribute("data-copied-label");
    var failed = button.getAttribute("data-failed-label");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(
        function () { report(id, copied); },
        function () { report(id, fallbackCopy(input) ? copied : failed); }
      );
    } else {
      report(id, fallbackCopy(input) ? copied : failed);
    }
  });
})();
