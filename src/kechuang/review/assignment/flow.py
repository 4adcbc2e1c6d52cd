"""The min-cost flow: the network (with the panel rules as node splits) and its solution by OR-Tools.

See the package docstring for the shape of the graph. Nodes: 0 is the source, ``1..R`` the reviewers,
then the items, then the panel nodes (industry, organisation) in the order the layers add them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped]  # .pyi without py.typed

from kechuang.review.assignment.indexing import Indexed, Ints, organisation_groups


@dataclass
class Graph:
    """Arcs (pair arcs first, ``n_pairs`` of them), supplies, and which item each panel node belongs to."""

    tails: Ints
    heads: Ints
    caps: Ints
    supply: Ints
    n_pairs: int
    node_item: Ints  # item index of item, industry and organisation nodes; -1 for the source and reviewers
    industry_node: Ints  # per item, its industry node or -1


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


def _industry_layer(ix: Indexed, layers: _Layers, item_node: Ints, head: Ints, cand: tuple[Ints, Ints]) -> Ints:
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
    ix: Indexed, layers: _Layers, item_node: Ints, head: Ints, industry_node: Ints, *, relaxed: bool
) -> bool:
    """A node of capacity 1 per (item, organisation) with two or more candidates; entering the industry node
    when all are industry experts. False when one mixes experts and others under an industry rule, unless
    ``relaxed``: then its experts and its others get a node each (two seats, a relaxation)."""
    group, group_item, all_industry, any_industry = organisation_groups(ix, split_industry=relaxed)
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


def build_graph(ix: Indexed, *, relaxed: bool = False) -> Graph | None:
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
    return Graph(
        tails=np.concatenate([1 + ix.pair_rev, np.zeros(n_revs, dtype=np.int64), *layers.tails]),
        heads=np.concatenate([head[:n_pairs], 1 + np.arange(n_revs, dtype=np.int64), *layers.heads]),
        caps=np.concatenate([np.ones(n_pairs, dtype=np.int64), ix.max_load - ix.min_load, *layers.caps]),
        supply=supply,
        n_pairs=n_pairs,
        node_item=np.concatenate(layers.owners).astype(np.int64),
        industry_node=industry_node,
    )


def run_flow(graph: Graph, costs: Ints, *, artificial: bool) -> tuple[bool, Ints, Ints]:
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
