from django.utils.translation import gettext_lazy as _

from newretail.core.errors import ErrorCode


class DecorationError(ErrorCode):
    PAGE_INVALID = ("decoration.page_invalid", _("The page was not saved: {problems}"), 400)
    PAGE_EXISTS = ("decoration.page_exists", _("There is already a page called “{key}”."), 400)
    PAGE_KEY_INVALID = (
        "decoration.page_key_invalid",
        _("A page key uses lowercase letters, digits and dashes (at most 40)."),
        400,
    )
    TITLE_INVALID = ("decoration.title_invalid", _("Give the page a title of at most 40 characters."), 400)
    DRAFT_CHANGED = (
        "decoration.draft_changed",
        _("Someone else saved this page after you opened it. Reload it and make your changes again."),
        409,
    )
    UNKNOWN_STARTER = ("decoration.unknown_starter", _("There is no template called “{key}”."), 400)
    COLOUR_INVALID = ("decoration.colour_invalid", _("{field}: use a colour like #e4393c."), 400)
    IMAGE_INVALID = ("decoration.image_invalid", _("“{name}” is not a JPEG, PNG or WebP picture."), 400)
    IMAGE_TOO_LARGE = ("decoration.image_too_large", _("“{name}” is larger than {max_mb} MB."), 400)
    IMAGE_LIBRARY_FULL = (
        "decoration.image_library_full",
        _("The image library holds at most {max} pictures: delete some first."),
        400,
    )
