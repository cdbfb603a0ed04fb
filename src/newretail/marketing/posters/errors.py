from django.utils.translation import gettext_lazy as _

from newretail.core.errors import ErrorCode


class PosterError(ErrorCode):
    UNKNOWN_LAYOUT = ("marketing.poster_unknown_layout", _("Choose one of the poster templates."), 400)
    INVALID_COLOR = ("marketing.poster_invalid_color", _("{field}: enter a colour as #rrggbb."), 400)
    TEXT_TOO_LONG = ("marketing.poster_text_too_long", _("{field}: at most {max} characters."), 400)
    TEXT_DOES_NOT_FIT = (
        "marketing.poster_text_does_not_fit",
        _("{field} does not fit on this template; shorten it."),
        400,
    )
    INVALID_TARGET = ("marketing.poster_invalid_target", _("{field}: {problem}"), 400)
    INVALID_IMAGE = ("marketing.poster_invalid_image", _("Picture: {problem}"), 400)
    INVALID_NAME = ("marketing.poster_invalid_name", _("Name: at most {max} characters."), 400)
