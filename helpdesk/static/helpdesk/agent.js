// The agent UI, progressively: keyboard shortcuts, the composer, forms applied in place, and the live
// list and conversation page (conversations/admin/live.py). Without JavaScript every page still works
// through plain form posts and reloads.
"use strict";
(() => {
  document.documentElement.classList.add("hd-js");

  const csrfToken = () => {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  };
  const isEditable = (el) =>
    !!el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
  const parse = (html) => new DOMParser().parseFromString(html, "text/html");
  const replaceFrom = (doc, selector) => {
    const mine = document.querySelector(selector);
    const theirs = doc.querySelector(selector);
    if (mine && theirs) {
      mine.replaceWith(document.adoptNode(theirs));
    }
  };
  // The admin's success and error messages of a page fetched in the background.
  const swapMessages = (doc) => {
    document.querySelectorAll("ul.messagelist").forEach((list) => list.remove());
    const list = doc.querySelector("ul.messagelist");
    const content = document.getElementById("content");
    if (list && content) {
      content.before(document.adoptNode(list));
    }
  };

  // Below 600 px the folders are a menu, closed until asked for (both pages).
  const menu = document.querySelector("details.hd-folders-menu");
  if (menu && window.matchMedia("(max-width: 600px)").matches) {
    menu.open = false;
  }

  // --- shortcuts (both pages)

  const dialog = document.getElementById("hd-shortcuts");
  const showShortcuts = () => dialog && !dialog.open && dialog.showModal();
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-hd-shortcuts]")) {
      showShortcuts();
    }
  });
  const shortcuts = {"?": showShortcuts};
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.key === "Escape" && isEditable(target) && !(dialog && dialog.open)) {
      target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || isEditable(target) || (dialog && dialog.open)) {
      return;
    }
    const action = shortcuts[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
  const follow = (id) => () => {
    const link = document.getElementById(id);
    if (link && link.href) {
      window.location.href = link.href;
    }
  };
  const press = (id) => () => {
    const button = document.getElementById(id);
    if (button) {
      button.click();
    }
  };

  const every = (seconds, fn) => {
    let timer = null;
    const schedule = () => {
      timer = window.setTimeout(async () => {
        try {
          await fn();
        } finally {
          schedule();
        }
      }, seconds * 1000);
    };
    schedule();
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) {
        window.clearTimeout(timer);
        fn().finally(schedule);
      }
    });
  };

  // --- the conversation page

  const page = document.querySelector(".hd-conversation");
  if (page) {
    const form = document.getElementById("hd-reply-form");
    const editor = form && form.querySelector("textarea[name=text]");
    const label = document.getElementById("hd-composer-label");
    const seen = document.getElementById("hd-seen-thread");
    const poll = Number(page.dataset.poll) || 10;

    const chooseType = (type) => {
      if (!form) {
        return;
      }
      const radio = form.querySelector(`input[name=type][value=${type}]`);
      if (radio) {
        radio.checked = true;
      }
      syncType();
      editor.focus();
    };
    const syncType = () => {
      const note = form.querySelector("input[name=type]:checked")?.value === "note";
      label.textContent = note ? "Note" : "Reply";
      editor.placeholder = note ? "Write a note for the team…" : "Write your reply…";
      form.classList.toggle("hd-composing-note", note);
    };
    if (form) {
      form.addEventListener("change", (event) => {
        if (event.target.name === "type") {
          syncType();
        }
        if (event.target.name === "after_send") {
          // Remembered at once, not only when the next reply is sent.
          const body = new FormData();
          body.append("after_send", event.target.value);
          body.append("csrfmiddlewaretoken", csrfToken());
          fetch(page.dataset.preferencesUrl || "../../preferences/", {method: "POST", body});
        }
      });
      editor.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          form.requestSubmit(document.getElementById("hd-send"));
        }
      });
      syncType();
      // Reply first: the cursor waits in the editor, unless the page was opened at a thread.
      if (!window.location.hash && !form.querySelector(".errorlist")) {
        editor.focus({preventScroll: true});
      }
    }

    Object.assign(shortcuts, {
      r: () => chooseType("message"),
      n: () => chooseType("note"),
      a: press("hd-assign-me"),
      c: press("hd-close"),
      j: follow("hd-next"),
      k: follow("hd-previous"),
      u: follow("hd-back"),
    });

    // Swapping in a fresh render of this page: header, timeline and sidebar; never the composer.
    const knownThreads = () => new Set([...document.querySelectorAll(".hd-timeline > li")].map((li) => li.id));
    const swap = (doc) => {
      const before = knownThreads();
      [".hd-header", ".hd-timeline", ".hd-timeline-head", ".hd-side-column", ".hd-folders"].forEach((s) =>
        replaceFrom(doc, s),
      );
      swapMessages(doc);
      const fresh = doc.querySelector(".hd-conversation");
      if (fresh) {
        page.dataset.version = fresh.dataset.version;
      }
      // An agent who is not writing has seen what arrived; one who is will be asked before sending.
      const newest = doc.getElementById("hd-seen-thread");
      if (seen && newest && editor && !editor.value.trim()) {
        seen.value = newest.value;
      }
      document.querySelectorAll(".hd-timeline > li").forEach((li) => {
        if (before.size && !before.has(li.id)) {
          li.classList.add("hd-new");
        }
      });
    };
    const refresh = async () => {
      const response = await fetch(window.location.href, {headers: {"X-Requested-With": "XMLHttpRequest"}});
      if (response.ok) {
        swap(parse(await response.text()));
      }
    };
    // undo_send.js asks for the timeline at once when a reply it counted down is published.
    document.addEventListener("hd:refresh", refresh);

    // Forms of the header and sidebar (and the order toggle) post in the background and swap the result in.
    document.addEventListener("submit", async (event) => {
      const target = event.target;
      if (!target.matches("form[data-hd-swap]")) {
        return;
      }
      event.preventDefault();
      const body = new FormData(target, event.submitter);
      const response = await fetch(target.action || window.location.href, {method: "POST", body});
      const landed = new URL(response.url);
      if (landed.pathname !== window.location.pathname) {
        window.location.href = response.url;  // moved to a mailbox the agent cannot open, and such
        return;
      }
      swap(parse(await response.text()));
    });
    // Status and assignee apply as soon as they are chosen.
    document.addEventListener("change", (event) => {
      const properties = event.target.closest("#hd-properties-form");
      if (properties && event.target.tagName === "SELECT") {
        properties.requestSubmit();
      }
    });

    // Presence: a heartbeat while the page is open, at once when the agent starts or stops writing.
    let replying = false;
    const beat = () => {
      const body = new FormData();
      body.append("csrfmiddlewaretoken", csrfToken());
      body.append("replying", replying ? "1" : "0");
      return fetch(page.dataset.presenceUrl, {method: "POST", body}).catch(() => {});
    };
    if (editor) {
      editor.addEventListener("input", () => {
        const now = editor.value.trim() !== "";
        if (now !== replying) {
          replying = now;
          beat();
        }
      });
    }
    window.addEventListener("pagehide", () => {
      const body = new FormData();
      body.append("csrfmiddlewaretoken", csrfToken());
      body.append("leave", "1");
      navigator.sendBeacon(page.dataset.presenceUrl, body);
    });
    window.addEventListener("pageshow", (event) => event.persisted && beat());
    beat();

    const presence = document.getElementById("hd-presence");
    const check = async () => {
      await beat();  // one request at a time from a page
      const url = `${page.dataset.checkUrl}?v=${encodeURIComponent(page.dataset.version)}`;
      const response = await fetch(url).catch(() => null);
      if (!response || !response.ok) {
        return;
      }
      const state = await response.json();
      const shown = document.getElementById("hd-presence") || presence;
      shown.textContent = state.presence;
      shown.hidden = !state.presence;
      shown.classList.toggle("hd-presence-replying", state.viewers.some((v) => v.replying));
      if (state.changed) {
        await refresh();
      }
    };
    every(poll, check);
  }

  // --- the conversation list

  const list = document.querySelector(".hd-main[data-check-url]");
  if (list) {
    const rows = () => [...document.querySelectorAll("#result_list tbody tr")];
    const rowLink = (row) => row.querySelector("th a, td a");
    let cursor = -1;
    const moveCursor = (step) => {
      const all = rows();
      if (!all.length) {
        return;
      }
      cursor = Math.max(0, Math.min(all.length - 1, cursor + step));
      all.forEach((row, index) => row.classList.toggle("hd-cursor", index === cursor));
      all[cursor].scrollIntoView({block: "nearest"});
    };
    Object.assign(shortcuts, {
      j: () => moveCursor(1),
      k: () => moveCursor(-1),
      o: () => cursor >= 0 && rowLink(rows()[cursor])?.click(),
      Enter: () => cursor >= 0 && rowLink(rows()[cursor])?.click(),
      x: () => cursor >= 0 && rows()[cursor].querySelector("input.action-select")?.click(),
      "/": () => document.getElementById("searchbar")?.focus(),
    });

    // Whole rows open their conversation; links, checkboxes and a selection of text keep their own meaning.
    document.addEventListener("click", (event) => {
      const row = event.target.closest("#result_list tbody tr");
      if (!row || event.target.closest("a, input, button, label, select") || String(window.getSelection())) {
        return;
      }
      const link = rowLink(row);
      if (link) {
        if (event.ctrlKey || event.metaKey) {
          window.open(link.href, "_blank");
        } else {
          link.click();
        }
      }
    });

    const markViewers = (viewers) => {
      document.querySelectorAll("#result_list .hd-subject[data-conversation]").forEach((subject) => {
        const people = viewers[subject.dataset.conversation] || [];
        const row = subject.closest("tr");
        const slot = row.querySelector(".hd-viewers");
        row.classList.toggle("hd-row-viewed", people.length > 0);
        if (slot) {
          slot.textContent = people
            .map((v) => `${v.name} ${v.replying ? "is replying" : "is viewing"}`)
            .join(" · ");
        }
      });
    };
    const busy = () =>
      document.querySelector("#result_list input.action-select:checked") ||
      (isEditable(document.activeElement) && document.activeElement.closest(".hd-layout"));
    const refresh = async () => {
      const response = await fetch(window.location.href, {headers: {"X-Requested-With": "XMLHttpRequest"}});
      if (!response.ok) {
        return;
      }
      const doc = parse(await response.text());
      replaceFrom(doc, "#changelist-form");
      replaceFrom(doc, ".hd-folders");
      const fresh = doc.querySelector(".hd-main[data-check-url]");
      if (fresh) {
        list.dataset.version = fresh.dataset.version;
      }
      if (window.Actions) {
        const boxes = document.querySelectorAll("tr input.action-select");
        if (boxes.length) {
          window.Actions(boxes);
        }
      }
      if (window.hdActionBar) {
        window.hdActionBar();
      }
      cursor = -1;
    };
    const check = async () => {
      const url = `${list.dataset.checkUrl}?v=${encodeURIComponent(list.dataset.version)}`;
      const response = await fetch(url).catch(() => null);
      if (!response || !response.ok) {
        return;
      }
      const state = await response.json();
      if (state.changed && !busy()) {
        await refresh();
      }
      markViewers(state.viewers);
    };
    check();
    every(Number(list.dataset.poll) || 10, check);
  }
})();
