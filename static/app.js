// Rapport's only script: toasts for HTMX errors and server events. No inline script anywhere.
(function () {
  "use strict";
  function toast(message, level) {
    var region = document.getElementById("toasts");
    if (!region || !message) return;
    var item = document.createElement("div");
    item.className = "toast" + (level === "error" ? " error" : "");
    item.textContent = message;
    region.appendChild(item);
    setTimeout(function () { item.remove(); }, 6000);
  }
  window.rapportToast = toast;
  document.addEventListener("rapport:toast", function (event) {
    var detail = event.detail || {};
    toast(detail.message, detail.level);
  });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var header = xhr && xhr.getResponseHeader("X-Toast");
    // Server-sent toasts arrive through HX-Trigger; only fall back when there is none.
    if (!xhr || !xhr.getResponseHeader("HX-Trigger")) {
      toast(header ? decodeURIComponent(header) : "Something went wrong (" + (xhr ? xhr.status : "?") + ").", "error");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    toast("Could not reach the server. Check your connection and try again.", "error");
  });
  // Confirmation prompts declared in markup (data-confirm) for forms that destroy data.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form && form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); event.stopImmediatePropagation(); }
  }, true);
})();
