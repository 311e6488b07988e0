// Saved replies in the conversation page's composer (issue 19): a picker listing the conversation's
// mailbox's saved replies, filled for this conversation by the server (conversations/saved_replies.py),
// filtered as the agent types; choosing one inserts its text at the cursor. Without JavaScript the
// picker is simply absent.
"use strict";
(() => {
  const root = document.getElementById("hd-saved-replies");
  const form = document.getElementById("hd-reply-form");
  const editor = form && form.querySelector("textarea[name=text]");
  if (!root || !editor) {
    return;
  }

  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "hd-link-button hd-saved-toggle";
  toggle.id = "hd-saved-toggle";
  toggle.textContent = "Saved replies ▾";
  toggle.setAttribute("aria-expanded", "false");
  toggle.setAttribute("aria-controls", "hd-saved-panel");

  const panel = document.createElement("div");
  panel.className = "hd-saved-panel";
  panel.id = "hd-saved-panel";
  panel.hidden = true;
  const search = document.createElement("input");
  search.type = "search";
  search.id = "hd-saved-search";
  search.placeholder = "Filter saved replies…";
  search.setAttribute("aria-label", "Filter saved replies");
  search.autocomplete = "off";
  const list = document.createElement("ul");
  list.className = "hd-saved-list";
  list.id = "hd-saved-list";
  list.setAttribute("role", "listbox");
  const status = document.createElement("p");
  status.className = "hd-muted hd-saved-status";
  status.setAttribute("role", "status");
  panel.append(search, list, status);
  root.append(toggle, panel);

  let replies = null;

  const load = async () => {
    if (replies !== null) {
      return;
    }
    status.textContent = "Loading…";
    try {
      const response = await fetch(root.dataset.url, {headers: {Accept: "application/json"}});
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      replies = (await response.json()).replies;
      status.textContent = "";
    } catch (error) {
      status.textContent = "The saved replies could not be loaded.";
      return;
    }
    render();
  };

  const render = () => {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = (replies || []).filter((reply) => {
      const haystack = `${reply.name} ${reply.text}`.toLowerCase();
      return words.every((word) => haystack.includes(word));
    });
    list.replaceChildren(
      ...shown.map((reply) => {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "hd-saved-item";
        button.dataset.id = String(reply.id);
        button.setAttribute("role", "option");
        const name = document.createElement("strong");
        name.textContent = reply.name;
        const preview = document.createElement("span");
        preview.className = "hd-muted";
        preview.textContent = reply.text.slice(0, 90);
        button.append(name, preview);
        button.addEventListener("click", () => insert(reply));
        item.append(button);
        return item;
      })
    );
    if (replies && !replies.length) {
      status.textContent = "This mailbox has no saved replies yet (admins add them under Saved replies).";
    } else if (replies && !shown.length) {
      status.textContent = "No saved reply matches.";
    } else if (replies) {
      status.textContent = "";
    }
  };

  const open = (wanted) => {
    panel.hidden = !wanted;
    toggle.setAttribute("aria-expanded", String(wanted));
    if (wanted) {
      search.focus();
      load();
    }
  };

  // At the cursor, or replacing the selection; the input event lets the composer's other parts (the
  // draft's autosave) see the change as if typed.
  const insert = (reply) => {
    // The rich editor (conversations/static/conversations/composer.js), when there, takes the reply's HTML
    // at its own cursor (it cancels the event); else the textarea its text.
    const plain = editor.dispatchEvent(new CustomEvent("hd:insert", {detail: reply.html, cancelable: true}));
    if (plain) {
      const start = editor.selectionStart ?? editor.value.length;
      const end = editor.selectionEnd ?? start;
      editor.setRangeText(reply.text, start, end, "end");
      editor.dispatchEvent(new Event("input", {bubbles: true}));
    }
    open(false);
    search.value = "";
    render();
    editor.focus();
  };

  toggle.addEventListener("click", () => open(panel.hidden));
  search.addEventListener("input", render);
  search.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      open(false);
      toggle.focus();
    } else if (event.key === "Enter") {
      // Enter takes the first match instead of submitting the reply.
      event.preventDefault();
      const first = list.querySelector(".hd-saved-item");
      if (first) {
        first.click();
      }
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      list.querySelector(".hd-saved-item")?.focus();
    }
  });
  list.addEventListener("keydown", (event) => {
    const items = [...list.querySelectorAll(".hd-saved-item")];
    const index = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && index < items.length - 1) {
      event.preventDefault();
      items[index + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (index > 0 ? items[index - 1] : search).focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      open(false);
      toggle.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (!panel.hidden && !root.contains(event.target)) {
      open(false);
    }
  });
})();
