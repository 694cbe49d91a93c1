"""A module recorded as missing fails to import at once; an installed one is never shadowed."""

from __future__ import annotations

import contextlib
import importlib
import sys
import timeit

import pytest

from adapters.runtime.missing_modules import remember_missing

ABSENT = "rollouts_test_no_such_module"


@pytest.fixture
def clean_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, ABSENT, raising=False)


@pytest.mark.usefixtures("clean_modules")
def test_an_absent_module_is_recorded_and_still_fails_to_import() -> None:
    assert remember_missing((ABSENT,)) == [ABSENT]
    assert sys.modules[ABSENT] is None
    with pytest.raises(ImportError):
        importlib.import_module(ABSENT)


def test_an_installed_module_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    assert remember_missing(("colorsys",)) == []
    assert "colorsys" not in sys.modules
    assert importlib.import_module("colorsys").hls_to_rgb(0, 0.5, 0) == (0.5, 0.5, 0.5)


@pytest.mark.usefixtures("clean_modules")
def test_a_recorded_miss_is_cheaper_than_searching_the_path_again() -> None:
    def attempt() -> None:
        with contextlib.suppress(ImportError):
            importlib.import_module(ABSENT)

    searched = min(timeit.repeat(attempt, number=50, repeat=5))
    remember_missing((ABSENT,))
    recorded = min(timeit.repeat(attempt, number=50, repeat=5))
    print(f"a miss: {searched / 50 * 1e6:.1f} us searched, {recorded / 50 * 1e6:.1f} us recorded")
    assert recorded < searched / 3
