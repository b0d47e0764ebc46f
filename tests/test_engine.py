"""The study engine on any table: masks, fronts and every rule against a NumPy oracle."""

import math

import numpy as np
import pandas as pd
import pytest

import frontier

RULES = ("cube", "utopia", "knee_chord", "knee_curvature", "knee_paper")


# ----------------------------------------------------------------------------- oracle
def _front(xm, ok):
    """Non-dominated rows of minimised ``xm`` among ``ok`` (first copy of duplicates)."""
    out = np.zeros(len(xm), bool)
    for i in np.nonzero(ok)[0]:
        le = np.all(xm[ok] <= xm[i], 1)
        lt = np.any(xm[ok] < xm[i], 1)
        same = le & ~lt
        earlier = np.nonzero(ok)[0] < i
        out[i] = not (le & lt).any() and not (same & earlier).any()
    return out


def _minmax(q, rows):
    lo, hi = q[rows].min(0), q[rows].max(0)
    span = hi - lo
    ok = span > 0
    return np.where(ok, (q - lo) / np.where(ok, span, 1), 0.0)


def _argbest(score, ok):
    s = np.where(ok & ~np.isnan(score), score, -np.inf)
    return int(np.argmax(s)) if np.isfinite(s).any() else -1


def _chord(q):
    d = q[-1] - q[0]
    rel = q - q[0]
    proj = rel @ d / (d @ d) if d @ d > 0 else np.zeros(len(q))
    dist = np.linalg.norm(rel - proj[:, None] * d, axis=1)
    dist[[0, -1]] = -np.inf
    return dist


def _curvature(q, t):
    out = np.full(len(q), -np.inf)
    for i in range(1, len(q) - 1):
        h1, h2 = t[i] - t[i - 1], t[i + 1] - t[i]
        den = h1 * h2 * (h1 + h2)
        if den == 0:  # repeated t (ties in the ordering): the guarded division gives 0
            out[i] = 0.0
            continue
        d1 = (h1 * h1 * q[i + 1] - h2 * h2 * q[i - 1] + (h2 * h2 - h1 * h1) * q[i]) / den
        d2 = 2 * (h1 * q[i + 1] - (h1 + h2) * q[i] + h2 * q[i - 1]) / den
        s1 = d1 @ d1
        area2 = max(s1 * (d2 @ d2) - (d1 @ d2) ** 2, 0.0)
        out[i] = math.sqrt(area2) / s1**1.5 if s1 > 0 else 0.0
    return out


def oracle(x, sense, cx, lim, upper, t, normalise, ideal):
    """Every rule on one ordered group (rows already in curve order)."""
    mx = np.asarray([s == "max" for s in sense])
    ok = np.all(np.where(upper, cx <= lim, cx >= lim), 1) & ~np.isnan(x).any(1)
    xm = np.where(mx, -x, x)
    par = _front(xm, ok & ~np.isnan(xm).any(1))
    out = {"feasible": ok, "front": par}
    for j in range(x.shape[1]):
        out[f"best:{j}"] = _argbest(-xm[:, j], ok)
    # budget scale: tightest upper limit on a minimised objective's mean (cx == x here)
    scale = np.ones(x.shape[1])
    for j in range(x.shape[1]):
        if not mx[j]:
            lims = [lim[c] for c in range(len(lim)) if upper[c] and c == j]
            scale[j] = min(lims) if lims else np.inf
    xb = x / scale
    cube = np.prod([xb[:, j] if mx[j] else 1 - xb[:, j] for j in range(x.shape[1])], 0)
    out["cube"] = _argbest(cube, ok)
    idx = np.nonzero(par)[0]
    if normalise == "budget":
        best = np.where(mx, x[par].max(0) if par.any() else np.nan,
                        x[par].min(0) if par.any() else np.nan)
        u = np.where(np.isnan(ideal), best, ideal) / scale
        dist = np.linalg.norm(xb - u, axis=1)
        q = xb[idx]
    else:
        dist = np.linalg.norm(_minmax(xm, par), axis=1) if par.any() else np.zeros(len(x))
        q = _minmax(xm[idx], np.arange(len(idx))) if len(idx) else xm[idx]
    out["utopia"] = _argbest(-dist, par)
    if len(idx) >= 3:
        out["knee_chord"] = int(idx[_argbest(_chord(q), np.ones(len(q), bool))])
        out["knee_curvature"] = int(idx[_argbest(_curvature(q, t[idx]), np.ones(len(q), bool))])
    else:
        out["knee_chord"] = out["knee_curvature"] = -1
    return out


