// Warta's few enhancements on top of htmx. Everything works without them.
(function () {
  "use strict";

  function sections() {
    return Array.prototype.slice.call(document.querySelectorAll("details.section"));
  }

  // A link to #bagian-3 opens that section (which loads its text through htmx).
  function openFromHash() {
    var match = /^#(bagian-\d+)$/.exec(window.location.hash);
    if (!match) return;
    var section = document.getElementById(match[1]);
    if (section && section.tagName === "DETAILS" && !section.open) {
      section.open = true;
      section.scrollIntoView();
    }
  }

  // "Open all sections" is a link to ?sections=all; with JavaScript it toggles in place.
  function setToggleState(link, state) {
    link.setAttribute("data-toggle-all", state);
    link.textContent = link.getAttribute(state === "open" ? "data-open-label" : "data-close-label");
  }

  function toggleAll(event) {
    var link = event.target.closest("[data-toggle-all]");
    if (!link) return;
    event.preventDefault();
    var opening = link.getAttribute("data-toggle-all") === "open";
    sections().forEach(function (section) { section.open = opening; });
    setToggleState(link, opening ? "close" : "open");
  }

  // "Cancel reply" under a comment puts the empty slot back.
  function cancelReply(event) {
    var link = event.target.closest("[data-cancel-reply]");
    if (!link) return;
    var slot = link.closest("li.reply-slot");
    if (!slot) return;
    event.preventDefault();
    var comment = slot.closest("li.comment");
    slot.replaceChildren();
    slot.hidden = true;
    var reply = comment && comment.querySelector(".reply-link");
    if (reply) reply.focus();
  }

  // After a swap, put focus where the reader needs it: the first invalid field, or
  // the new reply form.
  function focusAfterSwap(event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var invalid = document.querySelector("form [aria-invalid=true]");
    if (invalid && !invalid.contains(document.activeElement)) {
      invalid.focus();
      return;
    }
    var slot = target.closest ? target.closest("li.reply-slot") : null;
    if (slot && !slot.hidden) {
      var textarea = slot.querySelector("textarea");
      if (textarea) textarea.focus();
    }
  }

  // The moderation queue's "select all on this page" box (hidden without JavaScript).
  function revealSelectAll() {
    document.querySelectorAll("[data-select-all]").forEach(function (box) { box.hidden = false; });
  }

  function selectAll(event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.matches("[data-select-all]")) return;
    var form = box.closest("form");
    form.querySelectorAll("input[name=ids]").forEach(function (item) { item.checked = box.checked; });
  }

  document.addEventListener("click", function (event) {
    toggleAll(event);
    cancelReply(event);
  });
  document.addEventListener("change", selectAll);
  document.addEventListener("htmx:after:settle", revealSelectAll);
  document.addEventListener("htmx:after:settle", focusAfterSwap);
  window.addEventListener("hashchange", openFromHash);
  window.addEventListener("beforeprint", function () {
    sections().forEach(function (section) { section.open = true; });
  });
  function ready() {
    openFromHash();
    revealSelectAll();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
