"""The outbox's retry schedule (helpdesk/outbox.py); claiming and leasing are exercised through webhook
deliveries in test_webhook_delivery.py and test_webhook_worker.py."""

from datetime import timedelta

import pytest

from helpdesk.outbox import retry_delay

SCHEDULE = [0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]


def test_the_default_schedule_is_the_adopted_one(settings):
    assert settings.HELPDESK_OUTBOX_RETRY_SCHEDULE == SCHEDULE


@pytest.mark.parametrize("attempts_done", range(1, len(SCHEDULE)))
def test_each_wait_is_its_step_within_20_percent(settings, attempts_done):
    settings.HELPDESK_OUTBOX_RETRY_SCHEDULE = SCHEDULE
    step = SCHEDULE[attempts_done]
    waits = [retry_delay(attempts_done).total_seconds() for _ in range(200)]
    assert all(0.8 * step <= wait <= 1.2 * step for wait in waits)
    assert len(set(waits)) > 1  # jittered


def test_ten_attempts_then_none(settings):
    settings.HELPDESK_OUTBOX_RETRY_SCHEDULE = SCHEDULE
    assert retry_delay(9) is not None
    assert retry_delay(10) is None


def test_retry_after_lengthens_up_to_the_longest_step(settings):
    settings.HELPDESK_OUTBOX_RETRY_SCHEDULE = SCHEDULE
    assert retry_delay(1, retry_after=600) == timedelta(seconds=600)
    assert retry_delay(1, retry_after=10**9) == timedelta(seconds=86400)
    assert retry_delay(3, retry_after=1).total_seconds() >= 0.8 * 1800  # never shortens
