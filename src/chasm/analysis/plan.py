"""The analysis plan: which comparison belongs to which family, and the family's method.

WHAT. :func:`load_plan` reads and checks ``data/plan.yaml`` (families of wave comparisons with
their ids, role and multiplicity method; the method of each claim's own family of tests; the
equivalence margin and why it was chosen; the post-hoc rule for wave pairs the plan does not
list). :func:`wave_family` gives the family of tests for any two waves; :func:`wave_tests` runs
every declared wave comparison once, with ``chasm.analysis.waves.compare_pairs``, and is the one
place
the adjusted p-value of a wave comparison comes from: 03_waves shows these rows and the claims
register's ``wave_change`` rule reads them (``tests/e2e/test_one_p.py`` checks that no two
outputs show different adjusted p-values for the same ``comparison_id``).

WHY. The same test had two adjusted p-values in 03_waves (over five options, three of them not
the essay's) and in the register (over the essay's two): a reader could not tell which is the
finding. A family is now declared once, with its purpose: Holm for the essay's confirmatory
claims, Benjamini-Hochberg for exploratory screens, intersection-union for a claim that needs
every one of its tests. The plan was written after the first results (issue 21): its
``history`` records for each choice whether it was fixed before or after results were seen,
with the commit (:func:`history_table`), and pages label the choices fixed after as post hoc
(:func:`post_hoc_note`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from chasm import paths
from chasm.analysis import waves
from chasm.data import load
from chasm.data.schema import RawDataError, key_path, read_yaml
from chasm.stats.multiplicity import ADJUST_METHODS

#: Methods a wave family may use: the adjustments :mod:`chasm.stats.multiplicity` makes.
METHODS = ADJUST_METHODS
#: Methods a claim's own family may use: intersection-union (every test at alpha, no
#: adjustment; Berger 1982) for claims that need every part to hold.
CLAIM_METHODS = METHODS + ("intersection_union",)
#: Columns of :func:`wave_family`.
FAMILY_COLUMNS = ["question", "option", "comparison_id", "family", "role", "method", "claim",
                  "declared"]
POST_HOC = "post_hoc"


class PlanError(RawDataError):
    """``data/plan.yaml`` says something its schema cannot refuse (an unknown method, question,
    option or wave, an id used twice); the message names file, line, key and value as written."""


@dataclass(frozen=True)
class Plan:
    """The parsed analysis plan (:func:`load_plan`)."""
    alpha: float
    margin: float
    margin_why: str
    families: dict[str, dict]
    comparisons: pd.DataFrame
    claim_families: dict[str, dict]
    post_hoc: dict
    history: dict[str, dict]

    def fixed_after(self, key: str) -> bool:
        """True when the choice ``key`` of ``history`` was fixed after results."""
        return self.history[key]["fixed"] == "after"

    def claim_method(self, claim_id: str) -> str:
        """The multiplicity method of a claim's own tests (Holm unless the plan says)."""
        return str(self.claim_families.get(claim_id, {}).get("method", "holm"))

    def comparison_of(self, claim_id: str) -> pd.Series | None:
        """The declared wave comparison a claim rests on, or None."""
        rows = self.comparisons[self.comparisons["claim"] == claim_id]
        return rows.iloc[0] if len(rows) else None


def _fail(path: Path, where: dict, key: tuple, message: str) -> PlanError:
    """A :class:`PlanError` at ``key``: its line, dotted key and value as written."""
    spot = where[key]
    return PlanError(path, message, spot.line, value=spot.written, key=key_path(key))


def _family_info(name: str, entry: dict, key: tuple, fail, methods=METHODS) -> dict:
    if entry["method"] not in methods:
        raise fail((*key, "method"), f"unknown method; known: {', '.join(methods)}")
    return {"family": name, "method": entry["method"], "role": entry["role"],
            "why": entry["why"].strip()}


