// The navigation search box: "/" focuses it, arrows move through the results HTMX put
// under it, Enter opens the chosen one (or submits the search), Escape closes the list.
// Event delegation on document, so boosted navigation (which swaps <body>) needs no rebinding.
(function () {
  "use strict";
  if (window.rapportSearchBox) return; // loaded once even if the partial is rendered again
  window.rapportSearchBox = true;

  function box() { return document.querySelector("[data-search-box]"); }
  function input(form) { return form && form.querySelector("input[name=q]"); }
  function results(form) { return form && form.querySelector(".nav-search-results"); }
  function options(form) {
    var list = results(form);
    return list ? Array.prototype.slice.call(list.querySelectorAll("[role=option]")) : [];
  }
  function setExpanded(form, open) {
    var field = input(form);
    if (field) field.setAttribute("aria-expanded", open ? "true" : "false");
  }
  function close(form) {
    var list = results(form);
    if (list) list.innerHTML = "";
    setExpanded(form, false);
    var field = input(form);
    if (field) field.removeAttribute("aria-activedescendant");
  }
  function choose(form, index) {
    var all = options(form);
    if (!all.length) return;
    var next = (index + all.length) % all.length;
    all.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === next ? "true" : "false");
    });
    input(form).setAttribute("aria-activedescendant", all[next].id);
    all[next].scrollIntoView({ block: "nearest" });
  }
  function selected(form) {
    var all = options(form);
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute("aria-selected") === "true") return i;
    }
    return -1;
  }

  document.addEventListener("keydown", function (event) {
    var form = box();
    if (!form) return;
    var field = input(form);
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      field.focus();
      field.select();
      return;
    }
    if (target !== field) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var at = selected(form);
      choose(form, event.key === "ArrowDown" ? at + 1 : (at < 0 ? -1 : at - 1));
    } else if (event.key === "Enter") {
      var index = selected(form);
      if (index >= 0) {
        event.preventDefault();
        var link = options(form)[index].querySelector("a");
        if (link) link.click();
      }
    } else if (event.key === "Escape") {
      if (options(form).length) {
        event.preventDefault();
        close(form);
      } else {
        field.blur();
      }
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var form = box();
    if (form && event.target === results(form)) setExpanded(form, options(form).length > 0);
  });

  document.addEventListener("click", function (event) {
    var form = box();
    if (form && !form.contains(event.target)) close(form);
  });
})();
