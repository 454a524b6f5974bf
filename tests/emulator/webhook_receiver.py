#!/usr/bin/env python
"""A webhook subscriber for tests: records every delivery and answers as configured.

Any path except /__receiver__/* counts as a delivery and is recorded (method,
path, headers, body text, parsed JSON, time, and in_flight: how many deliveries
were being handled when it arrived, itself included). The default answer is
HTTP 200 {"received": true, "delivery": <sequence number>}. Control API (plain JSON):

    GET  /__receiver__/deliveries   -> {"deliveries": [...]}
    POST /__receiver__/reset        -> forget deliveries and configuration
    POST /__receiver__/config       {"status": 200, "body": <any JSON>, "text": "raw",
                                     "content_type": "...", "delay": seconds, "gather": n}

"gather": n holds each delivery until n are in flight at once (or GATHER_TIMEOUT
has passed), so a test can prove that deliveries overlap without timing them.

A config body of {"echo": true, ...} answers {"received": true, "delivery": n, ...,
"echo": <received JSON body>}. Standard library only:

    python tests/emulator/webhook_receiver.py --port 0 --ready-file ready.json
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from datetime import datetime, timezone

try:
    from . import _serving
except ImportError:  # run as a script: tests/emulator itself is on sys.path
    import _serving

CONTROL_PREFIX = "/__receiver__/"
CONFIG_FIELDS = {"status", "body", "text", "content_type", "delay", "gather"}
GATHER_TIMEOUT = 5.0


class Recorder:
    """Deliveries and the response configuration, shared by all handler threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.in_flight = 0
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.deliveries: list[dict] = []
            self.config: dict = {}

    def configure(self, config: dict) -> dict:
        if not isinstance(config, dict):
            raise ValueError("config must be a JSON object")
        unknown = set(config) - CONFIG_FIELDS
        if unknown:
            raise ValueError(f"unknown config field(s): {', '.join(sorted(unknown))}")
        status = config.get("status", 200)
        if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
            raise ValueError("status must be an HTTP status code")
        delay = config.get("delay", 0)
        if not isinstance(delay, (int, float)) or isinstance(delay, bool) or delay < 0:
            raise ValueError("delay must be a number of seconds >= 0")
        gather = config.get("gather", 1)
        if not isinstance(gather, int) or isinstance(gather, bool) or gather < 1:
            raise ValueError("gather must be a whole number >= 1")
        with self.lock:
            self.config = dict(config)
            return dict(self.config)

    def arrive(self, entry: dict) -> tuple[int, dict]:
        """Store a delivery, hold it as "gather" asks; returns its 1-based sequence number and the config to
        answer with. Every arrive() must be followed by leave()."""
        with self.changed:
            self.in_flight += 1
            entry["in_flight"] = self.in_flight
            entry["delivery"] = len(self.deliveries) + 1
            self.deliveries.append(entry)
            config = dict(self.config)
            self.changed.notify_all()
            self.changed.wait_for(lambda: self.in_flight >= config.get("gather", 1), timeout=GATHER_TIMEOUT)
            return entry["delivery"], config

    def leave(self) -> None:
        with self.changed:
            self.in_flight -= 1


def build_reply(sequence: int, config: dict, received_json) -> _serving.Reply:
    """The configured answer for delivery number `sequence`."""
    status = config.get("status", 200)
    if "text" in config:
        return _serving.Reply(status, str(config["text"]).encode(),
                              config.get("content_type", "text/plain; charset=utf-8"))
    body = config.get("body", {"received": True, "delivery": sequence})
    if isinstance(body, dict) and body.get("echo") is True:
        extra = {key: value for key, value in body.items() if key != "echo"}
        body = {"received": True, "delivery": sequence, **extra, "echo": received_json}
    reply = _serving.json_reply(body, status)
    if "content_type" in config:
        reply.content_type = config["content_type"]
    return reply


class ReceiverHandler(_serving.BaseHandler):
    server_version = "webhook-receiver/1.0"
    recorder: Recorder  # set on a subclass by build_server()

    control_prefix = CONTROL_PREFIX

    def serve(self, url, body: bytes) -> None:
        text = body.decode("utf-8", errors="replace")
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        sequence, config = self.recorder.arrive({
            "time": datetime.now(timezone.utc).isoformat(), "timestamp": time.time(),
            "method": self.command, "path": url.path, "query": url.query,
            "headers": self.header_dict(), "body": text, "json": parsed})
        try:
            if config.get("delay"):
                time.sleep(config["delay"])
            self.send_reply(build_reply(sequence, config, parsed))
        finally:
            self.recorder.leave()

    def control(self, route: str, body: bytes) -> _serving.Reply:
        try:
            if (self.command, route) == ("GET", "deliveries"):
                with self.recorder.lock:
                    return _serving.json_reply({"deliveries": list(self.recorder.deliveries)})
            if (self.command, route) == ("POST", "reset"):
                self.recorder.reset()
                return _serving.json_reply({"ok": True})
            if (self.command, route) == ("POST", "config"):
                config = json.loads(body.decode("utf-8")) if body.strip() else {}
                return _serving.json_reply({"ok": True, "config": self.recorder.configure(config)})
        except ValueError as exc:
            return _serving.json_reply({"error": str(exc)}, 400)
        return _serving.json_reply({"error": f"no control route {self.command} {self.path}"}, 404)


def build_server(host: str, port: int):
    """Create (not start) a receiver with its own recorder."""
    handler = type("BoundReceiverHandler", (ReceiverHandler,), {"recorder": Recorder()})
    return _serving.make_server(host, port, handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--ready-file", help='written as {"url", "port", "pid"} once listening')
    args = parser.parse_args(argv)
    server = build_server(args.host, args.port)
    return _serving.run_server(server, "webhook receiver", args.ready_file)


if __name__ == "__main__":
    sys.exit(main())
