"""`Array`, the type in the ops' signatures: what a forward gets and returns and a backward gets
and returns. A NumPy or CuPy array, or a Tensor under create_graph (see higher_order.py); they
share no base class, hence Any (None, for an input that needs no gradient, is one too)."""
from typing import Any

Array = Any
