"""Optimal reviewer assignment: maximise total affinity under demands, loads, conflicts and panel rules.

Pure Python with OR-Tools and numpy; no Django, so the command line, the benchmark and the background
task share it (import-linter keeps it so).

**The model.** One min-cost flow (OR-Tools ``SimpleMinCostFlow``) on the sparse eligible pairs:

    source ──[max_load − min_load]──▶ reviewer ──[1, −cost(score)]──▶ item ══[demand]══▶ (sink)

A pair is eligible when it has a score, is not a conflict and is not forced. Lower bounds become
node supplies (the textbook transformation): a reviewer's ``min_load`` is a supply of its own, an
item's ``demand`` is a demand of that node, a forced pair moves one unit of supply from the reviewer
to the node its arc would enter. Panel rules are node splits, per item:

- *no two reviewers from one organisation*: the eligible (and forced) reviewers of one organisation
  on an item enter a node ``(item, organisation)`` whose single arc onward has capacity 1;
- *at least one industry expert*: industry reviewers (or their organisation nodes) enter a node
  ``(item, industry)`` whose arc to the item has a lower bound of 1.

Both rules together stay a flow (a tree of nested capacities under each item) as long as each
organisation node of an item holds only industry or only non-industry reviewers, which is the usual
case (an organisation is a company or it is not). When some organisation mixes both on one item the
two families of sets cross, the constraint matrix is no longer a network matrix, and the same model is
solved exactly with CP-SAT instead (``Solution.method == "cp-sat"``).

**Exactness.** A flow's constraint matrix is totally unimodular, so the integral min-cost flow is an
optimum over all fractional assignments too; the LP relaxation of the plain b-matching (HiGHS in the
benchmark) reaches the same total.

**Rounding.** Scores are floats; the flow needs integer costs. Each score is divided by ``unit =
max|score| / SCALE`` and rounded to the nearest integer (``SCALE`` = 1,000,000), so each pair's cost
is off by at most half a unit. An assignment of ``D`` reviews changes total by at most ``D × unit / 2``
under rounding, so ours is within ``D × unit`` of the true optimum: for scores in [0, 1] and 6,000
reviews, 0.006 at worst (the benchmark measures the real gap against HiGHS).

**Infeasibility.** When no assignment exists, the same graph is solved again with an artificial node
that may supply or absorb any node's imbalance at cost 1 per unit and real costs set to 0: the
minimum artificial flow names the items short of reviews (and by how many), the items whose industry
rule cannot be met, reviewers who cannot reach their minimum load, and forced pairs that overfill an
item or a reviewer. :class:`Infeasible` carries one :class:`Shortfall` per short item with counts of
the candidates lost to each cause. It is one smallest explanation; when items compete for the same
few reviewers, another item could have been the one left short.

**Progress and cancel.** ``progress(fraction)`` is called between phases and ``cancelled()`` checked
there (and polled during a CP-SAT search); a cancel raises :class:`Cancelled`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped]  # .pyi without py.typed
from ortools.sat.python import cp_model

SCALE = 1_000_000  # the largest |score| becomes this many integer cost units

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Reviewer:
    key: str
    max_load: int
    min_load: int = 0
    organization: str | None = None  # for "no two reviewers from one organisation" on an item
    industry: bool = False  # for "at least one industry expert" per item


@dataclass(frozen=True)
class Item:
    key: str
    demand: int  # reviews wanted


@dataclass
class Problem:
    """What to solve. A pair absent from ``scores`` is not eligible, unless it is forced (its score is then 0).

    Conflicts naming an unknown item or reviewer are ignored (they exclude nobody); scores and forced
    pairs naming one raise ``ValueError``, as do duplicate keys, negative demands or loads, and
    ``min_load > max_load``. A pair both forced and conflicted makes the problem infeasible.
    """

    items: Sequence[Item]
    reviewers: Sequence[Reviewer]
    scores: Mapping[tuple[str, str], float]  # (item key, reviewer key) -> affinity
    conflicts: AbstractSet[tuple[str, str]] = frozenset()
    forced: AbstractSet[tuple[str, str]] = frozenset()  # must be assigned (manual changes)
    require_industry: bool = False
    distinct_organizations: bool = False
    alternates: int = 0  # per item, best eligible unassigned reviewers in order


@dataclass
class Shortfall:
    """Why an item cannot get its demand.

    ``eligible`` counts the reviewers who could review it (scored, not conflicted, or forced);
    ``missing`` the reviews it lacks in a smallest explanation (an unmet industry seat counts as
    one). ``reasons`` holds only non-zero counts:
    ``conflict`` (reviewers excluded by a conflict), ``no_affinity`` (no score for the pair),
    ``organization`` (eligible reviewers who share an organisation with another eligible one, when
    the rule is on), ``industry`` (1: the industry-expert rule cannot be met), ``load`` (eligible
    reviewers whose load is full with other items), ``forced`` (forced pairs exceed what the item may take).
    """

    item: str
    demand: int
    eligible: int
    reasons: dict[str, int]
    missing: int = 0


class Infeasible(Exception):  # noqa: N818 - the name is the interface other apps code against
    """No assignment meets every constraint. ``shortfalls`` may be empty when the cause is global (capacity)."""

    def __init__(self, message: str, shortfalls: Sequence[Shortfall] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.shortfalls = list(shortfalls)


class Cancelled(Exception):  # noqa: N818
    """``cancelled()`` answered true between two phases, or during a CP-SAT search."""


@dataclass
class Solution:
    assignment: dict[str, list[str]]  # item -> reviewers, best score first (ties by key)
    alternates: dict[str, list[str]]
    total: float  # sum of the scores of assigned pairs (forced pairs without a score count 0)
    method: str = "flow"  # "flow" or "cp-sat" (both rules on and an organisation mixing industry and not)
    unit: float = field(default=1.0 / SCALE)  # the score value of one integer cost unit


# ---------------------------------------------------------------- indexing


@dataclass
class _Indexed:
    """The problem as arrays: items ``0..I-1``, reviewers ``0..R-1``, free pairs, forced pairs."""

    problem: Problem
    demand: Ints
    max_load: Ints
    min_load: Ints
    org: Ints  # organisation number per reviewer, -1 for none
    industry: npt.NDArray[np.bool_]
    pair_item: Ints  # eligible, not forced
    pair_rev: Ints
    pair_score: npt.NDArray[np.float64]
    forced_item: Ints
    forced_rev: Ints
    forced_score: npt.NDArray[np.float64]
    conflicted: Ints  # per item: conflicts with known reviewers
    contradictions: list[tuple[str, str]]  # forced and conflicted

    @property
    def sizes(self) -> tuple[int, int]:
        return len(self.demand), len(self.max_load)


def _keys(problem: Problem) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Positions of items and reviewers, numbers of organisations; refuses duplicates and bad loads."""
    item_at: dict[str, int] = {}
    for item in problem.items:
        if item.key in item_at or item.demand < 0:
            raise ValueError(f"item {item.key!r} appears twice or has a negative demand")
        item_at[item.key] = len(item_at)
    rev_at: dict[str, int] = {}
    orgs: dict[str, int] = {}
    for reviewer in problem.reviewers:
        if reviewer.key in rev_at or not 0 <= reviewer.min_load <= reviewer.max_load:
            raise ValueError(f"reviewer {reviewer.key!r} appears twice or does not have 0 <= min_load <= max_load")
        rev_at[reviewer.key] = len(rev_at)
        if reviewer.organization is not None:
            orgs.setdefault(reviewer.organization, len(orgs))
    return item_at, rev_at, orgs


