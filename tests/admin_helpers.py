"""What the admin tests share: URLs, submitting a page as rendered, messages."""

import json

from django.contrib.messages import get_messages
from django.urls import reverse


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_data(response) -> dict:
    """The POST body that submits an admin add/change page as it was rendered, inlines included."""

    def fields(form) -> dict:
        data = {}
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            elif isinstance(value, dict):
                value = json.dumps(value)
            data[form.add_prefix(name)] = value
        return data

    data = fields(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(fields(formset.management_form))
        for form in formset.forms:
            data.update(fields(form))
    return data


def messages_text(response) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))
