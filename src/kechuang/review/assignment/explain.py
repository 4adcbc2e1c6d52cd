"""Explaining an infeasible problem: read a smallest set of violations and turn it into :class:`Infeasible`.

The violations come from the flow solved again with artificial arcs (:func:`diagnose_flow`), from forced
pairs that clash on their own (:func:`forced_clashes`), or from CP-SAT's slack variables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kechuang.review.assignment.flow import Graph, run_flow
from kechuang.review.assignment.indexing import Indexed, Ints, organisation_groups
from kechuang.review.assignment.problem import Infeasible, Shortfall


@dataclass
class Diagnosis:
    """A smallest set of violations: per item reviews ``short``, ``industry`` unmet, forced pairs ``over``
    what it may take; per reviewer ``under`` its minimum and ``overbooked`` by forced pairs; loads."""

    short: Ints
    industry: Ints
    over: Ints
    under: Ints
    overbooked: Ints
    loads: Ints
    chosen: npt.NDArray[np.bool_]  # free pairs used by the diagnostic assignment


def blank_diagnosis(ix: Indexed, chosen: npt.NDArray[np.bool_]) -> Diagnosis:
    n_items, n_revs = ix.sizes
    loads = np.bincount(ix.pair_rev[chosen], minlength=n_revs) + np.bincount(ix.forced_rev, minlength=n_revs)
    return Diagnosis(
        short=np.zeros(n_items, dtype=np.int64),
        industry=np.zeros(n_items, dtype=np.int64),
        over=np.zeros(n_items, dtype=np.int64),
        under=np.zeros(n_revs, dtype=np.int64),
        overbooked=np.zeros(n_revs, dtype=np.int64),
        loads=loads.astype(np.int64),
        chosen=chosen,
    )


def diagnose_flow(ix: Indexed, graph: Graph) -> Diagnosis:
    """Read the artificial arcs of the minimum-violation flow."""
    n_revs = ix.sizes[1]
    found, flows, artificial = run_flow(graph, np.zeros(graph.n_pairs, dtype=np.int64), artificial=True)
    if not found:  # pragma: no cover - the artificial arcs make every supply routable
        raise RuntimeError("the diagnostic flow has no solution")
    diagnosis = blank_diagnosis(ix, flows[: graph.n_pairs] > 0)
    nodes = np.flatnonzero(graph.supply[1:] != 0) + 1  # as run_flow numbers the artificial arcs
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


def forced_clashes(ix: Indexed) -> Diagnosis:
    """Forced pairs that overfill an item, a reviewer or an organisation's one seat (checked before CP-SAT)."""
    n_items, n_revs = ix.sizes
    diagnosis = blank_diagnosis(ix, np.zeros(len(ix.pair_item), dtype=np.bool_))
    diagnosis.over = np.maximum(np.bincount(ix.forced_item, minlength=n_items) - ix.demand, 0)
    diagnosis.overbooked = np.maximum(np.bincount(ix.forced_rev, minlength=n_revs) - ix.max_load, 0)
    if ix.problem.distinct_organizations:
        group, group_item, _, _ = organisation_groups(ix)
        forced_groups = group[len(ix.pair_item) :]
        seats = np.bincount(forced_groups[forced_groups >= 0], minlength=len(group_item))
        np.add.at(diagnosis.over, group_item, np.maximum(seats - 1, 0))
    return diagnosis


def infeasible(ix: Indexed, diagnosis: Diagnosis) -> Infeasible:
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
