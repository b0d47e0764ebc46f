"""The interactive explorer for notebooks: :class:`Explorer` and :func:`explore`.

:class:`Explorer` holds the state of the controls (model, budget, k_max, trials, P, rule,
figure) and the study they give. Moving a budget control reruns only the selection on the
simulated statistics (:func:`frontier.reselect`, milliseconds); changing ``k_max``, ``trials``
or ``P`` simulates again (:func:`frontier.optimize`). Its state, selection, table and figure
can be read without a browser or a notebook; :meth:`Explorer.widget` builds the ipywidgets
controls on top of it, and :func:`explore` returns that widget. ipywidgets (the ``notebook``
extra) is imported only there.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from ._models import Model, catalog
from ._records import study_records
from ._reselect import reselect
from ._rules import DEFAULT_RULES, RULE_NAMES, rule_info
from ._scenario import Scenario
from ._study import Study, optimize

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["FIGURE_KINDS", "Explorer", "ExplorerState", "explore"]

#: Figure kind -> its label in the explorer's figure menu.
FIGURE_KINDS: dict[str, str] = {
    "region": "3-D feasible region",
    "accuracy": "accuracy vs k",
    "cost": "cost and time vs k",
    "fronts": "front projections",
    "cross": "all models: cross-model front",
    "overview": "all models: accuracy vs k",
}

_BUDGET = ("C_max", "T_max", "acc_min")
_SIMULATION = ("k_max", "trials", "parallel")

#: A progress callback: ``(step, steps, what)``.
Progress = Callable[[int, int, str], None]


class ExplorerState(NamedTuple):
    """The explorer's controls.

    ``parallel`` is ``None`` while every model runs at its own ``default_parallel``;
    ``rule`` is the rule whose choice :attr:`Explorer.selection` returns and the figure
    marks; ``figure`` one of :data:`FIGURE_KINDS`.
    """

    model: str
    C_max: float
    T_max: float
    acc_min: float
    k_max: int
    trials: int
    parallel: int | None
    rule: str
    figure: str


def _as_mapping(models: Any) -> dict[str, Model]:
    if models is None:
        return catalog()
    if isinstance(models, Model):
        return {models.name or "model": models}
    if isinstance(models, Mapping):
        out = {str(k): v for k, v in models.items()}
    elif isinstance(models, Sequence) and not isinstance(models, str | bytes):
        out = {m.name or f"model{i}": m for i, m in enumerate(models)}
    else:
        raise TypeError("`models` must be None (the catalog), a frontier.Model, a sequence "
                        f"of them or a mapping key -> Model, got {type(models).__name__}")
    if not out:
        raise ValueError("`models` is empty")
    for k, m in out.items():
        if not isinstance(m, Model):
            raise TypeError(f"`models[{k!r}]` must be a frontier.Model, got "
                            f"{type(m).__name__}")
    return out


class Explorer:
    """The state and callbacks of the interactive explorer, testable without a browser.

    Parameters
    ----------
    models
        ``None`` (the catalog), a :class:`frontier.Model`, a sequence or a mapping key ->
        Model.
    budget
        The initial ``(C_max, T_max, acc_min)``: one budget, numbers.
    k_max, trials, parallel
        The initial grid ``P, 2P, ... <= k_max``, trials per (model, k) and P (``None``:
        each model's ``default_parallel``).
    seed
        The random seed of every simulation (fixed while the controls move).
    rule
        The initial rule (one of the :class:`frontier.Points` fields).
    model
        The initial model key (default: the first).
    figure
        The initial figure kind (one of :data:`FIGURE_KINDS`).
    slo, scheme, time_model, knee_normalise
        As in :func:`frontier.optimize`, fixed for the explorer's life.

    Attributes
    ----------
    state : ExplorerState
        The controls' values.
    study : frontier.Study
        The study of the current state (one budget).
    simulations : int
        How many times the explorer has simulated (1 after construction).

    Examples
    --------
    >>> import frontier
    >>> ex = frontier.Explorer({"gpt5": frontier.catalog()["gpt5"]}, k_max=32, trials=200)
    >>> ex.selection["k"]                      # knee (chord) of gpt5 at $0.50, 60 s, 0.88
    8
    >>> ex.update(rule="accuracy", C_max=0.25)  # a budget move: the selection only
    'select'
    >>> ex.selection["k"], ex.simulations
    (8, 1)
    >>> ex.update(trials=400)                   # re-simulates
    'simulate'
    >>> ex.simulations
    2
    """

    def __init__(self, models: Any = None, *, budget: Sequence[float] = (0.5, 60.0, 0.88),
                 k_max: int = 128, trials: int = 300, parallel: int | None = None,
                 seed: int = 42, rule: str = "knee_chord", model: str | None = None,
                 figure: str = "region", slo: str | None = None, scheme: str = "crn",
                 time_model: str = "paper", knee_normalise: str = "front") -> None:
        self.models = _as_mapping(models)
        try:
            C_max, T_max, acc_min = (float(v) for v in budget)
        except (TypeError, ValueError):
            raise ValueError(f"`budget` must be three numbers (C_max, T_max, acc_min), got "
                             f"{budget!r}") from None
        self._fixed = dict(seed=seed, slo=slo, scheme=scheme, time_model=time_model,
                           knee_normalise=knee_normalise)
        state = ExplorerState(next(iter(self.models)) if model is None else model, C_max,
                              T_max, acc_min, k_max, trials, parallel, rule, figure)
        self._check(state)
        self.simulations = 0
        self.study = self._simulate(state, None)
        self.state = state
        self._records: dict[str, Any] | None = None

    # ------------------------------------------------------------------ state and callbacks

    def _check(self, s: ExplorerState) -> None:
        if s.model not in self.models:
            raise ValueError(f"`model`: unknown key {s.model!r} (known: "
                             f"{', '.join(self.models)})")
        if s.rule not in RULE_NAMES:
            raise ValueError(f"`rule`: unknown rule {s.rule!r} (choose from "
                             f"{list(RULE_NAMES)})")
        if s.figure not in FIGURE_KINDS:
            raise ValueError(f"`figure`: unknown kind {s.figure!r} (choose from "
                             f"{list(FIGURE_KINDS)})")
        for name in _BUDGET:
            if math.isnan(getattr(s, name)):
                raise ValueError(f"`{name}` is NaN")

    def _scenario(self, s: ExplorerState) -> Scenario:
        f = self._fixed
        return Scenario("explorer", self.models, s.C_max, s.T_max, s.acc_min, s.k_max, None,
                        s.parallel, s.trials, f["seed"], f["slo"], f["scheme"],
                        f["time_model"], f["knee_normalise"])

    def _simulate(self, s: ExplorerState, progress: Progress | None) -> Study:
        if progress is not None:
            progress(0, 3, f"simulating {len(self.models)} models, k <= {s.k_max}, "
                           f"{s.trials} trials")
        f = self._fixed
        study = optimize(self.models, budget=(s.C_max, s.T_max, s.acc_min), key=f["seed"],
                         num_trials=s.trials, k_max=s.k_max, parallel=s.parallel,
                         slo=f["slo"], scheme=f["scheme"], time_model=f["time_model"],
                         knee_normalise=f["knee_normalise"])
        self.simulations += 1
        return study

    def update(self, *, progress: Progress | None = None, **changes: Any) -> str:
        """Set some controls and bring the study up to date.

        Parameters
        ----------
        progress
            Called as ``progress(step, steps, what)`` around a new simulation.
        **changes
            Fields of :class:`ExplorerState`.

        Returns
        -------
        str
            ``"simulate"`` (``k_max``, ``trials`` or ``parallel`` changed: a new simulation),
            ``"select"`` (a budget value changed: the selection reran on the simulated
            statistics), ``"view"`` (only the model, rule or figure changed) or ``"none"``.

        Raises
        ------
        ValueError, TypeError
            For an unknown control or a value the study rejects (e.g. ``P > k_max``); the
            state is then left as it was.
        """
        unknown = sorted(set(changes) - set(ExplorerState._fields))
        if unknown:
            raise ValueError(f"unknown control {unknown[0]!r} (controls: "
                             f"{', '.join(ExplorerState._fields)})")
        old = self.state
        new = old._replace(**changes)
        self._check(new)
        changed = {n for n in ExplorerState._fields if getattr(new, n) != getattr(old, n)}
        if not changed:
            return "none"
        if changed & set(_SIMULATION):
            kind, study = "simulate", self._simulate(new, progress)
        elif changed & set(_BUDGET):
            kind = "select"
            study = reselect(self.study, budget=(new.C_max, new.T_max, new.acc_min))
        else:
            kind, study = "view", self.study
        self.study, self.state = study, new
        if kind != "view":
            self._records = None
        if progress is not None and kind == "simulate":
            progress(2, 3, "drawing")
        return kind

    # ------------------------------------------------------------------ what it shows

    @property
    def records(self) -> dict[str, Any]:
        """The records of the current study (:func:`frontier._records.study_records`)."""
        if self._records is None:
            self._records = study_records(self.study, self._scenario(self.state))
        return self._records

    @property
    def selection(self) -> dict[str, Any] | None:
        """The current rule's choice for the current model: ``model``, ``rule``, ``label``,
        ``k`` and the mean and 95% interval of ``cost``, ``time`` and ``accuracy`` (as in
        ``study.json``); ``None`` when the rule chooses nothing."""
        s = self.state
        p = self.records["budgets"][0]["models"][s.model]["points"][s.rule]
        if p is None:
            return None
        return {"model": s.model, "rule": s.rule, "label": rule_info(s.rule).label, **p}

    def explain(self) -> str:
        """The engine's line on the current model: its feasible k, or why it has none."""
        return self.records["budgets"][0]["models"][self.state.model]["explain"]

    def table_html(self) -> str:
        """The current model's part of the report: its feasibility line, the table of every
        rule's choice (the current rule's row highlighted) and one line per choice."""
        from ._report import model_card

        rules = DEFAULT_RULES if self.state.rule in DEFAULT_RULES else (
            *DEFAULT_RULES, self.state.rule)
        return model_card(self.records, 0, self.state.model, rules=rules,
                          highlight=self.state.rule, candidates=False)

    def figure(self) -> Figure:
        """The current figure (close it with ``plt.close(fig)``)."""
        from . import plot

        s = self.state
        names = {k: m.name for k, m in self.models.items()}
        per_model = {"region": plot.feasible_region_3d, "accuracy": plot.accuracy_vs_k,
                     "cost": plot.cost_vs_k, "fronts": plot.front_projections}
        if s.figure in per_model:
            return per_model[s.figure](self.study, s.model, rules=(s.rule,), names=names)
        if s.figure == "cross":
            return plot.cross_model_front(self.study, rules=(s.rule,), names=names)
        return plot.overview(self.study, rules=(s.rule,), names=names)

    def png(self, dpi: float = 80) -> bytes:
        """The current figure as PNG bytes."""
        from .plot._style import pyplot

        fig = self.figure()
        try:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi)
        finally:
            pyplot().close(fig)
        return buf.getvalue()

    def to_html(self, dpi: float = 80) -> str:
        """A static page of the explorer's current state: the controls drawn as disabled
        HTML inputs with their values, the figure and the table (what the widget shows,
        without a notebook)."""
        import base64

        from ._report import _names, document

        s = self.state
        names = _names(self.records)

        def control(label: str, value: str, lo: float, hi: float, pos: float) -> str:
            return (f'<label class="ctl"><span>{html.escape(label)}</span><input type="range"'
                    f' min="{lo}" max="{hi}" step="any" value="{pos}" disabled>'
                    f"<b>{html.escape(value)}</b></label>")

        def log(v: float) -> float:
            return math.log10(v) if v > 0 and math.isfinite(v) else 0.0

        p = s.parallel or self.models[s.model].default_parallel
        ctl = [
            f'<label class="ctl"><span>model</span><select disabled><option>'
            f"{html.escape(names[s.model])}</option></select></label>",
            control("C_max ($)", f"{s.C_max:.3g}", -3, 1, log(s.C_max)),
            control("T_max (s)", f"{s.T_max:.3g}", 0, 3, log(s.T_max)),
            control("acc_min", f"{s.acc_min:.3f}", 0.5, 1.0, s.acc_min),
            control("k_max", str(s.k_max), 1, 512, s.k_max),
            control("trials", str(s.trials), 50, 20000, s.trials),
            control("P", str(p), 1, 32, p),
            f'<label class="ctl"><span>rule</span><select disabled><option>'
            f"{html.escape(rule_info(s.rule).label)}</option></select></label>",
        ]
        img = base64.b64encode(self.png(dpi)).decode("ascii")
        style = ("<style>.ctls{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));"
                 "gap:6px 18px;margin:6px 0 12px}.ctl{display:flex;align-items:center;"
                 "gap:8px;font-size:13px}.ctl span{width:70px;color:#5b6475}.ctl input"
                 "{flex:1}.ctl select{flex:1}.row{display:grid;grid-template-columns:"
                 "minmax(0,1fr) 860px;gap:14px;align-items:start}main{max-width:1640px}"
                 ".row figure{margin:0}</style>")
        body = [style, '<div class="ctls">' + "".join(ctl) + "</div>",
                '<div class="row"><figure><img alt="explorer figure" src="data:image/png;'
                f'base64,{img}"></figure><div>{self.table_html()}</div></div>']
        return document("frontier.explore()", body,
                        subtitle="A static snapshot of the explorer's state: the notebook"
                        " widget shows the same figure and table under live controls.")

    # ------------------------------------------------------------------ the widget

    def widget(self) -> Any:
        """The ipywidgets user interface on top of this explorer.

        Controls: a model menu; sliders for C_max, T_max (logarithmic), acc_min, k_max,
        trials and P; a rule menu and a figure menu. Each control calls :meth:`update`
        when released; a budget move answers from the simulated statistics, a k_max,
        trials or P move simulates again behind a progress bar. The controls are in
        :attr:`controls` (name -> widget).

        Raises
        ------
        ImportError
            Without ipywidgets: install the ``notebook`` extra.
        ValueError
            For a budget value that is not finite (a slider needs a number).
        """
        w = _ipywidgets()
        s = self.state
        for name in _BUDGET:
            if not math.isfinite(getattr(s, name)):
                raise ValueError(f"the explorer's {name} slider needs a finite value, got "
                                 f"{getattr(s, name)}")
        names = {k: m.name for k, m in self.models.items()}

        def logs(v: float, lo: int, hi: int, desc: str) -> Any:
            e = math.log10(v)
            return w.FloatLogSlider(value=v, base=10, min=min(lo, math.floor(e)),
                                    max=max(hi, math.ceil(e)), step=0.01, description=desc,
                                    readout_format=".3g", continuous_update=False)

        p0 = s.parallel or self.models[s.model].default_parallel
        c: dict[str, Any] = {
            "model": w.Dropdown(options=[(f"{names[k]} ({k})", k) for k in self.models],
                                value=s.model, description="model"),
            "C_max": logs(s.C_max, -3, 1, "C_max ($)"),
            "T_max": logs(s.T_max, 0, 3, "T_max (s)"),
            "acc_min": w.FloatSlider(value=s.acc_min, min=min(0.5, s.acc_min),
                                     max=max(1.0, s.acc_min), step=0.005,
                                     description="acc_min", readout_format=".3f",
                                     continuous_update=False),
            "k_max": w.IntSlider(value=s.k_max, min=1, max=max(512, s.k_max),
                                 description="k_max", continuous_update=False),
            "trials": w.IntSlider(value=s.trials, min=50, max=max(20000, s.trials), step=50,
                                  description="trials", continuous_update=False),
            "parallel": w.IntSlider(value=p0, min=1, max=max(32, p0), description="P",
                                    continuous_update=False),
            "rule": w.Dropdown(options=[(r.label, r.name) for r in _rule_infos()],
                               value=s.rule, description="rule"),
            "figure": w.Dropdown(options=[(v, k) for k, v in FIGURE_KINDS.items()],
                                 value=s.figure, description="figure"),
        }
        bar = w.IntProgress(value=0, min=0, max=3, description="",
                            layout=w.Layout(visibility="hidden", width="320px"))
        status = w.HTML()
        image = w.Image(format="png", layout=w.Layout(max_width="760px"))
        table = w.HTML()

        def progress(step: int, steps: int, what: str) -> None:
            bar.max, bar.value = steps, step
            bar.layout.visibility = "visible"
            status.value = f"<i>{html.escape(what)}…</i>"

        def refresh() -> None:
            image.value = self.png()
            table.value = self.table_html()

        def on_change(name: str) -> Callable[[dict[str, Any]], None]:
            def callback(change: dict[str, Any]) -> None:
                value = change["new"]
                st = self.state
                now = (st.parallel or self.models[st.model].default_parallel
                       if name == "parallel" else getattr(st, name))
                if value == now:  # e.g. a slider set back after a rejected value
                    return
                try:
                    kind = self.update(progress=progress, **{name: value})
                except (ValueError, TypeError) as e:
                    status.value = f'<span style="color:#b22222">{html.escape(str(e))}</span>'
                    c[name].value = now
                    return
                if kind != "none":
                    refresh()
                bar.value = bar.max
                bar.layout.visibility = "hidden"
                status.value = html.escape(self.explain())

            return callback

        for name, ctl in c.items():
            ctl.observe(on_change(name), names="value")
        refresh()
        status.value = html.escape(self.explain())
        box = w.VBox([
            w.HBox([c["model"], c["rule"], c["figure"]]),
            w.HBox([c["C_max"], c["T_max"], c["acc_min"]]),
            w.HBox([c["k_max"], c["trials"], c["parallel"]]),
            w.HBox([bar, status]),
            w.HBox([image, table]),
        ])
        self.controls = c
        self.view = {"image": image, "table": table, "status": status, "progress": bar}
        return box


