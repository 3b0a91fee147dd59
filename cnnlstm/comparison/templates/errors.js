// Installed first, in the head: every JavaScript error lands in the #js-errors box, which the browser tests read.
window.reportErrors = [];
function reportError(message) {
  window.reportErrors.push(String(message));
  var box = document.getElementById("js-errors");
  if (box) { box.textContent = window.reportErrors.join("\n"); }
}
window.addEventListener("error", function (e) { reportError(e.message || e); });
window.addEventListener("unhandledrejection", function (e) {
  reportError("unhandled rejection: " + (e.reason && e.reason.message || e.reason));
});
document.addEventListener("DOMContentLoaded", function () {  // errors raised before the box existed
  if (window.reportErrors.length) {
    document.getElementById("js-errors").textContent = window.reportErrors.join("\n");
  }
});
