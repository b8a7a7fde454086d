"""Tables for people: the one layer that turns a computed table into what a report shows.

WHY. A report's tables were raw pandas: snake_case headers, index-name rows, integer row
numbers, NaN, True/False, unrounded limits, "p_value 0.000", and 16 columns clipped at the
right edge of a phone. :func:`table` (called by ``chasm.report.show``, so notebooks need no
edit) writes the same numbers the way a reader reads them:

* headers in plain language from one column dictionary, :data:`COLUMNS` (name -> label and
  format); a column it does not know keeps its name with underscores as spaces;
* shares and points with one decimal (no decimals when every value of the column is whole),
  p-values as "<0.001" or three decimals, counts as whole numbers, design effects with two
  decimals, booleans as yes / no, a dash (–) for anything missing;
* answers, breakdowns and groups by their metadata labels, not their codes (:data:`CODED`);
  questions by their wording, families of tests and comparisons by what the plan says of them
  (:data:`CODED_BY_PLAN`);
* no pandas index: the ``index`` column of ``report.show`` comes first, as the row header;
* figure and claim ids link to their rows (``01_ingest.html#fig-E01``,
  ``claims.html#C13``; the first table that lists a figure in a kernel anchors it);
* :data:`TECHNICAL` columns (how a text was read, the interval method, ...) stay out of the
  shown table but in the table's CSV: the full, unrounded frame travels with the output as
  ``text/csv`` and the page renderer (``chasm.site.pages``) writes it to
  ``reports/tables/<run>/table-<k>.csv`` and links it under the table;
* the table sits in a box that scrolls sideways on its own, so the page never does.

The list of what is not available (``metadata/gaps.yaml``, columns ``id, what,
consequence``) is shown once, on the landing page: a table with exactly those columns is
shown as a link to it (:data:`SHARED`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from chasm import paths
from chasm.data import load, write
from chasm.data.schema import read_yaml
from chasm.formats import MISSING, fmt_number, fmt_p_table
from chasm.text import clean, lang_of

#: name -> (plain-language header, format). Formats: ``share`` (percent or points, one
#: decimal), ``p`` (a p-value), ``count`` (a whole number), ``deff`` (two decimals), ``bool``
#: (yes / no), ``figure`` / ``claim`` (ids that link to their rows), ``verdict`` (a coloured
#: badge), ``text``; ``None`` keeps
#: the digits ``report.show`` was given.
COLUMNS: dict[str, tuple[str, str | None]] = {
    # figures and their sources
    "figure_id": ("figure", "figure"), "figure_ids": ("figures", "figure"),
    "figure": ("figure", "text"), "other_figures": ("other figures", "figure"),
    "figure_1": ("figure, earlier wave", "figure"), "figure_2": ("figure, later wave", "figure"),
    "source_1": ("figure, earlier wave", "figure"), "source_2": ("figure, later wave", "figure"),
    "figure_a": ("figure A", "figure"), "figure_b": ("figure B", "figure"),
    "source_kind": ("source", "text"), "kind_1": ("source, earlier", "text"),
    "kind_2": ("source, later", "text"), "kind_a": ("source A", "text"),
    "kind_b": ("source B", "text"), "source_id": ("source", "text"),
    "publisher": ("publisher", "text"), "published": ("published", "text"),
    "title": ("title", "text"), "wave": ("wave", "text"), "question": ("question", "text"),
    "option": ("answer", "text"), "subgroup_var": ("breakdown", "text"),
    "subgroup": ("group", "text"), "group": ("group", "text"), "sub": ("group", "text"),
    "value_text": ("as published", "text"), "text_1": ("as published, earlier", "text"),
    "text_2": ("as published, later", "text"), "text_a": ("as published, A", "text"),
    "text_b": ("as published, B", "text"), "tone": ("tone", "text"), "label": ("label", "text"),
    "note": ("note", "text"), "kind": ("kind", "text"), "how": ("how", "text"),
    "where": ("where", "text"), "statement": ("statement", "text"),
    "quantity": ("quantity", "text"), "check": ("check", "text"),
    "reading": ("reading", "text"), "meaning": ("what it means", "text"),
    # shares, points and intervals
    "point": ("point (%)", "share"), "low": ("low (%)", "share"), "high": ("high (%)", "share"),
    "p1": ("earlier (%)", "share"), "p2": ("later (%)", "share"),
    "low1": ("earlier, low (%)", "share"), "high1": ("earlier, high (%)", "share"),
    "low2": ("later, low (%)", "share"), "high2": ("later, high (%)", "share"),
    "ci_low": ("interval low", "share"), "ci_high": ("interval high", "share"),
    "ci_low_range": ("interval low, with rounding", "share"),
    "ci_high_range": ("interval high, with rounding", "share"),
    "low_with_sampling": ("low, with sampling error (%)", "share"),
    "high_with_sampling": ("high, with sampling error (%)", "share"),
    "diff": ("change (points)", "share"), "point_diff": ("difference (points)", "share"),
    "margin": ("equivalence margin (points)", "share"),
    "mdc_points": ("smallest detectable change (points)", "share"),
    "mdc_srs_points": ("same, simple random sample (points)", "share"),
    "width_sampling": ("width, sampling only (points)", "share"),
    "width_with_range": ("width, with rounding or wording (points)", "share"),
    "added_by_range": ("added by rounding or wording (points)", "share"),
    "w (%)": ("share of the sample (%)", "share"), "weight_pct": ("weight (%)", "share"),
    "value_pct": ("value (%)", "share"), "published_pct": ("published (%)", "share"),
    "share_choosing": ("share choosing (%)", "share"), "sum_low": ("sum, low (%)", "share"),
    "sum_high": ("sum, high (%)", "share"), "sum_point": ("sum (%)", "share"),
    "share near (%)": ("share near (%)", "share"), "published error": ("published error",
                                                                       "share"),
    "SRS error": ("simple random sampling error", "share"),
    "total": ("total (%)", "share"), "rest": ("rest of the sample (%)", "share"),
    "versus_50": ("against 50% (points)", "share"), "estimate": ("estimate", None),
    "share_of_respondents": ("share of respondents (%)", "share"),
    "share_of_answers": ("share of answers (%)", "share"),
    "share_of_mentions": ("share of mentions (%)", "share"),
    "level in 2024-03": ("level in March 2024 (%)", "share"),
    # tests
    "p_value": ("p", "p"), "p_holm": ("p, Holm-adjusted", "p"),
    "p_worst_rounding": ("p, least favourable rounding", "p"),
    "p_worst_holm": ("p, least favourable rounding, Holm", "p"),
    "equivalence_p": ("p, equivalence", "p"), "equivalence_p_worst": ("p, equivalence, "
                                                                      "least favourable", "p"),
    "p_worst": ("p, least favourable", "p"), "p_adjusted": ("p, adjusted", "p"),
    "z": ("z", "deff"), "verdict": ("verdict", "verdict"),
    "tipping_deff": ("flips at design effect", "deff"), "n_factor": ("flips at interviews ×", "deff"), "tipping_shift": ("flips at a shift of (points)", "share"), "fixed": ("fixed before / after results", "text"), "quotation": ("quotation", "text"),  # noqa: E501 (issue 21)
    # sizes and designs
    "n": ("interviews (n)", "count"), "n_eff": ("effective n", "count"),
    "n_wave": ("interviews in the wave", "count"), "sample_n": ("interviews", "count"),
    "interviews_at_N": ("interviews at N", "count"), "n1": ("interviews, earlier", "count"),
    "n2": ("interviews, later", "count"), "k": ("number", "count"),
    "min_age": ("from age", "count"), "max_age": ("to age", "count"),
    "deff": ("design effect", "deff"), "implied deff": ("implied design effect", "deff"),
    "deff low (rounding)": ("design effect, low (rounding)", "deff"),
    "deff high (rounding)": ("design effect, high (rounding)", "deff"),
    "ratio": ("ratio", "deff"), "mean_mentions_low": ("answers per person, at least", "deff"),
    "best": ("in the tested family", "bool"),
    "holds_for_all_options": ("holds if options are missing", "text"),
    # the claims register
    "claim_id": ("claim", "claim"), "paragraph": ("essay paragraph", "text"),
    "paraphrase": ("what the essay says", "text"), "evidence": ("evidence", "text"),
    "sources": ("sources", "text"), "measure": ("measure", "text"), "rule": ("rule", "text"),
    # the list of gaps
    "id": ("item", "text"), "what": ("what is missing", "text"),
    "consequence": ("what follows", "text"),
}

#: Verdict -> badge colour class (the claims register's vocabulary, ``chasm.register.claims``).
#: verdict -> badge class (``chasm.css`` colours each; white text at 4.5:1 or more, one
#: colour per word of the claims vocabulary).
BADGES = {"supported": "good", "consistent": "fair", "single source": "info",
          "not significant": "warn", "contradicted": "bad", "sources disagree": "bad",
          "inconclusive": "unsure", "not identifiable": "open", "not testable": "none"}

#: Columns a reader does not need (how a text was read, the interval method, the size's
#: provenance flags): kept in the table's CSV, left out of the shown table.
TECHNICAL = frozenset({"rule", "method", "form", "n_assumed", "weight_source", "z", "best"})

#: Tables shown once for the whole site: their exact columns -> (what, where they are shown).
SHARED = {("id", "what", "consequence"): ("what these data cannot tell",
                                          "index.html#gaps")}

#: Columns named like a design effect in a sensitivity grid ("deff 1.90 (Levada LS)") or a
#: wave ("2024-03") hold shares or half-widths: one decimal.
_SHARE_NAMES = re.compile(r"^(deff \d|\d{4}-\d{2}$)")
_ID = re.compile(r"^[A-Z]{1,3}\d{1,3}$")


@dataclass
class _Anchors:
    """Figure ids already anchored in this kernel: the first table listing a figure as its
    row header gets ``id="fig-<id>"``, later ones do not (ids stay unique on a page)."""

    seen: set[str] = field(default_factory=set)


_ANCHORS = _Anchors()


def label(column: object) -> str:
    """The plain-language header of ``column`` (its name with spaces if unknown)."""
    name = str(column)
    if name in COLUMNS:
        return COLUMNS[name][0]
    return name.replace("_", " ")


def _kind(column: object, series: pd.Series) -> str | None:
    name = str(column)
    if name in COLUMNS:
        return COLUMNS[name][1]
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if _SHARE_NAMES.match(name):
        return "share"
    if pd.api.types.is_integer_dtype(series):
        return "count"
    return None


def _missing(value: object) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_column(series: pd.Series, kind: str | None, digits: int = 1) -> list[str]:
    """Every value of ``series`` as text, by format ``kind`` (see :data:`COLUMNS`)."""
    values = list(series)
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if kind == "p":
        return [MISSING if _missing(v) else fmt_p_table(v) for v in values]
    if kind == "bool" or (kind is None and pd.api.types.is_bool_dtype(series)):
        return [MISSING if _missing(v) else ("yes" if bool(v) else "no") for v in values]
    if numeric and kind in ("share", "count", "deff", None):
        present = [float(v) for v in values if not _missing(v)]
        places = {"share": 1, "count": 0, "deff": 2, None: digits}[kind]
        if kind in ("share", None) and present and all(v == round(v) for v in present):
            places = 0  # 43, not 43.0, when the column holds whole numbers only
        return [MISSING if _missing(v) else fmt_number(float(v), places) for v in values]
    out = []
    for v in values:
        if _missing(v):
            out.append(MISSING)
        elif isinstance(v, bool):
            out.append("yes" if v else "no")
        elif isinstance(v, float) and kind in ("share", "deff", None):
            out.append(fmt_number(v, {"share": 1, "deff": 2, None: digits}[kind]))
        else:
            text = clean(str(v))  # chasm.text: no invisible characters from data
            out.append(text if text.strip() else MISSING)
    return out


def _link_ids(text: str, kind: str | None) -> str:
    """Escaped ``text`` with every figure or claim id in it linked to its row (a verdict as
    its coloured badge)."""
    if kind == "verdict" and text in BADGES:
        return f'<span class="badge badge-{BADGES[text]}">{html.escape(text)}</span>'
    if kind not in ("figure", "claim"):
        return html.escape(text)
    parts = re.split(r"([A-Za-z0-9]+)", text)
    out = []
    for part in parts:
        if _ID.match(part):
            href = (f"claims.html#{part}" if kind == "claim" or part.startswith("C")
                    else f"01_ingest.html#fig-{part}")
            out.append(f'<a href="{href}">{html.escape(part)}</a>')
        else:
            out.append(html.escape(part))
    return "".join(out)


def shared(frame: pd.DataFrame) -> tuple[str, str] | None:
    """(what, link) if ``frame`` is a table shown once for the whole site (:data:`SHARED`)."""
    return SHARED.get(tuple(str(c) for c in frame.columns))


@dataclass
class Table:
    """A table as a report shows it: HTML for the page, text for the console and nbval, and
    the full unrounded frame as CSV for the page renderer to write beside it."""

    html: str
    text: str
    csv: str
    rows: int

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.html, "text/plain": self.text, "text/csv": self.csv}


#: Columns whose codes are shown as their metadata labels (``metadata/questions.yaml`` for
#: answers, ``subgroups.yaml`` for breakdowns and groups); the CSV keeps the codes.
CODED = ("option", "subgroup_var", "subgroup")


#: Columns whose codes are shown by what the metadata and the plan say of them: a question by
#: its English wording (its note in brackets left out), a family of tests by its plan
#: ``label``; the CSV keeps the codes. A comparison id stays as it is unless a page asks for
#: its label (:func:`labels_of`, ``report.show(labels=...)``): pages whose prose cites the ids
#: keep them in their tables.
CODED_BY_PLAN = ("question", "family")

#: Columns whose codes have no label anywhere (a table's roles, quantities and parts): shown
#: as words (``trend_robust`` -> "trend robust"); the CSV keeps the codes. A question, family
#: or comparison the metadata and plan do not know falls back to words as well.
CODE_WORDS = ("question", "family", "role", "quantity", "part")

#: Families of tests no plan entry names: 08_series' own adjacent changes, the post-hoc family.
GENERATED_FAMILIES = {"series": "the series' own changes", "post_hoc": "not in the plan"}


def as_words(value: object) -> object:
    """A code as words: underscores as spaces (anything that is not text is left alone)."""
    return value.replace("_", " ") if isinstance(value, str) else value


def code_labels(frame: pd.DataFrame, comparisons: bool = False) -> dict[str, list]:
    """Label columns for the coded columns of ``frame`` (an unknown code stays as it is). An
    answer is looked up in its row's question if the table has one, else in any question;
    ``comparisons``: comparison ids by their waves and claim too (:func:`comparison_label`)."""
    meta = load.load_metadata()

    def labels(column: str, parent: str, families: dict, members: str) -> list:
        anywhere: dict[str, str] = {}
        for family in families.values():
            for code, item in (family.get(members) or {}).items():
                anywhere.setdefault(code, item.get("label", code))
        parents = list(frame[parent]) if parent in frame.columns else [None] * len(frame)
        out = []
        for value, owner in zip(frame[column], parents, strict=True):
            if not isinstance(value, str):
                out.append(value)
                continue
            own = (families.get(owner, {}) if isinstance(owner, str) else {}).get(members) or {}
            out.append(own.get(value, {}).get("label", anywhere.get(value, value)))
        return out

    out: dict[str, list] = {}
    if any(c in frame.columns for c in CODED_BY_PLAN) or comparisons:
        out.update(_plan_labels(frame, meta, comparisons))
    if "option" in frame.columns:
        out["option"] = labels("option", "question", meta["questions"], "options")
    if "subgroup" in frame.columns:
        out["subgroup"] = labels("subgroup", "subgroup_var", meta["subgroups"], "groups")
    if "subgroup_var" in frame.columns:
        out["subgroup_var"] = [meta["subgroups"].get(v, {}).get("label", v)
                               if isinstance(v, str) else v for v in frame["subgroup_var"]]
    return out


def question_label(question: str, meta: dict) -> str:
    """A question as a reader reads it: its English wording without the note in brackets
    ("Would you like to move abroad for permanent residence?"); its code as words if unknown."""
    wording = (meta["questions"].get(question) or {}).get("wording_en") or ""
    wording = re.split(r"\s+\(", str(wording), maxsplit=1)[0].strip()
    return wording or str(as_words(question))


def _plan() -> dict:
    """The analysis plan as written (``data/plan.yaml``, through the one strict reader)."""
    data, _ = read_yaml(paths.DATA / "plan.yaml", "plan")
    return data if isinstance(data, dict) else {}


def comparison_label(cid: str, plan: dict) -> str:
    """A comparison as a reader reads it, by its waves (and the claim it tests): the plan's
    "W-traitors" -> "2024-03 → 2025-04 (C13)"; an alternative pair "W-traitors:E06-S01" ->
    "2024-03 → 2025-04 (C13), figures E06 and S01"; a series step "S-would:2022-02:2022-03" or
    a post-hoc pair "post-hoc:would:2022-02:2022-03" -> "2022-02 → 2022-03"; a claim's pair
    "C15:E04-E05" -> "C15, figures E04 and E05". Anything else stays as it is."""
    declared = {c["id"]: c for f in (plan.get("families") or {}).values()
                for c in f.get("comparisons") or []}
    base, _, pair = cid.partition(":") if cid.split(":")[0] in declared else (cid, "", "")
    figures = pair.split("-") if re.fullmatch(r"[A-Z]{1,3}\d{1,3}-[A-Z]{1,3}\d{1,3}", pair) \
        else []
    if base in declared:
        c = declared[base]
        text = " → ".join(str(w) for w in c["waves"]) + (f" ({c['claim']})" if c.get("claim")
                                                         else "")
    else:
        step = re.fullmatch(r"(?:S-|post-hoc:)[^:]+:(\d{4}-\d{2}):(\d{4}-\d{2})"
                            r"(?::([A-Z]{1,3}\d{1,3})-([A-Z]{1,3}\d{1,3}))?", cid)
        claim = re.fullmatch(r"(C\d{1,3}):([A-Z]{1,3}\d{1,3})-([A-Z]{1,3}\d{1,3})", cid)
        if step:
            text, figures = f"{step[1]} → {step[2]}", [f for f in step.groups()[2:] if f]
        elif claim:
            text, figures = claim[1], [claim[2], claim[3]]
        else:
            return cid
    return text + (f", figures {' and '.join(figures)}" if figures else "")


def labels_of(column: str, values: list) -> list:
    """What a reader's table shows for these codes of ``column`` (a question, family or
    comparison id, an answer, breakdown or group): for sentences that name a row of a table
    as the table shows it."""
    frame = pd.DataFrame({column: list(values)})
    return list(code_labels(frame, comparisons=True).get(column, frame[column].map(as_words)))


def with_family_labels(text: str) -> str:
    """Recorded text (the plan's history, as :func:`chasm.analysis.plan.post_hoc_note` quotes
    it) as a page shows it: each family of tests the plan names by its code ("essay_waves")
    shown by its plan ``label``; the record itself is not rewritten."""
    for code, family in (_plan().get("families") or {}).items():
        label = (family or {}).get("label") if isinstance(family, dict) else None
        if label:
            text = re.sub(rf"\b{re.escape(str(code))}\b", str(label), text)
    return text


def _plan_labels(frame: pd.DataFrame, meta: dict, comparisons: bool) -> dict[str, list]:
    """Labels for the :data:`CODED_BY_PLAN` columns of ``frame`` (codes not found: as words),
    and with ``comparisons`` for its comparison ids (:func:`comparison_label`)."""
    out: dict[str, list] = {}
    if "question" in frame.columns:
        out["question"] = [question_label(q, meta) if isinstance(q, str) else q
                           for q in frame["question"]]
    plan = _plan() if {"family", "comparison_id"} & set(frame.columns) else {}
    if "comparison_id" in frame.columns and comparisons:
        out["comparison_id"] = [comparison_label(c, plan) if isinstance(c, str) else c
                                for c in frame["comparison_id"]]
    if "family" in frame.columns:
        named = {k: v.get("label") for k, v in (plan.get("families") or {}).items()}
        out["family"] = [
            (named.get(f) or GENERATED_FAMILIES.get(f) or as_words(f)) if isinstance(f, str)
            else f for f in frame["family"]]
    return out


def table(frame: pd.DataFrame, digits: int = 1, index: str | None = None,
          columns: list | dict | None = None, labels: dict | None = None) -> Table:
    """``frame`` as a report shows it (module docstring); ``index`` is the row-header column.

    ``columns`` (optional) are the columns shown, in order (a dict: column -> its header on
    the page). ``labels`` maps a column to what its cells say instead of its codes: either
    ``{code: label}`` or one label per row (e.g. a check written with labels where the frame
    keeps the codes). Both change the page only: the CSV is ``frame``, every column, with its
    codes."""
    csv = write.csv_text(frame)
    found = shared(frame)
    if found is not None:
        what, href = found
        page = (f'<p class="shared-table">The list of {html.escape(what)} ({len(frame)} '
                f'items) is on <a href="{href}">the landing page</a>.</p>')
        return Table(page, f"{what}: see {href}", csv, len(frame))
    named = frame.index.name is not None or not pd.api.types.is_integer_dtype(frame.index)
    raw = frame.reset_index(drop=not named)  # a meaningful index becomes the first column
    shown = raw
    if named and index is None:
        index = shown.columns[0]
    if any(c in shown.columns for c in CODED + CODED_BY_PLAN):
        shown = shown.assign(**code_labels(shown))
    shown = shown.assign(**{c: shown[c].map(as_words) for c in CODE_WORDS if c in shown})
    shown = shown.assign(**{
        c: ([m.get(code, v) if isinstance(code, str) else v
             for code, v in zip(raw[c], shown[c], strict=True)] if isinstance(m, Mapping)
            else list(m))
        for c, m in (labels or {}).items() if c in shown})
    headers = dict(columns) if isinstance(columns, dict) else {}
    columns = list(columns) if columns is not None else [
        c for c in shown.columns if str(c) not in TECHNICAL]
    if index is not None and index in columns:
        columns = [index] + [c for c in columns if c != index]
    cells = {c: format_column(shown[c], _kind(c, shown[c]), digits) for c in columns}
    kinds = {c: _kind(c, shown[c]) for c in columns}
    numeric = {c: kinds[c] in ("share", "p", "count", "deff") or (
        kinds[c] is None and pd.api.types.is_numeric_dtype(shown[c])) for c in columns}
    names = {c: headers.get(c) or label(c) for c in columns}
    head = "".join(f'<th scope="col"{" class=num" if numeric[c] else ""}>'
                   f"{html.escape(names[c])}</th>" for c in columns)
    # each cell names its column, so a phone can show a row as a stack of "header: value"
    headers = {c: f' data-label="{html.escape(names[c])}"' for c in columns}
    body = []
    for i in range(len(shown)):
        tds = []
        row_id = ""
        for j, c in enumerate(columns):
            value = cells[c][i]
            content = _link_ids(value, kinds[c])
            cls = ' class="num"' if numeric[c] else ""
            cls += ' lang="ru"' if not numeric[c] and lang_of(value) else ""  # Russian titles
            if j == 0 and index is not None:
                if kinds[c] == "figure" and _ID.match(value) and value not in _ANCHORS.seen:
                    _ANCHORS.seen.add(value)
                    row_id = f' id="fig-{html.escape(value)}"'
                tds.append(f'<th scope="row"{cls}{headers[c]}>{content}</th>')
            else:
                tds.append(f"<td{cls}{headers[c]}>{content}</td>")
        body.append(f"<tr{row_id}>{''.join(tds)}</tr>")
    page = ('<div class="table-box" role="region" tabindex="0" aria-label="table">'
            f'<table class="data"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')
    text = pd.DataFrame([[cells[c][i] for c in columns] for i in range(len(shown))],
                        columns=[names[c] for c in columns]).to_string(index=False)
    return Table(page, text, csv, len(frame))
