"""The assignment solver: known optima by hand, random instances against brute force, infeasibility
explained, cancel, and ``kechuang review assign`` end to end on files."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.review.assignment import (
    SCALE,
    Cancelled,
    Infeasible,
    Item,
    Problem,
    Reviewer,
    Shortfall,
    Solution,
    solve,
)

KECHUANG = Path(sys.executable).parent / "kechuang"

SMALL = {("a", "x"): 1.0, ("a", "y"): 0.9, ("a", "z"): 0.8, ("b", "x"): 0.5, ("b", "y"): 0.1, ("b", "z"): 0.2}


def _reviewers(*specs: tuple[str, int]) -> list[Reviewer]:
    return [Reviewer(key, load) for key, load in specs]


# ---------------------------------------------------------------- known optima


def test_the_optimum_is_found_with_panels_best_first_and_alternates() -> None:
    problem = Problem([Item("a", 2), Item("b", 2)], _reviewers(("x", 2), ("y", 2), ("z", 1)), SMALL, alternates=2)
    solution = solve(problem)
    # z's one review went to b, so z cannot stand by for a; y has one review left and can for b.
    assert (solution.assignment, solution.alternates) == ({"a": ["x", "y"], "b": ["x", "z"]}, {"a": [], "b": ["y"]})
    assert (round(solution.total, 9), solution.method) == (2.6, "flow")


def test_alternates_are_unconflicted_have_load_left_and_keep_the_organisation_rule() -> None:
    reviewers = [
        Reviewer("x", 1, organization="uni"),
        Reviewer("y", 1, organization="uni"),
        Reviewer("z", 1),
        Reviewer("v", 1, organization="co"),
        Reviewer("w", 2),
        Reviewer("u", 1),
    ]
    scores = {("a", "x"): 1.0, ("a", "y"): 0.9, ("a", "z"): 0.8, ("a", "v"): 0.7, ("a", "w"): 0.95, ("a", "u"): 0.6}
    scores[("b", "u")] = 0.1
    problem = Problem([Item("a", 2), Item("b", 1)], reviewers, scores, conflicts=frozenset({("a", "w")}), alternates=3)
    # u's one review goes to b (its only candidate); w is conflicted with a.
    assert solve(problem).alternates == {"a": ["z", "v"], "b": []}
    problem.distinct_organizations = True
    solution = solve(problem)
    # x sits for uni, so y may not stand by; the rest rank by score.
    assert (solution.assignment, solution.alternates) == ({"a": ["x", "z"], "b": ["u"]}, {"a": ["v"], "b": []})


def test_a_forced_reviewer_is_no_alternate_of_her_own_item() -> None:
    scores = {("a", "x"): 1.0, ("a", "y"): 0.5, ("a", "z"): 0.2}
    problem = Problem([Item("a", 1)], _reviewers(("x", 2), ("y", 2), ("z", 2)), scores, forced={("a", "y")})
    assert (solve(problem).assignment, solve(problem).alternates) == ({"a": ["y"]}, {"a": []})
    problem.alternates = 5
    assert solve(problem).alternates == {"a": ["x", "z"]}


def test_the_optimum_is_not_the_greedy_choice() -> None:
    scores = {("a", "x"): 10.0, ("a", "y"): 9.0, ("b", "x"): 8.0, ("b", "y"): 1.0}
    solution = solve(Problem([Item("a", 1), Item("b", 1)], _reviewers(("x", 1), ("y", 1)), scores))
    assert (solution.assignment, solution.total) == ({"a": ["y"], "b": ["x"]}, 17.0)


def test_conflicts_forced_pairs_and_minimum_loads_are_kept() -> None:
    reviewers = [Reviewer("x", 2), Reviewer("y", 2), Reviewer("z", 2, min_load=1), Reviewer("w", 1)]
    scores = {**SMALL, ("b", "w"): 0.0}
    problem = Problem(
        [Item("a", 2), Item("b", 2)],
        reviewers,
        scores,
        conflicts=frozenset({("a", "x")}),
        forced=frozenset({("b", "w")}),
    )
    solution = solve(problem)
    # a: y (0.9) and z (0.8); b must take w (forced) and then x (0.5) beats z, but z needs one item.
    assert solution.assignment == {"a": ["y", "z"], "b": ["x", "w"]}
    assert round(solution.total, 9) == 2.2


def test_a_forced_pair_without_a_score_counts_zero() -> None:
    solution = solve(Problem([Item("a", 1)], _reviewers(("x", 1), ("y", 1)), {("a", "x"): 1.0}, forced={("a", "y")}))
    assert (solution.assignment, solution.total) == ({"a": ["y"]}, 0.0)


def test_no_two_reviewers_from_one_organisation() -> None:
    reviewers = [Reviewer("x", 2, organization="o"), Reviewer("y", 2, organization="o"), Reviewer("z", 2)]
    problem = Problem([Item("a", 2)], reviewers, {("a", "x"): 1.0, ("a", "y"): 0.9, ("a", "z"): 0.1})
    assert solve(problem).assignment == {"a": ["x", "y"]}
    problem.distinct_organizations = True
    assert solve(problem).assignment == {"a": ["x", "z"]}


def test_at_least_one_industry_reviewer() -> None:
    reviewers = [Reviewer("x", 2), Reviewer("y", 2), Reviewer("z", 2, industry=True)]
    problem = Problem([Item("a", 2)], reviewers, {("a", "x"): 1.0, ("a", "y"): 0.9, ("a", "z"): 0.1})
    problem.require_industry = True
    assert (solve(problem).assignment, solve(problem).method) == ({"a": ["x", "z"]}, "flow")


def test_both_rules_with_homogeneous_organisations_stay_a_flow() -> None:
    reviewers = [
        Reviewer("x", 2, organization="uni"),
        Reviewer("y", 2, organization="uni"),
        Reviewer("z", 2, organization="co", industry=True),
        Reviewer("v", 2, organization="co", industry=True),
    ]
    scores = {("a", "x"): 1.0, ("a", "y"): 0.9, ("a", "z"): 0.2, ("a", "v"): 0.3}
    problem = Problem([Item("a", 2)], reviewers, scores, require_industry=True, distinct_organizations=True)
    solution = solve(problem)
    assert (solution.assignment, solution.method, round(solution.total, 9)) == ({"a": ["x", "v"]}, "flow", 1.3)


def test_an_organisation_mixing_industry_and_not_goes_to_cp_sat() -> None:
    reviewers = [
        Reviewer("x", 2, organization="o"),
        Reviewer("y", 2, organization="o", industry=True),
        Reviewer("z", 2),
    ]
    problem = Problem(
        [Item("a", 2), Item("b", 2)], reviewers, SMALL, require_industry=True, distinct_organizations=True
    )
    solution = solve(problem)
    assert (solution.assignment, solution.method, round(solution.total, 9)) == (
        {"a": ["y", "z"], "b": ["z", "y"]},
        "cp-sat",
        2.0,
    )


# ---------------------------------------------------------------- infeasible, explained


def _infeasible(problem: Problem) -> Infeasible:
    with pytest.raises(Infeasible) as caught:
        solve(problem)
    return caught.value


def test_an_item_whose_reviewers_are_all_conflicted_is_named() -> None:
    error = _infeasible(
        Problem(
            [Item("a", 1), Item("b", 1)],
            _reviewers(("x", 2), ("y", 2), ("z", 2)),
            {("a", "x"): 1.0, ("a", "y"): 1.0, ("b", "x"): 1.0},
            conflicts=frozenset({("a", "x"), ("a", "y")}),
        )
    )
    assert error.shortfalls == [Shortfall("a", 1, 0, {"conflict": 2, "no_affinity": 1}, missing=1)]
    assert str(error) == "no assignment meets every constraint: 1 item(s) cannot get the reviews they need"


def test_reviewers_full_with_other_items_are_counted_as_load() -> None:
    error = _infeasible(
        Problem([Item("a", 2), Item("b", 2)], _reviewers(("x", 2), ("y", 1), ("z", 1)), SMALL, conflicts={("a", "x")})
    )
    assert error.shortfalls == [Shortfall("b", 2, 3, {"load": 2}, missing=1)]


def test_global_capacity_and_minimum_loads_are_explained() -> None:
    error = _infeasible(Problem([Item("a", 3)], _reviewers(("x", 1), ("y", 1)), {("a", "x"): 1.0, ("a", "y"): 1.0}))
    assert str(error).startswith("no assignment meets every constraint: 3 reviews are wanted but the reviewers can")
    assert error.shortfalls == [Shortfall("a", 3, 2, {}, missing=1)]
    minimum = [Reviewer("x", 2, min_load=1), Reviewer("y", 2, min_load=1)]
    error = _infeasible(Problem([Item("a", 1)], minimum, {("a", "x"): 1.0, ("a", "y"): 1.0}))
    assert str(error) == (
        "no assignment meets every constraint: the minimum loads add up to 2, more than the 1 reviews wanted; "
        "1 reviewer(s) cannot reach their minimum load (x)"
    )
    assert error.shortfalls == []


def test_a_reviewer_who_cannot_reach_the_minimum_is_named() -> None:
    reviewers = [Reviewer("x", 2), Reviewer("y", 2, min_load=2)]
    scores = {("a", "x"): 1.0, ("a", "y"): 1.0, ("b", "x"): 1.0}
    error = _infeasible(Problem([Item("a", 1), Item("b", 1)], reviewers, scores))
    assert (str(error), error.shortfalls) == (
        "no assignment meets every constraint: 1 reviewer(s) cannot reach their minimum load (y)",
        [],
    )


def test_forced_pairs_that_clash_are_refused() -> None:
    scores = {("a", "x"): 1.0, ("b", "x"): 1.0}
    over = _infeasible(
        Problem([Item("a", 1), Item("b", 1)], _reviewers(("x", 1)), scores, forced={("a", "x"), ("b", "x")})
    )
    assert "given more than their maximum load by forced pairs (x)" in str(over)
    both = _infeasible(
        Problem([Item("a", 1), Item("b", 1)], _reviewers(("x", 1)), scores, conflicts={("a", "x")}, forced={("a", "x")})
    )
    assert (str(both), both.shortfalls) == ("forced pairs are also conflicts: a/x", [])


def test_an_unmet_industry_rule_is_named() -> None:
    reviewers = [Reviewer("x", 2), Reviewer("y", 2), Reviewer("z", 1, industry=True)]
    scores = {(item, r): 1.0 for item in "ab" for r in "xyz"}
    error = _infeasible(Problem([Item("a", 2), Item("b", 2)], reviewers, scores, require_industry=True))
    assert len(error.shortfalls) == 1
    assert (error.shortfalls[0].reasons["industry"], error.shortfalls[0].missing) == (1, 1)


def test_a_malformed_problem_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown item or reviewer"):
        solve(Problem([Item("a", 1)], _reviewers(("x", 1)), {("a", "nobody"): 1.0}))
    with pytest.raises(ValueError, match="appears twice"):
        solve(Problem([Item("a", 1), Item("a", 1)], _reviewers(("x", 1)), {}))
    with pytest.raises(ValueError, match="finite"):
        solve(Problem([Item("a", 1)], _reviewers(("x", 1)), {("a", "x"): float("nan")}))


# ---------------------------------------------------------------- progress and cancel


def test_progress_is_reported_and_cancel_stops_between_phases() -> None:
    problem = Problem([Item("a", 2), Item("b", 2)], _reviewers(("x", 2), ("y", 1), ("z", 1)), SMALL)
    seen: list[float] = []
    solve(problem, progress=seen.append)
    assert seen == [0.0, 0.2, 0.4, 0.9, 1.0]
    asked: list[bool] = []

    def cancel_on_third_question() -> bool:
        asked.append(True)
        return len(asked) >= 3

    seen.clear()
    with pytest.raises(Cancelled):
        solve(problem, progress=seen.append, cancelled=cancel_on_third_question)
    assert seen == [0.0, 0.2]


# ---------------------------------------------------------------- random instances against brute force


def _brute_force(problem: Problem) -> float | None:
    """The best total over every assignment meeting every rule, or None when there is none."""
    by_key = {r.key: r for r in problem.reviewers}
    options = []
    for item in problem.items:
        allowed = [
            r.key
            for r in problem.reviewers
            if ((item.key, r.key) in problem.scores or (item.key, r.key) in problem.forced)
            and (item.key, r.key) not in problem.conflicts
        ]
        panels = []
        for panel in itertools.combinations(allowed, item.demand):
            forced_here = {r for i, r in problem.forced if i == item.key}
            orgs = [by_key[r].organization for r in panel if by_key[r].organization]
            if not forced_here <= set(panel):
                continue
            if problem.distinct_organizations and len(orgs) != len(set(orgs)):
                continue
            if problem.require_industry and item.demand > 0 and not any(by_key[r].industry for r in panel):
                continue
            panels.append(panel)
        options.append(panels)
    best: float | None = None
    for choice in itertools.product(*options):
        loads = dict.fromkeys(by_key, 0)
        for panel in choice:
            for r in panel:
                loads[r] += 1
        if all(by_key[r].min_load <= load <= by_key[r].max_load for r, load in loads.items()):
            total = sum(
                problem.scores.get((item.key, r), 0.0)
                for item, panel in zip(problem.items, choice, strict=True)
                for r in panel
            )
            best = total if best is None else max(best, total)
    return best


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    n_items, n_revs = draw(st.integers(1, 3)), draw(st.integers(1, 5))
    items = [Item(f"i{n}", draw(st.integers(0, 2))) for n in range(n_items)]
    reviewers = []
    for n in range(n_revs):
        max_load = draw(st.integers(0, 3))
        reviewers.append(
            Reviewer(
                f"r{n}",
                max_load,
                draw(st.integers(0, min(max_load, 1))),
                draw(st.sampled_from([None, "o1", "o2"])),
                draw(st.booleans()),
            )
        )
    pairs = [(item.key, r.key) for item in items for r in reviewers]
    scores = {pair: draw(st.integers(0, 20)) / 4 for pair in pairs if draw(st.booleans())}
    conflicts = {pair for pair in pairs if draw(st.integers(0, 5)) == 0}
    forced = {pair for pair in pairs if pair not in conflicts and draw(st.integers(0, 9)) == 0}
    return Problem(
        items,
        reviewers,
        scores,
        frozenset(conflicts),
        frozenset(forced),
        require_industry=draw(st.booleans()),
        distinct_organizations=draw(st.booleans()),
        alternates=draw(st.integers(0, 2)),
    )


def _violations(problem: Problem, solution: Solution) -> Iterator[str]:
    by_key = {r.key: r for r in problem.reviewers}
    loads = dict.fromkeys(by_key, 0)
    for item in problem.items:
        panel = solution.assignment[item.key]
        if len(panel) != item.demand or len(set(panel)) != len(panel):
            yield f"{item.key} has {panel}"
        for r in panel:
            loads[r] += 1
            if (item.key, r) in problem.conflicts:
                yield f"conflicted {item.key}/{r}"
        orgs = [by_key[r].organization for r in panel if by_key[r].organization]
        if problem.distinct_organizations and len(orgs) != len(set(orgs)):
            yield f"{item.key} repeats an organisation"
        if problem.require_industry and item.demand and not any(by_key[r].industry for r in panel):
            yield f"{item.key} has no industry reviewer"
    for item in problem.items:
        yield from _alternate_violations(problem, solution, item.key, loads)
    for i, r in problem.forced:
        if r not in solution.assignment[i]:
            yield f"forced {i}/{r} missing"
    for r, load in loads.items():
        if not by_key[r].min_load <= load <= by_key[r].max_load:
            yield f"{r} has load {load}"


def _alternate_violations(problem: Problem, solution: Solution, item: str, loads: dict[str, int]) -> Iterator[str]:
    """Alternates are eligible (scored, unconflicted, not on the panel, load left, no organisation already
    on the panel under the rule), best score first, and no better eligible reviewer is left out."""
    by_key = {r.key: r for r in problem.reviewers}
    panel = solution.assignment[item]
    seated = {by_key[r].organization for r in panel} - {None}

    def eligible(r: Reviewer) -> bool:
        return (
            (item, r.key) in problem.scores
            and (item, r.key) not in problem.conflicts
            and r.key not in panel
            and loads[r.key] < r.max_load
            and not (problem.distinct_organizations and r.organization in seated)
        )

    listed = solution.alternates[item]
    scores = [problem.scores[(item, r)] for r in listed]
    if len(listed) > problem.alternates or not all(eligible(by_key[r]) for r in listed):
        yield f"alternates {listed} of {item}"
    if scores != sorted(scores, reverse=True):
        yield f"alternates {listed} of {item} are not best first"
    left_out = [problem.scores[(item, r.key)] for r in problem.reviewers if eligible(r) and r.key not in listed]
    if left_out and (len(listed) < problem.alternates or (listed and max(left_out) > min(scores))):
        yield f"a better alternate of {item} is left out of {listed}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_random_instances_meet_every_rule_and_reach_the_brute_force_optimum(problem: Problem) -> None:
    best = _brute_force(problem)
    if best is None:
        with pytest.raises(Infeasible) as caught:
            solve(problem)
        assert all(shortfall.missing or shortfall.reasons for shortfall in caught.value.shortfalls)
        return
    solution = solve(problem)
    demand = sum(item.demand for item in problem.items)
    bound = demand * max([abs(s) for s in problem.scores.values()] + [0.0]) / SCALE
    assert (list(_violations(problem, solution)), abs(solution.total - best) <= bound + 1e-9) == ([], True)


# ---------------------------------------------------------------- the command


def _assign(tmp_path: Path, *extra: str, scores: str, constraints: str = "") -> subprocess.CompletedProcess[str]:
    (tmp_path / "S.csv").write_text(scores, encoding="utf-8")
    (tmp_path / "C.csv").write_text(constraints, encoding="utf-8")
    argv = [str(KECHUANG), "review", "assign", "--scores", str(tmp_path / "S.csv"), "--constraints"]
    argv += [str(tmp_path / "C.csv"), "--out", str(tmp_path / "A.json"), *extra]
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)  # noqa: S603


SCORES_CSV = "a,x,1.0\na,y,0.9\na,z,0.8\nb,x,0.5\nb,y,0.1\nb,z,0.2\n"


def test_the_command_writes_the_assignment_and_alternates(tmp_path: Path) -> None:
    done = _assign(
        tmp_path,
        "--demand",
        "2",
        "--max-load",
        "2",
        "--alternates",
        "1",
        scores=SCORES_CSV,
        constraints="a,x,-1\nb,y,1\nb,z,0\n",
    )
    assert (done.returncode, done.stderr.startswith("assigned 4 reviews to 2 items by flow")) == (0, True)
    assignment = json.loads((tmp_path / "A.json").read_text(encoding="utf-8"))
    alternates = json.loads((tmp_path / "A.alternates.json").read_text(encoding="utf-8"))
    assert (assignment, alternates) == ({"a": ["y", "z"], "b": ["x", "y"]}, {"a": [], "b": ["z"]})


def test_the_command_explains_an_infeasible_problem_with_exit_status_2(tmp_path: Path) -> None:
    done = _assign(tmp_path, "--demand", "2", "--max-load", "1", scores=SCORES_CSV, constraints="a,x,-1\n")
    assert done.returncode == 2
    assert done.stderr.splitlines()[0].startswith("kechuang: infeasible: no assignment meets every constraint")
    assert "wants 2, " in done.stderr
    assert not (tmp_path / "A.json").exists()


@pytest.mark.parametrize(
    ("scores", "constraints", "message"),
    [
        ("a,x,1\na,y\n", "", "S.csv, line 2: expected item,reviewer,score (3 fields), got 2"),
        ("a,x,1\na,y,high\n", "", "S.csv, line 2: score 'high' is not a number"),
        ("a,x,1\na,x,2\n", "", "S.csv, line 2: the pair a,x has a score already"),
        ("a,x,inf\n", "", "S.csv, line 1: score 'inf' is not a finite number"),
        ("", "", "S.csv: no scores"),
        ("a,x,1\n", "a,x,2\n", "C.csv, line 1: constraint '2' is not -1 (conflict), 1 (forced) or 0"),
        ("a,x,1\n", "a,x,1\n\na,x,-1\n", "C.csv, line 3: the pair a,x has a different constraint already"),
    ],
)
def test_the_command_names_the_bad_line(tmp_path: Path, scores: str, constraints: str, message: str) -> None:
    done = _assign(tmp_path, "--demand", "1", "--max-load", "1", scores=scores, constraints=constraints)
    assert (done.returncode, done.stderr) == (1, f"kechuang: error: {tmp_path}/{message}\n")


def test_the_command_reports_a_missing_file(tmp_path: Path) -> None:
    argv = [str(KECHUANG), "review", "assign", "--scores", str(tmp_path / "nope.csv"), "--demand", "1"]
    argv += ["--max-load", "1", "--out", str(tmp_path / "A.json")]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)  # noqa: S603
    assert (done.returncode, done.stderr) == (
        1,
        f"kechuang: error: {tmp_path}/nope.csv: cannot read it (No such file or directory)\n",
    )


def test_the_command_applies_the_panel_rules_from_an_attributes_file(tmp_path: Path) -> None:
    (tmp_path / "R.csv").write_text("x,uni,0\ny,uni,0\nz,,1\n", encoding="utf-8")
    flags = ["--attributes", str(tmp_path / "R.csv"), "--require-industry", "--distinct-organizations"]
    done = _assign(tmp_path, "--demand", "2", "--max-load", "2", *flags, scores=SCORES_CSV)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "A.json").read_text(encoding="utf-8")) == {"a": ["x", "z"], "b": ["x", "z"]}
