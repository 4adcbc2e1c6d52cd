"""The problem as numpy arrays (the form every solver phase works on) and the organisation groups on items.

A pair is *free* when it has a score, is not a conflict and is not forced; forced pairs are kept apart
(they are lower bounds, not choices). Scores become integer costs here (see the package docstring on
rounding).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kechuang.review.assignment.problem import SCALE, Problem

Ints = npt.NDArray[np.int64]


@dataclass
class Indexed:
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


def index_problem(problem: Problem) -> Indexed:
    """``problem`` as arrays; ``ValueError`` for unknown keys in scores or forced pairs, or a non-finite score."""
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
    return Indexed(
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


def integer_costs(scores: npt.NDArray[np.float64]) -> tuple[Ints, float]:
    """Integer costs (negated, scaled, rounded scores) and the score value of one unit."""
    top = float(np.max(np.abs(scores))) if len(scores) else 0.0
    unit = top / SCALE if top > 0 else 1.0 / SCALE
    return -np.rint(scores / unit).astype(np.int64), unit


def organisation_groups(
    ix: Indexed, *, split_industry: bool = False
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
