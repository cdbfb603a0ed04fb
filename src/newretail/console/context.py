from django.conf import settings


def console_context(request):
    user = getattr(request, "user", None)
    context = {"platform_name": settings.PLATFORM_NAME}
    if (
        user is not None
        and user.is_authenticated
        and getattr(user, "is_merchant_staff", False)
        and request.path.startswith("/console/")
    ):
        from newretail.console.nav import nav_for

        context["console_nav"] = nav_for(user, request.path)
        context["merchant"] = user.merchant
    return context
