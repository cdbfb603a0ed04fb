from django.utils.translation import gettext_lazy as _

from newretail.core.errors import ErrorCode


class TenancyError(ErrorCode):
    LOGIN_FAILED = ("tenancy.login_failed", _("Wrong username or password."), 401)
    STORE_CODE_TAKEN = ("tenancy.store_code_taken", _("Store code {code} is already used."), 409)
    WAREHOUSE_CODE_TAKEN = ("tenancy.warehouse_code_taken", _("Warehouse code {code} is already used."), 409)
    USERNAME_TAKEN = ("tenancy.username_taken", _("Username {username} is already taken."), 409)
    STORE_OUT_OF_SCOPE = ("tenancy.store_out_of_scope", _("You are not assigned to this store."), 403)
    OWNER_ONLY = ("tenancy.owner_only", _("Only the owner can grant or change the owner role."), 403)
    LAST_OWNER = ("tenancy.last_owner", _("The merchant must keep at least one active owner."), 409)
    STORE_REQUIRED = ("tenancy.store_required", _("A {role} must be assigned to at least one store."), 400)
    INVALID_HOURS = ("tenancy.invalid_hours", _("Closing time must be after opening time."), 400)
    WEAK_PASSWORD = ("tenancy.weak_password", _("Password rejected: {detail}"), 400)
