"""Request bodies are capped before they are read (server/http/limits.py).

Raw sockets, so the test controls exactly what is sent and when: a server that read
the whole body before refusing it would never answer these in time.
"""

from __future__ import annotations

import socket

from tests.harness import ServerThread


def _exchange(server: ServerThread, head: str, body_chunks: list[bytes]) -> tuple[bytes, int]:
    """Send ``head`` then as many chunks as the server takes before answering.
    Returns the server's answer and how many chunks it took."""
    host, port = server.http.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(head.encode())
        sent = 0
        sock.settimeout(0.05)
        answer = b""
        for chunk in body_chunks:
            try:
                answer = sock.recv(65536)
                if answer:
                    break
            except TimeoutError:
                pass
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 1
        # The whole answer: its headers and body may arrive apart, and a refusal closes
        # the connection when it is done (a 404 is asked to, with Connection: close).
        sock.settimeout(5)
        while True:
            try:
                more = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not more:
                break
            answer += more
        return answer, sent


def test_a_declared_huge_body_is_refused_unread(server: ServerThread) -> None:
    # 200 MB declared, nothing sent: only a server that does not wait for it answers.
    head = ("POST /api/join HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 200000000\r\n\r\n")
    answer, _ = _exchange(server, head, [])
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"request body too large" in answer


def test_a_form_post_is_refused_by_its_declared_size_too(server: ServerThread) -> None:
    head = ("POST /login HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 5000000\r\n\r\n")
    answer, _ = _exchange(server, head, [])
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_chunked_body_is_cut_off_once_past_the_limit(server: ServerThread) -> None:
    head = ("POST /api/join HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n")
    piece = b"x" * 8192
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    answer, sent = _exchange(server, head, [chunk] * 1000)  # 8 MB if it were all read
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 100, f"the server read {sent} chunks (8 KiB each) before refusing"


def test_small_bodies_still_reach_the_app(server: ServerThread) -> None:
    body = b'{"invite": "nope", "agree": true}'
    head = ("POST /api/join HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    answer, _ = _exchange(server, head, [body])
    assert answer.startswith(b"HTTP/1.1 404"), answer[:200]  # invite_not_found: the app ran
