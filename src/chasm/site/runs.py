"""The runs the site shows and how they relate: reading order, kinds, navigation, citation.

A run is a notebook with a params file (``notebooks/params/<run>.yaml``); its parameters are
the notebook's declared defaults under its params file (:func:`parameters`: the values the run
was computed with, since the build reruns a report whenever either changes).

Run kinds are computed, not declared (:func:`run_kind`): a variant whose key table has the
same rows as its main run's changes an assumption (a *sensitivity run*); one with other rows
(other waves, another question) is *an analysis of its own*.

:func:`chrome` is the one data structure every page's navigation, banner and citation are
rendered from (``templates/base.html``): pages are rendered whole, none is edited afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chasm import paths
from chasm.data import load
from chasm.data.params import ParameterFileError, declared
from chasm.data.params import load as load_params
from chasm.site.base import citation, data_version, notebook_title, read_csv
from chasm.tables import question_label


def _short(title: str) -> str:
    """"02 · Uncertainty: how precise ..." -> "Uncertainty"."""
    return re.sub(r"^\d+\s*·\s*", "", title).split(":")[0].strip()


@dataclass
class Run:
    name: str
    notebook: str
    title: str
    changes: dict[str, object] = field(default_factory=dict)  # params differing from main
    kind: str = "main"  # main, sensitivity or analysis (run_kind)

    @property
    def main(self) -> bool:
        return self.name == self.notebook

    @property
    def short(self) -> str:
        return _short(self.title)

    @property
    def label(self) -> str:
        if self.main:
            return self.title
        return f"{self.title} ({params_text(self.changes)})"

    @property
    def change_text(self) -> str:
        return params_text(self.changes)


#: How a parameter is named where a page says what a run changes (an unknown one: as words).
PARAM_WORDS = {"deff": "design effect", "question": "question", "questions": "questions",
               "option": "answer", "focus": "answer", "subgroup_vars": "broken down by",
               "wave": "wave", "wave1": "first wave", "wave2": "second wave"}


def _plain(value: object) -> str:
    """A parameter value as a reader reads it: lists joined, underscores as spaces."""
    if isinstance(value, (list, tuple)):
        return " and ".join(_plain(v) for v in value)
    return str(value).replace("_", " ")


def _labelled(key: str, value: object, params: dict[str, object], meta: dict) -> str:
    """A parameter's value by its metadata label: a question by its wording (a breakdown
    used as a series, as ``putin_approval``, by its label), an answer by its label within the
    run's question(s), a breakdown by its label; anything else as :func:`_plain` writes it."""
    if isinstance(value, (list, tuple)):
        return " and ".join(_labelled(key, v, params, meta) for v in value)
    code = str(value)
    questions, breakdowns = meta.get("questions", {}), meta.get("subgroups", {})
    if key in ("question", "questions"):
        if code in questions:
            return f"“{question_label(code, meta)}”"
        return f"“{breakdowns.get(code, {}).get('label', _plain(code))}”"
    if key in ("option", "focus"):
        owners = params.get("question", params.get("questions")) or []
        owners = [owners] if isinstance(owners, str) else list(owners)
        for owner in [*owners, *questions, *breakdowns]:
            known = ((questions.get(owner) or {}).get("options")
                     or (breakdowns.get(owner) or {}).get("groups") or {})
            if code in known:
                return f"“{known[code].get('label', _plain(code))}”"
    if key == "subgroup_vars" and code in breakdowns:
        return str(breakdowns[code].get("label", _plain(code)))
    return _plain(code)


def params_text(changes: dict[str, object], params: dict[str, object] | None = None) -> str:
    """"design effect 2.5" / "waves 2022-02 and 2022-03" / "question “…”; answer “…”": what a
    run sets unlike its main run, each parameter and value by its label (metadata labels,
    :data:`PARAM_WORDS`), never its code. ``params``: the run's full parameters (the question
    an answer belongs to); default ``changes``."""
    if not changes:
        return "the main run's parameters"
    meta = load.load_metadata()
    params = {**(params or {}), **changes}
    items = dict(changes)
    if {"wave1", "wave2"} <= set(items):
        items = {"waves": [items.pop("wave1"), items.pop("wave2")], **items}
    def word(key: str, value: object) -> str:
        one = key == "questions" and isinstance(value, (list, tuple)) and len(value) == 1
        return "question" if one else PARAM_WORDS.get(key, _plain(key))

    return "; ".join(f"{word(k, v)} {_labelled(k, v, params, meta)}" for k, v in items.items())


def _params_file(run: str) -> dict[str, object] | None:
    """The values ``notebooks/params/<run>.yaml`` sets (``chasm.data.params``); None when it
    is missing or does not load (the build itself stops on it, naming the file and key)."""
    path = paths.PARAMS / f"{run}.yaml"
    nb_path = paths.NOTEBOOKS / f"{run.split('--')[0]}.ipynb"
    if not path.exists() or not nb_path.exists():
        return None
    try:
        return load_params(path, nb_path)
    except ParameterFileError:
        return None


def parameters(run: str) -> dict[str, object]:
    """The parameters ``run`` is computed with: its notebook's declared defaults under its
    params file (the build reruns a report whenever either changes)."""
    nb_path = paths.NOTEBOOKS / f"{run.split('--')[0]}.ipynb"
    return {**(declared(nb_path) if nb_path.exists() else {}), **(_params_file(run) or {})}


