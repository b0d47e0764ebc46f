"""The figure of accuracy against k for several aggregations (plot.accuracy_by_aggregation)."""

import matplotlib
import numpy as np
import pytest

import frontier
import frontier.plot
from frontier import aggregation as agg

matplotlib.use("Agg")

M = frontier.catalog()["gpt5-nano"]
KS = [1, 3, 9, 27]
AGGS = {"pass@k": agg.PassAtK(agg.Beta(0.5, 2.0)),
        "majority": agg.MajorityVote(agg.Mix([0.9, 0.35], [0.6, 0.4]))}


@pytest.fixture(scope="module")
def summaries():
    return {k: frontier.summarize(M, KS, key=0, num_trials=400, aggregation=a)
            for k, a in AGGS.items()}


def test_one_curve_per_aggregation_with_its_closed_form_and_a_tick_per_k(summaries):
    import matplotlib.pyplot as plt

    exp = {k: np.asarray(agg.expected(a, KS)) for k, a in AGGS.items()}
    fig = frontier.plot.accuracy_by_aggregation(summaries, expected=exp)
    ax = fig.axes[0]
    lines = {ln.get_label(): ln for ln in ax.lines}
    assert sorted(lines) == ["majority (Monte Carlo)", "majority (closed form)",
                             "pass@k (Monte Carlo)", "pass@k (closed form)"]
    np.testing.assert_allclose(lines["majority (Monte Carlo)"].get_ydata(),
                               summaries["majority"].accuracy.mean, rtol=1e-6)
    np.testing.assert_allclose(lines["majority (closed form)"].get_ydata(), exp["majority"])
    assert exp["majority"][-1] < exp["majority"][1]  # the fall with hard problems is drawn
    assert ax.get_xscale() == "log"
    np.testing.assert_array_equal(ax.get_xticks(), KS)
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "3", "9", "27"]
    plt.close(fig)


def test_bad_figure_inputs_name_the_argument(summaries):
    with pytest.raises(ValueError, match="empty"):
        frontier.plot.accuracy_by_aggregation({})
    other = frontier.summarize(M, [1, 2], key=0, num_trials=50, aggregation=AGGS["pass@k"])
    with pytest.raises(ValueError, match=r"summaries\['other'\].*ks"):
        frontier.plot.accuracy_by_aggregation({**summaries, "other": other})
    with pytest.raises(ValueError, match=r"expected\['pass@k'\]"):
        frontier.plot.accuracy_by_aggregation(summaries, expected={"pass@k": [0.1, 0.2]})