# ----------------------------------------------------------------------------- fixtures
def random_table(rng, sizes, *, levels=(0.5, 0.99)):
    """Three objectives (cost min, latency min, quality max), groups of unequal sizes,
    values on a coarse grid so that ties and duplicates occur."""
    rows = []
    for g, size in enumerate(sizes):
        k = np.sort(rng.choice(np.arange(1, 200), size, replace=False))
        cost = np.round(k * rng.uniform(0.8, 1.2) + rng.normal(0, 3, size), 0)
        lat = np.round(200 / (1 + k) + rng.normal(0, 2, size), 0)
        qual = np.round(1 - 0.5 / np.sqrt(k) + rng.normal(0, 0.02, size), 2)
        for i in range(size):
            rows.append({"group": f"g{g}", "k": int(k[i]), "mean_cost": cost[i],
                         "mean_latency": lat[i], "mean_quality": qual[i],
                         **{f"p{100 * lv:g}_latency": lat[i] * (1 + lv) for lv in levels}})
    df = pd.DataFrame(rows)
    objs = [frontier.Objective("cost", "min", "$", (0.0, math.inf)),
            frontier.Objective("latency", "min", "ms"),
            frontier.Objective("quality", "max", "", (0.0, 1.0))]
    return frontier.Table.from_frame(df, objs)


