// Run mode (interviews): the elapsed-time clock, and autosave feedback for agenda notes.
// Autosave itself is declarative HTMX in the markup; this only makes failures visible and
// retries them, lets a 409 conflict fragment be shown, and warns before leaving unsaved text.
(function () {
  "use strict";
  var RETRY_MS = 4000;
  var memoryTimes = {};

  function autosaveForm(node) {
    return node && node.closest ? node.closest("form[data-autosave]") : null;
  }

  function readTime(key) {
    try { return parseInt(window.localStorage.getItem(key) || "", 10) || null; }
    catch (e) { return memoryTimes[key] || null; }
  }

  function writeTime(key, value) {
    try {
      if (value) { window.localStorage.setItem(key, String(value)); } else { window.localStorage.removeItem(key); }
    } catch (e) { memoryTimes[key] = value; }
  }

  // The clock lives per interview in localStorage, so a reload or a second tab shows the same
  // time. Running: key holds when it would have started had it never paused. Paused: key +
  // "-paused" holds the milliseconds run so far. Neither: not started (or reset).
  function initClock() {
    var clock = document.getElementById("run-clock");
    if (!clock || clock.getAttribute("data-ready")) return;
    clock.setAttribute("data-ready", "1");
    var output = document.getElementById("run-clock-elapsed");
    var toggle = document.getElementById("run-clock-start");
    var key = clock.getAttribute("data-key");
    var pausedKey = key + "-paused";
    var limit = (parseInt(clock.getAttribute("data-duration"), 10) || 30) * 60;
    function show() {
      var start = readTime(key);
      var ran = start ? Date.now() - start : readTime(pausedKey) || 0;
      var secs = Math.max(0, Math.floor(ran / 1000));
      output.textContent = Math.floor(secs / 60) + ":" + String(secs % 60).padStart(2, "0");
      // The button says what pressing it does now (the page without JavaScript says "Start").
      toggle.textContent = start ? "Pause" : ran ? "Resume" : "Start";
      clock.classList.toggle("running", !!start);
      clock.classList.toggle("paused", !start && !!ran);
      clock.classList.toggle("over", secs > limit);
    }
    toggle.addEventListener("click", function () {
      var start = readTime(key);
      if (start) {
        writeTime(pausedKey, Math.max(1, Date.now() - start));
        writeTime(key, null);
      } else {
        writeTime(key, Date.now() - (readTime(pausedKey) || 0));
        writeTime(pausedKey, null);
      }
      show();
    });
    document.getElementById("run-clock-reset").addEventListener("click", function () {
      writeTime(key, null);
      writeTime(pausedKey, null);
      show();
    });
    show();
    var timer = setInterval(function () {
      if (!document.body.contains(clock)) { clearInterval(timer); return; }
      show();
    }, 1000);
  }

  document.addEventListener("DOMContentLoaded", initClock);
  document.addEventListener("htmx:load", initClock);

  document.addEventListener("input", function (event) {
    var form = autosaveForm(event.target);
    if (!form) return;
    form.setAttribute("data-dirty", String(Date.now()));
    var status = form.querySelector(".save-status");
    if (status && !status.querySelector(".conflict")) {
      status.classList.remove("error");
      status.textContent = "Typing…";
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = autosaveForm(event.detail.elt);
    if (form) form.setAttribute("data-sent", form.getAttribute("data-dirty") || "");
  });

  // A 409 carries the conflict fragment (both texts): show it instead of treating it as an error.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (autosaveForm(event.detail.elt) && event.detail.xhr.status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = autosaveForm(event.detail.elt);
    if (!form) return;
    var code = event.detail.xhr ? event.detail.xhr.status : 0;
    if (code >= 200 && code < 300) {
      var saved = form.querySelector(".save-status");
      if (saved) saved.classList.remove("error");
      if (form.getAttribute("data-dirty") === form.getAttribute("data-sent")) form.removeAttribute("data-dirty");
      return;
    }
    if (code === 409 || code === 422 || code === 403 || code === 401) return; // shown, or needs the user
    var status = form.querySelector(".save-status");
    if (status) {
      status.classList.add("error");
      status.textContent = "Not saved (connection or server problem). Your text is kept; retrying…";
    }
    setTimeout(function () {
      var box = form.querySelector("textarea");
      if (box && document.body.contains(box) && window.htmx) window.htmx.trigger(box, "rapport:retry");
    }, RETRY_MS);
  });

  window.addEventListener("beforeunload", function (event) {
    if (document.querySelector("form[data-autosave][data-dirty]")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
