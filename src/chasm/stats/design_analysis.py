"""Design analysis of a significant estimate: power, sign error and exaggeration.

WHAT. :func:`retrodesign` gives, for an estimate with standard error ``s`` tested two-sided at
``alpha`` and a plausible true effect ``A`` (chosen from outside the data), the power (the
chance the test is significant), the type S error (the chance a significant estimate has the
wrong sign) and the type M error or exaggeration ratio (the expected size of a significant
estimate divided by the true effect), Gelman & Carlin (2014), "Beyond power calculations:
assessing type S (sign) and type M (magnitude) errors", Perspectives on Psychological Science
9(6), 641-651.

HOW. The estimate is ``N(A, s^2)``; with ``z = Phi^-1(1 - alpha/2)`` and ``lambda = A / s``:
power ``= Phi(-z - lambda) + 1 - Phi(z - lambda)``; type S ``= Phi(-z - lambda) / power``
(for A > 0); exaggeration by the closed form of Lu, Qiu & Deng (2019, British Journal of
Mathematical and Statistical Psychology 72(1), 1-17), the expectation of ``|estimate|`` over
the significant region divided by ``A``:
``[phi(lambda + z) + phi(lambda - z) + lambda (Phi(lambda + z) + Phi(lambda - z) - 1)] /
[lambda (1 - Phi(lambda + z) + Phi(lambda - z))]``.
Gelman & Carlin's own ``retrodesign()`` estimates the exaggeration by simulation; the R
package retrodesign (Timm) implements this closed form (``retro_design``); the tests check
both the simulation and the package's documented results.

WHY. The essay's headline fall is significant; a significant estimate from a noisy design
overstates the true effect on average, by a factor that the design, not the estimate,
determines. It says how much a reader should discount the observed size if the true change
is as large as outside evidence makes plausible.

CONVENTION. Effects and standard errors in the same unit (points here); ``A`` may be given
with either sign (only its size matters, the errors are symmetric).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chasm.stats._validate import ArrayLike, as_float, check_alpha, check_positive


@dataclass(frozen=True)
class DesignAnalysis:
    """``effect`` (|A|), ``se``, ``power``, ``type_s``, ``exaggeration`` (type M)."""

    effect: float
    se: float
    power: float
    type_s: float
    exaggeration: float


def retrodesign(effect: float, se: float, alpha: float = 0.05) -> DesignAnalysis:
    """Power, type S error and exaggeration ratio of a two-sided z-test (see module)."""
    from scipy.stats import norm

    alpha = check_alpha(alpha)
    a = abs(float(as_float("effect", effect)))
    if not np.isfinite(a) or a == 0:
        raise ValueError(f"effect must be finite and non-zero, got {effect!r}")
    s = float(check_positive("se", se))
    z = norm.ppf(1 - alpha / 2)
    lam = a / s
    p_lo, p_hi = norm.cdf(-z - lam), norm.sf(z - lam)
    power = p_lo + p_hi
    num = norm.pdf(lam + z) + norm.pdf(lam - z) + lam * (norm.cdf(lam + z) + norm.cdf(lam - z) - 1)
    den = lam * (1 - norm.cdf(lam + z) + norm.cdf(lam - z))
    return DesignAnalysis(a, s, float(power), float(p_lo / power), float(num / den))


def retrodesign_grid(effects: ArrayLike, se: float, alpha: float = 0.05) -> list[DesignAnalysis]:
    """:func:`retrodesign` for each plausible effect."""
    return [retrodesign(a, se, alpha) for a in np.atleast_1d(as_float("effects", effects))]
