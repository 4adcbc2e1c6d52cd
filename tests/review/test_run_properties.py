"""Assignment runs on random calls, end to end through the services: whatever the organisations, careers,
co-authorships, declared relations and shareholdings, a run either meets every rule or fails with a
shortfall, and never puts a reviewer on an item she is in conflict with.

Each example writes its own people and call inside a savepoint, runs the assignment as the worker
would (``start_assignment``, the task run on commit) and rolls the savepoint back, so examples never see
each other's rows.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kechuang.accounts.enums import OrganizationKind, RelationKind
from kechuang.accounts.models import ExpertProfile, Organization, User
from kechuang.review import selectors, services
from kechuang.review.conflicts import Parties, find_conflicts
from kechuang.review.enums import AssignmentStatus, RunStatus
from kechuang.review.models import Assignment, AssignmentRun, Call, PoolReviewer
from tests.factories.accounts import (
    AffiliationFactory,
    ExpertProfileFactory,
    OrganizationFactory,
    RelationFactory,
    ShareholdingFactory,
    WorkFactory,
    make_operator,
)
from tests.review.conftest import TOPICS, criteria

pytestmark = pytest.mark.django_db

YEARS = 5  # the call's window (the default)
# Years relative to this one: inside the window, on its edge, just outside it; None is undated / still there.
AGES = st.sampled_from([None, 0, 2, YEARS, YEARS + 1, 12])


@dataclass(frozen=True)
class World:
    """A call as indices: organisations ``0..orgs-1``, reviewers, applicants, and the facts linking them."""

    org_kinds: list[str]
    reviewers: list[tuple[int | None, int]]  # (current organisation, max load)
    past_posts: list[tuple[int, int, int]]  # (reviewer, organisation, years since leaving)
    applicants: list[int | None]  # current organisation
    items: list[tuple[list[int], int | None, int | None, int | None]]  # (team, self reviewer, applying org, issuer)
    works: list[tuple[int, int, int | None]]  # (reviewer, applicant, age of the shared work)
    relations: list[tuple[int, int, str, bool, int | None]]  # (reviewer, applicant, kind, reviewer declared, ended)
    personal_shares: list[tuple[int, int]]  # (reviewer, organisation held)
    company_shares: list[tuple[int, int]]  # (holding organisation, organisation held)
    per_item: int
    min_load: int
    alternates: int
    distinct_organizations: bool
    require_industry: bool


@st.composite
def worlds(draw: st.DrawFn) -> World:
    n_orgs = draw(st.integers(3, 5))
    org = st.integers(0, n_orgs - 1)
    maybe_org = st.none() | org
    # Applicants are often from outside the call's organisations, so most items keep enough reviewers.
    applicant_org = st.sampled_from([None] * 2 * n_orgs + list(range(n_orgs)))
    reviewers = draw(st.lists(st.tuples(maybe_org, st.integers(1, 3)), min_size=4, max_size=8))
    reviewer = st.integers(0, len(reviewers) - 1)
    self_applicant = st.sampled_from([None] * 3 * len(reviewers) + list(range(len(reviewers))))  # one item in four
    applicants = draw(st.lists(applicant_org, min_size=1, max_size=4))
    applicant = st.integers(0, len(applicants) - 1)
    team = st.lists(applicant, min_size=1, max_size=2, unique=True)
    items = draw(st.lists(st.tuples(team, self_applicant, maybe_org, maybe_org), min_size=1, max_size=3))
    kinds = [
        RelationKind.ADVISOR,
        RelationKind.ADVISEE,
        RelationKind.FAMILY,
        RelationKind.COLLABORATOR,
        RelationKind.OTHER,
    ]
    relations = st.tuples(reviewer, applicant, st.sampled_from([str(k) for k in kinds]), st.booleans(), AGES)
    # (holder, held): two different organisations, drawn without a filter.
    distinct = st.tuples(org, st.integers(1, n_orgs - 1)).map(lambda pair: (pair[0], (pair[0] + pair[1]) % n_orgs))
    return World(
        org_kinds=draw(
            st.lists(
                st.sampled_from([OrganizationKind.ENTERPRISE, OrganizationKind.UNIVERSITY]),
                min_size=n_orgs,
                max_size=n_orgs,
            )
        ),
        reviewers=reviewers,
        past_posts=draw(st.lists(st.tuples(reviewer, org, st.sampled_from([0, 2, YEARS, YEARS + 1, 12])), max_size=3)),
        applicants=applicants,
        items=items,
        works=draw(st.lists(st.tuples(reviewer, applicant, AGES), max_size=3)),
        relations=draw(st.lists(relations, max_size=3, unique_by=lambda r: (r[0], r[1], r[2], r[3]))),
        personal_shares=draw(st.lists(st.tuples(reviewer, org), max_size=2, unique=True)),
        company_shares=draw(st.lists(distinct, max_size=3, unique=True)),
        per_item=draw(st.integers(1, 2)),
        min_load=draw(st.sampled_from([0] * 7 + [1])),
        alternates=draw(st.integers(0, 2)),
        distinct_organizations=draw(st.booleans()),
        require_industry=draw(st.sampled_from([False, False, False, True])),
    )


@dataclass
class Built:
    call: Call
    operator: User
    reviewers: list[ExpertProfile]
    applicants: list[ExpertProfile]
    orgs: list[Organization]


def build(world: World) -> Built:
    """Write ``world``'s rows (people and facts through factories, the call through the services)."""
    year = timezone.localdate().year
    orgs = [OrganizationFactory(kind=kind) for kind in world.org_kinds]

    def at(index: int | None) -> Organization | None:
        return None if index is None else orgs[index]

    reviewers = []
    for n, (current, _load) in enumerate(world.reviewers):
        profile = ExpertProfileFactory(affiliation=at(current))
        # A work on a topic, so affinity ranks the pool (a pool this small is wholly eligible anyway).
        topic = TOPICS[n % len(TOPICS)]
        WorkFactory(profile=profile, title={"zh-hans": topic[0], "en": topic[1]})
        reviewers.append(profile)
    applicants = [ExpertProfileFactory(affiliation=at(current)) for current in world.applicants]
    for who, organization, ago in world.past_posts:
        AffiliationFactory(
            profile=reviewers[who], organization=orgs[organization], start_year=2000, end_year=year - ago
        )
    for n, (who, other, age) in enumerate(world.works):
        when = None if age is None else year - age
        for profile in (reviewers[who], applicants[other]):
            WorkFactory(profile=profile, kind="paper", identifier=f"10.5555/prop.{n}", year=when)
    for who, other, kind, reviewer_declared, ended in world.relations:
        pair = (reviewers[who], applicants[other]) if reviewer_declared else (applicants[other], reviewers[who])
        RelationFactory(
            from_profile=pair[0], to_profile=pair[1], kind=kind, end_year=None if ended is None else year - ended
        )
    for who, organization in world.personal_shares:
        ShareholdingFactory(organization=orgs[organization], holder_user=reviewers[who].user, share_bp=100)
    for holder, organization in world.company_shares:
        ShareholdingFactory(organization=orgs[organization], holder_user=None, holder_organization=orgs[holder])

    operator = make_operator()
    call = services.open_call(
        actor=operator,
        subject=OrganizationFactory(),
        title={"zh-hans": "随机评审", "en": "Random review"},
        criteria=criteria(),
        blind=True,
        reviews_per_item=world.per_item,
        max_load=3,
        review_deadline=timezone.now() + timedelta(days=10),
        alternates=world.alternates,
        require_industry=world.require_industry,
        distinct_organizations=world.distinct_organizations,
        min_load=world.min_load,
    )
    for profile, (_current, load) in zip(reviewers, world.reviewers, strict=True):
        services.invite_reviewer(actor=operator, call=call, user=profile.user, max_load=load)
    specs = []
    for n, (team, self_reviewer, applying, issuer) in enumerate(world.items):
        people = {applicants[k].user_id for k in team}
        if self_reviewer is not None:
            people.add(reviewers[self_reviewer].user_id)
        topic = TOPICS[n % len(TOPICS)]
        specs.append(
            services.ItemSpec(
                subject=OrganizationFactory(),
                title={"zh-hans": f"{topic[0]}方案", "en": f"{topic[1]} proposal"},
                summary={"zh-hans": topic[0], "en": topic[1]},
                parties=Parties(
                    people=frozenset(people),
                    organizations=frozenset() if applying is None else frozenset({orgs[applying].pk}),
                    issuer=None if issuer is None else orgs[issuer].pk,
                ),
                identity={},
            )
        )
    services.add_items(actor=operator, call=call, items=specs)
    return Built(call, operator, reviewers, applicants, orgs)