def _index(problem: Problem) -> _Indexed:
    item_at, rev_at, orgs = _keys(problem)
    conflicts, forced = problem.conflicts, problem.forced
    f_item, f_rev, f_score, contradictions = [], [], [], []
    for pair in sorted(forced):
        if pair[0] not in item_at or pair[1] not in rev_at:
            raise ValueError(f"forced pair {pair!r} names an unknown item or reviewer")
        if pair in conflicts:
            contradictions.append(pair)
            continue
        f_item.append(item_at[pair[0]])
        f_rev.append(rev_at[pair[1]])
        f_score.append(float(problem.scores.get(pair, 0.0)))
    known = [item_at[i] for i, r in conflicts if i in item_at and r in rev_at]
    p_item, p_rev, p_score = [], [], []
    for pair, score in problem.scores.items():
        i, r = item_at.get(pair[0]), rev_at.get(pair[1])
        if i is None or r is None or not math.isfinite(score):
            raise ValueError(f"score for {pair!r} names an unknown item or reviewer, or is not a finite number")
        if pair not in conflicts and pair not in forced:
            p_item.append(i)
            p_rev.append(r)
            p_score.append(score)
    reviewers = problem.reviewers
    return _Indexed(
        problem=problem,
        demand=np.array([item.demand for item in problem.items], dtype=np.int64),
        max_load=np.array([r.max_load for r in reviewers], dtype=np.int64),
        min_load=np.array([r.min_load for r in reviewers], dtype=np.int64),
        org=np.array([-1 if r.organization is None else orgs[r.organization] for r in reviewers], dtype=np.int64),
        industry=np.array([r.industry for r in reviewers], dtype=np.bool_),
        pair_item=np.array(p_item, dtype=np.int64),
        pair_rev=np.array(p_rev, dtype=np.int64),
        pair_score=np.array(p_score, dtype=np.float64),
        forced_item=np.array(f_item, dtype=np.int64),
        forced_rev=np.array(f_rev, dtype=np.int64),
        forced_score=np.array(f_score, dtype=np.float64),
        conflicted=np.bincount(np.array(known, dtype=np.int64), minlength=len(item_at)).astype(np.int64),
        contradictions=contradictions,
    )


