"""The ``leak_check`` fixture: measure a callable from inside a test."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import pytest

from leak_tests.pytest_plugin.markers import marker_kwargs
from leak_tests.pytest_plugin.session import SESSION_KEY

if TYPE_CHECKING:
    from leak_tests.engine.result import Result


class LeakCheck(Protocol):
    """The function that the ``leak_check`` fixture returns."""

    def __call__(
        self,
        fn: Callable[[], object],
        *,
        iterations: int | None = None,
        warmup: int | None = None,
        checkpoints: int | None = None,
        probes: Iterable[str] | None = None,
        allow: Iterable[str] = (),
        max_per_call: Mapping[str, float] | None = None,
    ) -> Result:
        """Measure ``fn`` and return the result; fail the test on a disallowed
        verdict or a per-call slope over its ``max_per_call`` limit.

        Keyword arguments are those of the ``leakcheck`` marker and win over it.
        """


@pytest.fixture
def leak_check(request: pytest.FixtureRequest) -> LeakCheck:
    """Return a function that measures a zero-argument callable for leaks.

    ``leak_check(fn, **overrides)`` calls ``fn`` warm-up plus iterations times
    under the probes, returns the ``Result`` and fails the test with a
    one-sentence message when a verdict is not allowed. Settings come from the
    overrides, then a ``leakcheck`` marker on the test, the ``--leak-*`` options,
    the ``leak_*`` ini keys and the defaults.
    """
    session = request.config.stash[SESSION_KEY]
    marker = request.node.get_closest_marker("leakcheck")
    marker_layer = marker_kwargs(marker.args, marker.kwargs) if marker else {}

    def check(fn: Callable[[], object], **overrides: Any) -> Result:
        layer = marker_kwargs((), overrides)
        record = session.check(request.node, fn, (marker_layer, layer))
        if record.failure is not None:
            pytest.fail(record.failure, pytrace=False)
        return record.result

    return check
