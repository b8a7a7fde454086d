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

METHODS = ("holm", "fdr_bh")
#: Methods a claim's own family may use: intersection-union (every test at alpha, no
#: adjustment; Berger 1982) for claims that need every part to hold.
CLAIM_METHODS = METHODS + ("intersection_union",)
#: The choices ``history`` must record, and the words for when each was fixed.
HISTORY_KEYS = ("alpha", "families", "rounding", "margin", "claim_families")
FIXED = ("before", "after")
ROLES = ("confirmatory", "exploratory")
#: Columns of :func:`wave_family`.
FAMILY_COLUMNS = ["question", "option", "comparison_id", "family", "role", "method", "claim",
                  "declared"]
POST_HOC = "post_hoc"


class PlanError(ValueError):
    """``data/plan.yaml`` is malformed (the message names the entry)."""


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
        """True when the choice ``key`` of :data:`HISTORY_KEYS` was fixed after results."""
        return self.history[key]["fixed"] == "after"

    def claim_method(self, claim_id: str) -> str:
        """The multiplicity method of a claim's own tests (Holm unless the plan says)."""
        return str(self.claim_families.get(claim_id, {}).get("method", "holm"))

    def comparison_of(self, claim_id: str) -> pd.Series | None:
        """The declared wave comparison a claim rests on, or None."""
        rows = self.comparisons[self.comparisons["claim"] == claim_id]
        return rows.iloc[0] if len(rows) else None


def _need(entry: dict, key: str, where: str):
    if not isinstance(entry, dict) or key not in entry:
        raise PlanError(f"{where}: missing {key!r}")
    return entry[key]


def _family_info(name: str, entry: dict, where: str, methods=METHODS) -> dict:
    method, role = _need(entry, "method", where), _need(entry, "role", where)
    if method not in methods:
        raise PlanError(f"{where}: method {method!r} is not one of {', '.join(methods)}")
    if role not in ROLES:
        raise PlanError(f"{where}: role {role!r} is not one of {', '.join(ROLES)}")
    return {"family": name, "method": method, "role": role,
            "why": str(_need(entry, "why", where)).strip()}


