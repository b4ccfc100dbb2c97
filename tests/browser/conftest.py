"""One Chromium per browser test module.

Playwright's sync API keeps its asyncio loop running while a browser is open, and Mangum runs each request
on the thread's current loop; a browser left open would break every in-process handler test after it. So
the browser closes at the end of each module (and modules never overlap).
"""

import pytest
from support.browser import chromium


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance
