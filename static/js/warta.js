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

  // Opening a section by its heading puts its address (#bagian-3) in the URL, so that
  // the address bar can be copied; closing it takes it out. The entry is replaced, not
  // added: the back button leaves the article rather than closing sections.
  function reflectSection(event) {
    var summary = event.target.closest("details.section > summary");
    if (!summary) return;
    var section = summary.parentElement;
    var hash = "#" + section.id;
    if (!section.open) {
      history.replaceState(history.state, "", hash);
    } else if (window.location.hash === hash) {
      history.replaceState(history.state, "", window.location.pathname + window.location.search);
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

  // A reply's draft is kept while the page is open: cancelling (or Escape) closes the
  // form, and opening it again under the same comment brings the text back.
  var DRAFT = "warta:reply-draft:";

  function draftKey(slot) {
    return DRAFT + slot.id.replace("reply-slot-", "");
  }

  function storeDraft(slot, text) {
    try {
      if (text.trim()) window.sessionStorage.setItem(draftKey(slot), text);
      else window.sessionStorage.removeItem(draftKey(slot));
    } catch (error) { /* storage refused (private mode, quota): nothing is kept */ }
  }

  function readDraft(slot) {
    try { return window.sessionStorage.getItem(draftKey(slot)) || ""; } catch (error) { return ""; }
  }

  // Closing a reply form puts the empty slot back and focus on its "Reply" link.
  function closeReply(slot) {
    var textarea = slot.querySelector("textarea");
    if (textarea) storeDraft(slot, textarea.value);
    var comment = slot.closest("li.comment");
    slot.replaceChildren();
    slot.hidden = true;
    var reply = comment && comment.querySelector(".reply-link");
    if (reply) reply.focus();
  }

  function cancelReply(event) {
    var link = event.target.closest("[data-cancel-reply]");
    var slot = link && link.closest("li.reply-slot");
    if (!slot) return;
    event.preventDefault();
    closeReply(slot);
  }

  function escapeReply(event) {
    if (event.key !== "Escape" || !(event.target instanceof Element)) return;
    var slot = event.target.closest("li.reply-slot");
    if (!slot || slot.hidden) return;
    event.preventDefault();
    closeReply(slot);
  }

  function forgetSentDraft(event) {
    var slot = event.target instanceof Element && event.target.closest("li.reply-slot");
    if (slot) storeDraft(slot, "");
  }

  function restoreDraft(event) {
    (event.detail && event.detail.newContent || []).forEach(function (node) {
      if (!(node instanceof Element) || !node.matches("li.reply-slot")) return;
      var textarea = node.querySelector("textarea");
      var draft = readDraft(node);
      if (textarea && draft && !textarea.value) {
        textarea.value = draft;
        textarea.setSelectionRange(draft.length, draft.length);
      }
    });
  }

  // A row of the moderation queue removes itself after an action; focus goes on to the
  // next row's first action (or the previous row's, at the end), or to the notice. The
  // row is noted before the request: once it is gone, htmx fires its events on document.
  var acted = null;

  function noteQueueRow(event) {
    var button = event.target;
    if (!(button instanceof Element) || !button.matches(".queue-actions button")) return;
    var row = button.closest(".queue-row");
    acted = { button: button, row: row, next: row && (row.nextElementSibling || row.previousElementSibling) };
  }

  function keepFocusInQueue(event) {
    var ctx = event.detail && event.detail.ctx;
    if (!acted || !ctx || ctx.sourceElement !== acted.button) return;
    var done = acted;
    acted = null;
    if (!done.row || done.row.isConnected) return;  // refused: the row and the focus stay
    var target = done.next && done.next.isConnected && done.next.querySelector(".queue-actions button");
    if (!target) target = document.getElementById("queue-status");
    if (target) target.focus();
  }

  // The moderation queue's "select all on this page" box (hidden without JavaScript).
  function revealSelectAll() {
    document.querySelectorAll("[data-select-all-label]").forEach(function (label) { label.hidden = false; });
  }

  function selectAll(event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.matches("[data-select-all]")) return;
    var form = box.closest("form");
    form.querySelectorAll("input[name=ids]").forEach(function (item) { item.checked = box.checked; });
  }

  document.addEventListener("click", function (event) {
    if (!(event.target instanceof Element)) return;
    reflectSection(event);
    toggleAll(event);
    cancelReply(event);
  });
  document.addEventListener("keydown", escapeReply);
  document.addEventListener("submit", forgetSentDraft);
  document.addEventListener("change", selectAll);
  document.addEventListener("htmx:before:request", noteQueueRow);
  document.addEventListener("htmx:finally:request", keepFocusInQueue);
  document.addEventListener("htmx:after:settle", revealSelectAll);
  document.addEventListener("htmx:after:settle", restoreDraft);
  window.addEventListener("hashchange", openFromHash);
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
