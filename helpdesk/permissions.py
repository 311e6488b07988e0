"""Permissions follow the role; there are no per-user permission rows to drift.

Admins may do everything. Regular users (agents) get admin permissions only for models whose admin
scopes every queryset to the agent's mailboxes; until a model's admin does, agents get nothing there.
"""

# app label -> actions an agent may take on that app's models in the admin
AGENT_PERMISSIONS: dict[str, frozenset[str]] = {}


def role_has_perm(role: str, perm: str) -> bool:
    if role == "admin":
        return True
    app_label, _, codename = perm.partition(".")
    action = codename.partition("_")[0]
    return action in AGENT_PERMISSIONS.get(app_label, frozenset())


def role_has_module_perms(role: str, app_label: str) -> bool:
    return role == "admin" or bool(AGENT_PERMISSIONS.get(app_label))