def _costs(scores: npt.NDArray[np.float64]) -> tuple[Ints, float]:
    """Integer costs (negated, scaled, rounded scores) and the score value of one unit."""
    top = float(np.max(np.abs(scores))) if len(scores) else 0.0
    unit = top / SCALE if top > 0 else 1.0 / SCALE
    return -np.rint(scores / unit).astype(np.int64), unit


# ---------------------------------------------------------------- the graph


@dataclass
class _Graph:
    """Arcs (pair arcs first, ``n_pairs`` of them), supplies, and which item each panel node belongs to."""

    tails: Ints
    heads: Ints
    caps: Ints
    supply: Ints
    n_pairs: int
    node_item: Ints  # item index of item, industry and organisation nodes; -1 for the source and reviewers
    industry_node: Ints  # per item, its industry node or -1


def _groups(
    ix: _Indexed, *, split_industry: bool = False
) -> tuple[Ints, Ints, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Organisation groups of two or more candidates on an item: group per candidate (-1 none), group
    item, and per group whether all / any members are industry. Candidates are free pairs then forced.
    ``split_industry`` groups an organisation's experts apart from its other members (a relaxation)."""
    cand_item = np.concatenate([ix.pair_item, ix.forced_item])
    cand_rev = np.concatenate([ix.pair_rev, ix.forced_rev])
    group = np.full(len(cand_item), -1, dtype=np.int64)
    with_org = np.flatnonzero(ix.org[cand_rev] >= 0)
    n_orgs = int(ix.org.max()) + 1 if len(ix.org) else 0
    keys = cand_item[with_org] * max(n_orgs, 1) + ix.org[cand_rev[with_org]]
    if split_industry:
        keys = keys * 2 + ix.industry[cand_rev[with_org]]
    unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    shared = counts >= 2
    number = np.full(len(unique), -1, dtype=np.int64)
    number[shared] = np.arange(int(shared.sum()))
    group[with_org] = number[inverse]
    members = group >= 0
    n_groups = int(shared.sum())
    industry_members = np.bincount(group[members], weights=ix.industry[cand_rev[members]], minlength=n_groups)
    sizes = np.bincount(group[members], minlength=n_groups)
    group_item = np.zeros(n_groups, dtype=np.int64)
    group_item[group[members]] = cand_item[members]
    return group, group_item, industry_members == sizes, industry_members > 0


@dataclass
class _Layers:
    """Panel nodes added under the items: each with the item it belongs to, their onward arcs, lower bounds."""

    next_node: int
    owners: list[Ints]
    tails: list[Ints] = field(default_factory=list)
    heads: list[Ints] = field(default_factory=list)
    caps: list[Ints] = field(default_factory=list)
    lower: list[tuple[Ints, Ints]] = field(default_factory=list)  # arcs that must carry 1 unit

    def nodes(self, owners: Ints) -> Ints:
        first = self.next_node
        self.next_node += len(owners)
        self.owners.append(owners)
        return first + np.arange(len(owners), dtype=np.int64)

    def arcs(self, tails: Ints, heads: Ints, caps: Ints) -> None:
        self.tails.append(tails)
        self.heads.append(heads)
        self.caps.append(caps)


def _industry_layer(ix: _Indexed, layers: _Layers, item_node: Ints, head: Ints, cand: tuple[Ints, Ints]) -> Ints:
    """An industry node per item wanting reviews, lower bound 1 onward; industry candidates enter it."""
    wanting = np.flatnonzero(ix.demand > 0)
    industry_node = np.full(len(ix.demand), -1, dtype=np.int64)
    industry_node[wanting] = layers.nodes(wanting)
    layers.arcs(industry_node[wanting], item_node[wanting], ix.demand[wanting] - 1)
    layers.lower.append((industry_node[wanting], item_node[wanting]))
    cand_item, cand_rev = cand
    expert = ix.industry[cand_rev] & (industry_node[cand_item] >= 0)
    head[expert] = industry_node[cand_item[expert]]
    return industry_node


def _organisation_layer(
    ix: _Indexed, layers: _Layers, item_node: Ints, head: Ints, industry_node: Ints, *, relaxed: bool
) -> bool:
    """A node of capacity 1 per (item, organisation) with two or more candidates; entering the industry node
    when all are industry experts. False when one mixes experts and others under an industry rule, unless
    ``relaxed``: then its experts and its others get a node each (two seats, a relaxation)."""
    group, group_item, all_industry, any_industry = _groups(ix, split_industry=relaxed)
    target = item_node[group_item]
    has_node = industry_node[group_item] >= 0
    if np.any(has_node & any_industry & ~all_industry):
        return False
    expert_group = has_node & all_industry
    target[expert_group] = industry_node[group_item[expert_group]]
    group_node = layers.nodes(group_item)
    layers.arcs(group_node, target, np.ones(len(group_item), dtype=np.int64))
    in_group = group >= 0
    head[in_group] = group_node[group[in_group]]
    return True


def _graph(ix: _Indexed, *, relaxed: bool = False) -> _Graph | None:
    """The flow network, or ``None`` when both panel rules are on and an organisation mixes on an item
    (``relaxed``: the network of the relaxation that gives such an organisation two seats)."""
    problem = ix.problem
    n_items, n_revs = ix.sizes
    item_node = 1 + n_revs + np.arange(n_items, dtype=np.int64)
    n_pairs = len(ix.pair_item)
    cand = (np.concatenate([ix.pair_item, ix.forced_item]), np.concatenate([ix.pair_rev, ix.forced_rev]))
    head = item_node[cand[0]]  # the node each candidate's arc enters
    layers = _Layers(1 + n_revs + n_items, [np.full(1 + n_revs, -1, dtype=np.int64), np.arange(n_items)])
    industry_node = np.full(n_items, -1, dtype=np.int64)
    if problem.require_industry:
        industry_node = _industry_layer(ix, layers, item_node, head, cand)
    if problem.distinct_organizations and not _organisation_layer(
        ix, layers, item_node, head, industry_node, relaxed=relaxed
    ):
        return None
    supply = np.zeros(layers.next_node, dtype=np.int64)
    supply[0] = int(ix.demand.sum() - ix.min_load.sum())
    supply[1 : 1 + n_revs] = ix.min_load
    supply[item_node] -= ix.demand
    # Lower bounds move supply: a forced pair from its reviewer to the node its arc would enter.
    np.subtract.at(supply, 1 + ix.forced_rev, 1)
    np.add.at(supply, head[n_pairs:], 1)
    for tails, heads in layers.lower:
        np.subtract.at(supply, tails, 1)
        np.add.at(supply, heads, 1)
    return _Graph(
        tails=np.concatenate([1 + ix.pair_rev, np.zeros(n_revs, dtype=np.int64), *layers.tails]),
        heads=np.concatenate([head[:n_pairs], 1 + np.arange(n_revs, dtype=np.int64), *layers.heads]),
        caps=np.concatenate([np.ones(n_pairs, dtype=np.int64), ix.max_load - ix.min_load, *layers.caps]),
        supply=supply,
        n_pairs=n_pairs,
        node_item=np.concatenate(layers.owners).astype(np.int64),
        industry_node=industry_node,
    )


def _run_flow(graph: _Graph, costs: Ints, *, artificial: bool) -> tuple[bool, Ints, Ints]:
    """Solve; return (optimal, flow per arc, flow per artificial arc).

    Artificial arcs, when asked, join a spare node to every node with a non-zero supply but the source,
    at cost 1 per unit, so the flow always exists; the source trades with the spare node freely both
    ways, so the reviews a reviewer cannot give towards its minimum load go back to the pool."""
    tails, heads, caps = graph.tails, graph.heads, graph.caps
    all_costs = np.concatenate([costs, np.zeros(len(tails) - len(costs), dtype=np.int64)])
    spare = len(graph.supply)
    nodes = np.flatnonzero(graph.supply[1:] != 0) + 1
    if artificial:
        out = graph.supply[nodes] > 0
        pool = int(np.abs(graph.supply).sum())
        tails = np.concatenate([tails, np.where(out, nodes, spare), [0, spare]])
        heads = np.concatenate([heads, np.where(out, spare, nodes), [spare, 0]])
        caps = np.concatenate([caps, np.abs(graph.supply[nodes]), [pool, pool]])
        artificial_costs = np.concatenate([np.ones(len(nodes), dtype=np.int64), [0, 0]])
        all_costs = np.concatenate([np.zeros(len(all_costs), dtype=np.int64), artificial_costs])
    solver = min_cost_flow.SimpleMinCostFlow()
    arcs = solver.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, all_costs)
    solver.set_nodes_supplies(np.arange(len(graph.supply), dtype=np.int64), graph.supply)
    status = solver.solve()
    if status not in (solver.OPTIMAL, solver.INFEASIBLE):
        raise RuntimeError(f"min-cost flow failed with status {status!r}")
    if status != solver.OPTIMAL:
        return False, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    flows = np.asarray(solver.flows(arcs), dtype=np.int64)
    n_real = len(graph.tails)
    return True, flows[:n_real], flows[n_real:]