def runs() -> list[Run]:
    """Every run with a params file, in reading order: by notebook, main run first."""
    out = []
    names = sorted(p.stem for p in paths.PARAMS.glob("*.yaml"))
    for name in sorted(names, key=lambda r: (r.split("--")[0], "--" in r, r)):
        notebook = name.split("--")[0]
        changes: dict[str, object] = {}
        mine = _params_file(name) if "--" in name else None
        if mine is not None:
            base = parameters(notebook)
            changes = {k: v for k, v in mine.items() if k != "run" and base.get(k) != v}
        kind = "main" if name == notebook else run_kind(name, notebook)
        out.append(Run(name, notebook, notebook_title(notebook), changes, kind))
    return out


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _key_columns(rows: list[dict[str, str]]) -> list[str]:
    """A key table's leading text columns (those before the first numeric one or the
    verdict): what its rows are about."""
    keys = []
    for column in rows[0]:
        if column in ("verdict", "reading") or any(_is_number(r[column]) for r in rows):
            break
        keys.append(column)
    return keys or [next(iter(rows[0]))]


def run_kind(run: str, main: str) -> str:
    """"sensitivity" when ``run``'s key table (``tables/<run>.csv``) has the rows of its main
    run's (the same things computed under another assumption), else "analysis" (other
    waves, another question: an analysis of its own). Without key tables: "analysis"."""
    mine, base = (read_csv(paths.REPORTS / "tables" / f"{r}.csv") for r in (run, main))
    if not mine or not base or list(mine[0]) != list(base[0]):
        return "analysis"
    keys = _key_columns(base)
    rows = {tuple(r.get(k, "") for k in keys) for r in base}
    return "sensitivity" if rows == {tuple(r.get(k, "") for k in keys) for r in mine} else (
        "analysis")


def verdict_changes(run: str, main: str) -> list[str] | None:
    """Rows whose ``verdict`` differs between ``tables/<run>.csv`` and ``tables/<main>.csv``,
    as "row: main verdict → this run's"; None when the tables carry no verdict. Rows are
    matched on their leading text columns (those before the first numeric one)."""
    mine, base = (read_csv(paths.REPORTS / "tables" / f"{r}.csv") for r in (run, main))
    if not mine or not base or "verdict" not in mine[0] or "verdict" not in base[0]:
        return None
    keys = _key_columns(base)
    before = {tuple(r.get(k, "") for k in keys): r["verdict"] for r in base}
    out = []
    for row in mine:
        key = tuple(row.get(k, "") for k in keys)
        if key in before and before[key] != row["verdict"]:
            shown = key[1:4] if len(key) > 1 else key  # the first column is the broadest
            out.append(f"{' · '.join(shown)}: {before[key]} → {row['verdict']}")
    return out


def verdict_effect(run: Run) -> str:
    """A sensitivity run's effect on the verdicts, in a few words (the landing page's list)."""
    changed = verdict_changes(run.name, run.notebook)
    return ("no verdicts of its own" if changed is None else
            f"{len(changed)} of its verdicts differ from the main run's (listed on its page)"
            if changed else "every verdict as in the main run")


def _banner(me: Run, by_name: dict[str, Run]) -> dict:
    """What kind of run a variant is, said at the top of its page."""
    if me.kind == "sensitivity":
        changed = verdict_changes(me.name, me.notebook)
        verdicts = ("This report draws no verdicts of its own; compare its tables with "
                    "the main run's." if changed is None else
                    "Verdicts that differ from the main run: " + "; ".join(changed) + "."
                    if changed else "Every verdict is the same as in the main run.")
        banner = {"kind": "Sensitivity run",
                  "text": f"The main run's computation with {me.change_text}, one "
                          "assumption changed.", "verdicts": verdicts}
    else:
        banner = {"kind": "An analysis of its own",
                  "text": f"The notebook of the main run applied to {me.change_text}: "
                          "other rows, its own findings.", "verdicts": ""}
    main = by_name.get(me.notebook)
    return {**banner, "main": me.notebook, "main_title": main.title if main else me.notebook}


def chrome(run: str, all_runs: list[Run] | None = None, version: str | None = None) -> dict:
    """The navigation of page ``run`` (previous / next main run; a variant's previous is its
    main run), its banner (what kind of run it is) and its citation: ``me`` (its
    :class:`Run`, None for the landing and claims pages), ``prev``, ``next``, ``banner``,
    ``version``, ``citation``."""
    all_runs = runs() if all_runs is None else all_runs
    version = version or data_version()
    by_name = {r.name: r for r in all_runs}
    me = by_name.get(run)
    mains = [r for r in all_runs if r.main]
    anchor = by_name.get(me.notebook) if me and not me.main else me
    prev = nxt = None
    if anchor in mains:
        i = mains.index(anchor)
        prev = mains[i - 1] if i > 0 else None
        nxt = mains[i + 1] if i + 1 < len(mains) else None
        if me is not anchor:
            prev = anchor
    banner = _banner(me, by_name) if me and not me.main else None
    cff = citation()
    name = me.label if me else run
    cite = f"{cff['text']} {name}. reports/{run}.html, data version {version}." if cff else ""
    return {"me": me, "prev": prev, "next": nxt, "banner": banner, "version": version,
            "citation": cite}
