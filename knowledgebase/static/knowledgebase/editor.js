/* The knowledge base's rich-text editor: a toolbar over a contenteditable area, kept in step with the
   form's textarea (which stays the field that is posted, and what shows when JavaScript is off). The HTML
   is only a suggestion: the server sanitises it (nh3) on save. */
(function () {
  "use strict";

  function safeUrl(url) {
    var trimmed = (url || "").trim();
    return /^(https?:|mailto:|\/|#)/i.test(trimmed) ? trimmed : "";
  }

  function setUp(root) {
    var toolbar = root.querySelector(".kb-editor-toolbar");
    var area = root.querySelector(".kb-editor-area");
    var source = root.querySelector("textarea");
    if (!toolbar || !area || !source || root.dataset.ready) return;
    root.dataset.ready = "1";
    var showingSource = false;

    area.innerHTML = source.value;
    toolbar.hidden = false;
    area.hidden = false;
    source.hidden = true;
    try { document.execCommand("defaultParagraphSeparator", false, "p"); } catch (e) { /* older engines */ }

    function sync() { if (!showingSource) source.value = area.innerHTML; }
    area.addEventListener("input", sync);
    area.addEventListener("blur", sync);
    if (source.form) source.form.addEventListener("submit", sync);

    // Pasting keeps the text, not another page's styles and scripts.
    area.addEventListener("paste", function (event) {
      var text = event.clipboardData && event.clipboardData.getData("text/plain");
      if (text === undefined || text === null) return;
      event.preventDefault();
      document.execCommand("insertText", false, text);
    });

    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) return;
      event.preventDefault();
      if (button.hasAttribute("data-toggle-source")) {
        showingSource = !showingSource;
        if (showingSource) {
          source.value = area.innerHTML;
        } else {
          area.innerHTML = source.value;
        }
        source.hidden = !showingSource;
        area.hidden = showingSource;
        button.setAttribute("aria-pressed", String(showingSource));
        toolbar.querySelectorAll("button[data-command]").forEach(function (other) { other.disabled = showingSource; });
        (showingSource ? source : area).focus();
        return;
      }
      var command = button.getAttribute("data-command");
      var value = button.getAttribute("data-value");
      area.focus();
      if (command === "createLink" || command === "insertImage") {
        var url = safeUrl(window.prompt(command === "createLink" ? "Link to (https://…)" : "Image address (https://…)", "https://"));
        if (!url) return;
        value = url;
      }
      if (command === "formatBlock") value = "<" + value + ">";
      document.execCommand(command, false, value);
      sync();
    });
  }

  function setUpAll() { document.querySelectorAll("[data-kb-editor]").forEach(setUp); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
