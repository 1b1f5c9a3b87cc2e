"""``manage.py sms_check`` lists the templates and their gateway codes, and sends one test text."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from notifications.sms import TEMPLATES

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("sms_check", *args, stdout=out)
    return out.getvalue()


def test_it_lists_every_template_and_which_have_a_code(aliyun_stub, settings):
    settings.SMS_TEMPLATE_CODES = {"login_code": "SMS_465300001"}
    output = run()
    for key in TEMPLATES:
        assert key in output
    login = next(line for line in output.splitlines() if line.startswith("login_code"))
    reminder = next(line for line in output.splitlines() if line.startswith("session_upcoming"))
    assert "SMS_465300001" in login and "未配置" in reminder
    assert "${code}" in output  # the text to register, in the gateway's variable form
    assert not aliyun_stub.requests


def test_it_sends_one_test_text_to_the_number_given(aliyun_stub, settings):
    settings.SMS_TEMPLATE_CODES = {"sms_test": "SMS_465300009"}
    output = run("13812345678")
    (request,) = aliyun_stub.requests
    assert (request["PhoneNumbers"], request["TemplateCode"]) == ("13812345678", "SMS_465300009")
    assert "138****5678" in output and "13812345678" not in output


def test_a_gateway_refusal_is_reported_as_an_error(tencent_stub, settings):
    settings.SMS_TEMPLATE_CODES = {}
    with pytest.raises(CommandError, match="template_not_configured"):
        run("13812345678")
    assert not tencent_stub.requests


def test_a_malformed_number_is_refused_before_sending(aliyun_stub):
    with pytest.raises(CommandError, match="手机号格式不正确"):
        run("12345")
    assert not aliyun_stub.requests