def load_plan(path: Path | str | None = None, meta: dict | None = None) -> Plan:
    """Read and check the plan (default ``data/plan.yaml``; ``meta``: ``load.load_metadata()``).

    The structure (keys, types, alpha in (0, 1), a margin in (0, 100) points with its reason,
    roles, the history of every choice with its commit) is ``data/schema/plan.schema.json``,
    read by the one strict loader (:func:`chasm.data.schema.read_yaml`). Then what a schema
    cannot say: every method one :mod:`chasm.stats.multiplicity` knows; comparison ids unique;
    each comparison's question and option known in the metadata, its two waves known and
    different; one wave pair per wave family; each claim named by at most one comparison.
    Every problem names file, line, key and the value as written (:class:`PlanError`, a
    :class:`~chasm.data.schema.RawDataError`).
    """
    path = Path(path or paths.DATA / "plan.yaml")
    raw, where = read_yaml(path, "plan")  # strict YAML; the read is logged for make's inputs
    meta = load.load_metadata() if meta is None else meta

    def fail(key: tuple, message: str) -> PlanError:
        return _fail(path, where, key, message)

    families, rows, ids, claimed = {}, [], {}, {}
    for name, entry in raw["families"].items():
        families[name] = _family_info(name, entry, ("families", name), fail)
        pairs = set()
        for i, c in enumerate(entry["comparisons"]):
            key = ("families", name, "comparisons", i)
            cid, question, option, waves = c["id"], c["question"], c["option"], c["waves"]
            if cid in ids:
                raise fail((*key, "id"), f"comparison id is used twice (also line {ids[cid]})")
            ids[cid] = where[(*key, "id")].line
            if question not in meta["questions"]:
                raise fail((*key, "question"), "unknown question (not in metadata/questions.yaml)")
            if option not in meta["questions"][question]["options"]:
                raise fail((*key, "option"), f"unknown option of question '{question}'")
            if len(waves) != 2 or waves[0] == waves[1] or not set(waves) <= set(meta["waves"]):
                raise fail((*key, "waves"), "waves must be two different known waves")
            if c.get("claim") is not None:
                if c["claim"] in claimed:
                    raise fail((*key, "claim"), f"claim names two comparisons (also "
                               f"{claimed[c['claim']]})")
                claimed[c["claim"]] = cid
            pairs.add(tuple(waves))
            rows.append({"question": question, "option": option, "comparison_id": cid,
                         "family": name, "role": families[name]["role"],
                         "method": families[name]["method"], "claim": c.get("claim"),
                         "declared": True, "wave1": waves[0], "wave2": waves[1]})
        if len(pairs) > 1:
            raise fail(("families", name), f"a wave family compares one pair of waves, got "
                       f"{sorted(pairs)}")
    claim_families = {k: _family_info(k, v, ("claim_families", k), fail, CLAIM_METHODS)
                      for k, v in (raw.get("claim_families") or {}).items()}
    post = raw["post_hoc"]
    _family_info(POST_HOC, {**post, "role": "exploratory"}, ("post_hoc",), fail)
    # the choices history records are the schema's (``history``: every one required, no other)
    history = {key: {"choice_id": key, "fixed": h["fixed"], "commit": h["commit"],
                     "choice": h["choice"].strip(), "was": (h.get("was") or "").strip(),
                     "effect": (h.get("effect") or "").strip()}
               for key, h in raw["history"].items()}
    eq = raw["equivalence"]
    return Plan(float(raw["alpha"]), float(eq["margin"]), eq["why"].strip(), families,
                pd.DataFrame(rows), claim_families,
                {"method": post["method"], "why": post["why"].strip()}, history)


def history_table(plan: Plan) -> pd.DataFrame:
    """The plan's history, one row per choice: choice_id, choice, fixed (before / after
    results were seen), commit, was (what it replaced), effect."""
    return pd.DataFrame(list(plan.history.values()))[["choice_id", "choice", "fixed", "commit",
                                                       "was", "effect"]]


def post_hoc_note(plan: Plan, keys=None) -> str:
    """A sentence naming the choices of ``keys`` (default: every choice of the history) fixed
    after results were seen (post hoc), with their commits; '' when none was."""
    after = [plan.history[k] for k in (plan.history if keys is None else keys)
             if plan.fixed_after(k)]
    if not after:
        return ""
    return ("Post hoc: " + "; ".join(f"{h['choice']} (fixed after results were seen, "
                                     f"{h['commit']})" for h in after) + ".")