# ---------------------------------------------------------------- CP-SAT (both rules, mixed organisations)


def _relaxation(ix: _Indexed, costs: Ints) -> npt.NDArray[np.bool_] | None:
    """The optimum of the relaxation giving mixed organisations two seats (one expert, one other), when it
    happens to seat at most one per organisation: then it is optimal for the real rule too. Else None."""
    graph = _graph(ix, relaxed=True)
    if graph is None:  # pragma: no cover - the relaxation is always a flow
        return None
    found, flows, _ = _run_flow(graph, costs, artificial=False)
    if not found:
        return None
    chosen = flows[: graph.n_pairs] > 0
    items = np.concatenate([ix.pair_item[chosen], ix.forced_item])
    orgs = ix.org[np.concatenate([ix.pair_rev[chosen], ix.forced_rev])]
    keyed = orgs >= 0
    seats = items[keyed] * (int(ix.org.max()) + 1) + orgs[keyed]
    return chosen if len(np.unique(seats)) == len(seats) else None


_Var = cp_model.IntVar | int  # a slack variable, or 0 where the model has none


def _cpsat_model(
    ix: _Indexed, costs: Ints, *, slack: bool
) -> tuple[cp_model.CpModel, list[cp_model.IntVar], dict[str, list[_Var]]]:
    """The flow's model as 0-1 variables, one per free pair; forced pairs are constants. With ``slack``,
    shortages are variables to minimise: per item ``short`` reviews and ``industry`` unmet, per reviewer
    ``under`` its minimum load."""
    n_items, n_revs = ix.sizes
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{p}") for p in range(len(ix.pair_item))]
    forced_per_item = np.bincount(ix.forced_item, minlength=n_items)
    forced_per_rev = np.bincount(ix.forced_rev, minlength=n_revs)
    by_item: list[list[cp_model.IntVar]] = [[] for _ in range(n_items)]
    by_rev: list[list[cp_model.IntVar]] = [[] for _ in range(n_revs)]
    experts_of: list[list[cp_model.IntVar]] = [[] for _ in range(n_items)]
    for var, i, r in zip(x, ix.pair_item.tolist(), ix.pair_rev.tolist(), strict=True):
        by_item[i].append(var)
        by_rev[r].append(var)
        if ix.industry[r]:
            experts_of[i].append(var)
    slacks: dict[str, list[_Var]] = {
        "short": [model.new_int_var(0, int(d), "") if slack else 0 for d in ix.demand.tolist()],
        "under": [model.new_int_var(0, int(m), "") if slack else 0 for m in ix.min_load.tolist()],
        "industry": [0] * n_items,
    }
    for i in range(n_items):
        model.add(cp_model.LinearExpr.sum(by_item[i]) + slacks["short"][i] == int(ix.demand[i] - forced_per_item[i]))
    for r in range(n_revs):
        load = cp_model.LinearExpr.sum(by_rev[r])
        model.add(load <= int(ix.max_load[r] - forced_per_rev[r]))
        model.add(load + slacks["under"][r] >= int(ix.min_load[r] - forced_per_rev[r]))
    if ix.problem.distinct_organizations:
        group = _groups(ix)[0]
        members: dict[int, list[cp_model.IntVar]] = {}
        for g, var in zip(group[: len(x)].tolist(), x, strict=True):
            if g >= 0:
                members.setdefault(g, []).append(var)
        taken = np.bincount(group[len(x) :][group[len(x) :] >= 0], minlength=int(group.max()) + 1)
        for g, variables in members.items():
            model.add(cp_model.LinearExpr.sum(variables) <= 1 - int(taken[g]))
    if ix.problem.require_industry:
        forced_experts = np.bincount(ix.forced_item[ix.industry[ix.forced_rev]], minlength=n_items)
        for i in np.flatnonzero((ix.demand > 0) & (forced_experts == 0)).tolist():
            slacks["industry"][i] = model.new_bool_var("") if slack else 0
            model.add(cp_model.LinearExpr.sum(experts_of[i]) + slacks["industry"][i] >= 1)
    if slack:
        model.minimize(
            cp_model.LinearExpr.sum([v for values in slacks.values() for v in values if not isinstance(v, int)])
        )
    else:
        model.minimize(cp_model.LinearExpr.weighted_sum(x, costs.tolist()))
    return model, x, slacks


