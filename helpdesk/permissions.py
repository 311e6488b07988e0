"""Permissions follow the role; there are no per-user permission rows to drift.

Admins may do everything. Regular users (agents) get admin permissions only for the models whose admin
scopes every queryset, choice and action to the agent's mailboxes (``conversations.admin``,
``customers.admin``), and for the knowledge base's entries (not kept per mailbox: agents write articles);
configuration (mailboxes, users, API keys, custom fields, tags, customer groups, webhooks, knowledge bases)
stays with admins. Deleting is never an agent's: conversations go to the Deleted folder through an action.
"""

# "app_label.model_name" -> actions an agent may take on that model in the admin
AGENT_PERMISSIONS: dict[str, frozenset[str]] = {
    "conversations.conversation": frozenset({"view", "change"}),
    "customers.customer": frozenset({"view", "change"}),
    # Agents write the knowledge base's articles (issue 16); deleting entries and knowledge bases is an admin's.
    "knowledgebase.entry": frozenset({"view", "add", "change"}),
}


def role_has_perm(role: str, perm: str) -> bool:
    if role == "admin":
        return True
    app_label, _, codename = perm.partition(".")
    action, _, model_name = codename.partition("_")
    return action in AGENT_PERMISSIONS.get(f"{app_label}.{model_name}", frozenset())


def role_has_module_perms(role: str, app_label: str) -> bool:
    return role == "admin" or any(key.partition(".")[0] == app_label for key in AGENT_PERMISSIONS)
