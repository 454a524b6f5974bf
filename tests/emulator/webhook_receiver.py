#!/usr/bin/env python
"""A webhook subscriber for tests: records every delivery and answers as configured.

Any path but /__receiver__/* is a delivery, recorded with its method, path, query, headers, body text, parsed JSON,
timestamp and in_flight (how many deliveries were being handled when it arrived, itself included). The default
answer is HTTP 200 {"received": true, "delivery": <its number>}. Control API (plain JSON):

    GET  /__receiver__/deliveries   -> {"deliveries": [...]}
    POST /__receiver__/reset        -> forget deliveries and configuration
    POST /__receiver__/config       {"status": 200, "body": <any JSON>, "text": "raw", "delay": seconds, "gather": n}

A body of {"echo": true, ...} answers {"received": true, "delivery": n, ..., "echo": <the JSON received>}.
"gather": n holds each delivery until n are in flight at once (or GATHER_TIMEOUT has passed), so that a test proves
deliveries overlap without timing them. Standard library only:

    python tests/emulator/webhook_receiver.py --port 0 --ready-file ready.json
"""

from __future__ import annotations

import json
import sys
import threading
import time

try:
    from . import _serving
except ImportError:  # run as a script: tests/emulator itself is on sys.path
    import _serving

CONFIG_FIELDS = ("status", "body", "text", "delay", "gather")
GATHER_TIMEOUT = 5.0


class Recorder:
    """The deliveries and the configured answer, shared by every handler thread."""

    def __init__(self):
        self.changed = threading.Condition()
        self.in_flight = 0
        self.reset()

    def reset(self) -> None:
        with self.changed:
            self.deliveries: list[dict] = []
            self.config: dict = {}

    def configure(self, config) -> dict:
        _serving.check_fields(config, CONFIG_FIELDS, "config")
        _serving.number(config, "status", 200, 100, 599, whole=True)
        _serving.number(config, "delay", 0, 0)
        _serving.number(config, "gather", 1, 1, whole=True)
        with self.changed:
            self.config = dict(config)
        return dict(config)

    def arrive(self, entry: dict) -> dict:
        """Record a delivery and hold it as "gather" asks; returns the config to answer with. leave() must follow."""
        with self.changed:
            self.in_flight += 1
            entry.update(in_flight=self.in_flight, delivery=len(self.deliveries) + 1)
            self.deliveries.append(entry)
            config = dict(self.config)
            self.changed.notify_all()
            self.changed.wait_for(lambda: self.in_flight >= config.get("gather", 1), timeout=GATHER_TIMEOUT)
            return config

    def snapshot(self) -> list[dict]:
        with self.changed:
            return list(self.deliveries)

    def leave(self) -> None:
        with self.changed:
            self.in_flight -= 1


def build_reply(sequence: int, config: dict, received_json) -> _serving.Reply:
    """The configured answer to delivery number ``sequence``."""
    status = config.get("status", 200)
    if "text" in config:
        return _serving.Reply(status, str(config["text"]).encode(), "text/plain; charset=utf-8")
    body = config.get("body", {"received": True, "delivery": sequence})
    if isinstance(body, dict) and body.get("echo") is True:
        extra = {key: value for key, value in body.items() if key != "echo"}
        body = {"received": True, "delivery": sequence, **extra, "echo": received_json}
    return _serving.json_reply(body, status)


class ReceiverHandler(_serving.BaseHandler):
    server_version = "webhook-receiver/1.0"
    control_prefix = "/__receiver__/"
    recorder: Recorder  # set on a subclass by main()

    def serve(self, url, body: bytes) -> None:
        text = body.decode("utf-8", errors="replace")
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        entry = {"timestamp": time.time(), "method": self.command, "path": url.path, "query": url.query,
                 "headers": self.header_dict(), "body": text, "json": parsed}
        config = self.recorder.arrive(entry)
        try:
            time.sleep(config.get("delay", 0))
            self.send_reply(build_reply(entry["delivery"], config, parsed))
        finally:
            self.recorder.leave()

    def control_routes(self) -> dict:
        recorder = self.recorder
        return {("GET", "deliveries"): lambda _: {"deliveries": recorder.snapshot()},
                ("POST", "reset"): lambda _: recorder.reset(),
                ("POST", "config"): lambda config: {"ok": True, "config": recorder.configure(config)}}


def main(argv: list[str] | None = None) -> int:
    args = _serving.arguments(__doc__.split("\n\n", maxsplit=1)[0]).parse_args(argv)
    handler = type("BoundReceiverHandler", (ReceiverHandler,), {"recorder": Recorder()})
    return _serving.run_server("webhook receiver", handler, args)


if __name__ == "__main__":
    sys.exit(main())
