"""Headless Chromium (Debian's, at /usr/bin/chromium) driving the real test server.

``tabs`` opens browser tabs, each in its own context (its own cookies and
sessionStorage, like a separate browser window), that record console errors,
uncaught exceptions and CSP violations. The neutral site that Quick exit opens
is answered locally by a route, so no test needs the network.

One Chromium (and one Playwright driver) serves all of a worker's tests here: starting them
costs about 1.4 s of CPU, and with one launch per test these tests took 7.1 minutes of CPU
against 5.6 now (docs/performance.md, "The test suite's own time"). Playwright's objects belong to the event loop that made them, so the tests in this folder
and their async fixtures run in the worker's session-wide loop (``pytest_collection_modifyitems``
marks them and refuses an async fixture that would run in another loop). Each test still gets
fresh contexts, which share nothing (cookies, storage, cache) with any other; whatever context a
test leaves open is closed after it.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pytest
import pytest_asyncio
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Route,
    ViewportSize,
    WebSocket,
    async_playwright,
    expect,
)
from playwright.async_api import Error as PlaywrightError

from server import i18n
from server.auth.passwords import hash_password
from tests.harness import (
    STAFF_PASSWORD,
    Harness,
    ServerThread,
    SuiteHarness,
    harness,
    suite_harness,
)
from tests.harness import test_settings as settings_for

HERE = Path(__file__).parent
# The event loop of every test in this folder and of the async fixtures they use.
LOOP: Final = "session"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # Media tests: a fake microphone (a beeping tone) and camera (a test pattern), and
    # every camera and microphone request granted without a prompt.
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
]
# quick-exit.js sends people here; a route answers it so nothing leaves the machine.
NEUTRAL_SITE = "https://www.bbc.co.uk/weather"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}

# The server answers in milliseconds; a generous limit only matters when something is wrong.
expect.set_options(timeout=5_000)

# Chromium reports CSP violations on the console too, but only some kinds; this
# listener (added before any page script runs, so the CSP does not apply to it)
# reports every one.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  const what = event.blockedURI || "inline";
  console.error(`CSP violation: ${event.violatedDirective} blocked ${what}`);
});
"""


@dataclass
class Tab:
    """One browser window: a context with one page and what went wrong in it."""

    context: BrowserContext
    page: Page
    problems: list[str] = field(default_factory=list)
    neutral_visits: list[str] = field(default_factory=list)
    # Every WebSocket frame the page sent, parsed (protocol v1 frames are JSON objects).
    sent: list[dict[str, Any]] = field(default_factory=list)

    def sent_types(self) -> list[str]:
        return [str(frame.get("type")) for frame in self.sent]

    def assert_clean(self, *allowed: str) -> None:
        """No console errors, uncaught errors or CSP violations, bar those matching ``allowed``."""
        unexpected = [p for p in self.problems if not any(a in p for a in allowed)]
        assert not unexpected, f"browser problems: {unexpected}"

    async def session_storage(self) -> dict[str, str]:
        result: dict[str, str] = await self.page.evaluate(
            "() => Object.fromEntries(Object.entries(sessionStorage))")
        return result


OpenTab = Callable[..., Awaitable[Tab]]


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(reason + "; CI must run the browser tests")
    pytest.skip(reason)


def own_server(name: str, **overrides: Any) -> Any:
    """A ``server`` fixture for one test module (``server = own_server("admin")`` at its top):
    the tabs and the harness of its tests use a server of the module's own, with settings
    ``overrides`` (tests/web/test_volunteers.py turns the training rule on). For pages that
    list every group or escalation: by the time such a test runs, the suite's shared server
    holds hundreds of groups, and /admin/rooms renders a form set for each (about 11 KB a
    group), which is more than a loaded machine renders within an expectation's 5 s."""

    @pytest.fixture(scope="module", name="server")
    def fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
        running = ServerThread(settings_for(tmp_path_factory.mktemp(name),
                                            **overrides)).start()
        yield running
        running.stop()

    return fixture


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run this folder's async tests in the session's loop, where the shared browser lives;
    and refuse, before anything runs, one that uses an async fixture bound to another loop
    (its objects would belong to a loop that is not running: a confusing failure later)."""
    for item in items:
        if HERE not in item.path.parents or not inspect.iscoroutinefunction(
                getattr(item, "obj", None)):
            continue
        # First among the item's own markers, so that it is the closest asyncio marker.
        item.add_marker(pytest.mark.asyncio(loop_scope=LOOP), append=False)
        info = getattr(item, "_fixtureinfo", None)
        for name, definitions in (info.name2fixturedefs.items() if info else ()):
            func = definitions[-1].func
            if (inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func)) and \
                    getattr(func, "_loop_scope", None) != LOOP:
                raise pytest.UsageError(
                    f"{item.nodeid}: the async fixture {name!r} must run in the browser tests' "
                    f"loop: declare it with @pytest_asyncio.fixture(loop_scope={LOOP!r})")


async def _launch(playwright: Playwright) -> Browser:
    return await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@dataclass
class _Chromium:
    """The worker's browser, launched again if it has gone (crashed, or closed by a test)."""

    playwright: Playwright
    browser: Browser | None = None

    async def running(self) -> Browser:
        if self.browser is None or not self.browser.is_connected():
            self.browser = await _launch(self.playwright)
        return self.browser