def _rule_infos() -> list[Any]:
    return [rule_info(n) for n in RULE_NAMES]


def _ipywidgets() -> Any:
    try:
        import ipywidgets
    except ImportError as e:
        raise ImportError("frontier.explore needs ipywidgets: pip install "
                          "'frontier-mc[notebook]'") from e
    return ipywidgets


def explore(models: Any = None, **kwargs: Any) -> Any:
    """An interactive explorer of the study for Jupyter: controls, figure and table.

    A model menu; sliders for the budget (C_max, T_max, acc_min), k_max, trials and P; a
    rule menu and a figure menu (the 3-D feasible region by default). A budget move reruns
    only the selection on the simulated statistics (:func:`frontier.reselect`), so it
    answers at once; a k_max, trials or P move simulates again, with a progress bar. The
    figure and the table (the report's, for the current model) are redrawn on each change.

    Parameters
    ----------
    models
        ``None`` (the catalog), a :class:`frontier.Model`, a sequence or a mapping.
    **kwargs
        As :class:`Explorer` (``budget``, ``k_max``, ``trials``, ``parallel``, ``seed``,
        ``rule``, ``model``, ``figure``, ``slo``, ...).

    Returns
    -------
    ipywidgets.VBox
        The widget; its ``explorer`` attribute is the :class:`Explorer` behind it.

    Raises
    ------
    ImportError
        Without ipywidgets: ``pip install 'frontier-mc[notebook]'``.

    Examples
    --------
    >>> import frontier
    >>> frontier.explore(k_max=64)  # doctest: +SKIP
    """
    _ipywidgets()
    ex = Explorer(models, **kwargs)
    box = ex.widget()
    box.explorer = ex
    return box
