"""Both panel rules with an organisation mixing industry experts and others on an item: no longer a network.

First a relaxation that is still a flow (such an organisation gets one seat for its experts and one for
the others); when its optimum happens to seat at most one per organisation, it is optimal for the real
rule too. Otherwise the same model is solved exactly with CP-SAT, one 0-1 variable per free pair.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from kechuang.review.assignment.flow import build_graph, run_flow
from kechuang.review.assignment.indexing import Indexed, Ints, organisation_groups
from kechuang.review.assignment.problem import Cancelled


def relaxed_optimum(ix: Indexed, costs: Ints) -> npt.NDArray[np.bool_] | None:
    """The optimum of the relaxation giving mixed organisations two seats (one expert, one other), when it
    happens to seat at most one per organisation: then it is optimal for the real rule too. Else None."""
    graph = build_graph(ix, relaxed=True)
    if graph is None:  # pragma: no cover - the relaxation is always a flow
        return None
    found, flows, _ = run_flow(graph, costs, artificial=False)
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
    ix: Indexed, costs: Ints, *, slack: bool
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
        group = organisation_groups(ix)[0]
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


def run_cpsat(
    ix: Indexed, costs: Ints, *, slack: bool, cancelled: Callable[[], bool] | None
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