def wave_family(plan: Plan, wave1: str, wave2: str, shared: pd.DataFrame) -> pd.DataFrame:
    """The family of tests for two waves (columns :data:`FAMILY_COLUMNS`).

    ``shared`` lists the (question, option) pairs both waves publish. The plan's comparisons
    of these waves come first (declared True); any shared option the plan does not list, and
    every option of a wave pair the plan does not pair at all, joins the post-hoc family
    (``post_hoc.method``, comparison id ``post-hoc:<option>:<wave1>:<wave2>``, declared
    False). A declared comparison the waves do not share is dropped (there is nothing to test).
    """
    declared = plan.comparisons[(plan.comparisons["wave1"] == wave1)
                                & (plan.comparisons["wave2"] == wave2)]
    keys = shared[["question", "option"]].drop_duplicates()
    fam = keys.merge(declared, on=["question", "option"], how="left")
    extra = fam["comparison_id"].isna()
    fam.loc[extra, "comparison_id"] = ("post-hoc:" + fam.loc[extra, "option"] + ":" + wave1
                                       + ":" + wave2)
    fam.loc[extra, ["family", "role", "method"]] = [POST_HOC, "exploratory",
                                                    plan.post_hoc["method"]]
    fam["declared"] = ~extra
    fam["claim"] = fam["claim"].astype(object).where(fam["claim"].notna(), "")
    fam = fam.sort_values(["declared", "family", "comparison_id"], ascending=[False, True, True])
    return fam[FAMILY_COLUMNS].reset_index(drop=True)


def family_table(plan: Plan) -> pd.DataFrame:
    """Every family of the plan: family, role, method, members (ids or 'the claim's tests'),
    fixed (before / after results were seen) and commit (from ``history``), why; wave
    families first, then claim families, then the post-hoc rule."""
    rows = []
    fams, claims = plan.history["families"], plan.history["claim_families"]
    for name, info in plan.families.items():
        ids = plan.comparisons.loc[plan.comparisons["family"] == name, "comparison_id"]
        rows.append({**info, "members": ", ".join(ids), "fixed": fams["fixed"],
                     "commit": fams["commit"]})
    for name, info in plan.claim_families.items():
        rows.append({**info, "members": f"the tests of claim {name}", "fixed": claims["fixed"],
                     "commit": claims["commit"]})
    rows.append({"family": POST_HOC, "role": "exploratory", "method": plan.post_hoc["method"],
                 "why": plan.post_hoc["why"], "members": "wave pairs the plan does not list",
                 "fixed": fams["fixed"], "commit": fams["commit"]})
    return pd.DataFrame(rows)[["family", "role", "method", "members", "fixed", "commit", "why"]]


def wave_tests(plan: Plan, tidy: pd.DataFrame, meta: dict, deff: float,
               n: int | None = None, alpha: float | None = None,
               margin: float | None = None, tipping: bool = False) -> pd.DataFrame:
    """Every declared wave comparison of the plan, tested once (the one home of their p).

    For each wave pair the plan lists: ``chasm.analysis.waves.wave_pairs`` (whole sample) and
    ``chasm.analysis.waves.compare_pairs`` with :func:`wave_family`, at design effect ``deff``, each
    wave's n from the metadata (or ``n``), the plan's alpha and margin unless given. Returns
    the rows of ``compare_pairs`` (every source combination; the family's own rows have
    ``best`` True). ``tipping``: also the tipping points of each row
    (``chasm.analysis.compare.robustness``; off by default: the register computes its own,
    ``chasm.register.sensitivity.tipping_table``, on the same test).
    """
    alpha = plan.alpha if alpha is None else alpha
    margin = plan.margin if margin is None else margin
    out = []
    for (w1, w2), _ in plan.comparisons.groupby(["wave1", "wave2"], sort=True):
        pairs = waves.wave_pairs(tidy, w1, w2)
        fam = wave_family(plan, w1, w2, pairs)
        n1 = float(n if n is not None else meta["waves"][w1]["n"])
        n2 = float(n if n is not None else meta["waves"][w2]["n"])
        out.append(waves.compare_pairs(pairs, n1, n2, deff, alpha, margin, fam, tipping)
                   .assign(wave1=w1, wave2=w2))
    return pd.concat(out, ignore_index=True)