def load_plan(path: Path | str | None = None, meta: dict | None = None) -> Plan:
    """Read and check the plan (default ``data/plan.yaml``; ``meta``: ``load.load_metadata()``).

    Checks: alpha in (0, 1); a positive margin with its reason; every family a known method
    and role and a reason; comparison ids unique; each comparison's question and option known
    in the metadata, its two waves known and different; one wave pair per wave family; each
    claim named by at most one comparison. Raises :class:`PlanError`.
    """
    from chasm.data import load, schema

    path = Path(path or paths.DATA / "plan.yaml")
    raw, _ = schema.read_yaml(path)  # strict YAML, and the read is logged for make's inputs
    meta = load.load_metadata() if meta is None else meta
    alpha = float(_need(raw, "alpha", "plan"))
    if not 0 < alpha < 1:
        raise PlanError(f"plan: alpha {alpha} must lie in (0, 1)")
    eq = _need(raw, "equivalence", "plan")
    margin = float(_need(eq, "margin", "equivalence"))
    if not 0 < margin < 100:
        raise PlanError(f"equivalence: margin {margin} must lie in (0, 100) points")
    families, rows = {}, []
    for name, entry in (_need(raw, "families", "plan") or {}).items():
        where = f"family {name}"
        families[name] = _family_info(name, entry, where)
        pairs = set()
        for c in _need(entry, "comparisons", where):
            cid = str(_need(c, "id", where))
            question, option = _need(c, "question", cid), _need(c, "option", cid)
            waves = [str(w) for w in _need(c, "waves", cid)]
            if question not in meta["questions"]:
                raise PlanError(f"comparison {cid}: unknown question {question!r}")
            if option not in meta["questions"][question]["options"]:
                raise PlanError(f"comparison {cid}: unknown option {option!r} of {question}")
            if len(waves) != 2 or waves[0] == waves[1] or not set(waves) <= set(meta["waves"]):
                raise PlanError(f"comparison {cid}: waves must be two different known waves, "
                                f"got {waves}")
            pairs.add(tuple(waves))
            rows.append({"question": question, "option": option, "comparison_id": cid,
                         "family": name, "role": families[name]["role"],
                         "method": families[name]["method"], "claim": c.get("claim"),
                         "declared": True, "wave1": waves[0], "wave2": waves[1]})
        if len(pairs) > 1:
            raise PlanError(f"{where}: a wave family compares one pair of waves, got "
                            f"{sorted(pairs)}")
    comparisons = pd.DataFrame(rows)
    if comparisons["comparison_id"].duplicated().any():
        dup = comparisons.loc[comparisons["comparison_id"].duplicated(), "comparison_id"]
        raise PlanError(f"comparison id {dup.iloc[0]!r} is used twice")
    claimed = comparisons["claim"].dropna()
    if claimed.duplicated().any():
        raise PlanError(f"claim {claimed[claimed.duplicated()].iloc[0]!r} names two comparisons")
    claim_families = {str(k): _family_info(str(k), v, f"claim family {k}", CLAIM_METHODS)
                      for k, v in (raw.get("claim_families") or {}).items()}
    history = _history(_need(raw, "history", "plan"))
    post = _need(raw, "post_hoc", "plan")
    if _need(post, "method", "post_hoc") not in METHODS:
        raise PlanError(f"post_hoc: method must be one of {', '.join(METHODS)}")
    return Plan(alpha, margin, str(_need(eq, "why", "equivalence")).strip(), families,
                comparisons, claim_families,
                {"method": post["method"], "why": str(_need(post, "why", "post_hoc")).strip()},
                history)


def _history(raw: dict) -> dict[str, dict]:
    """Check ``history``: every choice of :data:`HISTORY_KEYS` once, ``fixed`` before or
    after, a commit (7 to 40 hex digits), the choice, what it replaced and its effect."""
    import re

    if not isinstance(raw, dict):
        raise PlanError("history: must map each choice to its record")
    missing = [k for k in HISTORY_KEYS if k not in raw]
    unknown = sorted(set(raw) - set(HISTORY_KEYS))
    if missing or unknown:
        raise PlanError(f"history: missing {missing}, unknown {unknown}; expected "
                        f"{', '.join(HISTORY_KEYS)}")
    out = {}
    for key in HISTORY_KEYS:
        entry, where = raw[key], f"history.{key}"
        fixed = _need(entry, "fixed", where)
        if fixed not in FIXED:
            raise PlanError(f"{where}.fixed: {fixed!r} is not one of {', '.join(FIXED)}")
        commit = str(_need(entry, "commit", where))
        if not re.fullmatch(r"[0-9a-f]{7,40}", commit):
            raise PlanError(f"{where}.commit: {commit!r} is not a commit hash")
        out[key] = {"choice_id": key, "fixed": fixed, "commit": commit,
                    "choice": str(_need(entry, "choice", where)).strip(),
                    "was": str(entry.get("was") or "").strip(),
                    "effect": str(entry.get("effect") or "").strip()}
    return out


def history_table(plan: Plan) -> pd.DataFrame:
    """The plan's history, one row per choice: choice_id, choice, fixed (before / after
    results were seen), commit, was (what it replaced), effect."""
    return pd.DataFrame(list(plan.history.values()))[["choice_id", "choice", "fixed", "commit",
                                                       "was", "effect"]]


def post_hoc_note(plan: Plan, keys=HISTORY_KEYS) -> str:
    """A sentence naming the choices of ``keys`` fixed after results were seen (post hoc),
    with their commits; '' when none was."""
    after = [plan.history[k] for k in keys if plan.fixed_after(k)]
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
    from chasm.analysis import waves

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
