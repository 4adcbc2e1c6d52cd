"""Conflicts of interest between reviewers and the parties of review items, computed from platform data.

:func:`find_conflicts` answers, for every (item, reviewer) pair at once, which of the rules below
hold, each with a translated sentence that names the other person, organisation or work and the
year. The rules union HotCRP's typed conflicts, OpenReview's time-bounded ones and 回避 under the
Science and Technology Progress Law (see ``reference/challenges_review.md`` §3.2 and §6 item 6).
A *window* of ``years`` counts back from ``today``'s year: with 5 years in 2025, anything that lasted
until 2020 or later counts, 2019 does not.

======================  =================================================================================
``self``                the reviewer is one of the applicant people
``same_organization``   reviewer and an applicant person were at one organisation within the window
                        (current affiliation, employment history, approved memberships other than
                        reviewer-panel roles); not repeated for an applying organisation, which
                        ``applicant_organization`` names
``applicant_organization`` the reviewer is or was at an applying organisation within the window
``coauthor`` …          a paper (DOI, ignoring case), patent or project number both list, dated within
``coinventor``          the window or undated
``coproject``
``advisor``             a declared advisor/advisee relation in either direction, ever
``relation``            a declared family or other relation, ever; a collaborator within the window
``issuer_staff``        the reviewer is or was at the issuer within the window
``shareholder``         the reviewer holds shares in the issuer or an applying organisation, or an
                        organisation she is or was at within the window (as for ``same_organization``)
                        holds them
======================  =================================================================================

It is built to run over a whole call at once: a handful of queries read every fact about everyone
involved into per-person key sets, inverted indexes map each organisation, work and person to the
reviewers who have them, and each item's parties are looked up in those indexes. No query is made
per pair or per item. Names, titles and sentences are resolved at the end, only for what matched.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.accounts.enums import MembershipStatus, RelationKind, Role, WorkKind
from kechuang.accounts.models import (
    Affiliation,
    ExpertProfile,
    Membership,
    Organization,
    Relation,
    Shareholding,
    User,
    Work,
)
from kechuang.core.i18n import localized
from kechuang.review.enums import ConflictKind

__all__ = ["Conflict", "Parties", "find_conflicts", "normalise_identifier"]

# Ids per IN (…) list: SQLite allows 32,766 parameters and PostgreSQL more, so this leaves room.
CHUNK = 5_000

KIND_ORDER = {kind.value: n for n, kind in enumerate(ConflictKind)}
WORK_CONFLICT = {
    WorkKind.PAPER: ConflictKind.COAUTHOR,
    WorkKind.PATENT: ConflictKind.COINVENTOR,
    WorkKind.PROJECT: ConflictKind.COPROJECT,
}


@dataclass(frozen=True)
class Parties:
    """Who applies for an item and who issued it, by platform ids."""

    people: frozenset[int] = frozenset()  # user ids of the applicant team
    organizations: frozenset[int] = frozenset()  # applicant organisation ids
    issuer: int | None = None  # issuer organisation id


@dataclass(frozen=True)
class Conflict:
    """One reason a reviewer may not review an item."""

    kind: str  # a ConflictKind value
    explanation: str  # a translated sentence naming who or what, in the language active at the call
    evidence: dict[str, Any] = field(default_factory=dict)  # ids and years behind it


# ---------------------------------------------------------------- identifiers

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def normalise_identifier(kind: str, identifier: str) -> str:
    """The form under which two people's copies of one work compare equal; ``""`` when there is none.

    DOIs ignore case and a ``https://doi.org/`` or ``doi:`` prefix. Patent numbers ignore case,
    spaces and punctuation, a ``CN`` or ``ZL`` prefix and the check character of a 12-digit CN
    application number (``202210593271.7`` = ``202210593271``). Project numbers ignore case and spaces.
    """
    text = identifier.strip()
    if not text:
        return ""
    if kind == WorkKind.PAPER:
        return _DOI_PREFIX.sub("", text).strip().lower()
    text = text.upper()
    if kind == WorkKind.PATENT:
        text = _NOT_ALNUM.sub("", text)
        for prefix in ("ZL", "CN"):
            text = text.removeprefix(prefix)
        if len(text) == 13 and text[:12].isdigit():
            text = text[:12]
        return text
    return re.sub(r"\s+", "", text)


# ---------------------------------------------------------------- reading the facts


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _later(a: int | None, b: int | None) -> int | None:
    """The later of two "until" years, ``None`` meaning "still there"."""
    if a is None or b is None:
        return None
    return max(a, b)


@dataclass
class _Facts:
    """Everything the rules need about a set of people, read in a few queries per 5,000 people."""

    cutoff: int  # the first year inside the window
    profile_user: dict[int, int] = field(default_factory=dict)  # profile id → user id
    # user → organisation → last year there inside the window (None: still there)
    orgs: dict[int, dict[int, int | None]] = field(default_factory=lambda: defaultdict(dict))
    # user → (kind, normalised identifier) → (year or None, work id)
    works: dict[int, dict[tuple[str, str], tuple[int | None, int]]] = field(default_factory=lambda: defaultdict(dict))
    # (from user, to user, kind, end year, relation id)
    relations: list[tuple[int, int, str, int | None, int]] = field(default_factory=list)

    def note_org(self, user: int, organization: int, until: int | None) -> None:
        known = self.orgs[user]
        known[organization] = _later(known[organization], until) if organization in known else until

    @classmethod
    def read(cls, people: set[int], *, cutoff: int) -> _Facts:
        facts = cls(cutoff=cutoff)
        for chunk in _chunks(people):
            rows = (
                ExpertProfile.objects.filter(user_id__in=chunk)
                .order_by("pk")
                .values_list("pk", "user_id", "affiliation_id")
            )
            for profile, user, affiliation in rows:
                facts.profile_user[profile] = user
                if affiliation is not None:
                    facts.note_org(user, affiliation, None)
            # Reviewer-panel roles list a person for an organisation's reviews; they are not employment.
            memberships = Membership.objects.filter(user_id__in=chunk, status=MembershipStatus.APPROVED).exclude(
                role=Role.REVIEWER
            )
            for user, organization in memberships.order_by("pk").values_list("user_id", "organization_id"):
                facts.note_org(user, organization, None)
        for chunk in _chunks(facts.profile_user):
            history = Affiliation.objects.filter(profile_id__in=chunk).filter(
                Q(end_year__isnull=True) | Q(end_year__gte=cutoff)
            )
            posts = history.order_by("pk").values_list("profile_id", "organization_id", "end_year")
            for profile, organization, left in posts:
                facts.note_org(facts.profile_user[profile], organization, left)
            works = (
                Work.objects.filter(profile_id__in=chunk)
                .exclude(identifier="")
                .filter(Q(year__isnull=True) | Q(year__gte=cutoff))
                .order_by("pk")
                .values_list("profile_id", "kind", "identifier", "year", "pk")
            )
            for profile, kind, identifier, year, pk in works:
                key = (kind, normalise_identifier(kind, identifier))
                if key[1]:
                    mine = facts.works[facts.profile_user[profile]]
                    earlier = mine.get(key)
                    # Keep the latest known year of the work; an undated copy only if no copy has a year.
                    if earlier is None or (year is not None and (earlier[0] is None or year > earlier[0])):
                        mine[key] = (year, pk)
            declared = (
                Relation.objects.filter(from_profile_id__in=chunk)
                .order_by("pk")
                .values_list("from_profile_id", "to_profile_id", "kind", "end_year", "pk")
            )
            for source, target, relation_kind, ended, relation in declared:
                if target in facts.profile_user:  # both people are involved, or it cannot matter
                    facts.relations.append(
                        (facts.profile_user[source], facts.profile_user[target], relation_kind, ended, relation)
                    )
        return facts


_Holdings = dict[int, list[tuple[int, int, date, int]]]


def _shareholdings(reviewers: set[int]) -> _Holdings:
    """Organisation → [(reviewer, basis points, as of, row id)] for shares the reviewers hold themselves."""
    held: _Holdings = defaultdict(list)
    for chunk in _chunks(reviewers):
        rows = (
            Shareholding.objects.filter(holder_user_id__in=chunk)
            .order_by("pk")
            .values_list("organization_id", "holder_user_id", "share_bp", "as_of", "pk")
        )
        for organization, user, share, as_of, pk in rows:
            held[organization].append((user, share, as_of, pk))
    return held


def _organisation_holdings(organizations: set[int]) -> _Holdings:
    """Organisation → [(holding organisation, basis points, as of, row id)] for shares other organisations
    hold in ``organizations`` (the items' applicants and issuers): bounded by the items, not by the pool."""
    held: _Holdings = defaultdict(list)
    for chunk in _chunks(organizations):
        rows = (
            Shareholding.objects.filter(organization_id__in=chunk, holder_organization__isnull=False)
            .order_by("pk")
            .values_list("organization_id", "holder_organization_id", "share_bp", "as_of", "pk")
        )
        for organization, holder, share, as_of, pk in rows:
            held[organization].append((holder, share, as_of, pk))
    return held


# ---------------------------------------------------------------- matching


@dataclass(frozen=True)
class _Found:
    """A conflict before its sentence is written: the kind, the message's name and its ids."""

    kind: str
    message: str
    evidence: tuple[tuple[str, Any], ...]


def _relation_reading(kind: str, reviewer_declared: bool) -> tuple[str, str] | None:
    """(conflict kind, message) of a declared relation as it bears on the reviewer, or None for collaborators."""
    if kind in (RelationKind.ADVISOR, RelationKind.ADVISEE):
        # Declared by the reviewer, "advisor" means the applicant advised the reviewer; declared by the
        # applicant, it means the reviewer advised the applicant.
        reviewer_is_advisor = (kind == RelationKind.ADVISEE) == reviewer_declared
        return ConflictKind.ADVISOR, "advisor" if reviewer_is_advisor else "advisee"
    if kind == RelationKind.FAMILY:
        return ConflictKind.RELATION, "family"
    if kind == RelationKind.OTHER:
        return ConflictKind.RELATION, "other"
    return None


class _Matcher:
    """Inverted indexes over the reviewers' facts, and the per-item lookup."""

    def __init__(self, reviewers: set[int], facts: _Facts, held: _Holdings, held_by_organizations: _Holdings) -> None:
        self.reviewers = reviewers
        self.facts = facts
        self.held = held
        self.held_by_organizations = held_by_organizations
        self.by_org: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
        self.by_work: dict[tuple[str, str], list[tuple[int, int | None, int]]] = defaultdict(list)
        self.by_person: dict[int, list[tuple[int, str, str, int | None, int]]] = defaultdict(list)
        for reviewer in reviewers:
            for organization, until in facts.orgs.get(reviewer, {}).items():
                self.by_org[organization].append((reviewer, until))
            for key, (year, pk) in facts.works.get(reviewer, {}).items():
                self.by_work[key].append((reviewer, year, pk))
        for source, target, kind, until, pk in facts.relations:
            for reviewer, other, declared in ((source, target, True), (target, source, False)):
                if reviewer not in reviewers:
                    continue
                reading = _relation_reading(kind, declared)
                if reading is not None:
                    self.by_person[other].append((reviewer, reading[0], reading[1], until, pk))
                elif until is None or until >= facts.cutoff:  # collaborators count within the window only
                    message = "collaborator" if until is None else "collaborator_past"
                    self.by_person[other].append((reviewer, ConflictKind.RELATION, message, until, pk))

    def match(self, parties: Parties) -> dict[int, dict[_Found, None]]:
        """Reviewer → the conflicts with these parties, in a stable order without repeats."""
        found: dict[int, dict[_Found, None]] = defaultdict(dict)
        for person in sorted(parties.people):
            if person in self.reviewers:
                found[person][_found(ConflictKind.SELF, "self", person=person)] = None
            for reviewer, conflict in self._through(person, parties):
                if reviewer != person:
                    found[reviewer][conflict] = None
        for reviewer, conflict in self._organizations(parties):
            found[reviewer][conflict] = None
        return found

    def _through(self, person: int, parties: Parties) -> Iterator[tuple[int, _Found]]:
        """Reviewers linked to one applicant person by an organisation, a work or a declared relation."""
        for organization, until in self.facts.orgs.get(person, {}).items():
            if organization in parties.organizations:  # applicant_organization already says it
                continue
            for reviewer, reviewer_until in self.by_org.get(organization, ()):
                message = "same_org" + ("" if reviewer_until is None else "_was") + ("" if until is None else "_left")
                yield (
                    reviewer,
                    _found(
                        ConflictKind.SAME_ORGANIZATION,
                        message,
                        person=person,
                        organization=organization,
                        reviewer_until=reviewer_until,
                        person_until=until,
                    ),
                )
        for key, (year, work) in self.facts.works.get(person, {}).items():
            kind = WORK_CONFLICT[WorkKind(key[0])].value
            for reviewer, reviewer_year, _reviewer_work in self.by_work.get(key, ()):
                when = max((y for y in (year, reviewer_year) if y is not None), default=None)
                message = kind if when is not None else f"{kind}_undated"
                yield reviewer, _found(kind, message, person=person, work=work, identifier=key[1], year=when)
        for reviewer, kind, message, until, relation in self.by_person.get(person, ()):
            yield reviewer, _found(kind, message, person=person, relation=relation, until=until)

    def _organizations(self, parties: Parties) -> Iterator[tuple[int, _Found]]:
        """Reviewers at, or holding shares in, the applying organisations and the issuer, or at an
        organisation that holds shares in them."""
        for organization in sorted(parties.organizations):
            for reviewer, until in self.by_org.get(organization, ()):
                message = "applicant_org" if until is None else "applicant_org_past"
                yield (
                    reviewer,
                    _found(ConflictKind.APPLICANT_ORGANIZATION, message, organization=organization, until=until),
                )
        if parties.issuer is not None:
            for reviewer, until in self.by_org.get(parties.issuer, ()):
                message = "issuer" if until is None else "issuer_past"
                yield reviewer, _found(ConflictKind.ISSUER_STAFF, message, organization=parties.issuer, until=until)
        owned = [(o, "shares_applicant") for o in sorted(parties.organizations)]
        if parties.issuer is not None:
            owned.insert(0, (parties.issuer, "shares_issuer"))
        for organization, message in owned:
            for reviewer, share, as_of, pk in self.held.get(organization, ()):
                yield (
                    reviewer,
                    _found(
                        ConflictKind.SHAREHOLDER,
                        message,
                        organization=organization,
                        share_bp=share,
                        as_of=as_of.isoformat(),
                        shareholding=pk,
                    ),
                )
            for holder, share, as_of, pk in self.held_by_organizations.get(organization, ()):
                for reviewer, until in self.by_org.get(holder, ()):
                    yield (
                        reviewer,
                        _found(
                            ConflictKind.SHAREHOLDER,
                            f"employer_{message}" + ("" if until is None else "_past"),
                            organization=organization,
                            holder=holder,
                            until=until,
                            share_bp=share,
                            as_of=as_of.isoformat(),
                            shareholding=pk,
                        ),
                    )


def _found(kind: str, message: str, **evidence: Any) -> _Found:
    return _Found(str(kind), message, tuple(evidence.items()))


# ---------------------------------------------------------------- sentences


def _messages() -> dict[str, str]:
    """Every sentence, translated once per call into the active language. Placeholders are named."""
    return {
        "self": _("Is the applicant %(person)s."),
        "same_org": _("Works at %(organization)s, as does the applicant %(person)s."),
        "same_org_left": _("Works at %(organization)s, where the applicant %(person)s worked until %(person_until)s."),
        "same_org_was": _("Worked at %(organization)s until %(reviewer_until)s; the applicant %(person)s works there."),
        "same_org_was_left": _(
            "Worked at %(organization)s until %(reviewer_until)s; the applicant %(person)s worked there until "
            "%(person_until)s."
        ),
        "applicant_org": _("Works at the applying organization %(organization)s."),
        "applicant_org_past": _("Worked at the applying organization %(organization)s until %(until)s."),
        "issuer": _("Works at the issuer %(organization)s."),
        "issuer_past": _("Worked at the issuer %(organization)s until %(until)s."),
        ConflictKind.COAUTHOR.value: _(
            "Co-authored “%(work)s” (%(identifier)s) with the applicant %(person)s in %(year)s."
        ),
        f"{ConflictKind.COAUTHOR.value}_undated": _(
            "Co-authored “%(work)s” (%(identifier)s, year not given) with the applicant %(person)s."
        ),
        ConflictKind.COINVENTOR.value: _(
            "Co-invented “%(work)s” (patent %(identifier)s) with the applicant %(person)s in %(year)s."
        ),
        f"{ConflictKind.COINVENTOR.value}_undated": _(
            "Co-invented “%(work)s” (patent %(identifier)s, year not given) with the applicant %(person)s."
        ),
        ConflictKind.COPROJECT.value: _(
            "Was in the project “%(work)s” (%(identifier)s) with the applicant %(person)s in %(year)s."
        ),
        f"{ConflictKind.COPROJECT.value}_undated": _(
            "Was in the project “%(work)s” (%(identifier)s, year not given) with the applicant %(person)s."
        ),
        "advisor": _("Is or was the advisor of the applicant %(person)s."),
        "advisee": _("Is or was advised by the applicant %(person)s."),
        "family": _("Is a family member of the applicant %(person)s."),
        "other": _("Has declared a personal relation with the applicant %(person)s."),
        "collaborator": _("Collaborates closely with the applicant %(person)s."),
        "collaborator_past": _("Collaborated closely with the applicant %(person)s until %(until)s."),
        "shares_issuer": _("Holds %(share)s of the issuer %(organization)s (as of %(as_of)s)."),
        "shares_applicant": _("Holds %(share)s of the applying organization %(organization)s (as of %(as_of)s)."),
        "employer_shares_issuer": _(
            "Works at %(holder)s, which holds %(share)s of the issuer %(organization)s (as of %(as_of)s)."
        ),
        "employer_shares_issuer_past": _(
            "Worked at %(holder)s until %(until)s; it holds %(share)s of the issuer %(organization)s (as of %(as_of)s)."
        ),
        "employer_shares_applicant": _(
            "Works at %(holder)s, which holds %(share)s of the applying organization %(organization)s "
            "(as of %(as_of)s)."
        ),
        "employer_shares_applicant_past": _(
            "Worked at %(holder)s until %(until)s; it holds %(share)s of the applying organization "
            "%(organization)s (as of %(as_of)s)."
        ),
    }


class _Names:
    """Display names of the people, organisations and works that matched, read in one query per table."""

    def __init__(self, found: Iterable[_Found]) -> None:
        people: set[int] = set()
        organizations: set[int] = set()
        works: set[int] = set()
        for conflict in found:
            evidence = dict(conflict.evidence)
            people.update([evidence["person"]] if "person" in evidence else [])
            organizations.update(evidence[key] for key in ("organization", "holder") if key in evidence)
            works.update([evidence["work"]] if "work" in evidence else [])
        self.people: dict[int, str] = {}
        self.organizations: dict[int, str] = {}
        self.works: dict[int, str] = {}
        for chunk in _chunks(people):
            for pk, display_name, username in User.objects.filter(pk__in=chunk).values_list(
                "pk", "display_name", "username"
            ):
                self.people[pk] = display_name or username
            # The expert's own name, as they give it on their profile, wins over the account's display name.
            for user, name in ExpertProfile.objects.filter(user_id__in=chunk).values_list("user_id", "name"):
                self.people[user] = localized(name) or self.people.get(user, "")
        for chunk in _chunks(organizations):
            for pk, name in Organization.objects.filter(pk__in=chunk).values_list("pk", "name"):
                self.organizations[pk] = localized(name)
        for chunk in _chunks(works):
            for pk, title in Work.objects.filter(pk__in=chunk).values_list("pk", "title"):
                self.works[pk] = localized(title)

    def params(self, evidence: dict[str, Any]) -> dict[str, Any]:
        params = dict(evidence)
        if "person" in evidence:
            params["person"] = self.people.get(evidence["person"], "")
        for key in ("organization", "holder"):
            if key in evidence:
                params[key] = self.organizations.get(evidence[key], "")
        if "work" in evidence:
            params["work"] = self.works.get(evidence["work"], "")
        if "share_bp" in evidence:
            params["share"] = f"{evidence['share_bp'] / 100:.2f}%"
        return params


# ---------------------------------------------------------------- the entry point


def find_conflicts(
    reviewers: Sequence[int],
    items: Mapping[str, Parties],
    *,
    years: int = 5,
    today: date | None = None,
) -> dict[tuple[str, int], list[Conflict]]:
    """Every conflict between each reviewer (user id) and each item's parties, keyed (item key, reviewer id).

    Only pairs with at least one conflict are present; each list holds one :class:`Conflict` per
    distinct reason, in a stable order. ``years`` is the look-back window (5: anything ending in
    ``today.year - 5`` or later counts); ``today`` defaults to the local date. Explanations are in
    the language active when called. Reads only; queries grow with the number of people and of the
    items' organisations (one set per 5,000), never with the number of pairs.
    """
    today = today or timezone.localdate()
    cutoff = today.year - years
    reviewer_set = set(reviewers)
    if not reviewer_set or not items:
        return {}
    people = reviewer_set | {person for parties in items.values() for person in parties.people}
    facts = _Facts.read(people, cutoff=cutoff)
    held_orgs = {o for parties in items.values() for o in parties.organizations}
    held_orgs |= {parties.issuer for parties in items.values() if parties.issuer is not None}
    matcher = _Matcher(reviewer_set, facts, _shareholdings(reviewer_set), _organisation_holdings(held_orgs))
    raw: dict[tuple[str, int], dict[_Found, None]] = {}
    for key, parties in items.items():
        for reviewer, found in matcher.match(parties).items():
            raw[(key, reviewer)] = found
    names = _Names(found for pair in raw.values() for found in pair)
    messages = _messages()
    result: dict[tuple[str, int], list[Conflict]] = {}
    for pair, found in raw.items():
        conflicts = []
        for conflict in found:
            evidence = dict(conflict.evidence)
            explanation = messages[conflict.message] % names.params(evidence)
            conflicts.append(Conflict(kind=str(conflict.kind), explanation=explanation, evidence=evidence))
        # The kinds in ConflictKind's order; within a kind, in the order the facts were read (by id).
        result[pair] = sorted(conflicts, key=lambda c: KIND_ORDER[c.kind])
    return result
