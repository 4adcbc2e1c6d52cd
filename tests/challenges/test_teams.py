"""Team membership is the member's own decision: an application invites, the person accepts or declines."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kechuang.accounts import services as account_services
from kechuang.accounts.models import User
from kechuang.challenges import selectors, services
from kechuang.challenges.enums import AgreementStatus, ChallengeStatus, GateDecision, MemberStatus
from kechuang.challenges.models import Application, ApplicationMember, Challenge
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.notifications.models import Notification
from kechuang.review.selectors import call_for
from tests.challenges import builders
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def team_applies(challenge: Challenge, lead: User, members: list[User]) -> Application:
    return services.apply(
        actor=lead,
        challenge=challenge,
        team_name="青年力控团队",
        proposal="方案",
        technical_route="路线",
        plan="计划",
        members=members,
    )


def statuses(application: Application) -> dict[str, str]:
    return {row.user.username: row.status for row in application.member_rows()}


def test_applying_invites_the_members_and_tells_each_of_them() -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    lead, first, second = UserFactory(), UserFactory(), UserFactory()
    application = team_applies(challenge, lead, [first, second, first, lead])
    assert statuses(application) == {first.username: "invited", second.username: "invited"}
    assert (application.accepted_members, application.party_members) == ([], [first, second])
    sent = Notification.objects.filter(kind="challenges.team_invitation").order_by("recipient_id")
    assert [(n.recipient_id, n.url, n.actor_id) for n in sent] == [
        (first.pk, f"/challenges/applications/{application.pk}/#membership", lead.pk),
        (second.pk, f"/challenges/applications/{application.pk}/#membership", lead.pk),
    ]
    assert sent[0].params["team"] == "青年力控团队"


def test_the_invited_person_accepts_once_and_the_lead_is_told() -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    lead, member = UserFactory(), UserFactory()
    application = team_applies(challenge, lead, [member])
    row = services.answer_invitation(actor=member, application=application, accept=True)
    assert (row.status, row.decided_at is not None) == (MemberStatus.ACCEPTED, True)
    assert application.accepted_members == [member]
    told = Notification.objects.get(kind="challenges.invitation_answered")
    assert (told.recipient_id, told.params["team"]) == (lead.pk, "青年力控团队")
    with pytest.raises(DomainError) as again:
        services.answer_invitation(actor=member, application=application, accept=False)
    assert again.value.code == ErrorCode.INVALID_STATE
    assert statuses(application) == {member.username: "accepted"}


def test_a_declined_invitation_leaves_the_person_off_the_team_and_out_of_the_parties() -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    lead, member = UserFactory(), UserFactory()
    application = team_applies(challenge, lead, [member])
    services.answer_invitation(actor=member, application=application, accept=False)
    assert (application.accepted_members, application.party_members) == ([], [])
    assert list(selectors.my_applications(member)) == []


def test_only_the_invited_person_may_answer() -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    lead, member = UserFactory(), UserFactory()
    application = team_applies(challenge, lead, [member])
    for someone in (lead, UserFactory(), people.operator):
        with pytest.raises(DomainError) as refused:
            services.answer_invitation(actor=someone, application=application, accept=True)
        assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert statuses(application) == {member.username: "invited"}


def test_the_lead_withdraws_an_invitation_only_while_the_application_can_change() -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    lead, pending, later, joined = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    application = team_applies(challenge, lead, [pending, later, joined])
    services.answer_invitation(actor=joined, application=application, accept=True)
    with pytest.raises(DomainError) as not_lead:
        services.withdraw_invitation(actor=joined, application=application, user=pending)
    assert not_lead.value.code == ErrorCode.PERMISSION_DENIED
    services.withdraw_invitation(actor=lead, application=application, user=pending)
    with pytest.raises(DomainError) as accepted:
        services.withdraw_invitation(actor=lead, application=application, user=joined)
    assert accepted.value.code == ErrorCode.INVALID_STATE
    # The person whose invitation was taken back can no longer answer it.
    with pytest.raises(DomainError) as gone:
        services.answer_invitation(actor=pending, application=application, accept=True)
    assert gone.value.code == ErrorCode.INVALID_STATE
    services.transition(
        actor=people.operator, challenge=challenge, to=ChallengeStatus.APPLICATIONS_CLOSED, reason="提前截止（测试）"
    )
    with pytest.raises(DomainError) as closed:
        services.withdraw_invitation(actor=lead, application=application, user=later)
    assert closed.value.code == ErrorCode.INVALID_STATE
    assert statuses(application) == {
        pending.username: "withdrawn",
        later.username: "invited",
        joined.username: "accepted",
    }


def test_review_parties_count_the_invited_but_reviewers_see_only_accepted_members() -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    Challenge.objects.filter(pk=challenge.pk).update(blind_review=False)  # so the call keeps the team's identity
    lead, invited, joined, declined = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    application = team_applies(challenge, lead, [invited, joined, declined])
    services.answer_invitation(actor=joined, application=application, accept=True)
    services.answer_invitation(actor=declined, application=application, accept=False)
    services.transition(
        actor=people.operator, challenge=challenge, to=ChallengeStatus.APPLICATIONS_CLOSED, reason="提前截止（测试）"
    )
    services.transition(actor=people.operator, challenge=challenge, to=ChallengeStatus.REVIEW)
    call = call_for(challenge)
    assert call is not None
    item = call.items.get()
    assert item.parties["people"] == sorted([lead.pk, invited.pk, joined.pk])
    assert item.identity["members"] == [str(joined)]


def test_a_merge_brings_the_merged_teams_lead_and_accepted_members_as_accepted() -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    first_lead, second_lead, joined, invited = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    first = team_applies(challenge, first_lead, [])
    second = services.apply(
        actor=second_lead,
        challenge=challenge,
        team_name="第二队",
        proposal="方案",
        technical_route="路线",
        plan="计划",
        members=[joined, invited],
    )
    services.answer_invitation(actor=joined, application=second, accept=True)
    services.transition(
        actor=people.operator, challenge=challenge, to=ChallengeStatus.APPLICATIONS_CLOSED, reason="提前截止（测试）"
    )
    challenge = builders.past_review(challenge, [first, second])
    services.transition(actor=people.operator, challenge=challenge, to=ChallengeStatus.PUBLICITY)
    builders.end_publicity(challenge)
    services.transition(
        actor=people.operator,
        challenge=challenge,
        to=ChallengeStatus.AWARDED,
        awards=builders.plans([first, second]),
    )
    services.transition(actor=people.issuer_admin, challenge=challenge, to=ChallengeStatus.IN_PROGRESS)
    target, merged = challenge.agreements.order_by("id")
    services.decide_stage_gate(
        actor=people.operator,
        gate=challenge.stage_gates.get(),
        agreement=merged,
        decision=GateDecision.MERGE,
        reasons="路线互补",
        merged_into=target,
    )
    merged.refresh_from_db()
    assert merged.status == AgreementStatus.MERGED
    assert statuses(Application.objects.get(pk=first.pk)) == {
        second_lead.username: "accepted",
        joined.username: "accepted",
    }


# ---------------------------------------------------------------- API and pages


def bearer(user: User) -> dict[str, str]:
    _token, raw = account_services.create_access_token(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client: Client, path: str, user: User, body: dict[str, Any] | None = None) -> Any:
    return client.post(path, body or {}, content_type="application/json", **bearer(user))


def test_the_api_answers_invitations_for_the_invited_person_only(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    lead, member, stranger = UserFactory(), UserFactory(), UserFactory()
    applied = post(
        client,
        f"/api/v1/challenges/{challenge.pk}/applications",
        lead,
        {"team_name": "t", "proposal": "p", "technical_route": "t", "plan": "m", "members": [member.username]},
    )
    assert (applied.status_code, applied.json()["members"]) == (201, [])
    base = f"/api/v1/challenges/applications/{applied.json()['id']}"
    # The invited person reads the application and sees her own invitation only.
    seen = client.get(base, **bearer(member)).json()
    assert [(row["username"], row["status"]) for row in seen["team"]] == [(member.username, "invited")]
    assert post(client, f"{base}/membership/accept", stranger).json()["code"] == "not_found"
    refused = post(client, f"{base}/membership/accept", lead)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    accepted = post(client, f"{base}/membership/accept", member)
    assert (accepted.status_code, accepted.json()["status"]) == (200, "accepted")
    again = post(client, f"{base}/membership/decline", member)
    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")
    assert client.get(base, **bearer(lead)).json()["members"] == [member.username]


def test_the_api_lets_the_lead_withdraw_a_pending_invitation(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    lead, member = UserFactory(), UserFactory()
    application = team_applies(challenge, lead, [member])
    path = f"/api/v1/challenges/applications/{application.pk}/invitations/{member.username}/withdraw"
    assert post(client, path, member).status_code == 403
    withdrawn = post(client, path, lead)
    assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "withdrawn")
    # Her link now answers "not found", as for anyone not on the team.
    gone = client.get(f"/api/v1/challenges/applications/{application.pk}", **bearer(member))
    assert gone.status_code == 404


def test_the_invited_person_accepts_on_the_application_page(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    lead, member = UserFactory(), UserFactory()
    application = team_applies(challenge, lead, [member])
    client.force_login(member)
    assert 'data-testid="invitation-waiting"' in client.get("/challenges/mine/").content.decode()
    page = client.get(f"/challenges/applications/{application.pk}/").content.decode()
    assert 'data-testid="my-invitation"' in page
    assert 'data-testid="team-members"' not in page
    response = client.post(f"/challenges/applications/{application.pk}/membership/accept/")
    assert response.status_code == 302
    page = client.get(f"/challenges/applications/{application.pk}/").content.decode()
    assert ('data-testid="my-invitation"' in page, str(member) in page) == (False, True)
    assert statuses(application) == {member.username: "accepted"}


def test_the_lead_sees_the_invitations_and_withdraws_one_on_the_page(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    lead, member = UserFactory(), UserFactory()
    application = team_applies(challenge, lead, [member])
    client.force_login(lead)
    page = client.get(f"/challenges/applications/{application.pk}/").content.decode()
    withdraw = f"/challenges/applications/{application.pk}/invitations/{member.pk}/withdraw/"
    assert ('data-testid="invitations"' in page, withdraw in page) == (True, True)
    assert client.post(withdraw).status_code == 302
    assert statuses(application) == {member.username: "withdrawn"}
    client.force_login(member)
    assert client.get(f"/challenges/applications/{application.pk}/").status_code == 404


def test_a_stranger_cannot_answer_through_the_page(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    application = team_applies(challenge, UserFactory(), [UserFactory()])
    client.force_login(UserFactory())
    assert client.post(f"/challenges/applications/{application.pk}/membership/accept/").status_code == 404
    assert ApplicationMember.objects.get().status == MemberStatus.INVITED
