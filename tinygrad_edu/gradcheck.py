"""Numerical gradients and gradient checks: tools for users as much as for our own tests.

`gradcheck` compares the analytic vector-Jacobian product under a *random* upstream gradient with
central differences, for every input that requires grad: a backward that forgets to multiply by
the upstream gradient passes a check that only sums the output, but fails this one.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .creation import GeneratorLike, get_generator
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor, grad

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    # fn(*inputs): a Tensor or a tuple or list of them; the inputs: Tensors (those that require grad are
    # checked) and anything else fn takes
    TensorFunction = Callable[..., Tensor | Sequence[Tensor]]
    Inputs = Tensor | Sequence[Any]


class GradcheckError(RuntimeError):
    """An analytic gradient disagrees with central differences."""


def numerical_gradient(f: Callable[[Tensor | np.ndarray], Tensor | ArrayLike], x: Tensor | np.ndarray,
                       eps: float = 1e-4) -> np.ndarray:
    """The central difference (f(x + h) - f(x - h)) / 2h for each element of x, f scalar-valued.

    `x` is an array or a Tensor; it is perturbed in place, one element at a time, and restored.
    Below float64 it warns: with eps = 1e-4, float32's rounding of f (about 1e-7 relative) is
    divided by 2 * eps, so the differences are mostly noise (the book's NumPy arrays are float64).
    """
    values = x._data if isinstance(x, Tensor) else x
    if not isinstance(values, np.ndarray) or values.dtype.kind != "f":
        raise TypeError(f"numerical_gradient: x must be a floating-point array or Tensor on the CPU "
                        f"(gradient checks run in float64 NumPy; use .cpu()), got {type(x).__name__}")
    if values.dtype.itemsize < 8:
        warnings.warn(f"numerical_gradient: x is {values.dtype}; central differences in {values.dtype} are "
                      "mostly rounding error, use float64 (model.to(np.float64), x.astype(np.float64))",
                      UserWarning, stacklevel=2)
    result = np.zeros(values.shape, dtype=values.dtype)
    flat, out = values.reshape(-1), result.reshape(-1)
    if values.size and not np.shares_memory(flat, values):
        raise ValueError("numerical_gradient: x must be contiguous, so it can be perturbed in place")
    with no_grad():
        for i in range(flat.size):  # one element at a time: this is the slow method by design
            original = flat[i]
            flat[i] = original + eps
            above = _scalar(f(x))
            flat[i] = original - eps
            below = _scalar(f(x))
            flat[i] = original
            out[i] = (above - below) / (2 * eps)
    return result


def gradcheck(fn: TensorFunction, inputs: Inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              generator: GeneratorLike = 0) -> bool:
    """Check the gradients of `fn(*inputs)` with respect to every input that requires grad.

    The upstream gradient is drawn from `generator` (default: seed 0, so a failure repeats).

    Returns True, or raises GradcheckError naming the input, its worst element, the analytic
    and numerical values and the error. Inputs must be float64.
    """
    return _check(fn, _as_tuple(inputs), eps, atol, rtol, get_generator(generator), "gradcheck")


def gradgradcheck(fn: TensorFunction, inputs: Inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  generator: GeneratorLike = 0) -> bool:
    """Check second derivatives: gradcheck applied to the (create_graph) gradient of fn, with
    respect to the inputs and to the upstream gradient; both upstream gradients are drawn from
    `generator`."""
    inputs = _as_tuple(inputs)
    outputs = [y for y in _as_tuple(fn(*inputs)) if y.requires_grad]
    rng = get_generator(generator)
    upstream = tuple(Tensor(rng.standard_normal(y.shape), requires_grad=True) for y in outputs)
    wrt = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]

    def first_derivatives(*args):
        xs, vs = args[:len(inputs)], args[len(inputs):]
        ys = [y for y in _as_tuple(fn(*xs)) if y.requires_grad]
        targets = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
        gs = grad(ys, targets, grad_outputs=list(vs), create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None and g.requires_grad)

    if not wrt:
        raise ValueError("gradgradcheck: no input requires grad")
    return _check(first_derivatives, inputs + upstream, eps, atol, rtol, rng, "gradgradcheck")


def _check(fn, inputs: tuple, eps, atol, rtol, rng: np.random.Generator, who: str) -> bool:
    wrt = [(i, x) for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError(f"{who}: no input requires grad")
    for i, x in wrt:
        if x.dtype != np.float64:
            raise TypeError(f"{who}: input {i} is {x.dtype}; gradient checks need float64 inputs "
                            "(central differences in float32 are mostly rounding error): "
                            "make it with dtype=np.float64")
    outputs = [y for y in _as_tuple(fn(*inputs)) if y.requires_grad]
    upstream = [rng.standard_normal(y.shape) for y in outputs]
    analytic = (grad(outputs, [x for _, x in wrt], grad_outputs=upstream, allow_unused=True) if outputs
                else [None] * len(wrt))

    def projected(*args):  # <upstream, fn(args)>: its gradient is the vector-Jacobian product
        with enable_grad():  # fn may itself take gradients (gradgradcheck)
            ys = [y for y in _as_tuple(fn(*args)) if y.requires_grad]
        return sum(float((u * y._data).sum()) for u, y in zip(upstream, ys))

    for (i, x), a in zip(wrt, analytic):
        a = np.zeros(x.shape) if a is None else a.numpy()
        n = numerical_gradient(lambda _: projected(*inputs), x, eps)
        error = np.abs(a - n)
        tolerance = atol + rtol * np.abs(n)
        bad = error > tolerance
        if not np.isfinite(a).all() or bad.any():
            worst = (np.unravel_index(np.argmax(np.where(np.isfinite(error), error - tolerance, np.inf)), x.shape)
                     if x.ndim else ())
            raise GradcheckError(
                f"{who}: input {i} (shape {x.shape}): {int(bad.sum())} of {bad.size} gradient elements "
                f"disagree; worst at index {tuple(int(k) for k in worst)}: analytic {a[worst]:.8g}, "
                f"numerical {n[worst]:.8g}, error {error[worst]:.3g} > tolerance {tolerance[worst]:.3g} "
                f"(atol={atol}, rtol={rtol}, eps={eps})")
    return True


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _scalar(value) -> float:
    if isinstance(value, Tensor):
        value = value._data
    value = np.asarray(value)
    if value.size != 1:
        raise ValueError(f"numerical_gradient: f must return a single number, got shape {value.shape}")
    return float(value.reshape(()))
