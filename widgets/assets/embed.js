function (config, baseCss) {
  "use strict";
  // Served by /widgets/<key>/embed.js with its widget's settings (widgets/snippets.py embed_config). Every
  // text is set with textContent, never parsed as HTML. Nothing else is loaded, and no cookie is sent.
  var doc = document;
  var script = doc.currentScript;

  function el(tag, attrs, text) {
    var node = doc.createElement(tag);
    for (var name in attrs || {}) {
      if (attrs[name] !== null && attrs[name] !== undefined && attrs[name] !== false) {
        node.setAttribute(name, attrs[name] === true ? "" : attrs[name]);
      }
    }
    if (text) node.textContent = text;
    return node;
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      body: new URLSearchParams(data),
    });
  }

  function placeholders() {
    var found = doc.querySelectorAll('[data-helpdesk-widget="' + config.key + '"]');
    var list = Array.prototype.slice.call(found).filter(function (node) { return !node.hdwRendered; });
    if (!list.length) {
      // No placeholder: right after the script, or at the end of the page when the script is in <head>.
      var spot = el("div", { "data-helpdesk-widget": config.key });
      if (script && script.parentNode && script.parentNode !== doc.head) script.parentNode.insertBefore(spot, script.nextSibling);
      else doc.body.appendChild(spot);
      list = [spot];
    }
    return list;
  }

  function shell(host) {
    host.hdwRendered = true;
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var style = el("style");
    // A page whose Content-Security-Policy allows styles by nonce gives this script one: its stylesheet
    // carries the same (our admin's preview does; so may a customer's site).
    if (script && script.nonce) style.nonce = script.nonce;
    style.textContent = baseCss + "\n" + (config.css || "");
    root.appendChild(style);
    var box = el("div", { "class": "hdw-root", lang: config.language || null });
    box.style.setProperty("--hdw-accent", config.color);
    root.appendChild(box);
    return box;
  }

  function searchBox(box, id) {
    var form = el("form", { "class": "hdw-form", role: "search", method: "get", action: config.searchUrl, target: "_blank" });
    form.appendChild(el("h2", { "class": "hdw-title", id: id + "-title" }, config.title));
    if (config.intro) form.appendChild(el("p", { "class": "hdw-intro" }, config.intro));
    var row = el("div", { "class": "hdw-search" });
    row.appendChild(el("label", { "class": "hdw-sr", "for": id + "-q" }, config.title));
    row.appendChild(el("input", { "class": "hdw-input", type: "search", name: "q", id: id + "-q", required: true, maxlength: "200", placeholder: "How do I…" }));
    row.appendChild(el("button", { "class": "hdw-button", type: "submit" }, config.button));
    form.appendChild(row);
    box.appendChild(form);
  }

  function control(field, id, hintId, errorId) {
    var described = [field.hint ? hintId : null, errorId].filter(Boolean).join(" ");
    var common = { "class": "hdw-input", id: id, name: field.code, "aria-describedby": described, maxlength: String(field.maxlength) };
    if (field.mandatory) { common.required = true; common["aria-required"] = "true"; }
    if (field.kind === "M") return el("textarea", common);
    if (field.kind === "L") {
      var select = el("select", common);
      select.removeAttribute("maxlength");
      select.appendChild(el("option", { value: "" }, "Choose…"));
      field.choices.forEach(function (choice) { select.appendChild(el("option", { value: choice }, choice)); });
      return select;
    }
    common.type = field.kind === "E" ? "email" : "text";
    if (field.kind === "E") common.autocomplete = "email";
    if (field.code === "name") common.autocomplete = "name";
    return el("input", common);
  }

  function contactForm(box, id) {
    var form = el("form", { "class": "hdw-form", novalidate: true, "aria-labelledby": id + "-title" });
    form.appendChild(el("h2", { "class": "hdw-title", id: id + "-title" }, config.title));
    if (config.intro) form.appendChild(el("p", { "class": "hdw-intro" }, config.intro));
    var inputs = {};
    var errors = {};
    config.fields.forEach(function (field, index) {
      var fieldId = id + "-f" + index;
      var wrap = el("div", { "class": "hdw-field" });
      var hintId = fieldId + "-hint";
      var errorId = fieldId + "-error";
      if (field.kind === "C") {
        var label = el("label", { "class": "hdw-label hdw-check" });
        var checkbox = el("input", { type: "checkbox", id: fieldId, name: field.code, value: "Y", required: field.mandatory, "aria-describedby": errorId });
        label.appendChild(checkbox);
        label.appendChild(el("span", null, field.label));
        wrap.appendChild(label);
        inputs[field.code] = checkbox;
      } else {
        var text = el("label", { "class": "hdw-label", "for": fieldId }, field.label);
        if (field.mandatory) text.appendChild(el("span", { "class": "hdw-required", "aria-hidden": "true" }, "*"));
        else text.appendChild(el("span", { "class": "hdw-optional" }, "(optional)"));
        wrap.appendChild(text);
        inputs[field.code] = control(field, fieldId, hintId, errorId);
        wrap.appendChild(inputs[field.code]);
      }
      if (field.hint) wrap.appendChild(el("p", { "class": "hdw-hint", id: hintId }, field.hint));
      errors[field.code] = el("p", { "class": "hdw-error", id: errorId, hidden: true });
      wrap.appendChild(errors[field.code]);
      // A corrected field loses its error as soon as it changes.
      inputs[field.code].addEventListener(field.kind === "C" || field.kind === "L" ? "change" : "input", function () {
        errors[field.code].hidden = true;
        inputs[field.code].removeAttribute("aria-invalid");
      });
      form.appendChild(wrap);
    });
    // The honeypot: people never see or reach it; bots that fill every field are answered as if sent.
    var trap = el("div", { "class": "hdw-hp", "aria-hidden": "true" });
    var trapLabel = el("label", null, "Leave this field empty");
    trapLabel.appendChild(el("input", { type: "text", name: "hd_website", tabindex: "-1", autocomplete: "off" }));
    trap.appendChild(trapLabel);
    form.appendChild(trap);
    var actions = el("div", { "class": "hdw-actions" });
    var button = el("button", { "class": "hdw-button", type: "submit" }, config.button);
    actions.appendChild(button);
    form.appendChild(actions);
    var status = el("p", { "class": "hdw-status hdw-bad", role: "alert", hidden: true });
    form.appendChild(status);
    box.appendChild(form);

    function showErrors(fieldErrors) {
      var first = null;
      config.fields.forEach(function (field) {
        var message = fieldErrors[field.code];
        var input = inputs[field.code];
        errors[field.code].textContent = message || "";
        errors[field.code].hidden = !message;
        if (message) { input.setAttribute("aria-invalid", "true"); first = first || input; }
        else input.removeAttribute("aria-invalid");
      });
      if (first) first.focus();
      return !first;
    }

    function localErrors() {
      var found = {};
      config.fields.forEach(function (field) {
        var input = inputs[field.code];
        var value = field.kind === "C" ? (input.checked ? "Y" : "") : input.value.trim();
        if (!value && field.mandatory) found[field.code] = "This field is required.";
        else if (value && field.kind === "E" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) found[field.code] = "Enter a valid email address.";
      });
      return found;
    }

    function fail(message) {
      status.textContent = message;
      status.hidden = false;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      status.hidden = true;
      if (!showErrors(localErrors())) return;
      var data = { page_url: String(location.href).slice(0, 2000), hd_website: form.elements.hd_website.value };
      config.fields.forEach(function (field) {
        var input = inputs[field.code];
        data[field.code] = field.kind === "C" ? (input.checked ? "Y" : "") : input.value;
      });
      button.disabled = true;
      button.textContent = "Sending…";
      post(config.submitUrl, data)
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (body) { return { response: response, body: body }; });
        })
        .then(function (result) {
          if (result.response.ok) {
            var done = el("div", { "class": "hdw-done", role: "status", tabindex: "-1" });
            done.appendChild(el("div", { "class": "hdw-done-mark", "aria-hidden": "true" }, "✓"));
            done.appendChild(el("h2", { "class": "hdw-title" }, "Message sent"));
            done.appendChild(el("p", null, result.body.message || "Thank you! We will reply by email."));
            box.replaceChild(done, form);
            done.focus();
            return;
          }
          showErrors(result.body.fields || {});
          fail(result.body.error || "Your message could not be sent. Please try again.");
        })
        .catch(function () { fail("Your message could not be sent: the connection failed. Please try again."); })
        .then(function () { button.disabled = false; button.textContent = config.button; });
    });
  }

  function render() {
    placeholders().forEach(function (host, index) {
      var box = shell(host);
      var id = "hdw-" + config.key.replace(/[^A-Za-z0-9]/g, "") + "-" + index;
      if (config.kind === "search") searchBox(box, id);
      else contactForm(box, id);
    });
    var previews = doc.querySelectorAll('[data-helpdesk-widget="' + config.key + '"][data-helpdesk-preview]');
    if (!previews.length) post(config.impressionUrl, { page_url: String(location.href).slice(0, 2000) }).catch(function () {});
  }

  // An async script may run before the page's placeholder is parsed (a snippet moved into <head>).
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", render);
  else render();
}
