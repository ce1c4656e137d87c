"""Neural-network building blocks: `nn.functional` (layers and losses as functions)."""
from . import functional

__all__ = ["functional"]
