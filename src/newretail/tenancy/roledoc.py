"""Render docs/roles.md from tenancy/roles.py, so the documented permission sets are the code's."""

from django.utils import translation

from newretail.tenancy.roles import ROLE_PERMS, STORE_BOUND_ROLES, Perm, Role


def render_roles_markdown() -> str:
    with translation.override("en"):
        roles = list(Role)
        lines = [
            "# Staff roles and permissions",
            "",
            "Generated from `src/newretail/tenancy/roles.py` by `manage.py document_roles`; a test keeps",
            "this file in step with the code. Store-bound roles act only on the stores assigned to them;",
            "the others act on every store and warehouse of their merchant unless stores are assigned.",
            "",
            "| permission | code | " + " | ".join(str(r.label) for r in roles) + " |",
            "|---|---|" + "---|" * len(roles),
        ]
        for perm in Perm:
            marks = " | ".join("✔" if perm in ROLE_PERMS[r] else "" for r in roles)
            lines.append(f"| {perm.label} | `{perm.value}` | {marks} |")
        lines += [
            "",
            "Store-bound roles: " + ", ".join(str(r.label) for r in roles if r in STORE_BOUND_ROLES) + ".",
        ]
    return "\n".join(lines) + "\n"
