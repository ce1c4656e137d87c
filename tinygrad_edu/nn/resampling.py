"""Resampling layers as Modules, as PyTorch's: adaptive average and max pooling, Upsample and the 2-D
pads. Each holds no parameters and calls nn.functional (functional_resample.py) in forward."""
from __future__ import annotations

from collections.abc import Sequence

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Upsample", "ReflectionPad2d",
           "ReplicationPad2d", "ZeroPad2d", "ConstantPad2d"]


class _AdaptivePool(Module):
    """What the adaptive pools share: they keep output_size and call their functional form."""

    def __init__(self, output_size: int | None | Sequence[int | None]):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size!r}"


class AdaptiveAvgPool1d(_AdaptivePool):
    """(N, C, L) or (C, L) to length output_size by averaging windows [floor(iL/out), ceil((i+1)L/out))."""

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool1d(x, self.output_size)


class AdaptiveAvgPool2d(_AdaptivePool):
    """(N, C, H, W) or (C, H, W) to output_size (an int, a pair, None keeping a side) by averaging
    windows [floor(i n/out), ceil((i+1) n/out)) on each axis."""

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)


class AdaptiveMaxPool2d(_AdaptivePool):
    """(N, C, H, W) or (C, H, W) to output_size by the max over AdaptiveAvgPool2d's windows
    (return_indices is not supported)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_max_pool2d(x, self.output_size)


class Upsample(Module):
    """F.interpolate as a layer: resize the spatial axes of (N, C, *spatial) to `size` or by `scale_factor`."""

    def __init__(self, size: int | Sequence[int] | None = None, scale_factor: float | Sequence[float] | None = None,
                 mode: str = "nearest", align_corners: bool | None = None):
        super().__init__()
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(s) for s in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor is not None else None
        self.mode, self.align_corners = mode, align_corners

    def forward(self, x: Tensor) -> Tensor:
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners)

    def extra_repr(self) -> str:
        which = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return f"{which}, mode={self.mode!r}"


def _quadruple(who: str, padding: int | Sequence[int]) -> tuple[int, int, int, int]:
    """An int n as (n, n, n, n); otherwise (left, right, top, bottom), checked."""
    padding = (padding,) * 4 if isinstance(padding, int) else tuple(padding)
    if len(padding) != 4 or not all(isinstance(p, int) for p in padding):
        raise ValueError(f"{who}: padding must be an int or (left, right, top, bottom), got {padding!r}")
    return padding


class _Pad2d(Module):
    mode = "constant"

    def __init__(self, padding: int | Sequence[int]):
        super().__init__()
        self.padding = _quadruple(type(self).__name__, padding)

    def forward(self, x: Tensor) -> Tensor:
        return F.pad(x, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad2d(_Pad2d):
    """Pad (N, C, H, W) or (C, H, W) by (left, right, top, bottom) mirroring without the edge: each pad < the side."""
    mode = "reflect"


class ReplicationPad2d(_Pad2d):
    """Pad (N, C, H, W) or (C, H, W) by (left, right, top, bottom) repeating the edge value."""
    mode = "replicate"


class ZeroPad2d(_Pad2d):
    """Pad the last two axes by (left, right, top, bottom) with zeros (negative pads crop)."""


class ConstantPad2d(_Pad2d):
    """Pad the last two axes by (left, right, top, bottom) with `value` (negative pads crop)."""

    def __init__(self, padding: int | Sequence[int], value: float):
        super().__init__(padding)
        self.value = value

    def forward(self, x: Tensor) -> Tensor:
        return F.pad(x, self.padding, value=self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"
