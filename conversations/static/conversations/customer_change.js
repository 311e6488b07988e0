// Change customer (conversations/admin/merge.py): as the agent types, suggests the customers they can see
// (name <email>) in the email input's datalist. Without JavaScript the form still takes any address.
(function () {
  "use strict";
  const form = document.getElementById("hd-customer-form");
  const input = form && form.querySelector("input[name=email]");
  const list = document.getElementById("hd-customer-suggestions");
  if (!input || !list) return;
  let timer = null;
  let asked = "";
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(suggest, 200);
  });
  function suggest() {
    const query = input.value.trim();
    if (query.length < 2 || query === asked) return;
    asked = query;
    const url = form.dataset.suggestionsUrl + "?q=" + encodeURIComponent(query);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { customers: [] }; })
      .then(function (body) {
        if (query !== asked) return; // a newer question is on its way
        list.replaceChildren();
        body.customers.forEach(function (customer) {
          const option = document.createElement("option");
          option.value = customer.email;
          option.label = customer.label;
          list.appendChild(option);
        });
      })
      .catch(function () { /* suggestions are a convenience: typing the address still works */ });
  }
})();
