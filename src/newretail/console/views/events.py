"""Event deliveries: failed ones first, with a retry button (the dispatcher retries by itself
with backoff; this page is for deliveries that gave up)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newretail.console.decorators import console_view
from newretail.console.paging import paginate
from newretail.core.events import retry_delivery
from newretail.core.models import EventDelivery
from newretail.tenancy.roles import Perm


@console_view(Perm.SYSTEM_MANAGE)
def event_delivery_list(request):
    status = request.GET.get("status", EventDelivery.Status.FAILED)
    deliveries = EventDelivery.objects.for_merchant(request.user.merchant_id).select_related("event")
    if status in EventDelivery.Status.values:
        deliveries = deliveries.filter(status=status)
    return render(
        request,
        "console/event_delivery_list.html",
        {"status": status, "statuses": EventDelivery.Status.choices, **paginate(request, deliveries)},
    )


@console_view(Perm.SYSTEM_MANAGE)
@require_POST
def event_delivery_retry(request, pk: int):
    retry_delivery(actor=request.user, delivery_id=pk)
    messages.success(request, _("Delivery queued again."))
    return redirect("console:event_delivery_list")


urlpatterns = [
    path("events/deliveries/", event_delivery_list, name="event_delivery_list"),
    path("events/deliveries/<int:pk>/retry/", event_delivery_retry, name="event_delivery_retry"),
]
