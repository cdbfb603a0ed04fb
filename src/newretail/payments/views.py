"""The endpoints providers post notifications to: /payments/notify/<provider>/<account id>/.
No session, no CSRF token (providers sign instead); the raw body is verified as received."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from newretail.payments.actions.notifications import handle_notification

MAX_BODY = 64 * 1024


@csrf_exempt
@require_POST
def notify(request: HttpRequest, provider: str, account_id: int) -> HttpResponse:
    body = request.body[: MAX_BODY + 1]
    if len(body) > MAX_BODY:
        return HttpResponse("too large", status=413, content_type="text/plain")
    answer = handle_notification(provider=provider, account_id=account_id, headers=request.headers, body=body)
    return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)


app_name = "payments"
urlpatterns = [path("notify/<str:provider>/<int:account_id>/", notify, name="notify")]