@pytest.mark.parametrize("normalise", ["budget", "front"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_rule_matches_the_oracle_per_group_and_across(seed, normalise):
    rng = np.random.default_rng(seed)
    table = random_table(rng, sizes=(7, 23, 15, 1))
    slo = "mean cost <= 150 and mean latency <= 80 and mean quality >= 0.5 and p99 latency <= 140"
    grid = {0: np.array([90.0, 150.0, np.inf]), 2: np.array([[0.5], [0.8]])}
    ch = frontier.choose(table, slo=slo, limits=grid, group_by="group", order_by="k",
                         normalise=normalise)
    assert ch.feasible.shape == (2, 3, len(table))
    x = np.stack([np.asarray(table.stat(n)) for n in table.names], 1)
    cx = np.stack([x[:, 0], x[:, 1], x[:, 2], np.asarray(table.stat("latency", 0.99))], 1)
    upper = np.array([True, True, False, True])
    sense = ("min", "min", "max")
    ideal = np.array([0.0, np.nan, 1.0])
    k = np.asarray(table.knobs["k"], float)
    groups = np.asarray(table.knobs["group"])
    checked = 0
    for bi in np.ndindex(2, 3):
        lim = np.array([grid[0][bi[1]], 80.0, grid[2][bi[0], 0], 140.0])
        for gi, g in enumerate(ch.groups):
            rows = np.nonzero(groups == g)[0]
            rows = rows[np.argsort(k[rows], kind="stable")]
            want = oracle(x[rows], sense, cx[rows], lim, upper, k[rows], normalise, ideal)
            np.testing.assert_array_equal(np.asarray(ch.feasible[bi])[rows], want["feasible"])
            np.testing.assert_array_equal(np.asarray(ch.front[bi])[rows], want["front"])
            for rule in (*RULES[:-1], "best:0", "best:1", "best:2"):
                name = rule if not rule.startswith("best") else (
                    "best:" + table.names[int(rule[-1])])
                got = int(np.asarray(ch.picks[name])[(*bi, gi)])
                exp = want[rule]
                assert got == (-1 if exp < 0 else rows[exp]), (seed, bi, g, rule)
                checked += 1
        # across groups: every row together, ordered by the first objective (cost)
        order = np.argsort(x[:, 0], kind="stable")
        want = oracle(x[order], sense, cx[order], lim, upper, x[order, 0], normalise, ideal)
        np.testing.assert_array_equal(np.asarray(ch.cross_front[bi])[order], want["front"])
        for rule in RULES[:-1]:
            exp = want[rule]
            assert int(np.asarray(ch.cross_picks[rule])[bi]) == (-1 if exp < 0 else order[exp])
    assert checked == 6 * 4 * 7


def test_front_over_a_subset_of_objectives_and_tail_constraint():
    rng = np.random.default_rng(5)
    table = random_table(rng, sizes=(40,))
    ch = frontier.choose(table, objectives=["quality", "cost"], slo="p99 latency <= 120")
    p99 = np.asarray(table.stat("latency", "p99"))
    ok = p99 <= 120
    np.testing.assert_array_equal(np.asarray(ch.feasible), ok)
    xm = np.stack([-np.asarray(table.stat("quality")), np.asarray(table.stat("cost"))], 1)
    np.testing.assert_array_equal(np.asarray(ch.front), _front(xm, ok))
    assert ch.objectives == ("quality", "cost")
    assert ch.pick("best:quality") == _argbest(np.asarray(table.stat("quality")), ok)
    with pytest.raises(ValueError, match="rule"):
        ch.pick("best:latency")


@pytest.mark.parametrize("m", [2, 3])
def test_large_table_uses_the_fast_front_and_agrees_with_dense(m):
    rng = np.random.default_rng(11)
    n = 3000
    x = np.round(rng.uniform(0, 1, (n, m)), 2)
    objs = [frontier.Objective(f"f{j}", "min") for j in range(m)]
    table = frontier.Table({"i": np.arange(n)}, objs, {f"f{j}": {"mean": x[:, j]}
                                                       for j in range(m)})
    ch = frontier.choose(table, slo="f0 <= 0.9")
    ok = x[:, 0] <= 0.9
    np.testing.assert_array_equal(np.asarray(ch.front), _front(x, ok))


def test_nan_objective_is_never_on_the_front_nor_picked():
    objs = [frontier.Objective("cost", "min"), frontier.Objective("acc", "max")]
    table = frontier.Table({"k": [1, 2, 3, 4]}, objs,
                           {"cost": {"mean": [1.0, np.nan, 3.0, 4.0]},
                            "acc": {"mean": [0.5, 0.99, np.nan, 0.9]}})
    ch = frontier.choose(table)
    assert np.asarray(ch.feasible).tolist() == [True, False, False, True]
    assert np.asarray(ch.front).tolist() == [True, False, False, True]
    assert ch.pick("best:acc") == 3
    assert ch.pick("best:cost") == 0
    assert ch.pick("cube") in (0, 3)


def test_explain_names_the_binding_constraint_with_units():
    table = random_table(np.random.default_rng(3), sizes=(10,))
    ch = frontier.choose(table, slo="mean cost <= 1 and p99 latency <= 100000")
    msg = ch.explain(knobs=["k"])
    assert msg.startswith("no feasible candidate; closest is k=")
    assert "mean cost $" in msg and "misses <= $1" in msg and "latency" not in msg
    ok = frontier.choose(table, slo="mean cost <= 1e9")
    assert ok.explain() == "10 of 10 candidates feasible"


def test_table_round_trips_through_pandas():
    table = random_table(np.random.default_rng(4), sizes=(5, 6))
    df = table.to_frame()
    assert list(df.columns[:2]) == ["group", "k"]
    assert df.attrs["objectives"]["quality"]["sense"] == "max"
    back = frontier.Table.from_frame(df)
    assert back.names == table.names and back.objectives == table.objectives
    for name in table.names:
        assert sorted(back.stats[name]) == sorted(table.stats[name])
        for s, v in table.stats[name].items():
            np.testing.assert_array_equal(back.stats[name][s], np.asarray(v))
    np.testing.assert_array_equal(back.knobs["k"], table.knobs["k"])


def test_from_frame_reads_bare_median_and_quantile_columns():
    df = pd.DataFrame({"concurrency": [1, 2], "median_ttft_ms": [10.0, 20.0],
                       "p99_ttft_ms": [30.0, 50.0], "request_throughput": [1.0, 1.8]})
    t = frontier.Table.from_frame(df, {"ttft_ms": "min", "request_throughput": "max"},
                                  units={"ttft_ms": "ms"})
    assert sorted(t.stats["ttft_ms"]) == ["mean", "p50", "p99"]
    np.testing.assert_array_equal(t.stat("ttft_ms"), [10.0, 20.0])  # mean falls back to p50
    np.testing.assert_array_equal(t.stat("ttft_ms", "median"), [10.0, 20.0])
    assert t.objective("ttft_ms").unit == "ms" and t.levels("ttft_ms") == (0.5, 0.99)
    assert list(t.knobs) == ["concurrency"]


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"objectives": ["nope"]}, "unknown objective 'nope'"),
        ({"objectives": "cost"}, "sequence of names"),
        ({"objectives": []}, "empty"),
        ({"slo": "p95 cost <= 3"}, "no statistic 'p95'"),
        ({"slo": "mean speed <= 3"}, "unknown objective 'speed'"),
        ({"slo": "cost < 3"}, "cannot parse"),
        ({"slo": "cost <= abc"}, "bad number"),
        ({"normalise": "minmax"}, "`normalise`"),
        ({"group_by": "model"}, "`group_by`"),
        ({"order_by": "zz"}, "`order_by`"),
        ({"slo": "cost <= 3", "limits": {1: [1.0]}}, "position 1"),
        ({"slo": "cost <= 3", "limits": {0: [np.nan]}}, "NaN"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, word):
    table = random_table(np.random.default_rng(0), sizes=(4,))
    with pytest.raises((ValueError, TypeError), match=word):
        frontier.choose(table, **kwargs)


