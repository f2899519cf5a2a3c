"""Multi-object tracking: associate predicted tracks with detections, many frames in one call.

The use case: a tracker predicts where each of its T tracks should be in the next frame; the
detector returns D detections (some tracks are missed, some detections are new objects). Each
track takes at most one detection and each detection at most one track, at the least total
squared distance, and a pair farther apart than a gate is never made.

The assignment per frame: rows are tracks; columns are the D detections followed by T "miss"
columns, one per track (track t may take only its own miss column, at cost gate^2, the price of
leaving it unmatched). Pairs beyond the gate are forbidden (+inf). Every track can always take
its miss column, so every frame has a complete matching. Frames have different T and D:
``tradeoff.assignment(cost, sizes=...)`` solves a whole batch of differently sized frames in one
call, and the padding outside each frame's block is never read.

Run: ``python examples/track_association.py`` (compares with a SciPy loop when it is installed).
"""

from __future__ import annotations

import time

import numpy as np

import tradeoff


def make_frames(n_frames: int = 1000, seed: int = 0, noise: float = 0.01, p_miss: float = 0.1):
    """SYNTHETIC frames: (tracks (T, 2), detections (D, 2), truth (T,)), with truth[t] the index
    of track t's detection, -1 when the detector missed it. A few detections are clutter."""
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(n_frames):
        t = int(rng.integers(5, 30))
        tracks = rng.random((t, 2))
        seen = rng.random(t) >= p_miss
        clutter = rng.random((int(rng.integers(0, 4)), 2))
        moved = tracks[seen] + noise * rng.normal(size=(int(seen.sum()), 2))
        dets = np.concatenate([moved, clutter])
        order = rng.permutation(len(dets))
        dets = dets[order]
        where = np.empty(len(order), dtype=np.int64)
        where[order] = np.arange(len(order))  # detection k moved to position where[k]
        truth = np.full(t, -1, dtype=np.int64)
        truth[seen] = where[: int(seen.sum())]
        frames.append((tracks, dets, truth))
    return frames


def build_costs(frames, gate: float):
    """The padded batch (F, T_max, D_max + T_max) and the sizes (F, 2) of every frame's block."""
    t_max = max(len(f[0]) for f in frames)
    d_max = max(len(f[1]) for f in frames)
    cost = np.full((len(frames), t_max, d_max + t_max), np.inf)
    sizes = np.empty((len(frames), 2), dtype=np.int64)
    for k, (tracks, dets, _) in enumerate(frames):
        t, d = len(tracks), len(dets)
        dist2 = ((tracks[:, None, :] - dets[None, :, :]) ** 2).sum(axis=2)
        cost[k, :t, :d] = np.where(dist2 <= gate**2, dist2, np.inf)
        cost[k, np.arange(t), d + np.arange(t)] = gate**2  # each track's own miss column
        sizes[k] = (t, d + t)
    return cost, sizes


def associate(frames, gate: float = 0.05):
    """Per frame, the detection index of each track (-1: unmatched), in one batched call."""
    cost, sizes = build_costs(frames, gate)
    res = tradeoff.assignment(cost, sizes=sizes)
    out = []
    for k, (tracks, dets, _) in enumerate(frames):
        col = res.col_of_row[k, : len(tracks)]
        out.append(np.where(col < len(dets), col, -1))
    return out


def associate_with_scipy(frames, gate: float = 0.05):
    """The same association with one scipy.optimize.linear_sum_assignment call per frame."""
    from scipy.optimize import linear_sum_assignment

    cost, sizes = build_costs(frames, gate)
    out = []
    for k, (t, c) in enumerate(sizes):
        block = cost[k, :t, :c]
        rows, cols = linear_sum_assignment(block)  # +inf is forbidden for scipy too
        out.append(np.where(cols < c - t, cols, -1)[np.argsort(rows)])
    return out


def main() -> None:
    frames = make_frames()
    t0 = time.perf_counter()
    matches = associate(frames)
    t1 = time.perf_counter()
    right = sum(int(np.sum(m == f[2])) for m, f in zip(matches, frames))
    total = sum(len(f[2]) for f in frames)
    print(
        f"{len(frames)} SYNTHETIC frames, {total} tracks: {right / total:.1%} of the tracks "
        f"associated as in the ground truth, {1e3 * (t1 - t0):.1f} ms for the batched call"
    )
    try:
        t0 = time.perf_counter()
        ref = associate_with_scipy(frames)
        t1 = time.perf_counter()
    except ImportError:
        return
    same = all(np.array_equal(a, b) for a, b in zip(matches, ref))
    print(f"scipy, one call per frame: {1e3 * (t1 - t0):.1f} ms; same association: {same}")


if __name__ == "__main__":
    main()
