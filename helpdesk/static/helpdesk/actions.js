// The conversation list's action bar: show only the input the chosen bulk action needs. Run again
// (window.hdActionBar) when agent.js swaps in a refreshed list.
"use strict";
window.hdActionBar = () => {
  const form = document.getElementById("changelist-form");
  const action = form && form.querySelector('select[name="action"]');
  if (!action) {
    return;
  }
  const needs = {assign: "assignee", change_status: "status", add_tags: "tags", move: "mailbox"};
  const labels = Object.values(needs)
    .map((name) => form.querySelector(`[name="${name}"]`))
    .filter((input) => input && input.closest("label"))
    .map((input) => [input.name, input.closest("label")]);
  const sync = () => {
    for (const [name, label] of labels) {
      label.hidden = name !== needs[action.value];
    }
  };
  action.addEventListener("change", sync);
  sync();
};
document.addEventListener("DOMContentLoaded", window.hdActionBar);
