import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError


def test_serve_refuses_debug_off_with_the_default_secret(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = settings.DEFAULT_SECRET_KEY
    with pytest.raises((CommandError, SystemCheckError)):
        call_command("serve", "--no-worker", "--port", "1")


def test_system_check_flags_the_default_secret(settings):
    from newretail.core.checks import check_secret_key

    settings.DEBUG = False
    settings.SECRET_KEY = settings.DEFAULT_SECRET_KEY
    assert [e.id for e in check_secret_key(None)] == ["newretail.E001"]
    settings.SECRET_KEY = "x" * 60
    assert check_secret_key(None) == []
