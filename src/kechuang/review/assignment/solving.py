"""The entry point: index the problem, pick the flow or CP-SAT, explain or answer."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from kechuang.review.assignment.alternates import eligible_alternates
from kechuang.review.assignment.cpsat import relaxed_optimum, run_cpsat
from kechuang.review.assignment.explain import blank_diagnosis, diagnose_flow, forced_clashes, infeasible
from kechuang.review.assignment.flow import build_graph, run_flow
from kechuang.review.assignment.indexing import Indexed, Ints, index_problem, integer_costs
from kechuang.review.assignment.problem import Cancelled, Infeasible, Problem, Solution


def _solution(ix: Indexed, chosen: npt.NDArray[np.bool_], unit: float, method: str) -> Solution:
    """The answer for the free pairs ``chosen`` (forced pairs are always in): panels and alternates ranked."""
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
        able = eligible_alternates(ix, chosen)
        alternates = grouped(ix.pair_item[able], ix.pair_rev[able], ix.pair_score[able], problem.alternates)
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
    ix = index_problem(problem)
    if ix.contradictions:
        pairs = ", ".join(f"{item}/{reviewer}" for item, reviewer in ix.contradictions[:5])
        raise Infeasible(f"forced pairs are also conflicts: {pairs}")
    phase(0.2)
    costs, unit = integer_costs(ix.pair_score)
    graph = build_graph(ix)
    phase(0.4)
    if graph is not None:
        found, flows, _ = run_flow(graph, costs, artificial=False)
        if not found:
            phase(0.6)
            raise infeasible(ix, diagnose_flow(ix, graph))
        chosen, method = flows[: graph.n_pairs] > 0, "flow"
    elif (relaxed := relaxed_optimum(ix, costs)) is not None:
        chosen, method = relaxed, "flow"
    else:
        clashes = forced_clashes(ix)
        if clashes.over.any() or clashes.overbooked.any():
            raise infeasible(ix, clashes)
        found, values, _ = run_cpsat(ix, costs, slack=False, cancelled=cancelled)
        if not found:
            phase(0.6)
            _, values, slacks = run_cpsat(ix, costs, slack=True, cancelled=cancelled)
            diagnosis = blank_diagnosis(ix, values > 0)
            # An unmet industry seat counts as a missing review, as it does in the flow.
            diagnosis.short = slacks["short"] + slacks["industry"]
            diagnosis.under, diagnosis.industry = slacks["under"], slacks["industry"]
            raise infeasible(ix, diagnosis)
        chosen, method = values > 0, "cp-sat"
    phase(0.9)
    solution = _solution(ix, chosen, unit, method)
    phase(1.0)
    return solution
