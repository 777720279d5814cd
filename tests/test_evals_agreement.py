"""Agreement between testers, checked against figures computed by hand."""

from __future__ import annotations

import pytest

from evals.agreement import cohen_kappa, krippendorff_alpha, pair_agreements


def test_cohen_kappa_by_hand() -> None:
    # A: a a b a, B: a b b a. p_o = 3/4; p_e = (3/4)(2/4) + (1/4)(2/4) = 1/2; kappa = 1/2
    pairs = [("a", "a"), ("a", "b"), ("b", "b"), ("a", "a")]
    assert cohen_kappa(pairs) == pytest.approx(0.5)


def test_cohen_kappa_edges() -> None:
    assert cohen_kappa([]) is None
    assert cohen_kappa([("a", "a"), ("a", "a")]) is None  # chance agreement is 1
    assert cohen_kappa([("a", "b"), ("b", "a")]) == pytest.approx(-1.0)


def test_krippendorff_alpha_nominal_by_hand() -> None:
    # units [a,a] [a,b] [b,b] [a,a]: o_aa=4, o_bb=2, o_ab=o_ba=1; n_a=5, n_b=3, n=8
    # alpha = 1 - (n-1) * (o_ab+o_ba) / (2 n_a n_b) = 1 - 7*2/30 = 16/30
    units = [["a", "a"], ["a", "b"], ["b", "b"], ["a", "a"]]
    assert krippendorff_alpha(units) == pytest.approx(16 / 30)


def test_krippendorff_alpha_three_coders_and_single_values() -> None:
    # [a,a,b]: each ordered pair weighs 1/2: o_aa=1, o_ab=o_ba=1; [b,b]: o_bb=2; [c] unpairable
    # n_a=2, n_b=3, n=5: alpha = 1 - 4*2 / (2*2*3) = 1/3
    assert krippendorff_alpha([["a", "a", "b"], ["b", "b"], ["c"]]) == pytest.approx(1 / 3)
    assert krippendorff_alpha([["a", "a"], ["a", "a"]]) is None
    assert krippendorff_alpha([["a"]]) is None


def test_pair_agreements() -> None:
    opinions = {
        1: {"anna": "x", "ben": "x"},
        2: {"anna": "y", "ben": "z", "chen": "y"},
        3: {"anna": "x"},
    }
    pairs = {(p.first, p.second): p for p in pair_agreements(opinions)}
    assert set(pairs) == {("anna", "ben"), ("anna", "chen"), ("ben", "chen")}
    assert (pairs["anna", "ben"].shared, pairs["anna", "ben"].agreed) == (2, 1)
    assert pairs["anna", "ben"].percent == pytest.approx(0.5)
    # anna x,y ben x,z: p_o = 1/2, p_e = (1/2)(1/2) = 1/4 -> kappa = (1/4)/(3/4) = 1/3
    assert pairs["anna", "ben"].kappa == pytest.approx(1 / 3)
    assert pairs["anna", "chen"].percent == 1.0
