// The status control in the admin header and the presence heartbeat (presence/views.py). The agent is
// online while an admin page is open: the conversation list and page already poll, and their polls count
// (conversations/admin/live.py); any other admin page beats here. Without JavaScript the control is a
// plain form with a Save button.
"use strict";
(() => {
  const control = document.getElementById("hd-status");
  if (!control) {
    return;
  }
  const form = document.getElementById("hd-status-form");
  const label = document.getElementById("hd-status-label");
  const error = document.getElementById("hd-status-error");
  const token = () => form.querySelector("input[name=csrfmiddlewaretoken]").value;

  const beat = () => {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", token());
    return fetch(control.dataset.heartbeatUrl, {method: "POST", body, credentials: "same-origin"}).catch(() => {});
  };
  // Pages that poll (the conversation list and page) beat with every poll; the others beat from here,
  // periodically, the first time after a moment: a page passed through on the way elsewhere (the dashboard
  // after signing in) leaves the heartbeat to the next one.
  if (!document.querySelector("[data-check-url]")) {
    const seconds = Number(control.dataset.heartbeatSeconds) || 30;
    window.setTimeout(beat, Math.min(seconds, 3) * 1000);
    window.setInterval(beat, seconds * 1000);
    document.addEventListener("visibilitychange", () => !document.hidden && beat());
  }

  // Choices save as they are made: a service and "Appear offline" exclude each other.
  const save = async () => {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: {"X-Requested-With": "XMLHttpRequest"},
      credentials: "same-origin",
    }).catch(() => null);
    if (!response) {
      return;
    }
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      error.textContent = Object.values(answer.errors || {}).flat().join(" ") || "Not saved.";
      error.hidden = false;
      return;
    }
    error.hidden = true;
    label.textContent = answer.label;
    control.classList.toggle("hd-status-offline", answer.preset === "F");
  };
  form.addEventListener("change", (event) => {
    const box = event.target;
    if (box.name === "offline" && box.checked) {
      form.querySelectorAll("input[name=letters]").forEach((letter) => (letter.checked = false));
    } else if (box.name === "letters" && box.checked) {
      form.querySelector("input[name=offline]").checked = false;
    }
    save();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save().then(() => {
      if (error.hidden) {
        control.open = false;
      }
    });
  });
})();
