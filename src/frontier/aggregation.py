"""Aggregations of k samples: ``frontier.aggregation``.

Pass one as ``aggregation=`` to :func:`frontier.sample`, :func:`frontier.summarize`,
:func:`frontier.optimize` and :func:`frontier.sensitivity` (default: the paper's oracle
best-of-k on the model's accuracy score).

- :class:`BestOfK`: the largest score of the first ``k`` samples (the paper's oracle).
- :class:`PassAtK`: a problem is solved when any of its first ``k`` samples is correct.
- :class:`MajorityVote`: binary answers; correct when more than half of the ``k`` votes are
  (a tie is a fair coin, counted as 0.5).
- :class:`Verifier`: the first sample a verifier accepts is the answer; a wrong sample is
  accepted with the false-positive rate ``phi``.

pass@k, majority vote and the verifier draw a problem per trial, with success rate
``p ~ difficulty`` (:class:`Beta` or a :class:`Mix` of rates), and ``k`` samples that are
correct with probability ``p`` each. Without a difficulty they read a user model's
``correct`` output (:class:`frontier.UserModel`). :func:`expected` and :func:`per_problem`
give the closed forms; :func:`fit_difficulty` fits a Beta to per-problem counts and
:func:`pass_at_k` reports the unbiased estimator beside the fitted closed form.

A new aggregation is a ``NamedTuple`` of float parameters with ``needs``, ``draw``,
``accuracy`` (and, for the closed form and :func:`frontier.sensitivity`, ``expected``): see
:mod:`frontier.kernels.aggregation`.

Examples
--------
>>> import frontier
>>> from frontier import aggregation as agg
>>> pass_k = agg.PassAtK(agg.Beta(0.5, 2.0))
>>> s = frontier.summarize(frontier.catalog()["gpt5-mini"], [1, 8], key=0, num_trials=20000,
...                        aggregation=pass_k)
>>> [round(float(x), 3) for x in s.accuracy.mean]  # standard errors 0.003
[0.199, 0.576]
>>> [round(float(x), 3) for x in agg.expected(pass_k, [1, 8])]
[0.2, 0.574]
"""

# the names of frontier._aggregation's __all__, public here
from ._aggregation import *  # noqa: F403
from ._aggregation import __all__  # noqa: F401