def _run_cpsat(
    ix: _Indexed, costs: Ints, *, slack: bool, cancelled: Callable[[], bool] | None
) -> tuple[bool, Ints, dict[str, Ints]]:
    """Solve the CP-SAT model to optimality on every core, polling ``cancelled`` ten times a second.
    Returns (solved, value per free pair, slack values)."""
    model, x, slacks = _cpsat_model(ix, costs, slack=slack)
    solver = cp_model.CpSolver()
    # Measured on 2,000 × 5,000 with mixed organisations: one worker with the full LP relaxation proves
    # the optimum in about 95 s; the default portfolio of 2 or 8 workers had not closed the gap in 120 s.
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 2
    stop, was_cancelled = threading.Event(), threading.Event()

    def watch() -> None:
        while cancelled is not None and not stop.wait(0.1):
            if cancelled():
                was_cancelled.set()
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        status = solver.solve(model)
    finally:
        stop.set()
        watcher.join()
    if was_cancelled.is_set():
        raise Cancelled
    if status != cp_model.OPTIMAL:
        return False, np.zeros(0, dtype=np.int64), {}
    values = np.array([solver.value(v) for v in x], dtype=np.int64)
    read = {name: np.array([solver.value(v) for v in vs], dtype=np.int64) for name, vs in slacks.items()}
    return True, values, read


