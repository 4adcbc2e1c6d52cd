"""Score arithmetic, against figures worked out by hand (population SDs throughout)."""

from __future__ import annotations

import pytest

from kechuang.review.calibration import Scale, Scored, flagged, icc1, normalised, population_sd, spread, weighted

SCALES = [Scale("a", 60, 0, 10), Scale("b", 40, 1, 5)]

# Raw weighted scores: reviewer r1 scored i1 80 and i2 60; r2 scored i1 50, i2 30, i3 40; r3 only i3, 90.
REVIEWS = [
    Scored("r1", "i1", 80.0),
    Scored("r1", "i2", 60.0),
    Scored("r2", "i1", 50.0),
    Scored("r2", "i2", 30.0),
    Scored("r2", "i3", 40.0),
    Scored("r3", "i3", 90.0),
]


def test_the_weighted_score_maps_each_scale_to_its_weight() -> None:
    assert weighted({"a": 10, "b": 5}, SCALES) == 100.0
    assert weighted({"a": 0, "b": 1}, SCALES) == 0.0
    # 60 · 7/10 + 40 · (3 − 1)/4 = 42 + 20
    assert weighted({"a": 7, "b": 3}, SCALES) == pytest.approx(62.0)


def test_normalisation_by_hand() -> None:
    # Call: mean M = 350/6 = 58.3333, SD S = √(2683.33/6) = 21.1476.
    # r1: mean 70, SD 10, so i1 → M + S·(+1) = 79.4810 and i2 → M − S = 37.1857.
    # r2: mean 40, SD √(200/3) = 8.1650, so i1 → M + S·1.2247 = 84.2338, i2 → 32.4329, i3 (at her mean) → M.
    # r3 has a single review and keeps it: 90.
    got = normalised(REVIEWS)
    assert got == {
        ("r1", "i1"): pytest.approx(79.4810, abs=1e-4),
        ("r1", "i2"): pytest.approx(37.1857, abs=1e-4),
        ("r2", "i1"): pytest.approx(84.2338, abs=1e-4),
        ("r2", "i2"): pytest.approx(32.4329, abs=1e-4),
        ("r2", "i3"): pytest.approx(58.3333, abs=1e-4),
        ("r3", "i3"): 90.0,
    }
    assert population_sd([r.raw for r in REVIEWS]) == pytest.approx(21.1476, abs=1e-4)


def test_a_reviewer_who_gives_everything_the_same_score_gets_the_call_mean() -> None:
    got = normalised([Scored("flat", "x", 70.0), Scored("flat", "y", 70.0), Scored("other", "x", 40.0)])
    assert got[("flat", "x")] == pytest.approx(60.0)
    assert got[("other", "x")] == 40.0


def test_flags_are_spreads_above_twice_the_call_sd() -> None:
    call_sd = 21.1476  # 2 · S = 42.295
    assert (spread([80, 50]), flagged([80, 50], call_sd)) == (30, False)
    assert (spread([40, 90]), flagged([40, 90], call_sd)) == (50, True)
    assert flagged([90], call_sd) is False
    assert flagged([10, 90], 0.0) is False


def test_icc1_by_hand() -> None:
    # Items i1 [80, 50], i2 [60, 30], i3 [40, 90]: grand mean 58.33, item means 65, 45, 65.
    # SSB = 2·6.667² + 2·13.333² + 2·6.667² = 533.33, MSB = 266.67; SSW = 450 + 450 + 1250, MSW = 716.67;
    # k₀ = (6 − 12/6)/2 = 2; ICC(1) = (266.67 − 716.67)/(266.67 + 716.67) = −0.4576.
    assert icc1({"i1": [80, 50], "i2": [60, 30], "i3": [40, 90]}) == pytest.approx(-0.45763, abs=1e-5)
    # Perfect agreement within items and differences between them: 1.
    assert icc1({"i1": [80, 80], "i2": [30, 30]}) == pytest.approx(1.0)


def test_icc1_is_undefined_without_enough_data() -> None:
    assert icc1({"i1": [80, 50]}) is None  # one item
    assert icc1({"i1": [80], "i2": [50]}) is None  # no item with two reviews
    assert icc1({"i1": [50, 50], "i2": [50, 50]}) is None  # no variance at all