@pytest_asyncio.fixture(scope="session", loop_scope=LOOP)
async def _chromium() -> AsyncIterator[_Chromium]:
    _require_chromium()
    async with async_playwright() as playwright:
        chromium = _Chromium(playwright)
        try:
            yield chromium
        finally:
            if chromium.browser is not None:
                await chromium.browser.close()


@pytest_asyncio.fixture(loop_scope=LOOP)
async def browser(_chromium: _Chromium) -> AsyncIterator[Browser]:
    """The worker's Chromium; the contexts a test opens are closed after it, so none is
    left for the next test to find."""
    launched = await _chromium.running()
    yield launched
    for context in list(launched.contexts):
        with contextlib.suppress(PlaywrightError):
            await context.close()


@pytest.fixture
async def own_browser() -> AsyncIterator[Browser]:
    """A Chromium of the test's own, in the test's own loop: for browser tests outside this
    folder (tests/cluster), whose fixtures run in the test's loop."""
    _require_chromium()
    async with async_playwright() as playwright:
        launched = await _launch(playwright)
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope=LOOP)
async def h(server: ServerThread) -> AsyncIterator[Harness]:
    """tests/conftest.py's ``h``, in the browser tests' loop."""
    async with harness(server) as value:
        yield value


@pytest_asyncio.fixture(loop_scope=LOOP)
async def hs(server: ServerThread) -> AsyncIterator[SuiteHarness]:
    """tests/conftest.py's ``hs``, in the browser tests' loop."""
    async with suite_harness(server) as value:
        yield value


@pytest_asyncio.fixture(loop_scope=LOOP)
async def tabs(browser: Browser, server: ServerThread) -> AsyncIterator[OpenTab]:
    """``await tabs(viewport=PHONE)``: a new window on the test server."""
    opened: list[Tab] = []

    async def open_tab(viewport: dict[str, int] | None = None,
                       timezone: str = "Europe/London", touch: bool = False) -> Tab:
        # ``touch``: a phone's touch screen (pointer: coarse), not only its size.
        context = await browser.new_context(base_url=server.http, viewport=viewport or DESKTOP,  # type: ignore[arg-type]
                                            locale="en-GB", timezone_id=timezone,
                                            has_touch=touch, is_mobile=touch)
        context.set_default_timeout(5_000)
        await context.add_init_script(_CSP_LISTENER)
        page = await context.new_page()
        tab = Tab(context, page)

        async def neutral(route: Route) -> None:
            tab.neutral_visits.append(route.request.url)
            await route.fulfill(status=200, content_type="text/html",
                                body="<!doctype html><title>Weather</title><h1>Weather</h1>")

        await context.route("https://www.bbc.co.uk/**", neutral)

        def on_console(message: Any) -> None:
            if message.type in ("error", "assert"):
                tab.problems.append(f"console {message.type}: {message.text}")

        def on_websocket(socket: WebSocket) -> None:
            def on_frame(payload: str | bytes) -> None:
                with contextlib.suppress(ValueError):
                    tab.sent.append(json.loads(payload))

            socket.on("framesent", on_frame)

        page.on("websocket", on_websocket)
        page.on("console", on_console)
        page.on("pageerror", lambda error: tab.problems.append(f"uncaught: {error}"))
        opened.append(tab)
        return tab

    yield open_tab
    for tab in opened:
        await tab.context.close()


@pytest_asyncio.fixture(loop_scope=LOOP)
async def facilitator_account(h: Harness) -> tuple[str, str]:
    """A facilitator's username and password (log in through the /login form), assigned
    to every room the test's harness makes."""
    username = f"fran-{uuid.uuid4().hex[:8]}"
    staff = await h.store.add_staff(username, hash_password(STAFF_PASSWORD), "facilitator")
    h.facilitate_every_room.append(staff.id)
    return username, STAFF_PASSWORD


def words(lang: str, text: str, **params: str) -> str:
    """``text`` as a page in ``lang`` (its <html lang>) shows it, from the same catalogues
    the server reads: so a test can find a button by its words in any language."""
    code = lang.split("-")[0]
    translated = i18n.translations(code).ugettext(text) if code in i18n.LANGUAGES else text
    if "%(" in translated:
        return translated % params
    return translated.format(**params) if params else translated


async def page_words(page: Page, text: str, **params: str) -> str:
    """``text`` in the language of the page now open. Asked just after a click that submits
    a form, the page may be between documents (no document element yet): wait for the next
    one rather than fail."""
    lang = None
    for _ in range(100):
        try:
            lang = await page.evaluate("document.documentElement?.lang")
        except PlaywrightError:  # the context was destroyed by the navigation
            lang = None
        if lang:
            break
        await page.wait_for_timeout(50)
    assert lang, "the page has no <html lang>"
    return words(lang, text, **params)
