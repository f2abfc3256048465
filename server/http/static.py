"""``web/static`` under content-hashed names, compressed once, cached for a year.

Why: a parent on a phone reopens the group page many times, often on a metered
connection. Without this every visit fetched every script and the stylesheet again (the
security headers say ``no-store``). Now each file is also served as
``/static/<stem>.<hash><ext>`` (``hash``: the first 10 hex digits of SHA-256 of the bytes
served under that name) with ``Cache-Control: public, max-age=31536000, immutable``, and
the pages link to those names through the Jinja global ``static_url("room.js")``; a
browser that has a file never asks for it again, and a changed file has a new name. The
plain names keep working (``no-cache`` with an ETag: the browser revalidates, a 304 costs
a few hundred bytes) for anything that still uses them.

The ES modules import each other by relative paths (``import … from "./api.js"``). The
hashed copy of a module imports the hashed copies of its dependencies, so the specifiers
are rewritten, and a module's hash covers its rewritten text: change ``api.js`` and
``api.js``'s name changes, so ``room.js``'s text and name change too. That needs the
dependencies hashed first, so the files are processed in dependency order; an import
cycle cannot be content-hashed and is refused at start-up, as is a relative import of a
file that does not exist. Quoted absolute ``"/static/<file>"`` URLs in scripts and
stylesheets (a worker, a sound, an icon) are rewritten the same way. The plain names
serve the files exactly as they are on disk, so a page on plain names stays on plain
names throughout (one module graph, each module instantiated once).

Everything is read, rewritten, hashed and gzipped once, when the app is made, and served
from memory: a changed file on disk is picked up by a restart (there is no build step).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
from starlette.templating import Jinja2Templates
from starlette.types import Receive, Scope, Send

PREFIX = "/static"
HASH_LENGTH = 10
# A hashed name never changes meaning, so a browser may keep it as long as HTTP allows.
IMMUTABLE = b"public, max-age=31536000, immutable"
# A plain name's bytes change with a release: use the copy only after asking (ETag, 304).
REVALIDATE = b"no-cache"
# Below this gzip saves a few hundred bytes at most, no more than the response's headers
# weigh (Starlette's GZipMiddleware uses the same floor for the pages, server/app.py).
MIN_COMPRESS = 500

_MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
}
_COMPRESSIBLE = ("text/", "application/json", "application/manifest+json", "image/svg+xml")
_SCRIPTS = (".js", ".mjs")
_REWRITTEN = (*_SCRIPTS, ".css")

# A relative module specifier: `from "./x.js"`, `import "./x.js"`, `import("./x.js")`.
_IMPORT = re.compile(r"""(?:\bfrom|\bimport)\s*\(?\s*(["'])(\.{1,2}/[^"'\s]+)\1""")
# An absolute URL of a static file, in quotes or in CSS's url(...).
_ABSOLUTE = re.compile(r"""(?<=["'(])""" + re.escape(PREFIX) + r"""/([\w\-./]+)""")


class StaticError(Exception):
    """web/static cannot be served under hashed names (an import cycle, a missing file)."""


@dataclass(frozen=True, slots=True)
class _Reference:
    start: int
    end: int
    target: str  # the referenced file's plain name, relative to the static folder
    relative: bool  # a module specifier (keeps its folder part) or a /static/ URL


@dataclass(frozen=True, slots=True)
class _Variant:
    """One name's response: the bytes, gzipped when that helps, and its cache policy."""

    media_type: bytes
    body: bytes
    gzipped: bytes | None
    etag: bytes
    cache_control: bytes


def hashed_name(name: str, digest: str) -> str:
    """``room.js`` with digest ``0123456789`` is ``room.0123456789.js``."""
    path = PurePosixPath(name)
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def _media_type(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    return _MEDIA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _references(name: str, text: str, known: set[str]) -> list[_Reference]:
    """What ``name`` refers to. A file naming itself is left alone: no name can contain
    its own hash."""
    found: list[_Reference] = []
    if PurePosixPath(name).suffix in _SCRIPTS:
        for match in _IMPORT.finditer(text):
            spec = match.group(2)
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), spec))
            if target not in known:
                raise StaticError(f"{name} imports {spec!r}, which is not in the static folder")
            if target != name:
                found.append(_Reference(match.start(2), match.end(2), target, relative=True))
    for match in _ABSOLUTE.finditer(text):
        # Anything else is left alone (a folder prefix, another route).
        if match.group(1) in known and match.group(1) != name:
            found.append(_Reference(match.start(), match.end(), match.group(1), relative=False))
    return sorted(found, key=lambda ref: ref.start)


def _dependency_order(references: dict[str, list[_Reference]]) -> list[str]:
    """Every file after the files it refers to; an import cycle is a StaticError."""
    order: list[str] = []
    state: dict[str, str] = {}  # "visiting" or "done"

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = " -> ".join((*path[path.index(name):], name))
            raise StaticError(f"import cycle in the static folder: {cycle}")
        state[name] = "visiting"
        for ref in references.get(name, ()):
            visit(ref.target, (*path, name))
        state[name] = "done"
        order.append(name)

    for name in sorted(references):
        visit(name, ())
    return order


def _variant(media_type: str, body: bytes, cache_control: bytes) -> _Variant:
    gzipped = None
    if len(body) >= MIN_COMPRESS and media_type.startswith(_COMPRESSIBLE):
        # mtime=0: the same bytes on every start and every node.
        packed = gzip.compress(body, 9, mtime=0)
        gzipped = packed if len(packed) < len(body) else None
    # Weak: the gzipped and plain bodies are different bytes of the same file.
    etag = f'W/"{hashlib.sha256(body).hexdigest()[:16]}"'.encode()
    return _Variant(media_type.encode(), body, gzipped, etag, cache_control)


class StaticAssets:
    """The ASGI app mounted at ``/static``: every file under its plain and hashed name."""

    def __init__(self, directory: Path) -> None:
        files = {
            path.relative_to(directory).as_posix(): path.read_bytes()
            for path in sorted(directory.rglob("*"))
            if path.is_file() and not any(part.startswith(".")
                                          for part in path.relative_to(directory).parts)
        }
        known = set(files)
        references = {
            name: (_references(name, body.decode("utf-8"), known)
                   if PurePosixPath(name).suffix in _REWRITTEN else [])
            for name, body in files.items()
        }
        self._hashed: dict[str, str] = {}  # plain name -> hashed name
        self._variants: dict[str, _Variant] = {}
        for name in _dependency_order(references):
            original, media_type = files[name], _media_type(name)
            served = self._rewrite(name, original, references[name])
            digest = hashlib.sha256(served).hexdigest()[:HASH_LENGTH]
            hashed = hashed_name(name, digest)
            if hashed in files:
                raise StaticError(f"{hashed} is both a file and the hashed name of {name}")
            self._hashed[name] = hashed
            self._variants[name] = _variant(media_type, original, REVALIDATE)
            self._variants[hashed] = _variant(media_type, served, IMMUTABLE)

    def _rewrite(self, name: str, body: bytes, references: list[_Reference]) -> bytes:
        """The text served under the hashed name: every reference points at a hashed name
        (already known: the dependencies come first)."""
        if not references:
            return body
        text, pieces, at = body.decode("utf-8"), [], 0
        for ref in references:
            target = self._hashed[ref.target]
            if ref.relative:  # keep the specifier's folder part: "./", "../lib/"
                folder = text[ref.start:ref.end].rpartition("/")[0]
                replacement = f"{folder}/{PurePosixPath(target).name}"
            else:
                replacement = f"{PREFIX}/{target}"
            pieces += [text[at:ref.start], replacement]
            at = ref.end
        pieces.append(text[at:])
        return "".join(pieces).encode("utf-8")

    def url(self, name: str) -> str:
        """The hashed URL of ``name`` (a path under web/static, such as ``"room.js"``)."""
        try:
            return f"{PREFIX}/{self._hashed[name]}"
        except KeyError:
            raise LookupError(f"no static file {name!r}") from None

    def names(self) -> dict[str, str]:
        """Every plain name and its hashed name."""
        return dict(self._hashed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # a WebSocket to /static: refused before accepting
            await send({"type": "websocket.close", "code": 1000})
            return
        path, root = scope["path"], scope.get("root_path", "")
        name = (path[len(root):] if root and path.startswith(root) else path).lstrip("/")
        if scope["method"] not in ("GET", "HEAD"):
            await _respond(send, 405, [(b"allow", b"GET, HEAD"),
                                       (b"content-type", b"text/plain; charset=utf-8")],
                           b"Method Not Allowed")
            return
        variant = self._variants.get(name)
        if variant is None:
            await _respond(send, 404, [(b"content-type", b"text/plain; charset=utf-8")],
                           b"Not Found")
            return
        request_headers = _headers(scope)
        headers = [(b"etag", variant.etag), (b"cache-control", variant.cache_control)]
        if variant.gzipped is not None:
            headers.append((b"vary", b"Accept-Encoding"))
        if _matches(request_headers.get(b"if-none-match", b""), variant.etag):
            await _respond(send, 304, headers, b"")
            return
        body = variant.body
        if variant.gzipped is not None and accepts_gzip(
                request_headers.get(b"accept-encoding", b"").decode("latin-1")):
            body = variant.gzipped
            headers.append((b"content-encoding", b"gzip"))
        headers += [(b"content-type", variant.media_type),
                    (b"content-length", str(len(body)).encode())]
        await _respond(send, 200, headers, b"" if scope["method"] == "HEAD" else body)


def _headers(scope: Scope) -> dict[bytes, bytes]:
    found: dict[bytes, bytes] = {}
    for key, value in scope["headers"]:
        name = key.lower()
        found[name] = found[name] + b"," + value if name in found else value
    return found


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    """RFC 9110's weak comparison, as If-None-Match uses."""
    tags = {tag.strip().removeprefix(b"W/") for tag in if_none_match.split(b",")}
    return b"*" in tags or etag.removeprefix(b"W/") in tags


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header takes gzip (named, or ``*``, without ``q=0``)."""
    for item in header.split(","):
        coding, _, params = item.partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip", "*"):
            quality = params.strip().lower().removeprefix("q=")
            try:
                return not params.strip() or float(quality) > 0
            except ValueError:
                return True
    return False


async def _respond(send: Send, status: int, headers: list[tuple[bytes, bytes]],
                   body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@jinja2.pass_context
def static_url(context: Any, name: str) -> str:
    """The Jinja global ``static_url("room.js")``: the hashed URL, from the app's table."""
    assets: StaticAssets = context["request"].app.state.static_assets
    return assets.url(name)


def register(templates: Jinja2Templates) -> None:
    """Give ``templates`` the ``static_url`` global (it reads ``app.state.static_assets``)."""
    templates.env.globals["static_url"] = static_url
