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
  // The server checks every form and reports every problem at once, by label, keeping what
  // was typed; the browser's own checks would stop at the first one, in other words.
  function serverValidates(root) {
    var forms = root.querySelectorAll ? root.querySelectorAll("form[method=post]") : [];
    forms.forEach(function (form) { form.noValidate = true; });
    if (root.matches && root.matches("form[method=post]")) root.noValidate = true;
  }
  if (window.htmx) { window.htmx.onLoad(serverValidates); } else { serverValidates(document); }
  // Setup and sign-up propose the browser's time zone; the server checks the name.
  document.querySelectorAll("input[data-browser-zone]").forEach(function (input) {
    var zone = (window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone) || "";
    if (!input.value && zone) input.value = zone;
  });
  // A Print button (preparation sheet) without inline script.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) { event.preventDefault(); window.print(); }
  });
  // Confirmation prompts declared in markup (data-confirm) for forms that destroy data.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form && form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); event.stopImmediatePropagation(); }
  }, true);
  // Copy buttons (data-copy="#field": drafts, the calendar feed address) ship hidden and
  // appear only where the clipboard API exists, so nothing on the page promises what fails.
  function showCopy(root) {
    if (!navigator.clipboard || !root.querySelectorAll) return;
    root.querySelectorAll("[data-copy]").forEach(function (button) { button.hidden = false; });
  }
  if (window.htmx) { window.htmx.onLoad(showCopy); } else { showCopy(document); }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    event.preventDefault();
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.value || source.textContent).then(function () { toast("Copied."); });
    }
  });
})();
