"""The protocol server: ``serve(policy)`` puts a :class:`Policy` behind usersim.policy.v1.

Built on ``http.server.ThreadingHTTPServer`` (HTTP/1.1, keep-alive). Every request is
checked against the protocol (400 naming the field), every answer of the policy too (500
naming the field), and calls into the policy are serialised by one lock.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

from .policy import Policy
from .protocol import ProtocolError, Reset, check_info, check_slates, parse_learn, parse_recommend, parse_reset

MAX_BODY = 256 << 20
_ROUTES = {"/info": "GET", "/reset": "POST", "/recommend": "POST", "/learn": "POST"}


class PolicyService:
    """The protocol without HTTP: ``handle(method, path, body) -> (status, answer)``."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.run: Optional[Reset] = None
        self.lock = threading.Lock()

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, dict]:
        try:
            if path not in _ROUTES:
                return 404, {"error": f"no such endpoint: {path} (the protocol has {', '.join(_ROUTES)})"}
            if method != _ROUTES[path]:
                return 405, {"error": f"{path} takes {_ROUTES[path]}, not {method}"}
            if path == "/info":
                with self.lock:
                    return 200, check_info(self.policy.info())
            try:
                message = json.loads(body.decode("utf-8")) if body else None
            except (UnicodeDecodeError, ValueError) as e:
                return 400, {"error": f"body: invalid JSON ({e})"}
            with self.lock:
                return 200, getattr(self, "_" + path[1:])(message)
        except ProtocolError as e:
            return e.status, {"error": str(e)}
        except Exception as e:  # the policy failed: report it, keep serving
            traceback.print_exc(file=sys.stderr)
            return 500, {"error": f"the policy failed: {type(e).__name__}: {e}"}

    def _reset(self, message: Any) -> dict:
        reset = parse_reset(message)
        self.run = None
        self.policy.reset(reset.run, reset.catalog_size, reset.agents, reset.slate)
        self.run = reset
        return {"ok": True}

    def _current(self, message: Any) -> Reset:
        if self.run is None:
            raise ProtocolError("run", "no run: POST /reset first", 409)
        if isinstance(message, dict) and isinstance(message.get("run"), dict):
            rid = message["run"].get("id")
            if isinstance(rid, str) and rid != self.run.run.id:
                raise ProtocolError("run.id", f"this server serves run {self.run.run.id!r}, not {rid!r} (POST /reset to switch)", 409)
        return self.run

    def _recommend(self, message: Any) -> dict:
        run = self._current(message)
        max_batch = self.policy.info().get("maxBatch")
        req = parse_recommend(message, run.catalog_size, run.agents, max_batch)
        slates = self.policy.recommend(req.users, req.k, req.round, req.run.seed)
        return {"slates": check_slates(req, slates, run.catalog_size)}

    def _learn(self, message: Any) -> dict:
        run = self._current(message)
        req = parse_learn(message, run.catalog_size, run.agents)
        self.policy.learn(req.kind, req.round, req.interactions)
        return {"ok": True}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "PolicyHTTPServer"

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError(f"body of {length} bytes is over {MAX_BODY}")
        return self.rfile.read(length) if length else b""

    def _serve(self, method: str) -> None:
        path = self.path.split("?", 1)[0]
        base = self.server.base_path
        if base and (path == base or path.startswith(base + "/")):
            path = path[len(base):] or "/"
        elif base:
            path = "(outside " + base + ")" + path
        try:
            body = self._body()
        except ValueError as e:
            status, answer = 413, {"error": f"body: {e}"}
            self.close_connection = True
        else:
            status, answer = self.server.service.handle(method, path, body)
        data = json.dumps(answer, separators=(",", ":")).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.server.verbose:
            super().log_message(format, *args)


class PolicyHTTPServer(ThreadingHTTPServer):
    """A bound server; ``start()`` serves on a background thread, ``close()`` stops it."""

    daemon_threads = True

    def __init__(self, policy: Policy, host: str = "127.0.0.1", port: int = 0, base_path: str = "", verbose: bool = False):
        self.service = PolicyService(policy)
        self.base_path = "/" + base_path.strip("/") if base_path.strip("/") else ""
        self.verbose = verbose
        self._thread: Optional[threading.Thread] = None
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{self.base_path}"

    def start(self) -> "PolicyHTTPServer":
        self._thread = threading.Thread(target=self.serve_forever, name="usersim-policy-server", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()


def serve(policy: Policy, host: str = "127.0.0.1", port: int = 0, base_path: str = "", verbose: bool = False) -> None:
    """Serves ``policy`` until SIGTERM or SIGINT (call from the main thread).

    Prints exactly one line to stdout once bound, ``listening on http://HOST:PORT`` (plus
    the base path), which is what to pass to ``usersim run … --policy``; port 0 picks a
    free port. Everything else goes to stderr.
    """
    server = PolicyHTTPServer(policy, host, port, base_path, verbose)
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.start()
        print(f"listening on {server.url}", flush=True)
        stop.wait()
    finally:
        server.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