def expected_conflicts(world: World) -> Iterator[tuple[int, int]]:
    """(item index, reviewer index) pairs that are conflicts by the rules, read from ``world`` alone.

    A subset of what :func:`find_conflicts` must find (it also finds shared organisations through
    applicants' careers, which this oracle does not model beyond current posts).
    """

    def employers(reviewer: int) -> set[int]:
        current = world.reviewers[reviewer][0]
        past = {org for who, org, ago in world.past_posts if who == reviewer and ago <= YEARS}
        return past | ({current} if current is not None else set())

    for i, (team, self_reviewer, applying, issuer) in enumerate(world.items):
        parties = {o for o in (applying, issuer) if o is not None}
        for r in range(len(world.reviewers)):
            works = [a for who, a, age in world.works if who == r and (age is None or age <= YEARS)]
            related = [
                a
                for who, a, kind, _declared, ended in world.relations
                if who == r and (kind != RelationKind.COLLABORATOR or ended is None or ended <= YEARS)
            ]
            colleagues = {world.applicants[a] for a in team} - {None}
            held = {org for who, org in world.personal_shares if who == r}
            held |= {org for holder, org in world.company_shares if holder in employers(r)}
            if (
                r == self_reviewer
                or employers(r) & (parties | colleagues)
                or set(team) & set(works + related)
                or held & parties
            ):
                yield i, r


