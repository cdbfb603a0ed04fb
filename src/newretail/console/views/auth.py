from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newretail.console.decorators import console_view
from newretail.core.errors import DomainError
from newretail.tenancy.actions.auth import authenticate_staff


def client_ip(request) -> str:
    # Behind a proxy, deploy.md sets the proxy to overwrite X-Real-IP; never trust X-Forwarded-For chains.
    return request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR", "")


def login_view(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = ""
    context = {"next": next_url, "username": "", "error": ""}
    status = 200
    if request.method == "POST":
        username = request.POST.get("username", "")
        context["username"] = username
        try:
            user = authenticate_staff(
                username=username, password=request.POST.get("password", ""), ip=client_ip(request)
            )
        except DomainError as error:
            context["error"] = error.message
            # A wrong password re-renders the form (200, like Django's LoginView); only the rate
            # limit answers with its own status so that scripts see 429.
            status = 429 if error.status == 429 else 200
        else:
            login(request, user)
            if user.is_merchant_staff:
                return redirect(next_url or "console:home")
            return redirect("admin:index" if user.is_staff else "console:login")
    return render(request, "console/login.html", context, status=status)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("console:login")


@console_view()
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password was changed."))
        return redirect("console:home")
    return render(request, "console/password_change.html", {"form": form})


urlpatterns = [
    path("login/", login_view, name="login"),
    path("logout/", logout_view, name="logout"),
    path("password/", password_change, name="password_change"),
]