# ---------------------------------------------------------------- explaining infeasibility


@dataclass
class _Diagnosis:
    """A smallest set of violations: per item reviews ``short``, ``industry`` unmet, forced pairs ``over``
    what it may take; per reviewer ``under`` its minimum and ``overbooked`` by forced pairs; loads."""

    short: Ints
    industry: Ints
    over: Ints
    under: Ints
    overbooked: Ints
    loads: Ints
    chosen: npt.NDArray[np.bool_]  # free pairs used by the diagnostic assignment


def _blank(ix: _Indexed, chosen: npt.NDArray[np.bool_]) -> _Diagnosis:
    n_items, n_revs = ix.sizes
    loads = np.bincount(ix.pair_rev[chosen], minlength=n_revs) + np.bincount(ix.forced_rev, minlength=n_revs)
    return _Diagnosis(
        short=np.zeros(n_items, dtype=np.int64),
        industry=np.zeros(n_items, dtype=np.int64),
        over=np.zeros(n_items, dtype=np.int64),
        under=np.zeros(n_revs, dtype=np.int64),
        overbooked=np.zeros(n_revs, dtype=np.int64),
        loads=loads.astype(np.int64),
        chosen=chosen,
    )


def _diagnose_flow(ix: _Indexed, graph: _Graph) -> _Diagnosis:
    """Read the artificial arcs of the minimum-violation flow."""
    n_revs = ix.sizes[1]
    found, flows, artificial = _run_flow(graph, np.zeros(graph.n_pairs, dtype=np.int64), artificial=True)
    if not found:  # pragma: no cover - the artificial arcs make every supply routable
        raise RuntimeError("the diagnostic flow has no solution")
    diagnosis = _blank(ix, flows[: graph.n_pairs] > 0)
    nodes = np.flatnonzero(graph.supply[1:] != 0) + 1  # as _run_flow numbers the artificial arcs
    for node, amount in zip(nodes.tolist(), artificial[: len(nodes)].tolist(), strict=True):
        if amount == 0:
            continue
        giving = graph.supply[node] > 0
        if node <= n_revs:
            (diagnosis.under if giving else diagnosis.overbooked)[node - 1] += amount
        else:
            item = int(graph.node_item[node])
            if giving:
                diagnosis.over[item] += amount
            else:
                diagnosis.short[item] += amount
                diagnosis.industry[item] |= int(graph.industry_node[item] == node)
    return diagnosis


