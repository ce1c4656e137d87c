"""Hypothesis profiles: `ci` (set CI=true, as .ci/run does) keeps the suite inside its time budget."""
import os

from hypothesis import HealthCheck, settings

os.environ["TINYGRAD_EDU_OFFLINE"] = "1"  # no test may download anything

settings.register_profile("ci", max_examples=12, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
