"""The talks tests' SMS provider: a local HTTP sink speaking Aliyun's format."""

import pytest

from tests.notify.conftest import sink  # noqa: F401  (the local HTTP server fixture)


@pytest.fixture
def aliyun_sms(settings, sink):  # noqa: F811  # noqa: F811
    settings.SMS = {
        **settings.SMS,
        "PROVIDER": "aliyun",
        "ACCESS_KEY_ID": "AKID",
        "ACCESS_KEY_SECRET": "secret",
        "SIGN_NAME": "守望",
        "TEMPLATE_CODE": "SMS_1",
        "ENDPOINT": sink.url + "/",
    }
    return sink
