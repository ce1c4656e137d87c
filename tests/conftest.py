"""Hypothesis profiles: `ci` (set CI=true, as .ci/run does) keeps the suite inside its time budget.
The `torch` fixture: PyTorch, the reference the comparison tests check against."""
import os

import pytest
from hypothesis import HealthCheck, settings

os.environ["TINYGRAD_EDU_OFFLINE"] = "1"  # no test may download anything

settings.register_profile("ci", max_examples=12, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(scope="session")
def torch():
    """PyTorch: a test that asks for it skips where it is not installed, and fails instead where
    TINYGRAD_EDU_REQUIRE_TORCH=1 (as .ci/run sets), so that CI never skips a comparison."""
    try:
        import torch
    except ImportError:
        if os.environ.get("TINYGRAD_EDU_REQUIRE_TORCH") == "1":
            pytest.fail('TINYGRAD_EDU_REQUIRE_TORCH=1 but PyTorch is not installed: pip install "torch==2.13.0"')
        pytest.skip('PyTorch is not installed (pip install "torch==2.13.0")')
    return torch
