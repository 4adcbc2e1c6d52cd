"""The demo lists: every stage present, the surgical-arm race among them, idempotent."""

from __future__ import annotations

import pytest

from kechuang.accounts.demo import seed_demo_region
from kechuang.challenges.demo import seed_challenges_demo
from kechuang.challenges.enums import ChallengeStatus
from kechuang.challenges.models import ApplicationMember, Challenge, TrancheRelease

pytestmark = pytest.mark.django_db


def test_the_demo_has_lists_at_every_stage_and_the_surgical_arm_race() -> None:
    seed_demo_region(password="kechuang-demo-Test-9")
    made = seed_challenges_demo()
    statuses = set(Challenge.objects.values_list("status", flat=True))
    wanted = {
        ChallengeStatus.DRAFT,
        ChallengeStatus.OPERATOR_REVIEW,
        ChallengeStatus.PUBLISHED,
        ChallengeStatus.APPLICATIONS_CLOSED,
        ChallengeStatus.REVIEW,
        ChallengeStatus.PUBLICITY,
        ChallengeStatus.IN_PROGRESS,
        ChallengeStatus.COMPLETED,
        ChallengeStatus.TERMINATED,
    }
    assert (made, wanted <= statuses) == (Challenge.objects.count(), True)
    arm = Challenge.objects.get(title_text__icontains="多自由度力控医用机械臂")
    assert (arm.bounty_fen, arm.winners, arm.status, arm.agreements.count()) == (1_000_000_000, 2, "in_progress", 2)
    assert TrancheRelease.objects.filter(challenge=arm).count() == 1
    # The demo's team members were invited and have accepted, so they show as members.
    named = ApplicationMember.objects.filter(application__challenge=arm).values_list("user__username", "status")
    assert sorted(named) == [("lin.xiao", "accepted"), ("zheng.ming", "accepted")]
    assert seed_challenges_demo() == 0