def test_bad_tables():
    objs = [frontier.Objective("cost", "min")]
    with pytest.raises(ValueError, match="'mean'"):
        frontier.Table({}, objs, {"cost": {"p50": [1.0]}})
    with pytest.raises(ValueError, match="rows"):
        frontier.Table({"k": [1, 2]}, objs, {"cost": {"mean": [1.0]}})
    with pytest.raises(ValueError, match="sense"):
        frontier.Table({}, [frontier.Objective("cost", "down")], {"cost": {"mean": [1.0]}})
    with pytest.raises(ValueError, match="empty"):
        frontier.choose(frontier.Table({}, objs, {"cost": {"mean": np.zeros(0)}}))
    with pytest.raises(TypeError, match="Table"):
        frontier.choose(pd.DataFrame({"cost": [1.0]}))


def test_study_table_is_the_candidate_grid():
    cat = frontier.catalog()
    st = frontier.optimize({"a": cat["gpt5"], "b": cat["gpt5-nano"]}, budget=(0.5, 60, 0.9),
                           k_max=16, key=0, num_trials=200)
    df = st.table.to_frame()
    assert len(df) == 8 and df["model"].tolist() == ["a"] * 4 + ["b"] * 4
    np.testing.assert_allclose(df["mean_cost"].to_numpy(),
                               np.asarray(st.summary.cost.mean).reshape(-1))
    assert {"p2.5_time", "p97.5_time", "sem_accuracy"} <= set(df.columns)
    # the engine's choice and the study's points agree
    assert st.choice.pick("knee_chord", "b") == 4 + int(st.points.knee_chord.index[1])
