"""notify, e-mail after commit, preferences, marking read."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from kechuang.core.errors import DomainError, PermissionDenied
from kechuang.core.models import AuditEvent
from kechuang.notifications import kinds, services
from kechuang.notifications.models import EmailPreference, Notification
from tests.factories.accounts import UserFactory
from tests.notifications.conftest import due_params

pytestmark = pytest.mark.django_db


def test_notify_stores_one_row_per_distinct_active_recipient() -> None:
    alice, bob, gone = UserFactory(), UserFactory(), UserFactory(is_active=False)
    created = services.notify(
        recipients=[alice, bob, alice, gone], kind="tests.review_due", params=due_params(), url="/x/", actor=bob
    )
    rows = Notification.objects.order_by("recipient_id")
    assert len(created) == 2
    assert [(n.recipient_id, n.kind, n.url, n.actor_id, n.read_at) for n in rows] == [
        (alice.pk, "tests.review_due", "/x/", bob.pk, None),
        (bob.pk, "tests.review_due", "/x/", bob.pk, None),
    ]


def test_notify_refuses_unknown_kinds_and_missing_parameters_before_writing() -> None:
    user = UserFactory()
    with pytest.raises(kinds.UnknownKindError):
        services.notify(recipients=[user], kind="tests.nobody", params={})
    with pytest.raises(kinds.MissingParamsError):
        services.notify(recipients=[user], kind="tests.review_due", params={"item": "x"})
    assert Notification.objects.count() == 0


def test_email_goes_out_after_commit_in_the_recipients_language(
    mailbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    zh, en = UserFactory(), UserFactory()
    EmailPreference.objects.create(user=en, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[zh, en], kind="tests.review_due", params=due_params(), url="/review/7/")
        assert mailbox == []  # nothing before the commit
    by_address = {message.to[0]: message for message in mailbox}
    assert sorted(by_address) == sorted([zh.email, en.email])
    english = by_address[en.email]
    assert english.subject == "Your review of force-controlled arm is due"
    assert english.body.splitlines()[:5] == [
        "Your review of force-controlled arm is due",
        "",
        "Submit it by 2026-12-01, please.",
        "",
        "Open: https://kc.example.cn/review/7/",
    ]
    assert "https://kc.example.cn/notifications/preferences/" in english.body
    assert "力控机械臂" in by_address[zh.email].subject
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2


def test_rolled_back_notifications_send_nothing(mailbox: list[Any], django_capture_on_commit_callbacks: Any) -> None:
    user = UserFactory()

    def notify_then_fail() -> None:
        with transaction.atomic():
            services.notify(recipients=[user], kind="tests.review_due", params=due_params())
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        notify_then_fail()
    assert (Notification.objects.count(), mailbox) == (0, [])


@pytest.mark.parametrize(
    ("preference", "email"),
    [
        ({"enabled": False}, "a@example.cn"),
        ({"muted_kinds": ["tests.review_due"]}, "a@example.cn"),
        (None, ""),
    ],
    ids=["all-off", "kind-off", "no-address"],
)
def test_no_email_when_opted_out_or_without_an_address(
    mailbox: list[Any], django_capture_on_commit_callbacks: Any, preference: dict[str, Any] | None, email: str
) -> None:
    user = UserFactory(email=email)
    if preference is not None:
        EmailPreference.objects.create(user=user, **preference)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[user], kind="tests.review_due", params=due_params())
    assert (mailbox, Notification.objects.filter(recipient=user).count()) == ([], 1)


def test_kinds_without_email_stay_in_the_inbox(mailbox: list[Any], django_capture_on_commit_callbacks: Any) -> None:
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[user], kind="tests.quiet", params={})
    assert (mailbox, Notification.objects.filter(recipient=user).count()) == ([], 1)


def test_an_email_task_run_twice_sends_once(mailbox: list[Any]) -> None:
    from kechuang.notifications.tasks import send_notification_emails

    user = UserFactory()
    [notification] = services.notify(recipients=[user], kind="tests.review_due", params=due_params())
    assert send_notification_emails.call([notification.pk]) == 1
    assert send_notification_emails.call([notification.pk]) == 0
    assert len(mailbox) == 1


def test_only_the_recipient_marks_a_notification_read() -> None:
    alice, mallory = UserFactory(), UserFactory()
    [notification] = services.notify(recipients=[alice], kind="tests.quiet", params={})
    with pytest.raises(PermissionDenied):
        services.mark_read(actor=mallory, notification=notification)
    first = services.mark_read(actor=alice, notification=notification).read_at
    again = services.mark_read(actor=alice, notification=Notification.objects.get(pk=notification.pk)).read_at
    assert first is not None
    assert again == first


def test_mark_all_read_touches_only_the_actors_unread_ones() -> None:
    alice, bob = UserFactory(), UserFactory()
    for _ in range(3):
        services.notify(recipients=[alice, bob], kind="tests.quiet", params={})
    assert services.mark_all_read(actor=alice) == 3
    assert services.mark_all_read(actor=alice) == 0
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 3


def test_email_preference_is_validated_and_audited() -> None:
    user = UserFactory()
    with pytest.raises(DomainError) as refused:
        services.update_email_preference(actor=user, enabled=True, muted_kinds=["tests.nobody"], language="fr")
    assert sorted(refused.value.errors) == ["language", "muted_kinds"]
    preference = services.update_email_preference(
        actor=user, enabled=True, muted_kinds=["tests.review_due", "tests.review_due"], language="en"
    )
    assert (preference.enabled, preference.muted_kinds, preference.language) == (True, ["tests.review_due"], "en")
    event = AuditEvent.objects.get(verb="notifications:email_preference:update")
    assert event.diff == {
        "enabled": [None, True],
        "muted_kinds": [None, ["tests.review_due"]],
        "language": [None, "en"],
    }
