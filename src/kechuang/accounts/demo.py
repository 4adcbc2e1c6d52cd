"""The demo region: the organisations, people and works of ``data/demo_region.json``.

:func:`seed_demo_region` writes them through the accounts services, so the demo carries the same
validation and audit trail as real use. It is idempotent: an organisation is known by its credit
code, a person by username, a work by its identifier, a request by (user, organisation, role);
what exists already is left as it is, so a second run writes nothing.

Identifiers are generated with valid check characters: credit codes from a registration-authority
code, the region and an organisation code (GB 11714); ORCID iDs from the reserved block below the
one ORCID assigns; patent application numbers from a 12-digit body.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction

from kechuang import conf
from kechuang.accounts import services
from kechuang.accounts.enums import MembershipStatus, WorkKind
from kechuang.accounts.models import (
    Affiliation,
    ExpertProfile,
    Membership,
    Organization,
    Relation,
    Shareholding,
    User,
)
from kechuang.core.i18n import Bilingual
from kechuang.core.identifiers import orcid_check_character, patent_check_character, uscc_check_character

DATA_FILE = Path(__file__).with_name("data") / "demo_region.json"
EMAIL_DOMAIN = "kc-demo.example"  # a reserved top-level domain: no mail ever leaves for it

# GB 11714 organisation code: eight characters weighted, then a mod-11 check character.
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CODE_VALUES = {ch: i for i, ch in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


@dataclass(frozen=True)
class DemoLogin:
    """A login ``make demo`` prints: one per role, named after it."""

    username: str
    role: str
    organization: Bilingual


def demo_password() -> str:
    """The password of every demo account: ``KECHUANG_DEMO_PASSWORD``, else ``kechuang-demo``."""
    return conf.value_str("KECHUANG_DEMO_PASSWORD")


@cache
def demo_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return data


def demo_logins() -> list[DemoLogin]:
    organizations = {org["key"]: org for org in demo_data()["organizations"]}
    logins = []
    for person in demo_data()["people"]:
        if person.get("login"):
            key, role = person["roles"][0]
            logins.append(DemoLogin(person["username"], role, organizations[key]["name"]))
    return logins


def organization_code(serial: str) -> str:
    """The nine-character GB 11714 organisation code: ``serial`` (eight characters) and its check character."""
    total = sum(_ORG_CODE_VALUES[ch] * weight for ch, weight in zip(serial, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return serial + {10: "X", 11: "0"}.get(check, str(check))


def demo_uscc(*, registry: str, region: str, serial: str) -> str:
    """A credit code: registration authority and type (e.g. 91 = enterprise), region, organisation code, check."""
    first17 = registry + region + organization_code(serial)
    return first17 + uscc_check_character(first17)


def demo_orcid(first15: str) -> str:
    """``0000-0000-2101-001`` → ``0000-0000-2101-0014``: the iD with its ISO 7064 check character."""
    return first15 + orcid_check_character(first15.replace("-", ""))


def demo_patent(body: str) -> str:
    """``202210593271`` → ``202210593271.7``: a CN application number with its check digit."""
    return f"{body}.{patent_check_character(body)}"


def demo_organization_usccs() -> dict[str, str]:
    """The credit code of every demo organisation by its key (the pending proposals under their proposer)."""
    codes = {org["key"]: _uscc_of(org) for org in demo_data()["organizations"]}
    for proposal in demo_data()["pending_proposals"]:
        codes[f"proposal:{proposal['proposer']}"] = _uscc_of(proposal)
    return codes


def _uscc_of(entry: dict[str, Any]) -> str:
    return demo_uscc(registry=entry["registry"], region=entry["region"], serial=entry["serial"])


def _work_identifier(work: dict[str, Any]) -> str:
    identifier = str(work["identifier"])
    return demo_patent(identifier) if work["kind"] == WorkKind.PATENT else identifier


def seed_demo_region(*, password: str | None = None) -> Counter[str]:
    """Create what is missing of the demo region, in one transaction; returns how many rows of each kind were made.

    Every write goes through :mod:`kechuang.accounts.services`: the platform office and its first
    operator by the installation services, everything else with the ``operator`` login (or the
    person themselves) as the actor. Raises :class:`DomainError` if a row fails validation, e.g.
    a ``KECHUANG_DEMO_PASSWORD`` the password rules refuse; then nothing is kept.
    """
    return _Seeder(password or demo_password()).run()


class _Seeder:
    def __init__(self, password: str) -> None:
        self.password = password
        self.created: Counter[str] = Counter()
        self.organizations: dict[str, Organization] = {}
        self.users: dict[str, User] = {}

    @transaction.atomic
    def run(self) -> Counter[str]:
        data = demo_data()
        people = {person["username"]: person for person in data["people"]}
        office_entry = next(org for org in data["organizations"] if org.get("platform"))
        office = self._platform_office(office_entry)
        operator = self._user(people["operator"])
        services.bootstrap_operator(user=operator, organization=office)
        if not office.description:
            # A fresh office (from this seed or `make-operator`) gets the demo's public facts once.
            services.update_organization(
                actor=operator,
                organization=office,
                description=office_entry["description"],
                sectors=office_entry["sectors"],
                website=office_entry["website"],
                **({} if office.uscc else {"uscc": _uscc_of(office_entry)}),
            )
        for entry in data["organizations"]:
            if not entry.get("platform"):
                self._organization(entry, actor=operator)
        for person in data["people"]:
            user = self._user(person)
            for key, role in person["roles"]:
                if key != "office":
                    self._grant(actor=operator, user=user, organization=self.organizations[key], role=role)
            if "profile" in person:
                self._profile(user, person["profile"], person["works"])
        # Conflicts of interest show in the demo: a reviewer who worked at the surgical-robot company,
        # an advisor and a collaborator declared, a reviewer holding shares in that company.
        for row in data.get("history", []):
            self._history(row)
        for row in data.get("relations", []):
            self._relation(row)
        for row in data.get("shareholdings", []):
            self._shareholding(row, actor=operator)
        for request in data["pending_memberships"]:
            self._request(request)
        for proposal in data["pending_proposals"]:
            self._proposal(proposal)
        return self.created

    def _platform_office(self, entry: dict[str, Any]) -> Organization:
        before = Organization.objects.filter(operates_platform=True).exists()
        office = services.create_platform_office(name=entry["name"], region=entry["region"], uscc=_uscc_of(entry))
        if not before:
            self.created["organizations"] += 1
        self.organizations[entry["key"]] = office
        return office

    def _organization(self, entry: dict[str, Any], *, actor: User) -> None:
        uscc = _uscc_of(entry)
        organization = Organization.objects.filter(uscc=uscc).first()
        if organization is None:
            organization = services.create_organization(
                actor=actor,
                name=entry["name"],
                kind=entry["kind"],
                region=entry["region"],
                uscc=uscc,
                sectors=entry["sectors"],
                description=entry["description"],
                website=entry.get("website", ""),
            )
            self.created["organizations"] += 1
        self.organizations[entry["key"]] = organization

    def _user(self, person: dict[str, Any]) -> User:
        username = person["username"]
        if username not in self.users:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = services.register_user(
                    username=username,
                    email=f"{username}@{EMAIL_DOMAIN}",
                    password=self.password,
                    display_name=person["display_name"],
                )
                self.created["users"] += 1
            self.users[username] = user
        return self.users[username]

    def _grant(self, *, actor: User, user: User, organization: Organization, role: str) -> None:
        held = Membership.objects.filter(
            user=user, organization=organization, role=role, status=MembershipStatus.APPROVED
        ).exists()
        if not held:
            services.grant_membership(actor=actor, user=user, organization=organization, role=role)
            self.created["memberships"] += 1

    def _profile(self, user: User, values: dict[str, Any], works: list[dict[str, Any]]) -> None:
        profile = ExpertProfile.objects.filter(user=user).first()
        if profile is None:
            profile = services.save_expert_profile(
                actor=user,
                **{
                    **values,
                    "affiliation": self.organizations[values["affiliation"]],
                    "orcid": demo_orcid(values["orcid"]),
                },
            )
            self.created["expert profiles"] += 1
        known = set(profile.works.values_list("identifier", flat=True))
        for work in works:
            identifier = _work_identifier(work)
            if identifier not in known:
                services.add_work(
                    actor=user,
                    profile=profile,
                    kind=work["kind"],
                    title=work["title"],
                    abstract=work["abstract"],
                    year=work["year"],
                    venue=work["venue"],
                    identifier=identifier,
                )
                self.created["works"] += 1

    def _history(self, row: dict[str, Any]) -> None:
        profile = ExpertProfile.objects.get(user=self.users[row["username"]])
        organization = self.organizations[row["organization"]]
        if not Affiliation.objects.filter(
            profile=profile, organization=organization, start_year=row["start_year"]
        ).exists():
            services.add_affiliation(
                actor=profile.user,
                profile=profile,
                organization=organization,
                start_year=row["start_year"],
                end_year=row["end_year"],
                position=row["position"],
            )
            self.created["employment history rows"] += 1

    def _relation(self, row: dict[str, Any]) -> None:
        profile = ExpertProfile.objects.get(user=self.users[row["from"]])
        other = ExpertProfile.objects.get(user=self.users[row["to"]])
        if not Relation.objects.filter(from_profile=profile, to_profile=other, kind=row["kind"]).exists():
            services.declare_relation(
                actor=profile.user,
                profile=profile,
                other=other,
                kind=row["kind"],
                start_year=row["start_year"],
                end_year=row["end_year"],
            )
            self.created["declared relations"] += 1

    def _shareholding(self, row: dict[str, Any], *, actor: User) -> None:
        organization = self.organizations[row["organization"]]
        holder_user = self.users[row["holder"]] if "holder" in row else None
        holder_organization = self.organizations[row["holder_organization"]] if "holder_organization" in row else None
        held = Shareholding.objects.filter(
            organization=organization, holder_user=holder_user, holder_organization=holder_organization
        )
        if not held.exists():
            services.set_shareholding(
                actor=actor,
                organization=organization,
                holder_user=holder_user,
                holder_organization=holder_organization,
                share_bp=row["share_bp"],
                as_of=date.fromisoformat(row["as_of"]),
            )
            self.created["shareholdings"] += 1

    def _request(self, request: dict[str, Any]) -> None:
        user = self.users[request["username"]]
        organization = self.organizations[request["organization"]]
        # Any row, decided or not, means the request was made once: an operator's decision stands.
        if not Membership.objects.filter(user=user, organization=organization, role=request["role"]).exists():
            services.request_membership(
                actor=user, organization=organization, role=request["role"], note=request["note"]
            )
            self.created["membership requests"] += 1

    def _proposal(self, proposal: dict[str, Any]) -> None:
        uscc = _uscc_of(proposal)
        if not Organization.objects.filter(uscc=uscc).exists():
            services.propose_organization(
                actor=self.users[proposal["proposer"]],
                name=proposal["name"],
                kind=proposal["kind"],
                region=proposal["region"],
                uscc=uscc,
                sectors=proposal["sectors"],
                description=proposal["description"],
            )
            self.created["organization proposals"] += 1
