"""Peers as oracles where installed: moocore and pygmo (skipped when missing). Tolerance:
1e-10 of the total volume (the peers sum without compensation)."""

from __future__ import annotations

import numpy as np
import pytest

import tradeoff


def cases():
    rng = np.random.default_rng(2025)
    out = []
    for m, n in ((2, 500), (3, 400), (4, 150), (5, 60), (6, 30)):
        x = np.abs(rng.normal(size=(n, m)))
        out.append((x / np.linalg.norm(x, axis=1, keepdims=True), np.full(m, 1.1)))
        out.append((rng.random((n, m)), np.full(m, 1.0)))
        out.append((rng.integers(0, 4, size=(n, m)).astype(float), np.full(m, 4.0)))
    return out


def test_volume_against_moocore():
    moocore = pytest.importorskip("moocore")
    for pts, ref in cases():
        expected = moocore.hypervolume(pts, ref=ref)
        assert tradeoff.hypervolume(pts, ref) == pytest.approx(expected, rel=1e-10)
        assert tradeoff.hypervolume(-pts, -ref, maximize=True) == pytest.approx(
            moocore.hypervolume(-pts, ref=-ref, maximise=True), rel=1e-10
        )


def test_contributions_against_moocore():
    moocore = pytest.importorskip("moocore")
    for pts, ref in cases():
        if pts.shape[1] > 4:
            continue
        hv = tradeoff.hypervolume(pts, ref)
        expected = moocore.hv_contributions(pts, ref=ref, ignore_dominated=False)
        got = tradeoff.hv_contributions(pts, ref)
        assert np.abs(got - expected).max() <= 1e-10 * hv


def test_against_pygmo():
    pg = pytest.importorskip("pygmo")
    for pts, ref in cases():
        inside = pts[(pts < ref).all(axis=1)]  # pygmo refuses points outside the box
        if len(inside) == 0:
            continue
        hv = pg.hypervolume(inside)
        assert tradeoff.hypervolume(pts, ref) == pytest.approx(hv.compute(ref), rel=1e-10)
        if pts.shape[1] <= 4:
            got = tradeoff.hv_contributions(inside, ref)
            assert np.abs(got - np.asarray(hv.contributions(ref))).max() <= 1e-10 * hv.compute(ref)
