"""SMS code login: request, verify, expiry, single use, wrong tries, rate limits."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import override_settings

from newretail.core import clock
from newretail.core.errors import DomainError
from newretail.core.models import Event
from newretail.members.actions import login as login_actions
from newretail.members.actions.login import login_with_code, request_login_code
from newretail.members.actions.members import find_or_create_member
from newretail.members.actions.tokens import member_for_token
from newretail.members.models import LoginCode, Member, SmsMessage
from newretail.members.sms import SmsBackend, SmsSendError

from .conftest import IP, PHONE, last_code, wrong

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def refused(call, **kwargs) -> str:
    with pytest.raises(DomainError) as error:
        call(**kwargs)
    return error.value.code


def test_happy_path_sends_a_chinese_code_and_creates_the_member(merchant):
    request_login_code(merchant=merchant, phone="+86 138-1234-5678", ip=IP)
    message = SmsMessage.objects.get()
    assert message.phone == PHONE and message.merchant_id == merchant.pk and message.purpose == "login"
    code = last_code()
    assert message.text == f"【{merchant.name}】验证码 {code}，5分钟内有效，请勿告诉他人。"
    stored = LoginCode.objects.get()
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    assert abs(stored.expires_at - stored.created_at - dt.timedelta(minutes=5)) < dt.timedelta(seconds=1)

    member, token = login_with_code(merchant=merchant, phone="138 1234 5678", code=code, ip=IP)
    assert member.phone == PHONE and member.source == Member.Source.MALL and member.last_login_at is not None
    assert token.startswith("nrm_") and member_for_token(token) == member
    assert Event.objects.filter(name="member.registered", aggregate_id=str(member.pk)).count() == 1


def test_codes_are_six_random_digits(merchant):
    codes = set()
    for i in range(5):
        request_login_code(merchant=merchant, phone=f"1390000000{i}", ip=IP)
        codes.add(last_code(f"1390000000{i}"))
    assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 1


def test_same_phone_twice_is_the_same_member(merchant):
    first_ids = set()
    for minute in range(2):
        with time_machine.travel(START + dt.timedelta(minutes=minute * 2), tick=False):
            request_login_code(merchant=merchant, phone=PHONE, ip=IP)
            member, _token = login_with_code(merchant=merchant, phone=PHONE, code=last_code(), ip=IP)
            first_ids.add(member.pk)
    assert len(first_ids) == 1 and Member.objects.count() == 1
    assert Event.objects.filter(name="member.registered").count() == 1


def test_a_member_created_at_the_pos_logs_in_as_themselves(merchant, store):
    pos_member, created = find_or_create_member(
        merchant=merchant, phone="+86 138 1234 5678", source=Member.Source.POS, store=store, name="李四"
    )
    assert created and pos_member.registered_store == store
    request_login_code(merchant=merchant, phone=PHONE, ip=IP)
    member, _token = login_with_code(merchant=merchant, phone=PHONE, code=last_code(), ip=IP)
    assert member.pk == pos_member.pk and member.source == Member.Source.POS and member.name == "李四"


def test_a_code_works_once(merchant):
    request_login_code(merchant=merchant, phone=PHONE, ip=IP)
    code = last_code()
    login_with_code(merchant=merchant, phone=PHONE, code=code, ip=IP)
    assert (
        refused(login_with_code, merchant=merchant, phone=PHONE, code=code, ip=IP) == "members.code_invalid"
    )


def test_a_code_expires_after_five_minutes(merchant):
    with time_machine.travel(START, tick=False):
        request_login_code(merchant=merchant, phone=PHONE, ip=IP)
    code = last_code()
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        assert (
            refused(login_with_code, merchant=merchant, phone=PHONE, code=code, ip=IP)
            == "members.code_expired"
        )
    with time_machine.travel(START + dt.timedelta(minutes=4, seconds=59), tick=False):
        member, _ = login_with_code(merchant=merchant, phone=PHONE, code=code, ip=IP)
    assert member.phone == PHONE


def test_five_wrong_tries_kill_the_code(merchant):
    request_login_code(merchant=merchant, phone=PHONE, ip=IP)
    code = last_code()
    codes = [
        refused(login_with_code, merchant=merchant, phone=PHONE, code=wrong(code), ip=IP) for _ in range(5)
    ]
    assert codes == ["members.code_invalid"] * 4 + ["members.code_attempts_exceeded"]
    assert LoginCode.objects.get().failed_attempts == 5
    assert (
        refused(login_with_code, merchant=merchant, phone=PHONE, code=code, ip=IP)
        == "members.code_attempts_exceeded"
    )
    assert not Member.objects.exists()


def test_garbage_codes_count_as_wrong_tries(merchant):
    request_login_code(merchant=merchant, phone=PHONE, ip=IP)
    for garbage in ["", "abc", "1234567", "12345"]:
        assert (
            refused(login_with_code, merchant=merchant, phone=PHONE, code=garbage, ip=IP)
            == "members.code_invalid"
        )
    assert LoginCode.objects.get().failed_attempts == 4


def test_full_width_code_digits_are_accepted(merchant):
    request_login_code(merchant=merchant, phone=PHONE, ip=IP)
    full_width = last_code().translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    member, _ = login_with_code(merchant=merchant, phone=PHONE, code=f" {full_width} ", ip=IP)
    assert member.phone == PHONE


def test_a_new_code_retires_the_old_one(merchant):
    with time_machine.travel(START, tick=False):
        request_login_code(merchant=merchant, phone=PHONE, ip=IP)
        old = last_code()
    with time_machine.travel(START + dt.timedelta(seconds=61), tick=False):
        request_login_code(merchant=merchant, phone=PHONE, ip=IP)
        new = last_code()
        if old != new:
            assert (
                refused(login_with_code, merchant=merchant, phone=PHONE, code=old, ip=IP)
                == "members.code_invalid"
            )
        login_with_code(merchant=merchant, phone=PHONE, code=new, ip=IP)


def test_without_a_code_or_for_another_merchant_nothing_logs_in(merchant, other_owner):
    assert (
        refused(login_with_code, merchant=merchant, phone=PHONE, code="123456", ip=IP)
        == "members.code_invalid"
    )
    request_login_code(merchant=other_owner.merchant, phone=PHONE, ip=IP)
    code = last_code()
    assert (
        refused(login_with_code, merchant=merchant, phone=PHONE, code=code, ip=IP) == "members.code_invalid"
    )
    assert not Member.objects.exists()


def test_an_inactive_member_is_refused_and_the_code_stays_unused(merchant, member):
    Member.objects.filter(pk=member.pk).update(is_active=False)
    request_login_code(merchant=merchant, phone=PHONE, ip=IP)
    code = last_code()
    assert (
        refused(login_with_code, merchant=merchant, phone=PHONE, code=code, ip=IP)
        == "members.member_inactive"
    )
    assert LoginCode.objects.get().used_at is None


def test_an_invalid_phone_sends_nothing(merchant):
    assert refused(request_login_code, merchant=merchant, phone="12345", ip=IP) == "members.invalid_phone"
    assert (
        refused(login_with_code, merchant=merchant, phone="12345", code="123456", ip=IP)
        == "members.invalid_phone"
    )
    assert not SmsMessage.objects.exists() and not LoginCode.objects.exists()


def test_an_inactive_merchant_sends_nothing(merchant):
    merchant.is_active = False
    merchant.save()
    assert refused(request_login_code, merchant=merchant, phone=PHONE, ip=IP) == "not_found"
    assert not SmsMessage.objects.exists()


# --- rate limits -----------------------------------------------------------------------------


def test_one_code_per_phone_per_minute_and_a_refusal_sends_nothing(merchant):
    with time_machine.travel(START, tick=False):
        request_login_code(merchant=merchant, phone=PHONE, ip=IP)
    with time_machine.travel(START + dt.timedelta(seconds=59), tick=False):
        error = refused(request_login_code, merchant=merchant, phone=PHONE, ip="198.51.100.1")
    assert error == "members.code_too_soon"
    assert SmsMessage.objects.count() == 1 and LoginCode.objects.count() == 1
    with time_machine.travel(START + dt.timedelta(seconds=61), tick=False):
        request_login_code(merchant=merchant, phone=PHONE, ip=IP)
    assert SmsMessage.objects.count() == 2


def test_the_per_phone_limits_hold_across_merchants(merchant, other_owner):
    with time_machine.travel(START, tick=False):
        request_login_code(merchant=merchant, phone=PHONE, ip=IP)
        error = refused(request_login_code, merchant=other_owner.merchant, phone=PHONE, ip=IP)
    assert error == "members.code_too_soon" and SmsMessage.objects.count() == 1


def test_ten_codes_per_phone_per_day(merchant):
    for i in range(10):
        with time_machine.travel(START + dt.timedelta(minutes=2 * i), tick=False):
            request_login_code(merchant=merchant, phone=PHONE, ip=f"198.51.100.{i}")
    with time_machine.travel(START + dt.timedelta(minutes=30), tick=False):
        error = refused(request_login_code, merchant=merchant, phone=PHONE, ip="198.51.100.99")
    assert error == "members.code_daily_limit" and SmsMessage.objects.count() == 10
    with time_machine.travel(START + dt.timedelta(days=1, minutes=1), tick=False):
        request_login_code(merchant=merchant, phone=PHONE, ip=IP)
    assert SmsMessage.objects.count() == 11


def test_twenty_codes_per_ip_per_hour(merchant):
    with time_machine.travel(START, tick=False):
        for i in range(20):
            request_login_code(merchant=merchant, phone=f"1390000{i:04d}", ip=IP)
        error = refused(request_login_code, merchant=merchant, phone="13900009999", ip=IP)
        assert error == "members.code_ip_limit"
        assert not SmsMessage.objects.filter(phone="13900009999").exists()
        assert SmsMessage.objects.count() == 20
        # The refused phone was not charged: it gets its code from another network at once.
        request_login_code(merchant=merchant, phone="13900009999", ip="198.51.100.1")
    with time_machine.travel(START + dt.timedelta(hours=1, seconds=1), tick=False):
        request_login_code(merchant=merchant, phone="13900008888", ip=IP)


def test_verification_attempts_are_limited_per_phone_and_ip(merchant, monkeypatch):
    monkeypatch.setattr(login_actions, "MAX_WRONG_TRIES", 100)
    request_login_code(merchant=merchant, phone=PHONE, ip=IP)
    code = last_code()
    for _ in range(10):
        assert (
            refused(login_with_code, merchant=merchant, phone=PHONE, code=wrong(code), ip=IP)
            == "members.code_invalid"
        )
    error = refused(login_with_code, merchant=merchant, phone=PHONE, code=code, ip=IP)
    assert error == "members.login_rate_limited"
    # another address is counted apart
    member, _ = login_with_code(merchant=merchant, phone=PHONE, code=code, ip="198.51.100.1")
    assert member.phone == PHONE


# --- the SMS backend -------------------------------------------------------------------------


class FailingBackend(SmsBackend):
    def send(self, *, merchant_id, phone, text, purpose):
        raise SmsSendError("provider down")


class CrashingBackend(SmsBackend):
    def send(self, *, merchant_id, phone, text, purpose):
        raise ConnectionError("network unreachable")


class RecordingBackend(SmsBackend):
    sent: list = []

    def send(self, *, merchant_id, phone, text, purpose):
        self.sent.append((merchant_id, phone, text, purpose))


@pytest.mark.parametrize("backend", ["FailingBackend", "CrashingBackend"])
def test_a_failed_send_leaves_no_code(merchant, backend):
    with override_settings(SMS_BACKEND=f"tests.members.test_login.{backend}"):
        assert refused(request_login_code, merchant=merchant, phone=PHONE, ip=IP) == "members.sms_failed"
    assert not LoginCode.objects.exists() and not SmsMessage.objects.exists()


def test_the_backend_is_chosen_by_setting(merchant):
    RecordingBackend.sent.clear()
    with override_settings(SMS_BACKEND="tests.members.test_login.RecordingBackend"):
        request_login_code(merchant=merchant, phone=PHONE, ip=IP)
    [(merchant_id, phone, text, purpose)] = RecordingBackend.sent
    assert (merchant_id, phone, purpose) == (merchant.pk, PHONE, "login") and "验证码" in text
    assert not SmsMessage.objects.exists()  # only the development backend writes the table


def test_the_log_backend_masks_the_phone(merchant, caplog):
    with caplog.at_level("INFO", logger="newretail.members.sms"):
        request_login_code(merchant=merchant, phone=PHONE, ip=IP)
    assert "138****5678" in caplog.text and PHONE not in caplog.text


def test_deploy_check_warns_about_the_log_backend():
    from newretail.members.checks import check_sms_backend

    with override_settings(DEBUG=False):
        assert [w.id for w in check_sms_backend(None)] == ["newretail.members.W001"]
    with override_settings(DEBUG=False, SMS_BACKEND="tests.members.test_login.RecordingBackend"):
        assert check_sms_backend(None) == []


def test_clock_is_the_one_clock():
    # guard: codes expire on core.clock, which time-machine moves
    with time_machine.travel(START, tick=False):
        assert clock.now() == START
