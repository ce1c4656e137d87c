"""`tg.cuda.is_available()`, as PyTorch's `torch.cuda`: can tensors go to "cuda" here?"""
from __future__ import annotations

from .device import cuda_library, is_cuda_available


def is_available() -> bool:
    return is_cuda_available()


def device_count() -> int:
    """How many NVIDIA GPUs CuPy sees (0 without CuPy or a GPU)."""
    return cuda_library().cuda.runtime.getDeviceCount() if is_cuda_available() else 0
