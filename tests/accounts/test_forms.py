"""The account forms on their own: shape checks, choices, and where a service's refusal lands."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext, ngettext

from kechuang.accounts.enums import OrganizationStatus, Role, Visibility
from kechuang.accounts.forms import (
    ExpertProfileForm,
    LoginForm,
    OrganizationProposalForm,
    ServiceForm,
    SignupForm,
    TokenForm,
    WorkForm,
    organization_options,
    role_choices,
)
from kechuang.accounts.validators import MinimumLengthValidator
from kechuang.core.errors import DomainError, ErrorCode
from tests.factories.accounts import (
    ExpertProfileFactory,
    MembershipFactory,
    OrganizationFactory,
    PlatformOfficeFactory,
    UserFactory,
)


class TwoFields(ServiceForm):
    error_fields = {"name": "name_zh"}
    name_zh = SignupForm.base_fields["display_name"]
    email = SignupForm.base_fields["email"]


def test_a_service_error_lands_on_the_mapped_field_or_on_the_form() -> None:
    form = TwoFields({"name_zh": "x", "email": "a@example.cn"})
    assert form.is_valid()

    form.add_domain_error(DomainError(ErrorCode.VALIDATION, errors={"name": ["bad name"], "uscc": ["bad code"]}))
    form.add_domain_error(DomainError(ErrorCode.INVALID_STATE, "not now"))

    assert form.errors == {"name_zh": ["bad name"], "__all__": ["bad code", "not now"]}


@pytest.mark.django_db
def test_sign_up_checks_that_the_passwords_match() -> None:
    data = {
        "username": "lin",
        "email": "lin@example.cn",
        "display_name": "",
        "password1": "a-long-pass-1",
        "password2": "a-long-pass-2",
    }

    with translation.override("en"):
        form = SignupForm(data)
        assert form.errors == {"password2": ["The two passwords differ."]}


@pytest.mark.django_db
def test_sign_up_shows_every_error_in_one_round() -> None:
    UserFactory(username="Lin.Wei", email="lin@example.cn")
    data = {
        "username": "lin.wei",
        "email": "LIN@example.cn",
        "display_name": "",
        "password1": "12345",
        "password2": "54321",
    }

    with translation.override("en"):
        form = SignupForm(data)
        assert form.errors == {
            "username": ["This username is taken."],
            "email": ["An account with this e-mail address exists already."],
            "password1": [
                ngettext(
                    "This password is too short: use at least %(min_length)d character.",
                    "This password is too short: use at least %(min_length)d characters.",
                    10,
                )
                % {"min_length": 10},
                "This password is too common.",
                "This password is entirely numeric.",
            ],
            "password2": ["The two passwords differ."],
        }


@pytest.mark.django_db
def test_sign_up_checks_the_username_characters_with_the_other_fields() -> None:
    data = {
        "username": "lin wei",
        "email": "lin@example.cn",
        "display_name": "",
        "password1": "lin-wei-lin-wei",
        "password2": "something-else-42",
    }

    with translation.override("en"):
        errors = SignupForm(data).errors
        assert sorted(errors) == ["password2", "username"]
        assert errors["username"] == [
            "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
        ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_short_password_is_refused_with_our_own_message(language: str) -> None:
    validator = MinimumLengthValidator(min_length=10)

    with translation.override(language):
        expected = ngettext(
            "This password is too short: use at least %(min_length)d character.",
            "This password is too short: use at least %(min_length)d characters.",
            10,
        ) % {"min_length": 10}
        help_text = ngettext(
            "Use at least %(min_length)d character for the password.",
            "Use at least %(min_length)d characters for the password.",
            10,
        ) % {"min_length": 10}
        with pytest.raises(ValidationError) as refused:
            validate_password("short-pw")
        assert (refused.value.messages, validator.get_help_text()) == ([expected], help_text)
        assert help_text in password_validators_help_texts()


def test_sign_in_takes_an_email_address_as_the_name() -> None:
    with translation.override("en"):
        field = LoginForm()["username"]
        assert (str(field.label), field.field.widget.attrs["maxlength"]) == ("Username or e-mail address", 254)


def test_a_token_is_valid_to_the_end_of_the_chosen_day_in_beijing() -> None:
    assert TokenForm.end_of(date(2025, 6, 30)) == datetime(2025, 7, 1, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.django_db
def test_the_operator_role_is_a_choice_only_in_the_platform_office() -> None:
    every_role_but_operator = [r for r in Role.values if r != Role.OPERATOR]

    assert [value for value, _ in role_choices(None)] == every_role_but_operator
    assert [value for value, _ in role_choices(OrganizationFactory())] == every_role_but_operator
    assert [value for value, _ in role_choices(PlatformOfficeFactory())] == Role.values


@pytest.mark.django_db
def test_organization_options_list_each_organization_once() -> None:
    robots = OrganizationFactory(name={"zh-hans": "机器人公司", "en": "Robots Co."})
    materials = OrganizationFactory(name={"zh-hans": "材料研究院", "en": "Materials Institute"})
    same_robots = type(robots).objects.get(pk=robots.pk)

    assert organization_options(query="", include=[robots, None, same_robots]) == [robots, materials]


@pytest.mark.django_db
def test_organization_options_put_the_included_first_and_match_active_ones_only() -> None:
    robots = OrganizationFactory(name={"zh-hans": "机器人公司", "en": "Robots Co."})
    materials = OrganizationFactory(name={"zh-hans": "材料研究院", "en": "Materials Institute"})
    OrganizationFactory(name={"zh-hans": "待审机器人", "en": "Pending Robots"}, status=OrganizationStatus.PENDING)

    assert organization_options(query="机器人") == [robots]
    assert organization_options(query="机器人", include=[materials, None]) == [materials, robots]
    assert organization_options(query="", include=[robots]) == [robots, materials]


@pytest.mark.django_db
def test_the_profile_form_starts_from_the_saved_profile() -> None:
    organization = OrganizationFactory()
    profile = ExpertProfileFactory(
        affiliation=organization, title={"en": "Professor"}, bio={"zh-hans": "简介"}, visibility=Visibility.PRIVATE
    )

    initial = ExpertProfileForm.initial_for(profile, profile.user)

    assert initial == {
        "name_zh": profile.name["zh-hans"],
        "name_en": profile.name["en"],
        "title_zh": "",
        "title_en": "Professor",
        "affiliation": organization,
        "expertise": "机器人学",
        "keywords_zh": "力控, 手术机器人",
        "keywords_en": "force control, surgical robotics",
        "orcid": "",
        "bio_zh": "简介",
        "bio_en": "",
        "visibility": Visibility.PRIVATE,
        "show_works": True,
        "show_email": False,
    }


@pytest.mark.django_db
def test_a_new_profile_starts_from_the_display_name() -> None:
    user = UserFactory(display_name="王芳")

    assert ExpertProfileForm.initial_for(None, user) == {
        "name_zh": "王芳",
        "visibility": Visibility.PUBLIC,
        "show_works": True,
    }


@pytest.mark.django_db
def test_the_affiliation_select_offers_my_organizations_and_the_chosen_one() -> None:
    user = UserFactory()
    mine = MembershipFactory(user=user).organization
    chosen = OrganizationFactory()

    form = ExpertProfileForm(initial={"affiliation": chosen}, user=user)

    choices = [value for value, _ in form.fields["affiliation"].widget.choices]  # type: ignore[attr-defined]
    assert choices[:3] == ["", chosen.pk, mine.pk]
    assert form.fields["organization_query"].widget.attrs["hx-target"] == "#id_affiliation"


@pytest.mark.django_db
def test_the_current_affiliation_is_offered_once_when_it_is_also_my_organization() -> None:
    user = UserFactory()
    mine = MembershipFactory(user=user).organization
    other = OrganizationFactory()

    form = ExpertProfileForm(initial={"affiliation": mine}, user=user)

    choices = [value for value, _ in form.fields["affiliation"].widget.choices]  # type: ignore[attr-defined]
    assert choices == ["", mine.pk, other.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_job_title_and_the_work_title_have_labels_of_their_own(language: str) -> None:
    with translation.override(language):
        profile_form, work_form = ExpertProfileForm(user=UserFactory()), WorkForm()
        labels = {
            name: (str(profile_form[name].label), str(work_form[name].label)) for name in ("title_zh", "title_en")
        }
        assert labels == {
            "title_zh": (gettext("Job title in Chinese"), gettext("Work title in Chinese")),
            "title_en": (gettext("Job title in English"), gettext("Work title in English")),
        }
    assert all(job != work for job, work in labels.values())


def test_the_work_form_has_ids_apart_from_the_profile_form() -> None:
    assert (WorkForm()["title_zh"].auto_id, WorkForm()["kind"].id_for_label) == ("id_work_title_zh", "id_work_kind")


@pytest.mark.django_db
def test_region_and_sector_names_follow_the_language() -> None:
    with translation.override("en"):
        english = dict(OrganizationProposalForm().fields["region"].choices)  # type: ignore[attr-defined]
    with translation.override("zh-hans"):
        chinese = dict(OrganizationProposalForm().fields["region"].choices)  # type: ignore[attr-defined]
        sectors = dict(OrganizationProposalForm().fields["sectors"].choices)  # type: ignore[attr-defined]

    assert (english["110000"], chinese["110000"]) == ("Beijing", "北京市")
    assert sectors["sei-4"] == "生物产业"


def test_a_work_needs_a_title_in_one_language() -> None:
    with translation.override("en"):
        form = WorkForm({"kind": "paper", "title_zh": " ", "title_en": ""})
        assert form.errors == {"title_zh": ["Give the text in Chinese or English."]}
        assert WorkForm({"kind": "paper", "title_zh": "", "title_en": "A paper"}).is_valid()
