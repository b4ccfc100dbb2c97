"""`collector_paused`: the cold start's big import is neither scanned while it is built nor afterwards."""

from __future__ import annotations

import gc

import pytest
from api_core.collector import collector_paused


@pytest.fixture(autouse=True)
def _restore_collector():
    enabled = gc.isenabled()
    yield
    gc.unfreeze()  # what a test froze goes back to the collector: the test process is no cold start
    (gc.enable if enabled else gc.disable)()


def test_the_collector_is_off_inside_and_what_was_built_is_frozen_after():
    gc.enable()
    gc.unfreeze()
    with collector_paused():
        assert not gc.isenabled()
        built = [[index] for index in range(1000)]  # container objects: the collector tracks them
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(built)


def test_an_import_that_fails_still_resumes_the_collector():
    gc.enable()
    with pytest.raises(ImportError), collector_paused():
        raise ImportError("the app cannot be imported")
    assert gc.isenabled()


def test_a_collector_someone_turned_off_is_left_off_and_nothing_is_frozen():
    gc.unfreeze()
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0
