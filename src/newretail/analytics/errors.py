from django.utils.translation import gettext_lazy as _

from newretail.core.errors import ErrorCode


class AnalyticsError(ErrorCode):
    INVALID_TARGET = ("analytics.invalid_target", _("{field}: {problem}"), 400)