def feasible(
    panels_of: dict[int, list[int]], per_item: int, pool: dict[int, PoolReviewer], employer: dict[int, int | None]
) -> bool:
    """Whether some choice of ``per_item`` allowed reviewers per item meets every load and panel rule (by
    brute force: at most three items of two reviewers from eight)."""
    call = next(iter(pool.values())).call
    options = []
    for allowed in panels_of.values():
        panels = []
        for panel in itertools.combinations(allowed, per_item):
            seated = [employer[u] for u in panel if employer[u] is not None]
            if call.distinct_organizations and len(seated) != len(set(seated)):
                continue
            if call.require_industry and not any(pool[u].industry for u in panel):
                continue
            panels.append(panel)
        options.append(panels)
    for choice in itertools.product(*options):
        loads = Counter(u for panel in choice for u in panel)
        if all(min(call.min_load, m.max_load) <= loads[u] <= m.max_load for u, m in pool.items()):
            return True
    return False


def check(world: World, built: Built, run: AssignmentRun) -> None:
    call = built.call
    items = list(call.items.order_by("id"))
    pool = {m.user_id: m for m in PoolReviewer.objects.filter(call=call).select_related("call")}
    employer = {p.user_id: p.affiliation_id for p in built.reviewers}
    found = find_conflicts(
        list(pool), {str(item.pk): selectors.parties_of(item) for item in items}, years=call.conflict_years
    )
    user_of = [profile.user_id for profile in built.reviewers]
    expected = {(str(items[i].pk), user_of[r]) for i, r in expected_conflicts(world)}
    assert expected - set(found) == set()
    allowed = {item.pk: [u for u in pool if (str(item.pk), u) not in found] for item in items}

    assigned = Assignment.objects.filter(item__call=call, status=AssignmentStatus.ASSIGNED)
    if run.status == RunStatus.FAILED:
        # Infeasible indeed, and explained: shortfalls (or the solver's sentence) stored, nothing assigned.
        assert (bool(run.shortfalls), assigned.count(), run.error.startswith("no assignment")) == (True, 0, True)
        assert not feasible(allowed, world.per_item, pool, employer)
        return
    assert run.status == RunStatus.SUCCEEDED
    rows = list(assigned.values_list("item_id", "reviewer_id"))
    loads = Counter(reviewer for _item, reviewer in rows)
    panels: dict[int, list[int]] = {item.pk: [] for item in items}
    for item_id, reviewer in rows:
        panels[item_id].append(reviewer)
    assert [(item_id, reviewer) for item_id, reviewer in rows if reviewer not in allowed[item_id]] == []
    assert {item: len(panel) for item, panel in panels.items()} == {item.pk: world.per_item for item in items}
    assert [u for u, m in pool.items() if not min(call.min_load, m.max_load) <= loads[u] <= m.max_load] == []
    if world.distinct_organizations:
        for panel in panels.values():
            seated = [employer[u] for u in panel if employer[u] is not None]
            assert len(seated) == len(set(seated))
    if world.require_industry:
        assert all(any(pool[u].industry for u in panel) for panel in panels.values())
    # Alternates: unconflicted, not on the item, with load left, no organisation already on the item.
    for item_id, reviewer in Assignment.objects.filter(item__call=call, status=AssignmentStatus.ALTERNATE).values_list(
        "item_id", "reviewer_id"
    ):
        seated_orgs = {employer[u] for u in panels[item_id]} - {None}
        assert reviewer in allowed[item_id]
        assert reviewer not in panels[item_id]
        assert loads[reviewer] < pool[reviewer].max_load
        assert not (world.distinct_organizations and employer[reviewer] in seated_orgs)
    assert run.assigned == len(rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_a_run_on_a_random_call_meets_every_rule_and_skips_every_conflict(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with transaction.atomic():
        built = build(world)
        with django_capture_on_commit_callbacks(execute=True):
            queued = services.start_assignment(actor=built.operator, call=built.call)
        run = AssignmentRun.objects.get(pk=queued.pk)
        event(f"run {run.status}")  # --hypothesis-show-statistics: how many examples were feasible
        check(world, built, run)
        transaction.set_rollback(True)  # the next example starts from the empty database