def _forced_clashes(ix: _Indexed) -> _Diagnosis:
    """Forced pairs that overfill an item, a reviewer or an organisation's one seat (checked before CP-SAT)."""
    n_items, n_revs = ix.sizes
    diagnosis = _blank(ix, np.zeros(len(ix.pair_item), dtype=np.bool_))
    diagnosis.over = np.maximum(np.bincount(ix.forced_item, minlength=n_items) - ix.demand, 0)
    diagnosis.overbooked = np.maximum(np.bincount(ix.forced_rev, minlength=n_revs) - ix.max_load, 0)
    if ix.problem.distinct_organizations:
        group, group_item, _, _ = _groups(ix)
        forced_groups = group[len(ix.pair_item) :]
        seats = np.bincount(forced_groups[forced_groups >= 0], minlength=len(group_item))
        np.add.at(diagnosis.over, group_item, np.maximum(seats - 1, 0))
    return diagnosis


def _infeasible(ix: _Indexed, diagnosis: _Diagnosis) -> Infeasible:
    """The exception for ``diagnosis``: a sentence naming the global causes and one shortfall per item."""
    problem = ix.problem
    n_items, n_revs = ix.sizes
    free = np.bincount(ix.pair_item, minlength=n_items)
    forced = np.bincount(ix.forced_item, minlength=n_items)
    eligible = free + forced
    no_affinity = n_revs - ix.conflicted - eligible
    full = diagnosis.loads >= ix.max_load
    busy = np.bincount(ix.pair_item[~diagnosis.chosen & full[ix.pair_rev]], minlength=n_items)
    shared = np.zeros(n_items, dtype=np.int64)
    if problem.distinct_organizations:
        cand_item = np.concatenate([ix.pair_item, ix.forced_item])
        cand_org = ix.org[np.concatenate([ix.pair_rev, ix.forced_rev])]
        keyed = cand_org >= 0
        n_orgs = int(ix.org.max()) + 1
        distinct = np.unique(cand_item[keyed] * n_orgs + cand_org[keyed]) // n_orgs
        shared = np.bincount(cand_item[keyed], minlength=n_items) - np.bincount(distinct, minlength=n_items)
    shortfalls = []
    for i in np.flatnonzero(diagnosis.short + diagnosis.over + diagnosis.industry).tolist():
        counts = {
            "conflict": int(ix.conflicted[i]),
            "no_affinity": int(no_affinity[i]),
            "organization": int(shared[i]),
            "industry": int(diagnosis.industry[i]),
            "load": int(busy[i]),
            "forced": int(diagnosis.over[i]),
        }
        item = problem.items[i]
        reasons = {reason: count for reason, count in counts.items() if count}
        shortfalls.append(Shortfall(item.key, item.demand, int(eligible[i]), reasons, int(diagnosis.short[i])))
    wanted, capacity = int(ix.demand.sum()), int(ix.max_load.sum())
    causes = []
    if wanted > capacity:
        causes.append(f"{wanted} reviews are wanted but the reviewers can take {capacity} in all")
    if int(ix.min_load.sum()) > wanted:
        causes.append(f"the minimum loads add up to {int(ix.min_load.sum())}, more than the {wanted} reviews wanted")
    for label, amounts in (
        ("cannot reach their minimum load", diagnosis.under),
        ("are given more than their maximum load by forced pairs", diagnosis.overbooked),
    ):
        if who := [problem.reviewers[r].key for r in np.flatnonzero(amounts).tolist()]:
            causes.append(f"{len(who)} reviewer(s) {label} ({', '.join(who[:5])}{', …' if len(who) > 5 else ''})")
    if shortfalls:
        causes.append(f"{len(shortfalls)} item(s) cannot get the reviews they need")
    return Infeasible("no assignment meets every constraint: " + "; ".join(causes), shortfalls)


