"""The malloc tuning done at import (memory.py): on, and switched off by its environment variable."""
import sys

import pytest

from tinygrad_edu import memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux-only")
def test_malloc_is_tuned_at_import_and_the_variable_turns_it_off(monkeypatch):
    assert memory.malloc_tuned
    monkeypatch.setenv("TINYGRAD_EDU_MALLOC_TUNING", "0")
    assert memory.tune_malloc() is False
