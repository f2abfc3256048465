"""Compression and content-hashed static files (server/http/static.py, wired in server/app.py).

Against the real test server: what is gzipped and when, the hashed and plain names and
their caching, the rewritten imports, and that the lead's live stream (server-sent
events) and the WebSockets are left alone. The table's dependency order is checked on
folders of its own (``StaticAssets`` over a temporary directory, called as an ASGI app).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import json
import re
from pathlib import Path

import httpx
import pytest

from server.http.static import StaticAssets, StaticError, hashed_name
from tests.harness import Harness
from tests.http.test_lead import raise_escalation

IDENTITY = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}
IMMUTABLE = "public, max-age=31536000, immutable"
HASHED = re.compile(r"^/static/(?P<stem>[\w.-]+)\.(?P<hash>[0-9a-f]{10})(?P<ext>\.\w+)$")
RELATIVE_IMPORT = re.compile(r"""(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}/[^"'\s]+)["']""")


async def raw_get(h: Harness, path: str, headers: dict[str, str],
                  client: httpx.AsyncClient | None = None) -> tuple[httpx.Response, bytes]:
    """The response and its body exactly as sent (httpx would undo the gzip)."""
    async with (client or h.http).stream("GET", path, headers=headers) as response:
        body = b"".join([chunk async for chunk in response.aiter_raw()])
    return response, body


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


# ---- compression ------------------------------------------------------------------------

async def test_pages_scripts_styles_and_json_are_gzipped_for_clients_that_take_them(
        h: Harness) -> None:
    page = await h.http.get("/")
    script, style = static_urls(page.text)[-1], "/static/hearth.css"
    _, admin = await h.staff("admin")
    try:
        cases = [(h.http, "/"), (h.http, script), (h.http, style), (admin, "/api/directory")]
        for client, path in cases:
            plain, plain_body = await raw_get(h, path, IDENTITY, client)
            packed, packed_body = await raw_get(h, path, GZIP, client)
            assert plain.status_code == packed.status_code == 200, path
            assert "content-encoding" not in plain.headers, path
            assert packed.headers["content-encoding"] == "gzip", path
            assert "accept-encoding" in packed.headers["vary"].lower(), path
            assert int(packed.headers["content-length"]) == len(packed_body), path
            assert len(packed_body) < 0.6 * len(plain_body), path
            if path != "/":  # a page carries a fresh CSRF token each time
                assert gzip.decompress(packed_body) == plain_body, path
    finally:
        await admin.aclose()


async def test_small_responses_are_not_compressed(h: Harness) -> None:
    icon = next(u for u in static_urls((await h.http.get("/")).text) if "favicon" in u)
    for path in (icon, "/healthz"):
        response, body = await raw_get(h, path, GZIP)
        assert response.status_code == 200 and len(body) < 500, path
        assert "content-encoding" not in response.headers, path


async def test_the_risk_documents_are_gzipped_once(h: Harness) -> None:
    for path in ("/api/risk-rules", "/api/risk-model"):
        response, body = await raw_get(h, path, GZIP)
        assert response.headers.get_list("content-encoding") == ["gzip"], path
        assert isinstance(json.loads(gzip.decompress(body)), dict), path
        # A second load takes them from the browser's cache (a day), then revalidates.
        assert response.headers["cache-control"] == "public, max-age=86400", path
        again = await h.http.get(path, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304, path


async def test_the_live_stream_is_neither_compressed_nor_buffered(h: Harness) -> None:
    _, escalation_id = await raise_escalation(h)
    _, lead = await h.staff("safeguarding_lead")
    _, other_lead = await h.staff("safeguarding_lead")
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(lead.aclose)
        stack.push_async_callback(other_lead.aclose)
        response = await stack.enter_async_context(
            lead.stream("GET", "/api/escalations/stream", headers=GZIP, timeout=10))
        assert response.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in response.headers
        chunks = response.aiter_raw()
        received = b""
        while b"event: snapshot" not in received:  # at once, while the stream stays open
            received += await asyncio.wait_for(anext(chunks), 5)
        changed = await other_lead.post(f"/api/escalations/{escalation_id}",
                                        json={"state": "acknowledged"})
        assert changed.status_code == 200
        # The change arrives as it happens, as plain text, not held back to fill a block.
        received = b""
        while b"event: escalation" not in received:
            received += await asyncio.wait_for(anext(chunks), 5)
        assert escalation_id.encode() in received


async def test_websockets_are_untouched(h: Harness) -> None:
    _, invite = await h.room()
    token = (await h.join(invite, "Ann"))["token"]
    client = await h.connect(token, additional_headers=GZIP)
    assert client.welcome["type"] == "welcome"


# ---- hashed and plain names -------------------------------------------------------------

async def test_pages_link_every_static_file_by_its_hashed_name(h: Harness) -> None:
    _, invite = await h.room()
    for path in ("/", f"/join/{invite}", "/room", "/login"):
        page = await h.http.get(path)
        urls = static_urls(page.text)
        assert urls and all(HASHED.match(url) for url in urls), (path, urls)
        assert "/static/" not in re.sub(r'(?:src|href)="/static/[^"]+"', "", page.text), path
        assert "script-src 'self'" in page.headers["content-security-policy"], path


async def test_a_hashed_name_is_immutable_and_named_by_its_bytes(h: Harness) -> None:
    urls = static_urls((await h.http.get("/room")).text)
    for url in urls:
        response = await h.http.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == IMMUTABLE, url
        assert "content-security-policy" in response.headers, url
        match = HASHED.match(url)
        assert match
        assert hashlib.sha256(response.content).hexdigest()[:10] == match["hash"], url
        again = await h.http.get(url, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304 and again.content == b"", url


async def test_a_plain_name_still_works_and_is_revalidated(h: Harness) -> None:
    on_disk = (Path(__file__).parents[2] / "web" / "static" / "room.js").read_bytes()
    response = await h.http.get("/static/room.js")
    assert response.status_code == 200 and response.content == on_disk
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    etag = response.headers["etag"]
    for tag in (etag, f'"other", {etag}', "*"):
        again = await h.http.get("/static/room.js", headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.content == b"", tag
        assert again.headers["etag"] == etag and again.headers["cache-control"] == "no-cache"
    changed = await h.http.get("/static/room.js", headers={"If-None-Match": '"other"'})
    assert changed.status_code == 200


async def test_missing_files_methods_and_head(h: Harness) -> None:
    assert (await h.http.get("/static/nothing.js")).status_code == 404
    assert (await h.http.get("/static/room.0000000000.js")).status_code == 404
    assert (await h.http.get("/static/")).status_code == 404
    assert (await h.http.post("/static/room.js")).status_code == 405
    head = await h.http.head("/static/hearth.css", headers=IDENTITY)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) > 0


async def test_hashed_modules_import_hashed_modules(h: Harness) -> None:
    """Every module reachable from the room page, fetched over HTTP, imports only hashed
    names, each of which is served (a broken graph would leave the page without script)."""
    todo = [u for u in static_urls((await h.http.get("/room")).text) if u.endswith(".js")]
    seen: set[str] = set()
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        response = await h.http.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == IMMUTABLE, url
        for spec in RELATIVE_IMPORT.findall(response.text):
            target = "/static/" + spec.removeprefix("./")
            assert HASHED.match(target), (url, spec)
            todo.append(target)
    names = {HASHED.match(url)["stem"] for url in seen}  # type: ignore[index]
    assert {"room", "api", "dialog", "draft-check", "risk", "risk-model", "media",
            "quick-exit"} <= names


# ---- the table, on folders of its own ------------------------------------------------------

def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


async def fetch(assets: StaticAssets, name: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=assets),
                                 base_url="http://static") as client:
        return await client.get(f"/{name}", headers=IDENTITY)


GRAPH = {
    "app.js": 'import { b } from "./b.js";\nimport "./lib/c.js";\nexport const a = b;\n',
    "b.js": 'export { c as b } from "./lib/c.js";\nconst icon = "/static/icon.svg";\n',
    "lib/c.js": 'export const c = await import("../d.js");\n',
    "d.js": "export default 1;\n",
    "alone.js": 'console.log("nothing imported from here");\n',
    "icon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    "style.css": "body { background: url('/static/icon.svg'); }\n",
}


async def test_imports_are_rewritten_to_hashed_names(tmp_path: Path) -> None:
    assets = StaticAssets(write(tmp_path, GRAPH))
    names = assets.names()
    served = {name: (await fetch(assets, hashed)).text for name, hashed in names.items()}
    for name, hashed in names.items():
        digest = hashlib.sha256(served[name].encode()).hexdigest()[:10]
        assert hashed == hashed_name(name, digest)
        assert assets.url(name) == f"/static/{hashed}"
    d, c = Path(names["d.js"]).name, Path(names["lib/c.js"]).name
    assert served["app.js"] == (f'import {{ b }} from "./{names["b.js"]}";\n'
                                f'import "./{names["lib/c.js"]}";\nexport const a = b;\n')
    assert served["b.js"] == (f'export {{ c as b }} from "./{names["lib/c.js"]}";\n'
                              f'const icon = "/static/{names["icon.svg"]}";\n')
    assert served["lib/c.js"] == f'export const c = await import("../{d}");\n'
    assert c.startswith("c.") and names["lib/c.js"].startswith("lib/")
    assert served["style.css"] == f"body {{ background: url('/static/{names['icon.svg']}'); }}\n"
    assert served["alone.js"] == GRAPH["alone.js"]
    # The plain names serve the files as they are, imports and all.
    for name, text in GRAPH.items():
        plain = await fetch(assets, name)
        assert plain.text == text and plain.headers["cache-control"] == "no-cache"


async def test_a_change_in_a_dependency_renames_everything_that_imports_it(
        tmp_path: Path) -> None:
    before = StaticAssets(write(tmp_path, GRAPH)).names()
    write(tmp_path, {"d.js": "export default 2;\n"})
    after = StaticAssets(tmp_path).names()
    changed = {name for name in GRAPH if before[name] != after[name]}
    assert changed == {"d.js", "lib/c.js", "b.js", "app.js"}
    write(tmp_path, {"icon.svg": "<svg xmlns='http://www.w3.org/2000/svg'><g/></svg>"})
    again = StaticAssets(tmp_path).names()
    assert {name for name in GRAPH if after[name] != again[name]} == {
        "icon.svg", "b.js", "app.js", "style.css"}


def test_an_import_cycle_or_a_missing_module_is_refused_at_start(tmp_path: Path) -> None:
    cycle = write(tmp_path / "cycle", {"a.js": 'import "./b.js";\n',
                                       "b.js": 'import "./a.js";\n'})
    with pytest.raises(StaticError, match=r"cycle.*a\.js -> b\.js -> a\.js"):
        StaticAssets(cycle)
    missing = write(tmp_path / "missing", {"a.js": 'import { x } from "./gone.js";\n'})
    with pytest.raises(StaticError, match=r"gone\.js"):
        StaticAssets(missing)
    with pytest.raises(LookupError):
        StaticAssets(write(tmp_path / "fine", {"a.js": ""})).url("b.js")
