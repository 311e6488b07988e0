// Undo send (conversations/admin/undo_send.py): the agent's replies waiting out their undo window are listed
// under the composer; this counts each one down and posts its Undo in the background, putting the text,
// status and recipients back in the composer. The server, not this script, publishes a reply when its time
// is up (the tab may be closed by then); once it is out, the page refreshes its timeline and, if the agent
// chose to move on after sending, goes where the "#then=" fragment of the page's address says.
"use strict";
(() => {
  const entries = () => [...document.querySelectorAll(".hd-delayed[data-status-url]")];
  if (!entries().length) {
    return;
  }
  const TICK_MS = 250;
  const POLL_MS = 1000;
  const composer = document.getElementById("hd-reply-form");

  // Where to go once every reply is out: a path on this site only.
  const thenTarget = () => {
    const hash = window.location.hash;
    if (!hash.startsWith("#then=")) {
      return "";
    }
    const target = decodeURIComponent(hash.slice("#then=".length));
    return /^\/(?!\/)/.test(target) ? target : "";
  };
  const forgetThen = () => {
    if (thenTarget()) {
      history.replaceState(null, "", window.location.pathname + window.location.search);
    }
  };

  const say = (entry, text) => {
    entry.querySelector(".hd-delayed-state").textContent = text;
  };
  const remove = (entry) => {
    const list = entry.parentElement;
    entry.remove();
    if (list && !list.querySelector(".hd-delayed")) {
      list.hidden = true;
    }
  };
  const finished = () => !entries().some((entry) => entry.dataset.done !== "1");
  const allOut = () => {
    document.dispatchEvent(new CustomEvent("hd:refresh"));
    const target = thenTarget();
    if (target && finished()) {
      window.location.assign(target);
    }
  };

  // The composer gets back what was undone; the rich editor (composer.js) renders what is put in the textarea.
  const fill = (answer) => {
    if (!composer) {
      return;
    }
    const type = composer.querySelector(`input[name=type][value="${answer.type}"]`);
    if (type && !type.checked) {
      type.click();
    }
    const textarea = composer.querySelector("textarea[name=text]");
    if (textarea) {
      textarea.value = [answer.text, textarea.value.trim()].filter(Boolean).join("\n\n");
      textarea.dispatchEvent(new Event("input", {bubbles: true}));
    }
    const surface = textarea && document.getElementById(`${textarea.id}-editor`);
    if (surface && !textarea.value.includes("\n\n")) {
      // Only the undone reply in the composer: its formatting comes back too (the server sanitised it).
      surface.innerHTML = answer.html;
      surface.dispatchEvent(new Event("input", {bubbles: true}));
    }
    const status = composer.querySelector("select[name=status]");
    if (status) {
      status.value = answer.status || "";
    }
    ["to", "cc", "bcc"].forEach((name) => {
      const field = composer.querySelector(`input[name=${name}], textarea[name=${name}]`);
      if (field && answer[name].length) {
        field.value = answer[name].join(", ");
        field.dispatchEvent(new Event("input", {bubbles: true}));
      }
    });
    const editor = surface || textarea;
    editor?.focus();
  };
  const notice = (text) => {
    let box = document.getElementById("hd-undo-notice");
    if (!box && composer) {
      box = Object.assign(document.createElement("p"), {id: "hd-undo-notice", className: "hd-undo-notice"});
      box.setAttribute("role", "status");
      composer.prepend(box);
    }
    if (box) {
      box.textContent = text;
    }
  };

  const undo = async (entry, button) => {
    const form = button.closest("form");
    button.disabled = true;
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: {"X-Requested-With": "XMLHttpRequest"},
      });
    } catch {
      button.disabled = false;
      say(entry, "Could not reach the server: try Undo again.");
      return;
    }
    if (response.ok) {
      const answer = await response.json();
      entry.dataset.done = "1";
      forgetThen();
      remove(entry);
      fill(answer);
      // "Sending your reply in 10 s" above the page no longer holds.
      document.querySelectorAll("ul.messagelist").forEach((list) => list.remove());
      notice(answer.message);
      return;
    }
    const answer = response.status === 409 ? await response.json() : {};
    entry.dataset.done = "1";
    say(entry, answer.error || "This reply is no longer waiting to be sent.");
    button.hidden = true;
    if (response.status === 409) {
      allOut();
    }
  };

  // After its window, the reply is the server's to publish: ask until it is out.
  const follow = async (entry) => {
    while (entry.isConnected && entry.dataset.done !== "1") {
      const response = await fetch(entry.dataset.statusUrl).catch(() => null);
      const answer = response && response.ok ? await response.json() : null;
      if (answer && answer.state !== "waiting") {
        entry.dataset.done = "1";
        say(entry, answer.state === "sent" ? "Sent." : "Could not be sent: the text is back in your draft.");
        allOut();
        if (answer.state === "sent") {
          window.setTimeout(() => remove(entry), 1500);
        }
        return;
      }
      if (response && response.status === 404) {
        entry.dataset.done = "1";  // undone elsewhere (another tab)
        remove(entry);
        return;
      }
      await new Promise((resolve) => window.setTimeout(resolve, POLL_MS));
    }
  };

  const started = performance.now();
  entries().forEach((entry) => {
    entry.dataset.deadline = String(started + Number(entry.dataset.secondsLeft || 0) * 1000);
    const button = entry.querySelector(".hd-undo-send");
    entry.querySelector("form")?.addEventListener("submit", (event) => {
      event.preventDefault();
      undo(entry, button);
    });
  });
  const tick = () => {
    const now = performance.now();
    entries().forEach((entry) => {
      if (entry.dataset.done === "1" || entry.dataset.following === "1") {
        return;
      }
      const left = Math.ceil((Number(entry.dataset.deadline) - now) / 1000);
      const seconds = entry.querySelector(".hd-delayed-seconds");
      if (left > 0) {
        if (seconds) {
          seconds.textContent = String(left);
        }
        return;
      }
      entry.dataset.following = "1";
      const button = entry.querySelector(".hd-undo-send");
      // Undo stays possible until the server publishes it; the button goes when the window is over.
      button.hidden = true;
      say(entry, "Sending…");
      follow(entry);
    });
  };
  tick();
  window.setInterval(tick, TICK_MS);
  // On a phone the list is below the composer, out of sight: the countdown matters more than the top.
  const first = entries()[0];
  const box = first.getBoundingClientRect();
  if (box.top > window.innerHeight || box.bottom < 0) {
    first.scrollIntoView({block: "center"});
  }
})();
