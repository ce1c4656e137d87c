"""Convolution and pooling layers as Modules, with PyTorch's names, arguments and initial values:
Conv1d, Conv2d, ConvTranspose2d, MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d."""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..creation import GeneratorLike, get_generator
from ..tensor import DEFAULT_FLOAT, Tensor
from . import functional as F
from . import init as initializers
from .functional_conv import _check_groups, _ntuple
from .module import Module, Parameter

Size = int | tuple[int, ...]


class _ConvNd(Module):
    """Shared set-up: sizes as tuples of `spatial` ints, the weight (out, in/groups, *kernel), or
    (in, out/groups, *kernel) when transposed, and PyTorch's default initial values
    (kaiming_uniform with a=sqrt(5), that is uniform in +-1/sqrt(fan_in), for weight and bias)."""

    spatial: int
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Size, stride: Size = 1,
                 padding: Size | str = 0, dilation: Size = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", init: initializers.InitLike = "default", generator: GeneratorLike = None,
                 dtype: npt.DTypeLike = DEFAULT_FLOAT):
        super().__init__()
        who, n = type(self).__name__, self.spatial
        if padding_mode != "zeros":
            raise ValueError(f"{who}: only padding_mode='zeros' is supported, got {padding_mode!r}")
        _check_groups(groups, in_channels, out_channels, who)
        self.in_channels, self.out_channels, self.groups, self.padding_mode = in_channels, out_channels, groups, "zeros"
        self.kernel_size, self.stride = _ntuple(kernel_size, n, who, True), _ntuple(stride, n, who, True)
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, n, who)
        self.dilation = _ntuple(dilation, n, who, True)
        channels = (in_channels, out_channels // groups) if self.transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(np.zeros(channels + self.kernel_size, dtype=dtype))
        self.bias = Parameter(np.zeros(out_channels, dtype=dtype)) if bias else None
        initializers.initialize(self.weight, self.bias, init, get_generator(generator))

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")
        if self.dilation != (1,) * self.spatial:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L) inputs; weight (out_channels, in_channels/groups, k)."""

    spatial = 1  # arguments: _ConvNd's, in PyTorch's order

    def forward(self, x: Tensor) -> Tensor:
        return F.conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W) inputs; weight (out_channels, in_channels/groups, kh, kw)."""

    spatial = 2  # arguments: _ConvNd's, in PyTorch's order

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution (the adjoint of Conv2d's input) over (N, C, H, W) inputs;
    weight (in_channels, out_channels/groups, kh, kw)."""

    spatial, transposed = 2, True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Size, stride: Size = 1, padding: Size = 0,
                 output_padding: Size = 0, groups: int = 1, bias: bool = True, dilation: Size = 1,
                 padding_mode: str = "zeros", init: initializers.InitLike = "default", generator: GeneratorLike = None,
                 dtype: npt.DTypeLike = DEFAULT_FLOAT):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, init, generator, dtype)
        self.output_padding = _ntuple(output_padding, 2, "ConvTranspose2d")

    def forward(self, x: Tensor) -> Tensor:
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                  self.groups, self.dilation)

    def extra_repr(self) -> str:
        extra = f", output_padding={self.output_padding}" if any(self.output_padding) else ""
        return super().extra_repr() + extra


class _MaxPool(Module):
    def __init__(self, kernel_size: Size, stride: Size | None = None, padding: Size = 0, dilation: Size = 1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, kernel_size if stride is None else stride, padding
        self.dilation = dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPool):
    """Largest value of each window of (N, C, L) inputs; the stride defaults to the kernel size."""

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return F.max_pool1d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                            self.return_indices)


class MaxPool2d(_MaxPool):
    """Largest value of each window of (N, C, H, W) inputs; the stride defaults to the kernel size."""

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                            self.return_indices)


class _AvgPool(Module):
    def __init__(self, kernel_size: Size, stride: Size | None = None, padding: Size = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, kernel_size if stride is None else stride, padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPool):
    """Mean of each window of (N, C, L) inputs; the stride defaults to the kernel size."""

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)


class AvgPool2d(_AvgPool):
    """Mean of each window of (N, C, H, W) inputs; the stride defaults to the kernel size."""

    def __init__(self, kernel_size: Size, stride: Size | None = None, padding: Size = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                            self.divisor_override)
