"""The seam between a function's code and its data access: built once per process, replaceable in tests."""

from __future__ import annotations

import functools
from collections.abc import Callable


class CachedAccessor[T]:
    """A function's data access, built on first use and kept for the process (as the cookbook's cached
    `get_dal_handler`); tests and benchmarks `replace` it rather than patch modules:

        @CachedAccessor
        def get_repository() -> ThingsRepository:
            return ThingsRepository(Database.from_env())
    """

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None
        functools.update_wrapper(self, build)

    def __call__(self) -> T:
        if self._value is None:
            self._value = self._build()
        return self._value

    def replace(self, value: T) -> None:
        """From now on, calls return `value` (e.g. an in-memory repository)."""
        self._value = value
