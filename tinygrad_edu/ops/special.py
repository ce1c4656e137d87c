"""Special functions as primitives: erf (for gelu)."""
from __future__ import annotations

import math
from types import ModuleType

from ..function import Function
from .array import Array

# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969),
# coefficients as in his CALERF: erf on |x| <= 0.46875, erfc on (0.46875, 4] and beyond 4.
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
      1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
      8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
      2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
      3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
      6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
      2.33520497626869185e-3)
_SMALL, _MIDDLE, _LARGE = 0.46875, 4.0, 27.0  # erfc(27) underflows float64


def _ratio(num_coeffs: tuple, den_coeffs: tuple, z: Array) -> Array:
    """Cody's nested rational function in z: the last numerator coefficient leads, as in CALERF."""
    num, den = num_coeffs[-1] * z, z
    for a, b in zip(num_coeffs[:len(den_coeffs) - 1], den_coeffs):
        num, den = (num + a) * z, (den + b) * z
    return (num + num_coeffs[len(den_coeffs) - 1]) / (den + den_coeffs[-1])


def erf(xp: ModuleType, x: Array) -> Array:
    """erf(x) in float64, within a few units in the last place (Cody's rational approximations).
    NumPy has no erf and SciPy is optional; this needs only the array library, so CuPy runs it too.
    Each branch is computed on inputs clipped into its own range, then the right one is chosen."""
    x = x.astype(xp.float64)
    y = xp.abs(x)
    small = xp.clip(x, -_SMALL, _SMALL)
    erf_small = small * _ratio(_A, _B, small * small)
    middle, large = xp.clip(y, _SMALL, _MIDDLE), xp.clip(y, _MIDDLE, _LARGE)
    z = 1 / (large * large)
    scaled_large = (1 / math.sqrt(math.pi) - z * _ratio(_P, _Q, z)) / large
    scaled = xp.where(y <= _MIDDLE, _ratio(_C, _D, middle), scaled_large)  # erfc(y) * exp(y**2)
    y = xp.minimum(y, _LARGE)
    head = xp.trunc(y * 16) / 16  # exp(-y**2) in two factors, without the rounding error of y**2
    erfc = xp.exp(-head * head) * xp.exp(-(y - head) * (y + head)) * scaled
    return xp.where(y <= _SMALL, erf_small, xp.sign(x) * (1 - erfc))


class Erf(Function):
    """y = erf(x) = 2/sqrt(pi) * integral of exp(-t**2) from 0 to x;  dx = g * 2/sqrt(pi) * exp(-x**2)"""

    # primitive: erf is no composite of exp/log/tanh; forward by rational approximation, backward exact
    @staticmethod
    def forward(ctx, x: Array) -> Array:
        ctx.save_for_backward(x)
        return erf(ctx.xp, x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g * (2 / math.sqrt(math.pi)) * ctx.xp.exp(-(x * x))
