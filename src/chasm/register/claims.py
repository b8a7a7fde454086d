"""The claims register: what the essay says, claim by claim, and what the figures allow.

WHAT. A register is one text's claims: ``data/claims/<text_id>.csv``, one file per text that
quotes these polls, the text itself a row of ``data/raw/sources.csv`` (one row per claim: id,
paragraph, kind, paraphrase, the figures it rests on, the rule that checks it, the rule's
arguments, notes). Adding a register is adding a file: :func:`register_files` finds them,
:func:`load_registers` validates them all, :func:`load_claims` one (default: the register of
the study's own text, the source of kind ``essay``, :func:`main_register`); :func:`evaluate`
applies each claim's rule to the tidy
figures table and returns one verdict per claim, with short evidence text generated from the
computed numbers (never typed), the key numbers, and the sources of every figure used.

WHY. A reader should see, claim by claim, whether the published figures establish a claim,
merely allow it, cannot decide it, or contradict it, and why. Every rule is a small function
(registry :data:`chasm.register.rules.RULES`) with unit tests; changing a raw figure changes
exactly the
verdicts that depend on it.

VERDICTS: one word of ``chasm.analysis.verdicts.VOCABULARY`` (supported, contradicted,
inconclusive, not identifiable, not testable), each given by one rule of
:mod:`chasm.analysis.verdicts`; the
``provenance`` column says apart from it where the figures come from (how many sources, of which
kind, whether two sources for one cell agree).

CONVENTIONS. Every published figure stands for an interval of true values (a number ±0.5
rounding, "35-40%" its ends ±0.5, words ±5 points; ``chasm.data.worded``). Verdicts read the
published values with that rounding as ordinary uncertainty (uniform noise added to the
sampling variance, ``chasm.stats.rounding``), adjusted within the family the analysis plan
``data/plan.yaml`` declares (``chasm.analysis.plan``). The least favourable ends of the intervals
are a
robustness column (``p_worst``, ``p_adjusted_worst``), as are other design effects and sample
sizes (``chasm.register.sensitivity``). Shares are percentages; n is the wave's N from
``metadata/waves.yaml`` (assumed 1600) unless overridden; subgroup sizes are n_g = w_g N with
population (age) or approval weights (``chasm.analysis.weights``) and the same design effect as the
total. The claim model and the columns of :func:`evaluate` are :mod:`chasm.register.model`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from chasm import paths
from chasm.analysis import plan as plan_module
from chasm.analysis import verdicts as _verdicts
from chasm.data import cells, figures, load, schema
from chasm.formats import fmt, fmt_short, fmt_signed
from chasm.register.context import Context, sources_text
from chasm.register.model import (  # noqa: F401  (VOCABULARY, VERDICTS: the site reads them here)
    COLUMNS,
    FIGURE_ARG,
    FIGURES_ARG,
    KINDS,
    N_FIGURES,
    NAME_ARG,
    NUMBER_ARG,
    NUMBER_COLUMNS,
    OPTIONAL_ARGS,
    RULE_ARGS,
    VERDICTS,
    VOCABULARY,
    WAVE_ARG,
    WORDS_ARG,
    Claim,
    ClaimError,
    parse_args,
)
from chasm.register.rules import RULES
from chasm.stats.design import deff_from_error_table

#: Where the registers live: one ``<text_id>.csv`` per text.
REGISTER_DIR = "claims"


def register_files(directory: Path | str | None = None) -> dict[str, Path]:
    """``{text_id: path}`` of every register, ``data/claims/*.csv``, sorted by text id."""
    directory = Path(directory or paths.DATA / REGISTER_DIR)
    return {p.stem: p for p in sorted(directory.glob("*.csv"))}


def main_register(sources: pd.DataFrame | None = None,
                  directory: Path | str | None = None) -> str:
    """The text id of the study's own text: the one register whose text is a source of kind
    ``essay`` (06 and 07 read it first; its page is ``claims.html``). A ``ClaimError`` if no
    register, or more than one, belongs to a text of that kind."""
    sources = load.load_sources() if sources is None else sources
    essays = set(sources.loc[sources["kind"] == "essay", "source_id"])
    found = [t for t in register_files(directory) if t in essays]
    if len(found) != 1:
        raise ClaimError(f"expected one register of a text of kind 'essay' in data/claims/, "
                         f"found {len(found)}: {', '.join(found) or 'none'}")
    return found[0]


def register_page(text_id: str, main: str) -> str:
    """The page of a register: ``claims.html`` for the main register, ``claims-<text_id>.html``
    for every other (one home for the name: the site and the links use it)."""
    return "claims.html" if text_id == main else f"claims-{text_id}.html"


def load_registers(directory: Path | str | None = None, tidy: pd.DataFrame | None = None,
                   sources: pd.DataFrame | None = None) -> dict[str, list[Claim]]:
    """Every register, ``{text_id: claims}`` in text id order (:func:`load_claims` each).

    A register's file name is its text's ``source_id``: a name that is not a source of
    ``data/raw/sources.csv`` stops the build, naming the file."""
    sources = load.load_sources() if sources is None else sources
    tidy = figures.load() if tidy is None else tidy
    known = set(sources["source_id"])
    out = {}
    for text_id, path in register_files(directory).items():
        if text_id not in known:
            raise schema.RawDataError(path, "a register's file name must be the source_id of its "
                                  "text in data/raw/sources.csv (add the text there)",
                                  value=text_id)
        out[text_id] = load_claims(path, tidy, register=text_id)
    return out


def load_claims(path: Path | str | None = None, tidy: pd.DataFrame | None = None,
                register: str | None = None) -> list[Claim]:
    """Read and validate one claims register (default: :func:`main_register`'s file).

    Checks (each failure raises ``chasm.data.schema.RawDataError`` naming file, line, column,
    value):
    the columns; unique claim ids; paragraph a whole number; kind in :data:`KINDS`; rule in
    :data:`RULES`; args of the form ``key=value;key=v1 v2`` with exactly the keys the rule
    requires (:data:`RULE_ARGS`) and allowed values; every figure id (in figure_ids and in the
    args) present in the tidy table (default: ``chasm.data.figures.load()``), and every figure an
    argument names also listed in figure_ids; the number of figures the rule takes; a note for
    every ``not_testable`` claim (it is the evidence).
    """
    if path is None:
        path = register_files()[main_register()]
    path = Path(path)
    register = path.stem if register is None else register
    tidy = figures.load() if tidy is None else tidy
    columns = {
        "claim_id": cells.Col(cells.ident), "paragraph": cells.Col(cells.count),
        "kind": cells.Col(cells.text), "paraphrase": cells.Col(cells.text),
        "figure_ids": cells.Col(cells.text, optional=True), "rule": cells.Col(cells.ident),
        "args": cells.Col(cells.text, optional=True), "notes": cells.Col(cells.text, optional=True),
    }
    frame = schema.read_table(path, columns, unique=("claim_id",))
    for column in ("figure_ids", "args", "notes"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), "")
    known = set(tidy["figure_id"])
    claims = []
    for row in frame.to_dict("records"):

        def fail(column: str, message: str, value: object = None, row: dict = row):
            raise schema.RawDataError(path, message, int(row["_line"]), column,
                                  row[column] if value is None else value)

        if row["kind"] not in KINDS:
            fail("kind", f"unknown kind; known: {', '.join(KINDS)}")
        rule = row["rule"]
        if rule not in RULE_ARGS:
            fail("rule", f"unknown rule; known: {', '.join(RULE_ARGS)}")
        figure_ids = tuple((row["figure_ids"] or "").split())
        for fid in figure_ids:
            if fid not in known:
                fail("figure_ids", "figure id not in the figures table", fid)
        if len(set(figure_ids)) != len(figure_ids):
            fail("figure_ids", "a figure id is listed twice")
        lo, hi = N_FIGURES.get(rule, (1, None))
        if len(figure_ids) < lo or (hi is not None and len(figure_ids) > hi):
            wanted = f"exactly {lo}" if lo == hi else f"at least {lo}"
            fail("figure_ids", f"rule {rule!r} takes {wanted} figure id(s), got "
                 f"{len(figure_ids)}")
        try:
            args = parse_args(row["args"])
        except ValueError as err:
            fail("args", str(err))
        required = RULE_ARGS[rule]
        for key in args:
            if key not in required:
                fail("args", f"rule {rule!r} takes no argument {key!r} (a typo?); it takes: "
                     f"{', '.join(required) or 'none'}")
        optional = OPTIONAL_ARGS.get(rule, ())
        for key, kind in required.items():
            if key not in args:
                if key in optional:
                    continue
                fail("args", f"rule {rule!r} requires argument {key!r}")
            values = args[key]
            if kind == WORDS_ARG:
                args[key] = (" ".join(values),)
                continue
            if kind in (FIGURE_ARG, NAME_ARG, NUMBER_ARG, WAVE_ARG) and len(values) != 1:
                fail("args", f"argument {key!r} takes one value", " ".join(values))
            if kind in (NUMBER_ARG, WAVE_ARG):  # the data files' number and month grammars
                try:
                    (cells.number if kind == NUMBER_ARG else cells.month)(values[0])
                except ValueError as err:
                    fail("args", f"argument {key!r} {err}", values[0])
            if isinstance(kind, tuple) and (len(values) != 1 or values[0] not in kind):
                fail("args", f"argument {key!r} must be one of {', '.join(kind)}",
                     " ".join(values))
            if kind in (FIGURE_ARG, FIGURES_ARG):
                for fid in values:
                    if fid not in known:
                        fail("args", f"argument {key!r}: figure id not in the figures table", fid)
                    if fid not in figure_ids:
                        fail("args", f"argument {key!r}: figure id not listed in figure_ids", fid)
        if rule in OPTIONAL_ARGS and len({k for k in OPTIONAL_ARGS[rule] if k in args}) == 1:
            fail("args", f"rule {rule!r}: give {' and '.join(OPTIONAL_ARGS[rule])} together or "
                 "neither")
        if rule == "not_testable" and not row["notes"]:
            fail("notes", "a not_testable claim needs a note saying why (it is the evidence)")
        claims.append(Claim(row["claim_id"], int(row["paragraph"]), row["kind"],
                            row["paraphrase"], figure_ids, rule, args, row["notes"] or "",
                            register))
    return claims


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------

def _main_name(claims) -> str:
    """The main register's name when some claim belongs to a register ("" when none does or
    the main register cannot be named)."""
    if not any(c.register for c in claims):
        return ""
    try:
        return main_register()
    except ClaimError:
        return ""

def evaluate(claims: list[Claim], tidy: pd.DataFrame, meta: dict, population: pd.DataFrame,
             approval: pd.DataFrame, error_table: pd.DataFrame, deff: float | None = None,
             alpha: float = 0.05, n: int | None = None, plan=None) -> pd.DataFrame:
    """One verdict per claim (columns :data:`COLUMNS`; see the module docstring).

    ``deff`` None: the least-squares design effect of Levada's error table
    (``chasm.stats.design.deff_from_error_table``); ``n`` None: each wave's n from the metadata;
    ``plan`` None: ``chasm.analysis.plan.load_plan()`` (``data/plan.yaml``).
    """
    if deff is None:
        deff = deff_from_error_table(error_table).deff
    main = _main_name(claims)
    ctx = Context(tidy, meta, population, approval, float(deff), float(alpha), n, list(claims),
                  plan_module.load_plan(meta=meta) if plan is None else plan, main)
    rows = []
    for claim in claims:
        result = RULES[claim.rule](claim, ctx)
        if result.verdict not in VERDICTS:
            raise claim.fail(f"rule returned unknown verdict {result.verdict!r}")
        numbers = result.numbers
        rows.append({
            "register": claim.register, "claim_id": claim.claim_id,
            "paragraph": claim.paragraph, "kind": claim.kind,
            "rule": claim.rule, "paraphrase": claim.paraphrase, "verdict": result.verdict,
            "provenance": _verdicts.provenance(tidy, result.figures),
            "evidence": result.evidence, "figure_ids": " ".join(claim.figure_ids),
            "sources": sources_text(ctx, result.figures),
            **{k: numbers.get(k, "") for k in ("comparison_id", "method", "measure",
                                                "range_kind", "quotation")},
            **{k: numbers.get(k, np.nan) for k in NUMBER_COLUMNS},
        })
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out["deff"] = float(deff)
    for column in NUMBER_COLUMNS:
        out[column] = out[column].astype(float)
    for column in ("comparison_id", "method", "measure", "range_kind", "quotation"):
        out[column] = out[column].fillna("").astype(str)
    return out


def evaluate_others(registers: dict[str, list[Claim]], main: str, tidy: pd.DataFrame,
                    meta: dict, population: pd.DataFrame, approval: pd.DataFrame,
                    error_table: pd.DataFrame, **kwargs) -> dict[str, pd.DataFrame]:
    """:func:`evaluate` of every register but the main one, ``{text_id: register}``."""
    return {t: evaluate(c, tidy, meta, population, approval, error_table, **kwargs)
            for t, c in registers.items() if t != main}


def claims_only(register: pd.DataFrame) -> pd.DataFrame:
    """The register without its quoted figures (kind ``figure``): counts of claims count
    claims, not quotations, whose status is the other axis (:func:`quotation_counts`)."""
    return register[register["kind"] != "figure"]


def quotation_counts(register: pd.DataFrame) -> pd.Series:
    """Quoted figures by quotation status (``chasm.analysis.verdicts.QUOTATION`` order, those that
    occur)."""
    q = register.loc[register["kind"] == "figure", "quotation"].value_counts()
    return q.reindex([name for name, _ in _verdicts.QUOTATION if name in q.index])


def quotation_sentence(register: pd.DataFrame) -> str:
    """'Of the 12 figures the essay quotes, 0 are confirmed by a source of their own, ...'."""
    q = quotation_counts(register)
    total = int(q.sum())
    if not total:
        return ""
    parts = ", ".join(f"{int(k)} {name}" for name, k in q.items())
    return (f"The essay also quotes {total} figures; whether each quotation is borne out is "
            f"another axis than the claims' verdicts: {parts}.")


def verdict_counts(register: pd.DataFrame) -> pd.DataFrame:
    """Claims by kind (rows, in :data:`KINDS` order) and verdict (columns, in vocabulary
    order), with totals ``all``; only kinds and verdicts that occur are shown. Quoted figures
    are not claims of the argument: pass :func:`claims_only` to leave them out."""
    kinds = [k for k in KINDS if k in set(register["kind"])]
    verdicts = [v for v in VERDICTS if v in set(register["verdict"])]
    table = (register.groupby(["kind", "verdict"]).size().unstack(fill_value=0)
             .reindex(index=kinds, columns=verdicts, fill_value=0))
    table["all"] = table.sum(axis=1)
    table.loc["all"] = table.sum()
    table.index.name, table.columns.name = "kind", None
    return table.astype(int)


def summary_sentence(register: pd.DataFrame) -> str:
    """'Of 9 testable claims, 5 are supported, ...; 7 are not testable.' (counts computed;
    claims only: quoted figures have their own axis, :func:`quotation_sentence`)."""
    register = claims_only(register)
    counts = register["verdict"].value_counts()
    testable = int((register["verdict"] != "not testable").sum())
    parts = [f"{int(counts[v])} {'is' if counts[v] == 1 else 'are'} {v}" if i == 0 else
             f"{int(counts[v])} {v}"
             for i, v in enumerate(v for v in VERDICTS if v != "not testable" and v in counts)]
    text = f"Of {testable} testable claims, "
    text += (", ".join(parts[:-1]) + " and " + parts[-1]) if len(parts) > 1 else "".join(parts)
    untestable = int(counts.get("not testable", 0))
    text += (f"; {untestable} further {'claim is' if untestable == 1 else 'claims are'} not "
             "testable with these data." if untestable else ".")
    return text


def key_number(row: pd.Series) -> str:
    """A claim's key number with its range labelled by kind ("−6.0 points (95% CI −10.7 to
    −1.3)", "117.0% (rounding range 115.0 to 119.0)"), from a row of :func:`evaluate`; ''
    without one. One decimal, two where one would show a nonzero number as zero (−0.03 reads
    "−0.03", never "0.0"); a difference is signed."""
    def digits(x: float) -> int:
        return 2 if x != 0 and round(float(x), 1) == 0 else 1

    points = "points" in row["measure"]
    unit = " points" if points else "%"
    x = row["estimate"]
    value = ("" if pd.isna(x) else
             (fmt_signed(x, digits(x)) if points else fmt(x, digits(x))) + unit)
    if pd.isna(row["low"]) or pd.isna(row["high"]):
        return value
    lo, hi = row["low"], row["high"]
    ends = f"{row['range_kind']} {fmt(lo, digits(lo))} to {fmt(hi, digits(hi))}"
    return f"{value} ({ends})" if value else f"{ends}{unit}"


class _SharedWeights(Context):
    """A :class:`Context` whose group weights and cells are looked up once for every design
    effect of :func:`deff_sensitivity`: they depend on the figures, metadata, population and
    approval series, not on the design effect (each caller gets its own copy, as from
    :class:`Context`)."""

    def __init__(self, *args, memo: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self._memo = memo

    def weights(self, variable: str, wave: str):
        key = ("weights", variable, wave)
        if key not in self._memo:
            self._memo[key] = super().weights(variable, wave)
        w, where = self._memo[key]
        return (None if w is None else w.copy()), where

    def cell_figures(self, row: pd.Series, subgroup_var: str | None = None,
                     subgroup: str | None = None) -> pd.DataFrame:
        key = ("cell", row["wave"], row["question"], row["option"],
               subgroup_var or row["subgroup_var"], subgroup or row["subgroup"])
        if key not in self._memo:
            self._memo[key] = super().cell_figures(row, subgroup_var, subgroup)
        return self._memo[key].copy()

    def weight_range(self, variable: str, wave: str, group: str) -> tuple[float, float]:
        key = ("weight_range", variable, wave, group)
        if key not in self._memo:
            self._memo[key] = super().weight_range(variable, wave, group)
        return self._memo[key]


def deff_sensitivity(claims: list[Claim], tidy: pd.DataFrame, meta: dict,
                     population: pd.DataFrame, approval: pd.DataFrame,
                     error_table: pd.DataFrame, deffs, alpha: float = 0.05,
                     n: int | None = None, plan=None) -> pd.DataFrame:
    """The verdict of every claim (rows, by claim_id) at each design effect of ``deffs``
    (columns "deff 1", "deff 1.5", ...): the verdicts of :func:`evaluate` at each design effect.

    Each claim's rule runs once per design effect, as in :func:`evaluate`; what does not depend
    on the design effect (the plan, the main register, group weights, evidence text,
    provenance and sources, which this table does not show) is computed once or not at all.
    """
    main = _main_name(claims)
    plan = plan_module.load_plan(meta=meta) if plan is None else plan
    memo: dict = {}
    index = pd.Index([c.claim_id for c in claims], name="claim_id")
    columns = {}
    for d in deffs:
        ctx = _SharedWeights(tidy, meta, population, approval, float(d), float(alpha), n,
                             list(claims), plan, main, memo=memo)
        verdicts = []
        for claim in claims:
            verdict = RULES[claim.rule](claim, ctx).verdict
            if verdict not in VERDICTS:
                raise claim.fail(f"rule returned unknown verdict {verdict!r}")
            verdicts.append(verdict)
        columns[f"deff {fmt_short(d)}"] = pd.Series(verdicts, index=index, name="verdict")
    return pd.DataFrame(columns)
