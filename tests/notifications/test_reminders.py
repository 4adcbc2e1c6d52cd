"""Reminders: scheduled per key, moved, cancelled, sent once when due, also by two workers at once."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from kechuang.cli import main
from kechuang.notifications import services
from kechuang.notifications.models import Notification, Reminder
from kechuang.notifications.reminders import ReminderLoop
from tests.factories.accounts import UserFactory
from tests.notifications.conftest import due_params

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.get_current_timezone())


def schedule(user: Any, *, key: str = "review:7", due: datetime = NOW, **params: Any) -> None:
    services.schedule_reminder(
        recipient=user, kind="tests.review_due", params=due_params(**params), url="/review/7/", due_at=due, key=key
    )


@pytest.mark.django_db
def test_a_reminder_is_sent_when_due_and_only_once() -> None:
    user = UserFactory()
    schedule(user, due=NOW + timedelta(hours=1))
    assert services.send_due_reminders(now=NOW) == 0
    assert services.send_due_reminders(now=NOW + timedelta(hours=1)) == 1
    assert services.send_due_reminders(now=NOW + timedelta(hours=2)) == 0
    [notification] = Notification.objects.all()
    assert (notification.recipient_id, notification.kind) == (user.pk, "tests.review_due")
    assert notification.url == "/review/7/"
    assert Reminder.objects.get().sent_at == NOW + timedelta(hours=1)


@pytest.mark.django_db
def test_scheduling_a_key_again_replaces_and_moves_it() -> None:
    user = UserFactory()
    schedule(user, due=NOW, when="1 December")
    schedule(user, due=NOW + timedelta(days=1), when="2 December")
    reminder = Reminder.objects.get()
    assert (reminder.due_at, reminder.params["when"]) == (NOW + timedelta(days=1), "2 December")
    assert services.send_due_reminders(now=NOW) == 0


@pytest.mark.django_db
def test_a_sent_reminder_stays_sent_unless_moved() -> None:
    user = UserFactory()
    schedule(user)
    assert services.send_due_reminders(now=NOW) == 1
    schedule(user)  # the same call again, e.g. a retried request
    assert services.send_due_reminders(now=NOW) == 0
    schedule(user, due=NOW + timedelta(days=2))  # the deadline moved: remind again
    assert services.send_due_reminders(now=NOW + timedelta(days=2)) == 1
    assert Notification.objects.count() == 2


@pytest.mark.django_db
def test_cancelling_by_key_and_recipient() -> None:
    alice, bob = UserFactory(), UserFactory()
    schedule(alice)
    schedule(bob)
    schedule(bob, key="review:8")
    assert services.cancel_reminders(key="review:7", recipient=alice) == 1
    assert services.cancel_reminders(key="review:7") == 1
    assert list(Reminder.objects.values_list("recipient_id", "key")) == [(bob.pk, "review:8")]


@pytest.mark.django_db
def test_a_reminder_claimed_by_another_caller_is_skipped() -> None:
    from kechuang.notifications.services import _send_reminder

    schedule(UserFactory())
    pk = Reminder.objects.get().pk
    assert [_send_reminder(pk, NOW), _send_reminder(pk, NOW)] == [1, 0]
    assert Notification.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_reminder_once() -> None:
    users = [UserFactory() for _ in range(3)]
    for n in range(30):
        schedule(users[n % 3], key=f"review:{n}", due=NOW - timedelta(minutes=n))
    start = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait()
            results.append(services.send_due_reminders(now=NOW))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(results) == 30
    assert Notification.objects.count() == 30
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_worker_loop_sends_due_reminders() -> None:
    schedule(UserFactory(), due=timezone.now() - timedelta(seconds=1))
    loop = ReminderLoop(interval=0.05)
    loop.start()
    deadline = time.monotonic() + 10
    while not Notification.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    loop.stop()
    loop.join(timeout=5)
    assert (loop.is_alive(), Notification.objects.count()) == (False, 1)


@pytest.mark.django_db
def test_the_command_and_the_cli_send_due_reminders(capsys: pytest.CaptureFixture[str]) -> None:
    schedule(UserFactory(), due=timezone.now() - timedelta(seconds=1))
    call_command("notifications_remind")
    assert capsys.readouterr().out == "sent 1 reminder(s)\n"
    schedule(UserFactory(), due=timezone.now() - timedelta(seconds=1))
    assert main(["notifications", "remind"]) == 0
    assert capsys.readouterr().out == "sent 1 reminder(s)\n"
