// The composer's draft (conversations/admin/drafts.py): what the agent writes is saved a few seconds after
// it changes, and when the page is left, as their draft thread; the page opens with it in the composer on
// any device; "Discard draft" drops it; Send publishes it (the form's own post). Saves happen only when
// the text or type changed since the last one, so an idle composer costs nothing.
"use strict";
(() => {
  const form = document.getElementById("hd-reply-form");
  const editor = form && form.querySelector("textarea[name=text]");
  if (!form || !editor || !form.dataset.draftUrl) {
    return;
  }
  const EVERY_MS = 3000;
  const csrfToken = () => form.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
  const type = () => form.querySelector("input[name=type]:checked")?.value || "message";
  // The rich editor's HTML and the recipients (composer.js) are the draft's too.
  const extra = () => ["html", "to", "cc", "bcc"].map((name) => [name, form.elements[name]?.value || ""]);
  const state = () => `${type()}\n${editor.value.trim()}\n${extra().map(([, value]) => value).join("\n")}`;
  const payload = () => {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrfToken());
    body.append("type", type());
    body.append("text", editor.value);
    extra().forEach(([name, value]) => body.append(name, value));
    return body;
  };

  // "Draft saved 10:42" and the Discard button, before the row with Send.
  const make = (tag, props) => Object.assign(document.createElement(tag), props);
  const bar = make("p", {className: "hd-draft-bar"});
  const status = make("span", {className: "hd-draft-status", id: "hd-draft-status"});
  status.setAttribute("role", "status");
  const discard = make("button", {
    type: "button",
    className: "hd-link-button hd-draft-discard",
    id: "hd-draft-discard",
    textContent: "Discard draft",
  });
  bar.append(status, " ", discard);
  form.querySelector(".hd-reply-row")?.before(bar);
  const show = (hasDraft, text) => {
    discard.hidden = !hasDraft;
    status.textContent = text;
  };
  const savedText = (iso) =>
    iso ? `Draft saved ${new Date(iso).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"})}` : "";
  show(!!form.dataset.draft, form.dataset.draft ? savedText(form.dataset.draftSaved) || "Draft" : "");

  let saved = state();
  let busy = false;
  let sending = false;
  const save = async () => {
    const now = state();
    if (busy || sending || now === saved) {
      return;
    }
    busy = true;
    try {
      const response = await fetch(form.dataset.draftUrl, {method: "POST", body: payload()});
      if (response.ok) {
        const answer = await response.json();
        saved = now;
        show(!!answer.draft, savedText(answer.savedAt));
      }
    } catch {
      // Offline for a moment: the next tick tries again.
    } finally {
      busy = false;
    }
  };
  // A timer rather than only keystrokes: text put in by other means (a saved reply) is saved too.
  window.setInterval(save, EVERY_MS);

  form.addEventListener("submit", () => {
    sending = true;  // Send publishes the draft; nothing may save it again on the way out
  });
  window.addEventListener("pagehide", () => {
    if (!sending && state() !== saved) {
      navigator.sendBeacon(form.dataset.draftUrl, payload());
    }
  });
  discard.addEventListener("click", async () => {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrfToken());
    const response = await fetch(form.dataset.draftDiscardUrl, {method: "POST", body}).catch(() => null);
    if (response && response.ok) {
      editor.value = "";
      editor.dispatchEvent(new Event("input", {bubbles: true}));  // presence: no longer replying
      saved = state();
      show(false, "Draft discarded");
      editor.focus();
    }
  });
})();
