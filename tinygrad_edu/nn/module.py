"""Module, Parameter, Sequential, ModuleList: how layers hold parameters, buffers and sub-modules.

Assigning a Parameter or a Module to an attribute registers it, in assignment order, so that
`parameters()` has the same order on every run. Buffers (running statistics, say) are saved in
the state dict but never optimised.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from ..device import split_to_arguments, to_device, to_library_of
from ..display import Shown, module_html, show, table as html_table
from ..grad_mode import no_grad
from ..tracing import active as jit_trace, refuse
from ..tensor import Tensor
from ..versions import mark_written
from .keras import KerasMixin


class Parameter(Tensor):
    """A Tensor that a Module trains: it requires grad, and assigning it to a Module registers it."""

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, dtype: npt.DTypeLike | None = None):
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)


class Module(KerasMixin):
    """Base class of layers and models: subclass it, assign parameters and sub-modules in
    `__init__`, and compute the output in `forward`. Call the module, not `forward`. Keras'
    compile / fit / evaluate / predict come from KerasMixin (nn/keras.py)."""

    def __init__(self):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_forward_hooks", {})
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------------ registration

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        for registry in (self._parameters, self._modules, self._buffers):
            if name in registry and not (registry is self._buffers and (value is None or isinstance(value, Tensor))):
                del registry[name]
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        elif name in self._buffers:
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        for registry in ("_parameters", "_buffers", "_modules"):
            found = self.__dict__.get(registry, {})
            if name in found:
                return found[name]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                return
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor: Tensor | None) -> None:
        """Keep `tensor` as state that is saved but not trained (e.g. running statistics)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, got {type(tensor).__name__}")
        self.__dict__.pop(name, None)
        self._buffers[name] = tensor

    def register_forward_hook(
            self, hook: Callable[[Module, tuple[Any, ...], Any], Any]) -> "_HookHandle":
        """Call `hook(module, inputs, output)` after every forward; a non-None result replaces
        the output. Returns a handle whose `remove()` unregisters it."""
        handle = _HookHandle(self._forward_hooks)
        self._forward_hooks[handle] = hook
        return handle

    # ------------------------------------------------------------------ calling

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        trace = jit_trace()
        if trace is not None:  # tg.jit guards on every module's training flag
            trace.modules[id(self)] = self
            if self._forward_hooks:
                refuse("a forward hook (register_forward_hook) would not run on replay")
        output = self.forward(*args, **kwargs)
        for hook in tuple(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    # ------------------------------------------------------------------ traversal

    def named_children(self) -> Iterator[tuple[str, Module]]:
        return iter(self._modules.items())

    def children(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every sub-module, depth first, with dotted names ("" for self)."""
        stack, seen = [(prefix, self)], set()
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{n}" if name else n, m) for n, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        return (m for _, m in self.named_modules())

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) pairs such as ("layers.0.weight", w); a shared one once."""
        seen = set()
        for module_name, module in self.named_modules(prefix):
            for name, p in module._parameters.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{module_name}.{name}" if module_name else name), p

    def parameters(self) -> Iterator[Parameter]:
        return (p for _, p in self.named_parameters())

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        for module_name, module in self.named_modules(prefix):
            for name, b in module._buffers.items():
                if b is not None:
                    yield (f"{module_name}.{name}" if module_name else name), b

    def buffers(self) -> Iterator[Tensor]:
        return (b for _, b in self.named_buffers())

    # ------------------------------------------------------------------ modes and gradients

    def train(self, mode: bool = True) -> "Module":
        """Training mode (dropout drops, batch norm uses batch statistics), for every sub-module."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def zero_grad(self) -> None:
        """Clear the gradient of every parameter (set it to None, as PyTorch does by default)."""
        for p in self.parameters():
            p.grad = None

    def to(self, *args: Any, device: str | None = None, dtype: npt.DTypeLike | None = None) -> "Module":
        """Move parameters and buffers to `device` ("cpu", "cuda", "cuda:N") and/or convert the
        floating-point ones to `dtype` (np.float64 for gradient checks), in place: `model.to("cuda")`.
        The Parameter objects stay the same; create the optimizer after moving, as in PyTorch."""
        device, dtype = split_to_arguments(args, device, dtype, f"{type(self).__name__}.to")
        for t in list(self.parameters()) + list(self.buffers()):
            data = t._data
            if dtype is not None and data.dtype.kind == "f":
                data = data.astype(dtype)
            if device is not None:
                data = to_device(data, device)
            if data is not t._data:
                t._replace_values(data)
                t.grad = None
        return self

    # ------------------------------------------------------------------ state

    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        """Parameters and buffers by dotted name, as copies (later training does not change them)."""
        state = OrderedDict((n, p.numpy().copy()) for n, p in self.named_parameters())
        state.update((n, b.numpy().copy()) for n, b in self.named_buffers())
        return state

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> tuple[list[str], list[str]]:
        """Copy values from `state` (name -> NumPy array, Tensor or PyTorch tensor: `tg.load(path)`,
        or a torch model's `state_dict()`) into this module's parameters and buffers. With `strict`,
        missing or unexpected names are an error; a wrong shape always is. Returns (missing,
        unexpected) names.

        PyTorch's `<norm>.num_batches_tracked` is accepted and skipped wherever this model keeps
        running statistics in `<norm>`: batch norm here always averages with a numeric momentum, so
        the count that PyTorch uses only for momentum=None carries nothing to load."""
        own = dict(self.named_parameters())
        own.update(self.named_buffers())
        counters = {f"{name}.num_batches_tracked".lstrip(".") for name, m in self.named_modules()
                    if "running_mean" in m._buffers}
        names = [n for n in state if n in own or n not in counters]
        values = {n: _values(state[n], n) for n in own if n in state}
        missing = [n for n in own if n not in values]
        unexpected = [n for n in names if n not in own]
        wrong = [f"{n}: checkpoint {values[n].shape}, model {own[n].shape}"
                 for n in values if values[n].shape != own[n].shape]
        problems = []
        if strict and missing:
            problems.append(f"missing keys: {missing}")
        if strict and unexpected:
            hint = " (a Trainer checkpoint? pass state['model'])" if "model" in unexpected else ""
            problems.append(f"unexpected keys: {unexpected}{hint}")
        if wrong:
            problems.append(f"wrong shapes: {wrong}")
        if problems:
            raise RuntimeError(f"load_state_dict into {type(self).__name__}: " + "; ".join(problems))
        with no_grad():
            for n, value in values.items():
                own[n]._data[...] = to_library_of(value, own[n]._data)
                mark_written(own[n]._data)
        return missing, unexpected

    # ------------------------------------------------------------------ display

    def draw_graph(self, *inputs: Any, **options: Any) -> Any:
        """Run forward on `inputs` and draw its graph, each module's ops in a labelled box (see
        tinygrad_edu.viz.draw_graph for the options)."""
        from ..viz import draw_graph, trace
        with trace(self):
            output = self(*inputs)
        return draw_graph(output, model=self, **options)

    def extra_repr(self) -> str:
        """The part inside the parentheses of this module's line in repr()."""
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in self._modules.items()]
        if not lines:
            return f"{type(self).__name__}({self.extra_repr()})"
        head = f"{type(self).__name__}({self.extra_repr()}"
        return head + "\n  " + "\n  ".join(lines) + "\n)"

    def _repr_html_(self) -> str:
        """Jupyter's view of a module: a table of its layers and their parameter counts."""
        return module_html(self)

    def summary(self, input_shape: Iterable[int], dtype: npt.DTypeLike = np.float32, batch_size: int = 2,
                file: IO[str] | None = None) -> str:
        """Show a table of the layers, their output shapes and parameter counts, from a forward
        pass on zeros of shape (batch_size, *input_shape) in eval mode, and return its text. As
        Keras' summary() it shows the table once wherever it is called: printed to `file`
        (standard output by default), or, under IPython with no `file`, displayed as an HTML
        table, which a notebook does not repeat when the call is the cell's last line."""
        rows, handles = [], []
        for name, module in self.named_modules():
            if module is not self and not module._modules:  # leaves of the module tree
                handles.append(module.register_forward_hook(
                    lambda m, args, out, name=name: rows.append((name, type(m).__name__, _shape_of(out), m))))
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                output = self(Tensor(np.zeros((batch_size,) + tuple(input_shape), dtype=dtype)))
        finally:
            for h in handles:
                h.remove()
            self.train(was_training)
        table = [("layer", "type", "output shape", "parameters")]
        seen = set()
        for name, kind, shape, m in rows:
            count = sum(p.numel() for p in m.parameters() if id(p) not in seen)
            seen.update(id(p) for p in m.parameters())
            table.append((name, kind, str((None,) + shape[1:]), f"{count:,}"))
        total = sum(p.numel() for p in self.parameters())
        trainable = sum(p.numel() for p in self.parameters() if p.requires_grad)
        widths = [max(len(r[i]) for r in table) for i in range(4)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table]
        rule = "-" * len(max(lines, key=len))
        title = (f"{type(self).__name__} on input {(None,) + tuple(input_shape)}"
                 f" -> {(None,) + _shape_of(output)[1:]}")
        footer = f"total parameters: {total:,} (trainable {trainable:,})"
        text = "\n".join([title, rule, lines[0], rule, *lines[1:], rule, footer])
        html_text = html_table(table[0], table[1:], footer=footer, caption=title)
        show(text, html_text, file)
        return Shown(text, html_text)


class ModuleList(Module):
    """A list of modules whose parameters the owner registers (a plain list would hide them)."""

    def __init__(self, modules: Iterable[Module] = ()):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> "ModuleList":
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}: item {len(self)} is a {type(module).__name__}, not a Module")
        setattr(self, str(len(self._modules)), module)
        return self

    def __getitem__(self, i: int) -> Module:
        return list(self._modules.values())[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


class Sequential(ModuleList):
    """Modules applied one after another; `Sequential(a, b, c)(x) == c(b(a(x)))`."""

    def __init__(self, *modules: Module):
        super().__init__(modules)

    def add(self, module: Module) -> None:
        """Append a layer, as Keras' `model.add(...)` does (and, like it, return None)."""
        self.append(module)

    def forward(self, x: Any) -> Any:
        for m in self:
            x = m(x)
        return x


class _HookHandle:
    """Returned by register_forward_hook; the handle itself is the hook's key."""

    def __init__(self, registry: dict):
        self.registry = registry

    def remove(self) -> None:
        self.registry.pop(self, None)


def _values(value, name: str) -> np.ndarray:
    """A state dict's value as a NumPy array: from an array, a Tensor, or a PyTorch tensor (found by
    its methods, so that torch need not be installed)."""
    if isinstance(value, Tensor):
        return value.numpy()
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        try:
            return value.detach().cpu().numpy()
        except TypeError as e:  # bfloat16 and other dtypes NumPy lacks
            raise TypeError(f"load_state_dict: {name!r} is a {value.dtype} tensor, which NumPy cannot hold ({e}); "
                            "convert it first, e.g. with .float()") from None
    return np.asarray(value)


def _shape_of(output) -> tuple:
    return tuple(output.shape) if hasattr(output, "shape") else ()