# ---------------------------------------------------------------- solving


def _solution(ix: _Indexed, chosen: npt.NDArray[np.bool_], unit: float, method: str) -> Solution:
    problem = ix.problem
    keys = [reviewer.key for reviewer in problem.reviewers]
    rank = np.empty(len(keys), dtype=np.int64)
    rank[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys))
    item_keys = [item.key for item in problem.items]

    def grouped(items: Ints, revs: Ints, scores: npt.NDArray[np.float64], limit: int | None) -> dict[str, list[str]]:
        order = np.lexsort((rank[revs], -scores, items))  # by item, best score first, ties by reviewer key
        items, revs = items[order], revs[order]
        out: dict[str, list[str]] = {key: [] for key in item_keys}
        if limit is not None:  # keep the first ``limit`` of each item
            starts = np.searchsorted(items, items, side="left")
            keep = np.arange(len(items)) - starts < limit
            items, revs = items[keep], revs[keep]
        for i, r in zip(items.tolist(), revs.tolist(), strict=True):
            out[item_keys[i]].append(keys[r])
        return out

    items = np.concatenate([ix.pair_item[chosen], ix.forced_item])
    revs = np.concatenate([ix.pair_rev[chosen], ix.forced_rev])
    scores = np.concatenate([ix.pair_score[chosen], ix.forced_score])
    alternates: dict[str, list[str]] = {key: [] for key in item_keys}
    if problem.alternates > 0:
        spare = ~chosen
        alternates = grouped(ix.pair_item[spare], ix.pair_rev[spare], ix.pair_score[spare], problem.alternates)
    return Solution(grouped(items, revs, scores, None), alternates, float(scores.sum()), method, unit)


def solve(
    problem: Problem,
    *,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Solution:
    """The assignment of greatest total affinity meeting every constraint of ``problem``.

    Raises :class:`Infeasible` (with shortfalls) when none exists, :class:`Cancelled` when
    ``cancelled()`` answers true at a phase boundary, ``ValueError`` for a malformed problem.
    ``progress`` receives 0.0, 0.2, 0.4, (0.6 while explaining an infeasibility), 0.9 and 1.0.
    """

    def phase(fraction: float) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled
        if progress is not None:
            progress(fraction)

    phase(0.0)
    ix = _index(problem)
    if ix.contradictions:
        pairs = ", ".join(f"{item}/{reviewer}" for item, reviewer in ix.contradictions[:5])
        raise Infeasible(f"forced pairs are also conflicts: {pairs}")
    phase(0.2)
    costs, unit = _costs(ix.pair_score)
    graph = _graph(ix)
    phase(0.4)
    if graph is not None:
        found, flows, _ = _run_flow(graph, costs, artificial=False)
        if not found:
            phase(0.6)
            raise _infeasible(ix, _diagnose_flow(ix, graph))
        chosen, method = flows[: graph.n_pairs] > 0, "flow"
    elif (relaxed := _relaxation(ix, costs)) is not None:
        chosen, method = relaxed, "flow"
    else:
        clashes = _forced_clashes(ix)
        if clashes.over.any() or clashes.overbooked.any():
            raise _infeasible(ix, clashes)
        found, values, _ = _run_cpsat(ix, costs, slack=False, cancelled=cancelled)
        if not found:
            phase(0.6)
            _, values, slacks = _run_cpsat(ix, costs, slack=True, cancelled=cancelled)
            diagnosis = _blank(ix, values > 0)
            # An unmet industry seat counts as a missing review, as it does in the flow.
            diagnosis.short = slacks["short"] + slacks["industry"]
            diagnosis.under, diagnosis.industry = slacks["under"], slacks["industry"]
            raise _infeasible(ix, diagnosis)
        chosen, method = values > 0, "cp-sat"
    phase(0.9)
    solution = _solution(ix, chosen, unit, method)
    phase(1.0)
    return solution
