import pytest
from django.urls import reverse

from newretail.members.actions.addresses import add_address
from newretail.members.actions.login import request_login_code
from newretail.members.models import SmsMessage
from newretail.tenancy.models import User

from .conftest import IP, PHONE

pytestmark = pytest.mark.django_db


def test_admin_pages_render_for_platform_operators(client, merchant, member):
    add_address(
        member=member, recipient="张三", phone=PHONE, province="北京市", city="北京市", detail="长安街1号"
    )
    request_login_code(merchant=merchant, phone=PHONE, ip=IP)
    operator = User.objects.create_superuser("operator", "op@example.com", "op-pass-12345")
    client.force_login(operator)
    sms = SmsMessage.objects.get()
    for name, args in (
        ("admin:members_member_changelist", []),
        ("admin:members_member_change", [member.pk]),
        ("admin:members_smsmessage_changelist", []),
        ("admin:members_smsmessage_change", [sms.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 200, name
    found = client.get(reverse("admin:members_member_changelist"), {"q": PHONE[-4:]})
    assert member.name in found.content.decode()
    change = client.get(reverse("admin:members_member_change", args=[member.pk])).content.decode()
    assert "长安街1号" in change
    assert client.get(reverse("admin:members_member_add")).status_code == 403
    assert client.get(reverse("admin:members_smsmessage_add")).status_code == 403
