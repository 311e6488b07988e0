// The composer (issue 19, item 3) on every form marked data-hd-composer (the reply form, the forward form):
// a small rich-text editor over the form's textarea, and files by drag and drop or paste.
//
// The editor is a contenteditable surface with document.execCommand: bold, italic, link, lists, quote and
// code (Ctrl/Cmd+B, I, K). Its HTML goes in the hidden "html" input, its text in the textarea, which stays in
// the form (visually hidden) so that the page's other scripts keep working on it as before: the draft's
// autosave and presence read it; a saved reply, Discard draft or Undo write it, and the surface follows.
// Whatever is sent is sanitised again on the server (nh3); this side only keeps the editor's own HTML tidy.
// Without JavaScript the textarea is the composer, as it always was.
"use strict";
(() => {
  const ALLOWED = new Set(["P", "BR", "B", "STRONG", "I", "EM", "A", "UL", "OL", "LI", "BLOCKQUOTE", "CODE", "PRE", "DIV"]);
  const SAFE_URL = /^(https?:|mailto:)/i;
  const make = (tag, props = {}) => Object.assign(document.createElement(tag), props);
  const escape = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

  // Styles and handlers are cut from the string first: parsing them, even inertly, makes the page's CSP
  // report them. What this misses, the walk below removes (and CSP would block).
  const INLINE_ATTRIBUTES = /\s(?:style|on[a-z]+)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)/gi;
  // The editor's HTML with the tags it offers and links' href only; anything else keeps its text.
  const clean = (html) => {
    html = html.replace(INLINE_ATTRIBUTES, "");
    // A template's content is inert: nothing in it loads or runs, and the page's CSP is not asked.
    const doc = {body: make("template", {innerHTML: html}).content};
    const walk = (node) => {
      [...node.childNodes].forEach((child) => {
        if (child.nodeType === Node.COMMENT_NODE) {
          child.remove();
          return;
        }
        if (child.nodeType !== Node.ELEMENT_NODE) {
          return;
        }
        walk(child);
        if (["SCRIPT", "STYLE", "TEMPLATE", "IFRAME", "OBJECT"].includes(child.tagName)) {
          child.remove();
        } else if (!ALLOWED.has(child.tagName) || (child.tagName === "A" && !SAFE_URL.test((child.getAttribute("href") || "").trim()))) {
          child.replaceWith(...child.childNodes);  // a link to nowhere safe keeps its text only
        } else {
          const href = child.getAttribute("href");
          [...child.attributes].forEach((attribute) => child.removeAttribute(attribute.name));
          if (child.tagName === "A" && href && SAFE_URL.test(href.trim())) {
            child.setAttribute("href", href.trim());
          }
        }
      });
    };
    walk(doc.body);
    const out = make("div");
    out.append(doc.body);
    // The editor writes a lone space beside a tag as &nbsp; (so that it shows while typing): a space in mail.
    return out.innerHTML.replace(/&nbsp;(?!&nbsp;)/g, " ");
  };
  const paragraphs = (text) =>
    text.trim() ? text.trim().split(/\n{2,}/).map((p) => `<p>${escape(p).replace(/\n/g, "<br>")}</p>`).join("") : "";
  const linkTarget = (value) => {
    const url = value.trim();
    if (!url) {
      return "";
    }
    if (SAFE_URL.test(url)) {
      return url;
    }
    return url.includes("@") && !url.includes("/") ? `mailto:${url}` : `https://${url}`;
  };

  const editorFor = (form) => {
    const textarea = form.querySelector("textarea[name=text]");
    const hidden = form.querySelector("input[name=html]");
    if (!textarea || !hidden) {
      return;
    }
    const label = form.querySelector(`label[for="${textarea.id}"]`);
    const surface = make("div", {className: "hd-editor", id: `${textarea.id}-editor`, contentEditable: "true"});
    surface.setAttribute("role", "textbox");
    surface.setAttribute("aria-multiline", "true");
    surface.spellcheck = true;
    if (label) {
      // The label names the surface now; the textarea behind it is the page's scripts', not the agent's.
      label.id = label.id || `${textarea.id}-label`;
      surface.setAttribute("aria-labelledby", label.id);
      label.htmlFor = surface.id;
      label.addEventListener("click", () => surface.focus());
    }
    const placeholder = () => surface.setAttribute("data-placeholder", textarea.placeholder || "");
    placeholder();
    new MutationObserver(placeholder).observe(textarea, {attributes: true, attributeFilter: ["placeholder"]});

    // --- the toolbar
    const toolbar = make("div", {className: "hd-toolbar"});
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Formatting");
    toolbar.setAttribute("aria-controls", surface.id);
    const linkBox = make("span", {className: "hd-link-box", hidden: true});
    // Text, not url: the form's validation would stop Send on an address still being typed here.
    const linkInput = make("input", {type: "text", inputMode: "url", className: "hd-link-input", placeholder: "https://…"});
    linkInput.setAttribute("aria-label", "Link address");
    const linkApply = make("button", {type: "button", className: "button", textContent: "Add link"});
    linkBox.append(linkInput, linkApply);

    let syncing = false;
    // Text without formatting goes as text (html empty): the server makes its paragraphs as it always has.
    const FORMATTED = "b, strong, i, em, a, ul, ol, blockquote, code, pre";
    const sync = () => {
      const text = surface.innerText.replace(/\u00a0/g, " ").replace(/\n{3,}/g, "\n\n").trim();
      hidden.value = text && surface.querySelector(FORMATTED) ? clean(surface.innerHTML) : "";
      if (textarea.value !== text) {
        syncing = true;
        textarea.value = text;
        textarea.dispatchEvent(new Event("input", {bubbles: true}));
        syncing = false;
      }
    };
    const render = (html) => {
      surface.innerHTML = clean(html);
      hidden.value = textarea.value.trim() && surface.querySelector(FORMATTED) ? clean(surface.innerHTML) : "";
    };
    // What the page wrote in the textarea (a saved reply, a discarded draft, an undone send) shows here.
    textarea.addEventListener("input", () => {
      if (!syncing) {
        render(paragraphs(textarea.value));
      }
    });
    surface.addEventListener("input", sync);
    textarea.addEventListener("focus", () => surface.focus());
    // Where the cursor was when the agent left the surface (for a saved reply chosen in its picker).
    let lastRange = null;
    surface.addEventListener("blur", () => {
      const selection = window.getSelection();
      lastRange = selection && selection.rangeCount && surface.contains(selection.anchorNode)
        ? selection.getRangeAt(0).cloneRange()
        : null;
    });
    // A saved reply (helpdesk/static/helpdesk/saved_replies.js) goes in as HTML, at that cursor.
    textarea.addEventListener("hd:insert", (event) => {
      event.preventDefault();
      surface.focus();
      const selection = window.getSelection();
      selection.removeAllRanges();
      if (lastRange) {
        selection.addRange(lastRange);
      } else {
        selection.selectAllChildren(surface);
        selection.collapseToEnd();
      }
      command("insertHTML", clean(event.detail || ""));
    });

    const command = (name, value = null) => {
      surface.focus();
      document.execCommand(name, false, value);
      sync();
    };
    const insideOf = (tag) => {
      const node = window.getSelection()?.anchorNode;
      const element = node && (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement);
      const found = element && element.closest(tag);
      return found && surface.contains(found) ? found : null;
    };
    const code = () => {
      const selection = window.getSelection();
      const inside = insideOf("code");
      if (inside) {
        inside.replaceWith(...inside.childNodes);
        sync();
      } else if (selection && !selection.isCollapsed) {
        command("insertHTML", `<code>${escape(selection.toString())}</code>`);
      } else {
        command("formatBlock", insideOf("pre") ? "p" : "pre");
      }
    };
    let savedRange = null;
    const openLink = () => {
      const selection = window.getSelection();
      savedRange = selection && selection.rangeCount && surface.contains(selection.anchorNode)
        ? selection.getRangeAt(0).cloneRange()
        : null;
      linkInput.value = insideOf("a")?.getAttribute("href") || "";
      linkBox.hidden = false;
      linkInput.focus();
    };
    const closeLink = () => {
      linkBox.hidden = true;
      linkInput.value = "";
      surface.focus();
      if (savedRange) {
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(savedRange);
      }
    };
    const applyLink = () => {
      const url = linkTarget(linkInput.value);
      linkInput.value = "";
      closeLink();
      if (!url) {
        command("unlink");
      } else if (window.getSelection().isCollapsed) {
        command("insertHTML", `<a href="${escape(url)}">${escape(url)}</a>`);
      } else {
        command("createLink", url);
      }
    };
    linkApply.addEventListener("click", applyLink);
    linkInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        applyLink();
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        closeLink();
      }
    });

    const buttons = [
      ["Bold", "B", "Ctrl+B", () => command("bold"), "bold"],
      ["Italic", "I", "Ctrl+I", () => command("italic"), "italic"],
      ["Link", "Link", "Ctrl+K", openLink, ""],
      ["Bulleted list", "• List", "", () => command("insertUnorderedList"), "insertUnorderedList"],
      ["Numbered list", "1. List", "", () => command("insertOrderedList"), "insertOrderedList"],
      ["Quote", "❝ Quote", "", () => command("formatBlock", insideOf("blockquote") ? "p" : "blockquote"), ""],
      ["Code", "</>", "", code, ""],
    ].map(([name, text, keys, action, state]) => {
      const button = make("button", {type: "button", className: `hd-tool hd-tool-${name.split(" ")[0].toLowerCase()}`, textContent: text});
      button.title = keys ? `${name} (${keys})` : name;
      button.setAttribute("aria-label", name);
      // Keeps the selection in the surface while the button is pressed.
      button.addEventListener("mousedown", (event) => event.preventDefault());
      button.addEventListener("click", action);
      if (state) {
        button.dataset.state = state;
        button.setAttribute("aria-pressed", "false");
      }
      toolbar.append(button);
      return button;
    });
    toolbar.append(linkBox);
    document.addEventListener("selectionchange", () => {
      if (document.activeElement !== surface) {
        return;
      }
      buttons.forEach((button) => {
        if (button.dataset.state) {
          button.setAttribute("aria-pressed", String(document.queryCommandState(button.dataset.state)));
        }
      });
    });

    surface.addEventListener("keydown", (event) => {
      const mod = event.ctrlKey || event.metaKey;
      if (mod && event.key === "Enter") {
        event.preventDefault();
        sync();
        form.requestSubmit(form.querySelector("#hd-send, [id$=-send]"));
      } else if (mod && !event.shiftKey && !event.altKey && event.key.toLowerCase() === "k") {
        event.preventDefault();
        openLink();
      } else if (mod && !event.shiftKey && !event.altKey && ["b", "i"].includes(event.key.toLowerCase())) {
        event.preventDefault();  // the browser's own would do the same, but not keep the textarea in step
        command(event.key.toLowerCase() === "b" ? "bold" : "italic");
      }
    });
    // Pasted text arrives as the editor's own HTML (no styles, classes or scripts from elsewhere).
    surface.addEventListener("paste", (event) => {
      const data = event.clipboardData;
      if (!data || [...data.items].some((item) => item.kind === "file")) {
        return;  // files are the attachments' (below)
      }
      event.preventDefault();
      const html = data.getData("text/html");
      if (html) {
        command("insertHTML", clean(html));
      } else {
        command("insertText", data.getData("text/plain"));
      }
    });

    document.execCommand("defaultParagraphSeparator", false, "p");
    textarea.classList.add("hd-visually-hidden");
    textarea.tabIndex = -1;
    textarea.setAttribute("aria-hidden", "true");
    textarea.before(toolbar, surface);
    render(hidden.value || paragraphs(textarea.value));
    form.addEventListener("submit", sync);
    form.classList.add("hd-rich");
    return surface;
  };

  // --- files by drag and drop, or pasted, listed before sending and removable; the file input sends them.
  const filesFor = (form, surface) => {
    const input = form.querySelector("input[type=file][name=attachments]");
    if (!input || typeof DataTransfer === "undefined") {
      return;
    }
    const limit = Number(form.dataset.maxBytes) || Infinity;
    let files = [];
    const list = make("ul", {className: "hd-files", id: `${form.id}-files`});
    const error = make("p", {className: "hd-file-error errornote", hidden: true});
    error.setAttribute("role", "alert");
    const hint = make("p", {className: "hd-drop-hint", textContent: "Drop files here or paste an image to attach them."});
    const size = (bytes) => (bytes < 1024 ? `${bytes} B` : bytes < 1048576 ? `${Math.round(bytes / 1024)} KB` : `${(bytes / 1048576).toFixed(1)} MB`);
    const show = () => {
      const transfer = new DataTransfer();
      files.forEach((file) => transfer.items.add(file));
      input.files = transfer.files;
      list.replaceChildren(
        ...files.map((file, index) => {
          const item = make("li", {className: "hd-file"});
          const remove = make("button", {type: "button", className: "hd-link-button hd-file-remove", textContent: "Remove"});
          remove.setAttribute("aria-label", `Remove ${file.name}`);
          remove.addEventListener("click", () => {
            files.splice(index, 1);
            show();
          });
          item.append(make("span", {className: "hd-file-name", textContent: file.name}), ` ${size(file.size)} `, remove);
          return item;
        }),
      );
      list.hidden = !files.length;
    };
    // The same limit and words as the server's (ReplyForm.clean_attachments).
    const add = (incoming) => {
      const refused = [];
      [...incoming].forEach((file) => {
        if (file.size > limit) {
          refused.push(`${file.name} is larger than ${limit} bytes.`);
        } else if (!files.some((known) => known.name === file.name && known.size === file.size)) {
          files.push(file);
        }
      });
      error.textContent = refused.join(" ");
      error.hidden = !refused.length;
      show();
    };
    input.addEventListener("change", () => add([...input.files].filter((file) => !files.includes(file))));
    const zone = form;
    let depth = 0;
    zone.addEventListener("dragenter", (event) => {
      if ([...(event.dataTransfer?.types || [])].includes("Files")) {
        depth += 1;
        zone.classList.add("hd-dropping");
      }
    });
    zone.addEventListener("dragleave", () => {
      depth = Math.max(0, depth - 1);
      zone.classList.toggle("hd-dropping", depth > 0);
    });
    zone.addEventListener("dragover", (event) => {
      if ([...(event.dataTransfer?.types || [])].includes("Files")) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
      }
    });
    zone.addEventListener("drop", (event) => {
      if (!event.dataTransfer?.files.length) {
        return;
      }
      event.preventDefault();
      depth = 0;
      zone.classList.remove("hd-dropping");
      add(event.dataTransfer.files);
    });
    surface?.addEventListener("paste", (event) => {
      const pasted = [...(event.clipboardData?.files || [])];
      if (pasted.length) {
        event.preventDefault();
        add(pasted);
      }
    });
    (input.closest(".hd-reply-row") || input).before(hint, list, error);
    list.hidden = true;
  };

  // --- Cc and Bcc: a button shows them; they open by themselves when they hold addresses.
  const recipientsFor = (form) => {
    const toggle = form.querySelector("[data-hd-show-copies]");
    const rows = form.querySelectorAll("[data-hd-copies]");
    if (!toggle || !rows.length) {
      return;
    }
    const empty = [...rows].every((row) => !row.querySelector("input")?.value.trim());
    const open = (wanted) => {
      rows.forEach((row) => {
        row.hidden = !wanted;
      });
      toggle.hidden = wanted;
    };
    open(!empty);
    toggle.addEventListener("click", () => {
      open(true);
      rows[0].querySelector("input")?.focus();
    });
  };

  document.querySelectorAll("form[data-hd-composer]").forEach((form) => {
    const surface = editorFor(form);
    filesFor(form, surface);
    recipientsFor(form);
  });
})();
