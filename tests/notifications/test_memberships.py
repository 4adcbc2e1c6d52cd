"""A member is told when an administrator decides their membership request: inbox, e-mail, API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kechuang.accounts import services as accounts
from kechuang.accounts.enums import MembershipStatus, Role
from kechuang.notifications.models import EmailPreference, Notification
from tests.accounts.test_api import bearer
from tests.factories.accounts import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
ORGANIZATION = {"zh-hans": "北京锐骨医疗机器人有限公司", "en": "Beijing Ruigu Medical Robotics Co., Ltd."}


@pytest.fixture
def request_to_decide() -> dict[str, Any]:
    organization = OrganizationFactory(name=ORGANIZATION)
    admin = UserFactory(display_name="李管理")
    MembershipFactory(user=admin, organization=organization, role=Role.ADMIN)
    member = UserFactory(display_name="王申请")
    membership = MembershipFactory(
        user=member, organization=organization, role=Role.ADMIN, status=MembershipStatus.REQUESTED
    )
    return {"admin": admin, "member": member, "membership": membership}


def test_approval_on_the_page_reaches_the_members_inbox_and_mailbox(
    client: Client, request_to_decide: dict[str, Any], mailbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    admin, member = request_to_decide["admin"], request_to_decide["member"]
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:membership_approve", args=[request_to_decide["membership"].pk]))
    assert response.status_code == 302
    [notification] = Notification.objects.filter(recipient=member)
    assert (notification.kind, notification.actor_id, notification.url) == (
        "accounts.membership_approved",
        admin.pk,
        "/accounts/memberships/#mine",
    )
    assert notification.params == {
        "role": {"zh-hans": "管理员", "en": "Administrator"},
        "organization": ORGANIZATION,
        "actor": "李管理",
    }
    # E-mailed in Chinese, the default language, with an absolute link.
    [message] = mailbox
    assert message.to == [member.email]
    assert "管理员" in message.subject
    assert "北京锐骨医疗机器人有限公司" in message.subject
    assert "https://kc.example.cn/accounts/memberships/#mine" in message.body
    # The member sees it in the inbox; in English through the API when asked so.
    client.force_login(member)
    assert "北京锐骨医疗机器人有限公司" in client.get(reverse("notifications:inbox")).content.decode()
    item = client.get("/api/v1/notifications", headers={**bearer(member), "Accept-Language": "en"}).json()["items"][0]
    assert item["title"] == "You are now Administrator of Beijing Ruigu Medical Robotics Co., Ltd."
    assert item["actor"] == "李管理"


def test_rejection_in_english_for_a_member_who_chose_english(
    request_to_decide: dict[str, Any], mailbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    member = request_to_decide["member"]
    EmailPreference.objects.create(user=member, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        accounts.reject_membership(actor=request_to_decide["admin"], membership=request_to_decide["membership"])
    [message] = mailbox
    assert message.subject == (
        "Your request to be Administrator of Beijing Ruigu Medical Robotics Co., Ltd. was declined"
    )
    assert message.body.splitlines()[2] == (
        "李管理 declined your request. Ask an administrator of Beijing Ruigu Medical Robotics Co., Ltd. "
        "if you think this is a mistake."
    )


def test_revoking_by_an_admin_is_told_giving_up_ones_own_role_is_not(request_to_decide: dict[str, Any]) -> None:
    admin, member, membership = request_to_decide["admin"], request_to_decide["member"], request_to_decide["membership"]
    accounts.approve_membership(actor=admin, membership=membership)
    accounts.revoke_membership(actor=admin, membership=membership)
    kept = MembershipFactory(user=member, organization=membership.organization, role=Role.MEMBER)
    accounts.revoke_membership(actor=member, membership=kept)
    assert list(Notification.objects.filter(recipient=member).order_by("pk").values_list("kind", flat=True)) == [
        "accounts.membership_approved",
        "accounts.membership_revoked",
    ]


def test_a_refused_decision_notifies_nobody(request_to_decide: dict[str, Any]) -> None:
    from kechuang.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        accounts.approve_membership(actor=UserFactory(), membership=request_to_decide["membership"])
    assert Notification.objects.count() == 0
