"""A short crash-safety run in CI (the full run is `python crash.py --kills 10`)."""

import shutil

import pytest

import crash


@pytest.mark.parametrize("durability", ["fsync", "relaxed"])
def test_no_acknowledged_event_is_lost_across_sigkill(durability):
    result = crash.run(kills=3, producers=4, durability=durability, seed=7, log=lambda *_: None)
    shutil.rmtree(result["data_dir"], ignore_errors=True)
    assert result["acked"] > 0
    assert result["corrupt"] == 0
    assert result["lost"] == 0
