"""Expert profile and works, and proposing an organisation — with refusals in the user's language."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from kechuang.accounts.enums import MembershipStatus, OrganizationKind, OrganizationStatus, Role, Visibility
from kechuang.accounts.models import ExpertProfile, Membership, Organization, User, Work
from kechuang.core.audit import AuditEvent
from tests.factories.accounts import (
    ExpertProfileFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    WorkFactory,
    make_uscc,
)

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"
PROPOSE = "/accounts/organizations/propose/"
BAD_USCC = "91110108MA01234567"  # the check character should be G
BAD_ORCID = "0000-0002-1825-0098"  # the check digit should be 7
USCC_CHECK = "The check character of this unified social credit code is wrong; please check it for typos."
ORCID_CHECK = "The check digit of this ORCID iD is wrong; please check it for typos."
HTML_LANG = {"zh-hans": '<html lang="zh-Hans">', "en": '<html lang="en">'}


@pytest.fixture
def user(client: Client) -> User:
    user: User = UserFactory(display_name="王芳")
    client.force_login(user)
    return user


def profile_data(**changes: Any) -> dict[str, Any]:
    data = {
        "name_zh": "王芳",
        "name_en": "Wang Fang",
        "title_zh": "研究员",
        "title_en": "Professor",
        "organization_query": "",
        "affiliation": "",
        "expertise": "机器人学, 控制理论",
        "keywords_zh": "力控，手术机器人；力控",
        "keywords_en": "force control, surgical robotics",
        "orcid": "",
        "bio_zh": "从事手术机器人力控研究。",
        "bio_en": "",
        "visibility": Visibility.MEMBERS,
        "show_works": "on",
    }
    return {**data, **changes}


def organization_data(**changes: Any) -> dict[str, Any]:
    data = {
        "name_zh": "北京纳米运控科技有限公司",
        "name_en": "Beijing Nano Motion Control Co.",
        "kind": OrganizationKind.ENTERPRISE,
        "region": "110108",
        "uscc": make_uscc(4242),
        "sectors": ["sei-2", "fut-manufacturing"],
        "description_zh": "纳米级运动控制。",
        "description_en": "",
        "website": "nanomotion.example.cn",
    }
    return {**data, **changes}


def field_error_html(field: str, message: str) -> str:
    return f'<ul class="field-error" id="id_{field}_error"><li>{escape(message)}</li></ul>'


# ---------------------------------------------------------------- expert profile


def test_a_first_save_creates_the_profile(client: Client, user: User) -> None:
    organization = OrganizationFactory()

    response = client.post(
        PROFILE, profile_data(affiliation=organization.pk, orcid="https://orcid.org/0000000218250097")
    )

    assert response.headers["Location"] == PROFILE
    profile = ExpertProfile.objects.get(user=user)
    assert profile.name == {"zh-hans": "王芳", "en": "Wang Fang"}
    assert profile.title == {"zh-hans": "研究员", "en": "Professor"}
    assert profile.bio == {"zh-hans": "从事手术机器人力控研究。"}
    assert profile.affiliation == organization
    assert profile.fields == ["机器人学", "控制理论"]
    assert profile.keywords_zh == ["力控", "手术机器人"]
    assert profile.keywords_en == ["force control", "surgical robotics"]
    assert profile.orcid == "0000-0002-1825-0097"
    assert (profile.visibility, profile.show_works, profile.show_email) == (Visibility.MEMBERS, True, False)


def test_the_form_shows_the_saved_profile(client: Client, user: User) -> None:
    organization = OrganizationFactory()
    ExpertProfileFactory(user=user, affiliation=organization, orcid="0000-0002-1825-0097", show_works=False)

    form = client.get(PROFILE).context["form"]

    assert form["keywords_zh"].value() == "力控, 手术机器人"
    assert form["affiliation"].value() == organization.pk
    assert form["orcid"].value() == "0000-0002-1825-0097"
    assert form["show_works"].value() is False


def test_the_affiliation_picker_offers_my_organizations(client: Client, user: User) -> None:
    mine = MembershipFactory(user=user).organization
    OrganizationFactory()

    html = client.get(PROFILE).text

    assert f'<option value="{mine.pk}">{mine}</option>' in html


def test_the_current_affiliation_is_listed_once_and_selected(client: Client, user: User) -> None:
    mine = MembershipFactory(user=user).organization
    ExpertProfileFactory(user=user, affiliation=mine)

    html = client.get(PROFILE).text

    select = html[html.index('<select name="affiliation"') : html.index("</select>")]
    assert re.findall(r'<option value="(\d*)"( selected)?>', select) == [("", ""), (str(mine.pk), " selected")]


def duplicate_ids(html: str) -> list[str]:
    ids = re.findall(r'\sid="([^"]+)"', html)
    return sorted({i for i in ids if ids.count(i) > 1})


def test_the_job_title_and_the_work_title_are_labelled_apart(client: Client, user: User) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    ExpertProfileFactory(user=user)

    html = client.get(PROFILE).text

    assert '<label for="id_title_zh">Job title in Chinese</label>' in html
    assert '<label for="id_title_en">Job title in English</label>' in html
    assert '<label for="id_work_title_zh">Work title in Chinese</label>' in html
    assert '<label for="id_work_title_en">Work title in English</label>' in html
    assert duplicate_ids(html) == []


def test_a_refused_work_title_shows_its_error_on_the_work_form_only(client: Client, user: User) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    ExpertProfileFactory(user=user)

    response = client.post("/accounts/profile/works/", {"kind": "paper", "title_zh": "", "title_en": ""})

    assert field_error_html("work_title_zh", "Give the text in Chinese or English.") in response.text
    assert 'aria-describedby="id_work_title_zh_error"' in response.text
    assert "id_title_zh_error" not in response.text
    assert duplicate_ids(response.text) == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_invalid_orcid_is_refused_in_the_users_language_and_nothing_is_saved(
    client: Client, user: User, language: str
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.post(PROFILE, profile_data(orcid=BAD_ORCID))

    with translation.override(language):
        expected = gettext(ORCID_CHECK)
    assert response.status_code == 200
    assert HTML_LANG[language] in response.text
    assert response.context["form"].errors == {"orcid": [expected]}
    assert field_error_html("orcid", expected) in response.text
    assert f'value="{BAD_ORCID}"' in response.text
    assert 'value="Wang Fang"' in response.text
    assert ExpertProfile.objects.count() == 0
    assert AuditEvent.objects.filter(verb__startswith="accounts:expert_profile").count() == 0


def test_an_invalid_orcid_leaves_an_existing_profile_as_it_was(client: Client, user: User) -> None:
    profile = ExpertProfileFactory(user=user, name={"zh-hans": "旧名"}, orcid="0000-0002-1825-0097")

    response = client.post(PROFILE, profile_data(orcid=BAD_ORCID), HTTP_ACCEPT_LANGUAGE="en")

    assert response.context["form"].errors == {"orcid": [ORCID_CHECK]}
    profile.refresh_from_db()
    assert (profile.name, profile.orcid) == ({"zh-hans": "旧名"}, "0000-0002-1825-0097")


def test_a_profile_needs_a_name(client: Client, user: User) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(PROFILE, profile_data(name_zh="", name_en=""))

    assert response.context["form"].errors == {"name_zh": ["Give the text in Chinese or English."]}
    assert ExpertProfile.objects.count() == 0


def test_works_are_added_and_deleted(client: Client, user: User) -> None:
    profile = ExpertProfileFactory(user=user)

    response = client.post(
        "/accounts/profile/works/",
        {
            "kind": "patent",
            "title_zh": "一种力控手术臂",
            "title_en": "",
            "abstract_zh": "",
            "abstract_en": "",
            "year": "2024",
            "venue": "CNIPA",
            "identifier": "202310123456.7",
            "is_public": "on",
        },
    )

    assert response.headers["Location"] == "/accounts/profile/#works"
    work = Work.objects.get(profile=profile)
    assert (work.kind, work.title, work.year, work.venue, work.identifier, work.is_public) == (
        "patent",
        {"zh-hans": "一种力控手术臂"},
        2024,
        "CNIPA",
        "202310123456.7",
        True,
    )
    assert [w.pk for w in client.get(PROFILE).context["works"]] == [work.pk]

    client.post(f"/accounts/profile/works/{work.pk}/delete/")

    assert Work.objects.count() == 0


def test_a_refused_work_keeps_its_values_and_the_profile_form(client: Client, user: User) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    profile = ExpertProfileFactory(user=user)

    response = client.post(
        "/accounts/profile/works/",
        {"kind": "paper", "title_zh": "论文", "title_en": "", "year": "1850", "venue": "Nature"},
    )

    assert response.status_code == 200
    assert list(response.context["work_form"].errors) == ["year"]
    assert 'value="Nature"' in response.text
    assert response.context["form"]["name_zh"].value() == profile.name["zh-hans"]
    assert Work.objects.count() == 0


def test_a_work_without_a_title_is_refused(client: Client, user: User) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    ExpertProfileFactory(user=user)

    response = client.post("/accounts/profile/works/", {"kind": "paper", "title_zh": "", "title_en": ""})

    assert response.context["work_form"].errors == {"title_zh": ["Give the text in Chinese or English."]}
    assert Work.objects.count() == 0


def test_works_need_a_profile_first(client: Client, user: User) -> None:
    response = client.post("/accounts/profile/works/", {"kind": "paper", "title_zh": "论文"})

    assert response.status_code == 404
    assert Work.objects.count() == 0


def test_another_experts_work_cannot_be_deleted(client: Client, user: User) -> None:
    ExpertProfileFactory(user=user)
    theirs = WorkFactory()

    response = client.post(f"/accounts/profile/works/{theirs.pk}/delete/")

    assert response.status_code == 404
    assert Work.objects.filter(pk=theirs.pk).exists()


# ---------------------------------------------------------------- proposing an organisation


def test_a_proposed_organization_awaits_an_operator(client: Client, user: User) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(PROPOSE, organization_data(uscc=make_uscc(4242).lower()), follow=True)

    organization = Organization.objects.get()
    assert organization.name == {"zh-hans": "北京纳米运控科技有限公司", "en": "Beijing Nano Motion Control Co."}
    assert organization.description == {"zh-hans": "纳米级运动控制。"}
    assert (organization.status, organization.kind, organization.region) == (
        OrganizationStatus.PENDING,
        OrganizationKind.ENTERPRISE,
        "110108",
    )
    assert (organization.uscc, organization.sectors, organization.website) == (
        make_uscc(4242),
        ["sei-2", "fut-manufacturing"],
        "https://nanomotion.example.cn",
    )
    membership = Membership.objects.get()
    assert (membership.user, membership.role, membership.status) == (user, Role.ADMIN, MembershipStatus.REQUESTED)
    assert response.redirect_chain == [("/accounts/memberships/", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Thank you. An operator will review Beijing Nano Motion Control Co.; once it is approved you will be its "
        "administrator."
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_invalid_uscc_is_refused_in_the_users_language_and_nothing_is_saved(
    client: Client, user: User, language: str
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.post(PROPOSE, organization_data(uscc=BAD_USCC))

    with translation.override(language):
        expected = gettext(USCC_CHECK)
    assert response.status_code == 200
    assert HTML_LANG[language] in response.text
    assert response.context["form"].errors == {"uscc": [expected]}
    assert field_error_html("uscc", expected) in response.text
    assert f'value="{BAD_USCC}"' in response.text
    assert 'value="北京纳米运控科技有限公司"' in response.text
    assert 'value="fut-manufacturing" id="id_sectors_9" checked' in response.text
    assert (Organization.objects.count(), Membership.objects.count()) == (0, 0)
    assert AuditEvent.objects.count() == 0


def test_a_used_uscc_is_refused(client: Client, user: User) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    OrganizationFactory(uscc=make_uscc(4242))

    response = client.post(PROPOSE, organization_data())

    assert list(response.context["form"].errors) == ["uscc"]
    assert (Organization.objects.count(), Membership.objects.count()) == (1, 0)


def test_an_organization_needs_a_name_type_and_region(client: Client, user: User) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(PROPOSE, organization_data(name_zh="", name_en="", kind="", region=""))

    errors = response.context["form"].errors
    assert errors["name_zh"] == ["Give the text in Chinese or English."]
    assert sorted(errors) == ["kind", "name_zh", "region"]
    assert Organization.objects.count() == 0
