#!/usr/bin/env python
"""Benchmark five ways of triggering N webhooks against the local emulator; write docs/benchmarks.md.

    .venv/bin/python tests/bench/run.py [--repeats 3] [--n 1,20,100] [--latencies 0,100]
                                        [--api-latencies 0,50] [--methods a,a2,b,c,d] [--plot-python PYTHON]

Defaults come from BENCH_REPEATS, BENCH_N, BENCH_LATENCIES, BENCH_API_LATENCIES and BENCH_METHODS when set.
`make bench` is the usual entry point: it prepares the venvs and runs this script.

Methods (all against the same emulator and webhook receiver on loopback):
  a   one task looping over genauth.management.genauth_webhook_trigger (one module run per webhook)
  a'  the documented fast loop: genauth_token once, then the loop with the token in module_defaults and
      lookup_webhook: false (written a2 on the command line)
  b   one genauth_webhook_trigger task with the `webhooks` option (skipped while the module lacks it)
  c   ansible.builtin.uri: one task for the token, then a loop of trigger requests (the baseline)
  d   a Python script with the official genauth SDK, triggering one webhook after another

Two latencies are set for each measurement: the receiver's (how long a subscriber takes to answer) and the
emulator's API latency (how long every API call waits, as a real API tens of milliseconds away would).

Every measurement is one fresh process (tests/bench/measure.py) that runs the command and reports its
wall time, CPU time and peak memory. Before each, the emulator is reset and N new webhooks pointing at
the receiver are created; after it, the receiver must have received exactly one delivery per webhook,
or the benchmark stops with an error.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.emulator.harness import Servers, install_collection  # noqa: E402

BIN = Path(sys.executable).parent
PYTHON = sys.executable
MODULE_NAME = "genauth.management.genauth_webhook_trigger"
MODULE_IMPORT = "ansible_collections.genauth.management.plugins.modules.genauth_webhook_trigger"
METHODS = {
    "a": {"label": "loop over genauth_webhook_trigger", "playbook": "loop.yml"},
    "a'": {"label": "fast loop: genauth_token once, token in module_defaults, lookup_webhook: false",
           "playbook": "fast_loop.yml"},
    "b": {"label": "genauth_webhook_trigger webhooks option", "playbook": "batch.yml"},
    "c": {"label": "ansible.builtin.uri (token + loop)", "playbook": "uri.yml"},
    "d": {"label": "genauth SDK script (sequential)", "script": "sdk_trigger.py"},
}
BASELINE = "c"
# What each method sends to the subscriber, the same for all of them.
REQUEST_HEADERS = {"X-Bench": "1"}
REQUEST_BODY = {"event": "bench.triggered", "source": "genauth.management benchmark"}
# What each method can be called on the command line (a quote would need escaping in a shell).
METHOD_ALIASES = {"a2": "a'"}
# Targets the numbers are checked against (see docs/benchmarks.md), each a ratio of medians to (c) in the
# same run: (method, N, receiver latency ms or None for every one measured, API latency ms, highest ratio).
TARGETS = (
    ("a'", 20, None, 0, 1.0),
    ("a'", 20, None, 50, 1.0),
    ("b", 20, 100, 50, 0.15),
    ("b", 100, 100, 50, 0.06),
    ("b", 20, 100, 0, 0.15),
)
TARGET_A_RATIO = 1.0
OVERHEAD_REPEATS = 11


def _int_list(text: str) -> list[int]:
    return [int(part) for part in text.replace(" ", "").split(",") if part]


def parse_args(argv):
    env = os.environ
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--repeats", type=int, default=int(env.get("BENCH_REPEATS") or 3),
                        help="measurements per cell; the median is reported (env BENCH_REPEATS, default 3)")
    parser.add_argument("--n", type=_int_list, default=_int_list(env.get("BENCH_N") or "1,20,100"),
                        help="webhook counts, comma separated (env BENCH_N, default 1,20,100)")
    parser.add_argument("--latencies", type=_int_list,
                        default=_int_list(env.get("BENCH_LATENCIES") or "0,100"),
                        help="receiver answer delays in ms (env BENCH_LATENCIES, default 0,100)")
    parser.add_argument("--api-latencies", type=_int_list,
                        default=_int_list(env.get("BENCH_API_LATENCIES") or "0,50"),
                        help="API call delays in ms (env BENCH_API_LATENCIES, default 0,50)")
    parser.add_argument("--methods", default=env.get("BENCH_METHODS") or "a,a2,b,c,d",
                        help="methods to run, comma separated (env BENCH_METHODS, default a,a2,b,c,d)")
    parser.add_argument("--forks", type=int, default=5, help="ansible forks for (a)-(c)")
    parser.add_argument("--workdir", default=str(REPO_ROOT / ".build" / "bench"),
                        help="scratch directory (emptied first)")
    parser.add_argument("--markdown", default=str(REPO_ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--chart", default=str(REPO_ROOT / "docs" / "benchmarks.png"))
    parser.add_argument("--plot-python", help="a Python with matplotlib for the chart (skipped if absent)")
    parser.add_argument("--command", default=env.get("BENCH_COMMAND"),
                        help="the command line to quote in benchmarks.md")
    args = parser.parse_args(argv)
    args.methods = [METHOD_ALIASES.get(m.strip(), m.strip()) for m in args.methods.split(",") if m.strip()]
    unknown = set(args.methods) - set(METHODS)
    if (unknown or args.repeats < 1 or not args.n or min(args.n) < 1 or min(args.latencies, default=0) < 0
            or not args.api_latencies or min(args.api_latencies) < 0):
        parser.error("methods are a,a2,b,c,d; repeats and N must be >= 1; latencies >= 0")
    return args


def log(message: str) -> None:
    print(message, flush=True)


# --------------------------------------------------------------------------- set-up


def module_has_webhooks_option(collections: str) -> bool:
    """True when the installed module documents a `webhooks` option (the batch interface)."""
    path = Path(collections, "ansible_collections/genauth/management/plugins/modules/genauth_webhook_trigger.py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DOCUMENTATION" for t in node.targets):
            import yaml
            doc = yaml.safe_load(node.value.value)
            return "webhooks" in (doc.get("options") or {})
    return False


def write_ansible_config(workdir: Path, collections: str, forks: int) -> Path:
    """One ansible.cfg for (a), (b) and (c): same inventory, connection, forks and interpreter."""
    inventory = workdir / "inventory.ini"
    inventory.write_text("localhost ansible_connection=local\n", encoding="utf-8")
    config = workdir / "ansible.cfg"
    config.write_text(
        "[defaults]\n"
        f"inventory = {inventory}\n"
        f"collections_path = {collections}\n"
        f"interpreter_python = {PYTHON}\n"
        f"forks = {forks}\n"
        "gathering = explicit\n"
        "retry_files_enabled = false\n"
        "host_key_checking = false\n"
        "nocolor = true\n"
        f"local_tmp = {workdir / 'ansible-tmp'}\n"
        f"home = {workdir / 'ansible-home'}\n",
        encoding="utf-8")
    return config


class Bench:
    def __init__(self, args, workdir: Path, servers: Servers, collections: str, config: Path):
        self.args = args
        self.workdir = workdir
        self.servers = servers
        self.collections = collections
        self.config = config
        self.token = servers.emulator.management_token(servers.access_key_id, servers.access_key_secret)
        self.env = dict(os.environ)
        self.env.update(servers.env())
        self.env.update(ANSIBLE_CONFIG=str(config), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                        PYTHONDONTWRITEBYTECODE="")
        self.env.pop("PYTHONDONTWRITEBYTECODE")
        self.counter = 0

    # One measurement ------------------------------------------------------------------

    def prepare(self, n: int, latency_ms: int, api_latency_ms: int = 0) -> list[str]:
        """Fresh emulator state and N new webhooks that point at the receiver, then the API latency; returns
        their ids."""
        emulator, receiver = self.servers.emulator, self.servers.receiver
        emulator.reset()
        receiver.reset()
        receiver.configure(delay=latency_ms / 1000.0)
        ids = []
        for index in range(n):
            answer = emulator.call("POST", "create-webhook", self.token, json={
                "name": "bench-%d" % index, "url": "%s/bench/%d" % (self.servers.receiver_url, index),
                "events": ["test"], "contentType": "application/json"}).json()
            if answer.get("statusCode") != 200:
                raise RuntimeError("could not create a benchmark webhook: %s" % answer)
            ids.append(answer["data"]["webhookId"])
        # Set after the webhooks are made: their creation is the benchmark's own set-up.
        emulator.configure(api_latency=api_latency_ms / 1000.0)
        return ids

    def command(self, method: str, vars_file: Path) -> list[str]:
        spec = METHODS[method]
        if "playbook" in spec:
            return [str(BIN / "ansible-playbook"), str(HERE / "playbooks" / spec["playbook"]),
                    "-e", "@%s" % vars_file]
        return [PYTHON, str(HERE / spec["script"]), str(vars_file)]

    def measure(self, method: str, n: int, latency_ms: int, api_latency_ms: int = 0) -> dict:
        ids = self.prepare(n, latency_ms, api_latency_ms)
        self.counter += 1
        tag = "%03d-%s-n%d-l%d-api%d" % (self.counter, method.replace("'", "2"), n, latency_ms, api_latency_ms)
        vars_file = self.workdir / "runs" / ("%s.json" % tag)
        vars_file.parent.mkdir(parents=True, exist_ok=True)
        vars_file.write_text(json.dumps({
            "bench_webhook_ids": ids,
            "bench_webhooks": [{"webhook_id": webhook_id, "request_headers": REQUEST_HEADERS,
                                "request_body": REQUEST_BODY} for webhook_id in ids],
            "bench_request_headers": REQUEST_HEADERS,
            "bench_request_body": REQUEST_BODY,
        }), encoding="utf-8")
        output = vars_file.with_suffix(".log")
        proc = subprocess.run(
            [PYTHON, str(HERE / "measure.py"), "--log", str(output), "--cwd", str(self.workdir), "--",
             *self.command(method, vars_file)],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError("measure.py failed for %s:\n%s" % (tag, proc.stderr))
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        if result["returncode"] != 0:
            tail = output.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise RuntimeError("%s exited with %d; its output ends with:\n%s" % (tag, result["returncode"], tail))
        self.verify(tag, n)
        # The create-webhook calls are this benchmark's own set-up, not the method's.
        requests_log = [entry for entry in self.servers.emulator.requests() if entry["endpoint"] != "create-webhook"]
        result.update(method=method, n=n, latency_ms=latency_ms, api_latency_ms=api_latency_ms, tag=tag,
                      api_calls=_count_endpoints(requests_log),
                      timeline=[(entry["endpoint"], entry["timestamp"]) for entry in requests_log])
        return result

    def verify(self, tag: str, n: int) -> None:
        """Exactly one delivery per benchmark webhook, and nothing else."""
        paths = sorted(delivery["path"] for delivery in self.servers.receiver.deliveries())
        expected = sorted("/bench/%d" % index for index in range(n))
        if paths != expected:
            raise RuntimeError("%s: the receiver got %d deliveries (%d distinct webhooks); expected exactly %d, "
                               "one per webhook" % (tag, len(paths), len(set(paths)), n))

    # Module overhead, without Ansible around it ---------------------------------------------

    def overhead(self, webhooks_option: bool) -> dict:
        env = dict(self.env, PYTHONPATH=self.collections)
        out: dict = {}

        def timed_process(code_or_args: list[str], repeats: int = OVERHEAD_REPEATS) -> dict:
            walls, cpus = [], []
            for dummy in range(repeats):
                before = _children_cpu()
                start = time.perf_counter()
                proc = subprocess.run(code_or_args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, check=False, cwd=str(self.workdir))
                walls.append(time.perf_counter() - start)
                cpus.append(_children_cpu() - before)
                if proc.returncode != 0:
                    raise RuntimeError("%s failed:\n%s" % (shlex.join(code_or_args), proc.stdout[-2000:]))
            return {"median_s": statistics.median(walls), "runs_s": walls, "cpu_median_s": statistics.median(cpus)}

        log("overhead: interpreter start-up and imports")
        out["python_startup"] = timed_process([PYTHON, "-c", "pass"])
        out["import_module"] = timed_process([PYTHON, "-c", "import %s" % MODULE_IMPORT])
        out["import_uri"] = timed_process([PYTHON, "-c", "import ansible.modules.uri"])
        out["import_basic"] = timed_process([PYTHON, "-c", "import ansible.module_utils.basic"])
        out["importtime_module"] = self.importtime(env, MODULE_IMPORT)
        out["importtime_uri"] = self.importtime(env, "ansible.modules.uri")

        log("overhead: argument validation")
        args_file = self.workdir / "overhead-args.json"
        module_args = {"webhook_id": self.servers.webhooks["deploy"],
                       "request_headers": REQUEST_HEADERS, "request_body": REQUEST_BODY}
        args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": module_args}), encoding="utf-8")
        out["validation"] = self.validation(env, args_file)
        if webhooks_option:
            batch_file = self.workdir / "overhead-args-batch.json"
            batch_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"webhooks": [
                {"webhook_id": self.servers.webhooks["deploy"], "request_headers": REQUEST_HEADERS,
                 "request_body": REQUEST_BODY}] * 20}}), encoding="utf-8")
            out["validation_batch20"] = self.validation(env, batch_file)

        log("overhead: one module process run directly, latency 0")
        self.servers.emulator.reset()
        self.servers.receiver.reset()
        self.servers.receiver.configure(delay=0)
        out["run_module"] = timed_process([PYTHON, "-m", MODULE_IMPORT, str(args_file)])
        token_args = self.workdir / "overhead-args-token.json"
        token_args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": dict(
            module_args, access_token=self.token)}), encoding="utf-8")
        out["run_module_with_token"] = timed_process([PYTHON, "-m", MODULE_IMPORT, str(token_args)])
        lean_args = self.workdir / "overhead-args-lean.json"
        lean_args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": dict(
            module_args, access_token=self.token, lookup_webhook=False)}), encoding="utf-8")
        out["run_module_lean"] = timed_process([PYTHON, "-m", MODULE_IMPORT, str(lean_args)])
        uri_args = self.workdir / "overhead-args-uri.json"
        uri_args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {
            "url": self.servers.emulator_url + "/api/v3/trigger-webhook", "method": "POST",
            "body_format": "json", "headers": {
                "Authorization": "Bearer " + self.token,
                "x-genauth-userpool-id": self.servers.userpool_id,
                "x-authing-userpool-id": self.servers.userpool_id},
            "body": {"webhookId": self.servers.webhooks["deploy"], "requestHeaders": REQUEST_HEADERS,
                     "requestBody": REQUEST_BODY}}}), encoding="utf-8")
        out["run_uri"] = timed_process([PYTHON, "-m", "ansible.modules.uri", str(uri_args)])
        out["http_calls"] = self.http_calls()
        return out

    def importtime(self, env: dict, module: str) -> dict:
        """python -X importtime, repeated; the median total and the run closest to it, by top-level import."""
        runs = []
        for dummy in range(OVERHEAD_REPEATS):
            proc = subprocess.run([PYTHON, "-X", "importtime", "-c", "import %s" % module], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=True)
            runs.append(_parse_importtime(proc.stderr, module))
        totals = [run["total_us"] for run in runs]
        median = statistics.median(totals)
        closest = min(runs, key=lambda run: abs(run["total_us"] - median))
        return {"total_median_us": median, "totals_us": totals, "tree": closest["tree"],
                "packages": closest["packages"]}

    def validation(self, env: dict, args_file: Path) -> dict:
        proc = subprocess.run([PYTHON, str(HERE / "overhead.py"), "validate", str(args_file), "50"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError("overhead.py validate failed:\n%s%s" % (proc.stdout, proc.stderr))
        data = json.loads(proc.stdout)
        rest = data["rest"]
        return {"first_s": data["first"]["total_s"], "first_rules_s": data["first"]["rules_s"],
                "median_s": statistics.median(run["total_s"] for run in rest),
                "median_rules_s": statistics.median(run["rules_s"] for run in rest),
                "median_ansible_module_s": statistics.median(run["ansible_module_s"] for run in rest)}

    def http_calls(self) -> dict:
        """Round trip of each API call from one keep-alive session (receiver latency 0)."""
        emulator = self.servers.emulator
        calls = {
            "get-management-token": lambda: emulator.call("POST", "get-management-token", json={
                "accessKeyId": self.servers.access_key_id, "accessKeySecret": self.servers.access_key_secret}),
            "get-webhook": lambda: emulator.call("GET", "get-webhook", self.token,
                                                 params={"webhookId": self.servers.webhooks["deploy"]}),
            "trigger-webhook": lambda: emulator.call("POST", "trigger-webhook", self.token, json={
                "webhookId": self.servers.webhooks["deploy"], "requestHeaders": REQUEST_HEADERS,
                "requestBody": REQUEST_BODY}),
        }
        out = {}
        for name, call in calls.items():
            walls = []
            for dummy in range(21):
                start = time.perf_counter()
                answer = call().json()
                walls.append(time.perf_counter() - start)
                if answer.get("statusCode") != 200:
                    raise RuntimeError("%s failed: %s" % (name, answer))
            out[name] = statistics.median(walls[1:])
        return out


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _count_endpoints(entries: list[dict]) -> dict:
    counts: dict = {}
    for entry in entries:
        counts[entry["endpoint"]] = counts.get(entry["endpoint"], 0) + 1
    return counts


def _parse_importtime(stderr: str, module: str) -> dict:
    """`python -X importtime` output: the import's total, its import tree, and self time per package.

    The total adds the top-level entries of the dotted path (``ansible``, ``ansible.modules``, ...), so
    the interpreter's own start-up imports (site, encodings) are left out.
    """
    entries, packages, total = [], {}, 0
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not match:
            continue
        self_us, cumulative, depth, name = int(match[1]), int(match[2]), (len(match[3]) - 1) // 2, match[4]
        entries.append({"name": name, "self_us": self_us, "cumulative_us": cumulative, "depth": depth})
        if depth == 0 and (module == name or module.startswith(name + ".")):
            total += cumulative
            continue
        if depth == 0:
            continue
        package = name.split(".")[0]
        if package == "ansible_collections":
            package = ".".join(name.split(".")[:6])
        elif package == "ansible":
            package = ".".join(name.split(".")[:2])
        packages[package] = packages.get(package, 0) + self_us
    # importtime prints children before their parent: reverse to read it top-down.
    tree = [entry for entry in reversed(entries) if 0 <= entry["depth"] <= 3 and entry["cumulative_us"] >= 2000
            and not (entry["depth"] == 0 and not (module == entry["name"] or module.startswith(entry["name"] + ".")))]
    ranked = sorted(packages.items(), key=lambda item: -item[1])
    return {"total_us": total, "tree": tree, "packages": [{"name": k, "self_us": v} for k, v in ranked[:12]]}


# --------------------------------------------------------------------------- analysis


def summarise(runs: list[dict], methods: list[str], ns: list[int], latencies: list[int]) -> list[dict]:
    cells = []
    for latency in latencies:
        for n in ns:
            for method in methods:
                mine = [run for run in runs if (run["method"], run["n"], run["latency_ms"]) == (method, n, latency)]
                if not mine:
                    continue
                walls = [run["wall_s"] for run in mine]
                cells.append({
                    "method": method, "n": n, "latency_ms": latency, "runs": len(mine),
                    "wall_median_s": statistics.median(walls), "wall_min_s": min(walls), "wall_max_s": max(walls),
                    "cpu_median_s": statistics.median(run["cpu_s"] for run in mine),
                    "max_rss_mib": max(run["max_rss_kib"] for run in mine) / 1024.0,
                    "tree_rss_mib": max(run["tree_rss_kib"] for run in mine) / 1024.0,
                    "api_calls": mine[0]["api_calls"],
                    "calls_per_trigger": sum(mine[0]["api_calls"].values()) / float(n),
                })
    by_key = {(c["method"], c["n"], c["latency_ms"]): c for c in cells}
    for cell in cells:
        base = by_key.get((BASELINE, cell["n"], cell["latency_ms"]))
        cell["ratio_to_c"] = cell["wall_median_s"] / base["wall_median_s"] if base else None
    return cells


def per_webhook(cells: list[dict], methods: list[str], ns: list[int], latencies: list[int]) -> list[dict]:
    """Marginal seconds per webhook: slope between the two largest N (or T/N with a single N)."""
    by_key = {(c["method"], c["n"], c["latency_ms"]): c for c in cells}
    ns = sorted(ns)
    out = []
    for latency in latencies:
        for method in methods:
            if len(ns) >= 2:
                low, high = by_key.get((method, ns[-2], latency)), by_key.get((method, ns[-1], latency))
                if not (low and high):
                    continue
                value = (high["wall_median_s"] - low["wall_median_s"]) / (ns[-1] - ns[-2])
                cpu = (high["cpu_median_s"] - low["cpu_median_s"]) / (ns[-1] - ns[-2])
                how = "(T(%d) - T(%d)) / %d" % (ns[-1], ns[-2], ns[-1] - ns[-2])
            else:
                cell = by_key.get((method, ns[0], latency))
                if not cell:
                    continue
                value, how = cell["wall_median_s"] / ns[0], "T(%d) / %d" % (ns[0], ns[0])
                cpu = cell["cpu_median_s"] / ns[0]
            out.append({"method": method, "latency_ms": latency, "per_webhook_s": value, "cpu_per_webhook_s": cpu,
                        "how": how})
    base = {row["latency_ms"]: row for row in out if row["method"] == BASELINE}
    for row in out:
        ref = base.get(row["latency_ms"])
        row["ratio_to_c"] = row["per_webhook_s"] / ref["per_webhook_s"] if ref and ref["per_webhook_s"] > 0 else None
        row["cpu_ratio_to_c"] = (row["cpu_per_webhook_s"] / ref["cpu_per_webhook_s"]
                                 if ref and ref["cpu_per_webhook_s"] > 0 else None)
    return out


def timeline_gaps(runs: list[dict], method: str, latency: int) -> dict | None:
    """Median gaps between the API calls of consecutive webhooks, from the emulator's arrival times.

    For (a) every webhook is one module run: token -> get-webhook -> trigger, then the next run's token.
    For (c) every webhook is one uri run: trigger -> next trigger.
    """
    mine = [run for run in runs if run["method"] == method and run["latency_ms"] == latency]
    if not mine:
        return None
    n = max(run["n"] for run in mine)
    mine = [run for run in mine if run["n"] == n]
    if n < 2:
        return None
    gaps: dict[str, list[float]] = {}
    for run in mine:
        calls = [(endpoint, stamp) for endpoint, stamp in run["timeline"]
                 if endpoint in ("get-management-token", "get-webhook", "trigger-webhook")]
        for (first, t0), (second, t1) in zip(calls, calls[1:]):
            gaps.setdefault("%s -> %s" % (first, second), []).append(t1 - t0)
    return {"n": n, "runs": len(mine),
            "gaps_ms": {name: statistics.median(values) * 1000 for name, values in gaps.items()},
            "counts": {name: len(values) for name, values in gaps.items()}}


def targets(cells: list[dict], rows: list[dict]) -> list[dict]:
    """Each of TARGETS, and (a) per webhook at API latency 0 ms: PASS, FAIL or NOT RUN, with the figures."""
    by_key = {(c["method"], c["n"], c["latency_ms"], c["api_latency_ms"]): c for c in cells}
    out = []
    for method, n, latency, api_latency, limit in TARGETS:
        name = "(%s) at N=%d, %s receiver latency, %d ms API latency <= %.2f x (c)" % (
            method, n, "every" if latency is None else "%d ms" % latency, api_latency, limit)
        pairs = [(cell, by_key.get((BASELINE, n, cell["latency_ms"], api_latency))) for cell in cells
                 if (cell["method"], cell["n"], cell["api_latency_ms"]) == (method, n, api_latency)
                 and latency in (None, cell["latency_ms"])]
        pairs = [(cell, base) for cell, base in pairs if base]
        if not pairs:
            out.append({"target": name, "value": "not measured", "status": "NOT RUN"})
            continue
        ratios = [(cell, base, cell["wall_median_s"] / base["wall_median_s"]) for cell, base in pairs]
        value = "; ".join("%d ms receiver: %.3f x (c) (%.2f s vs %.2f s)" % (
            cell["latency_ms"], ratio, cell["wall_median_s"], base["wall_median_s"]) for cell, base, ratio in ratios)
        out.append({"target": name, "value": value,
                    "status": "PASS" if max(ratio for dummy, dummy, ratio in ratios) <= limit else "FAIL"})
    a_rows = [row for row in rows if row["method"] == "a" and row["ratio_to_c"] is not None
              and row["api_latency_ms"] == 0]
    name = "(a) per webhook <= %.1f x (c) per webhook, API latency 0 ms" % TARGET_A_RATIO
    if a_rows:
        worst = max(row["ratio_to_c"] for row in a_rows)
        detail = ", ".join("%d ms: %.2f x" % (row["latency_ms"], row["ratio_to_c"]) for row in a_rows)
        out.append({"target": name, "value": detail, "status": "PASS" if worst <= TARGET_A_RATIO else "FAIL"})
    else:
        out.append({"target": name, "value": "not measured", "status": "NOT RUN"})
    return out


# --------------------------------------------------------------------------- report


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
        ram = "%.1f GiB" % (kib / 1024.0 / 1024.0)
    except (OSError, TypeError):
        pass
    from ansible.release import __version__ as ansible_version
    try:
        from importlib.metadata import version
        sdk = version("genauth")
    except Exception:  # noqa: BLE001 - only a label
        sdk = "unknown"
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"cpu": cpu, "cores": os.cpu_count(), "ram": ram, "python": platform.python_version(),
            "ansible_core": ansible_version, "genauth_sdk": sdk,
            "os": "%s %s" % (platform.system(), platform.release()),
            "loadavg_start": load}


def _s(value: float) -> str:
    return "%.3f" % value if value < 10 else "%.2f" % value


def _ms(value: float) -> str:
    return "%.1f" % (value * 1000)


def render_markdown(report: dict) -> str:
    m, args = report["machine"], report["args"]
    lines = ["# Benchmarks", "",
             "How long it takes, and how much memory, to trigger N webhooks in five ways, measured side by side "
             "in one run against the local GenAuth emulator and webhook receiver on loopback. The receiver "
             "answers each delivery after a fixed latency (the subscriber's), and the emulator answers every "
             "API call after another (the API's: loopback answers in about a millisecond, a real GenAuth API "
             "is tens to hundreds away). Every run had to deliver exactly N webhooks.", "",
             "Generated by `%s` on %s." % (report["command"], report["finished"]), "",
             "## Machine", "",
             "| | |", "|---|---|",
             "| CPU | %s |" % m["cpu"],
             "| cores | %s |" % m["cores"],
             "| RAM | %s |" % m["ram"],
             "| OS | %s |" % m["os"],
             "| Python | %s |" % m["python"],
             "| ansible-core | %s |" % m["ansible_core"],
             "| genauth SDK | %s |" % m["genauth_sdk"],
             "| load average at start (1, 5, 15 min) | %s |" % (
                 ", ".join("%.2f" % x for x in m["loadavg_start"]) if m["loadavg_start"] else "unknown"),
             "| repeats per cell | %d (median reported) |" % args["repeats"],
             "", "## Methods", ""]
    for key in report["method_order"]:
        note = report["skipped"].get(key)
        lines.append("- **(%s)** %s%s" % (key, METHODS[key]["label"], " — *skipped: %s*" % note if note else ""))
    lines += ["",
              "(a), (a'), (b) and (c) run `ansible-playbook` with the same `ansible.cfg`: inventory `localhost "
              "ansible_connection=local`, `gather_facts: false`, forks %d, `interpreter_python` the venv's "
              "Python, default output callback. (d) runs `tests/bench/sdk_trigger.py` with the same Python. The "
              "playbooks are in `tests/bench/playbooks/`. Every method sends the same request headers and body."
              % args["forks"], "",
              "Wall time is the whole command, from start to exit (Ansible's or Python's start-up included). "
              "Peak RSS is `getrusage(RUSAGE_CHILDREN).ru_maxrss` of a fresh wrapper process "
              "(`tests/bench/measure.py`): the largest single process of the command's tree (for Ansible this "
              "is usually the controller, `ansible-playbook`). The tree sum adds the VmRSS of all live "
              "processes of the tree, sampled every 50 ms from /proc; forked workers share pages, so it "
              "over-counts. Memory columns show the largest value over the repeats.", "",
              "## Results", "",
              "![wall time against N](benchmarks.png)", "",
              "Latencies: the API's (every call to the emulator) and the receiver's (every delivery to a "
              "subscriber). API calls per trigger: every call the method made, divided by N.", "",
              "| API latency | receiver latency | N | method | median wall (s) | min–max (s) | ratio to (c) | "
              "CPU (s) | peak RSS, largest process (MiB) | peak RSS, tree sum (MiB) | API calls per trigger | "
              "API calls per run |",
              "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for cell in report["cells"]:
        calls = ", ".join("%s %d" % (k, v) for k, v in sorted(cell["api_calls"].items()))
        lines.append("| %d ms | %d ms | %d | (%s) | %s | %s–%s | %s | %s | %.0f | %.0f | %.2f | %s |" % (
            cell["api_latency_ms"], cell["latency_ms"], cell["n"], cell["method"], _s(cell["wall_median_s"]),
            _s(cell["wall_min_s"]),
            _s(cell["wall_max_s"]), "%.2f" % cell["ratio_to_c"] if cell["ratio_to_c"] is not None else "–",
            _s(cell["cpu_median_s"]), cell["max_rss_mib"], cell["tree_rss_mib"], cell["calls_per_trigger"], calls))
    lines += ["", "### Per webhook", "",
              "Marginal time per additional webhook, from the medians above. CPU time (user + system of the "
              "whole process tree) suffers less than wall time when other work shares the machine.", "",
              "| API latency | receiver latency | method | wall s per webhook | how | ratio to (c) | CPU s per "
              "webhook | CPU ratio to (c) |",
              "|---:|---:|---|---:|---|---:|---:|---:|"]
    for row in report["per_webhook"]:
        lines.append("| %d ms | %d ms | (%s) | %.3f | %s | %s | %.3f | %s |" % (
            row["api_latency_ms"], row["latency_ms"], row["method"], row["per_webhook_s"], row["how"],
            "%.2f" % row["ratio_to_c"] if row["ratio_to_c"] is not None else "–", row["cpu_per_webhook_s"],
            "%.2f" % row["cpu_ratio_to_c"] if row["cpu_ratio_to_c"] is not None else "–"))
    lines += ["", "### Targets", "", "| target | measured | result |", "|---|---|---|"]
    for target in report["targets"]:
        lines.append("| %s | %s | **%s** |" % (target["target"], target["value"], target["status"]))
    lines += ["", "## Where (a) spends its time per webhook, API latency %d ms" % report["breakdown_api_latency_ms"],
              ""] + breakdown_lines(report)
    lines += ["", "## The module's own start-up cost", ""] + overhead_lines(report["overhead"])
    lines += ["", "## Running it", "",
              "```bash",
              "make bench     # defaults: 3 repeats, N 1,20,100, receiver latency 0,100 ms, API latency 0,50 ms",
              "make bench BENCH_REPEATS=1 BENCH_N=1,20 BENCH_LATENCIES=100 BENCH_API_LATENCIES=50   # a quick run",
              "```", "",
              "`BENCH_METHODS=a2,c` limits the methods (`a2` is (a')). Raw numbers of every run are in "
              "`.build/bench/results.json`, and each command's output in `.build/bench/runs/`.", ""]
    return "\n".join(lines)


def breakdown_lines(report: dict) -> list[str]:
    bd = report.get("breakdown")
    if not bd:
        return ["Not measured (needs (a) and (c) with N >= 2)."]
    ov = report["overhead"]
    lines = ["Each loop item of (a) is one run of the module: a new Python process that imports the module and "
             "its libraries, validates its options, then makes three API calls (get a token, look the "
             "webhook up, trigger it). Each loop item of (c) is one run of `ansible.builtin.uri`: a new Python "
             "process that makes one API call (the token comes once, from the first task).", "",
             "Gaps between consecutive API calls as the emulator saw them arrive (median over all loop items):", "",
             "| latency | method | gap | median (ms) |", "|---:|---|---|---:|"]
    for latency, per_method in sorted(bd["timelines"].items(), key=lambda item: int(item[0])):
        for method, data in sorted(per_method.items()):
            if not data:
                continue
            for gap, value in sorted(data["gaps_ms"].items()):
                lines.append("| %s ms | (%s) | %s | %.1f |" % (latency, method, gap, value))
    lines += ["", "Module processes run directly (`python -m MODULE args.json`, no Ansible), receiver latency 0, "
              "median of %d:" % OVERHEAD_REPEATS, "",
              "| what | wall (ms) | CPU (ms) |", "|---|---:|---:|"]
    rows = [
        ("Python start-up alone (`python -c pass`)", ov["python_startup"]),
        ("`import ansible.module_utils.basic`, process total", ov["import_basic"]),
        ("`import ansible.modules.uri`, process total", ov["import_uri"]),
        ("`import` of genauth_webhook_trigger, process total", ov["import_module"]),
        ("uri module run: 1 API call (trigger)", ov["run_uri"]),
        ("genauth_webhook_trigger run with access_token and lookup_webhook false: 1 API call",
         ov["run_module_lean"]),
        ("genauth_webhook_trigger run with access_token: 2 API calls", ov["run_module_with_token"]),
        ("genauth_webhook_trigger run with the key pair: 3 API calls", ov["run_module"]),
    ]
    lines += ["| %s | %s | %s |" % (label, _ms(entry["median_s"]), _ms(entry["cpu_median_s"]))
              for label, entry in rows]
    lines += ["", "API round trips from one keep-alive session (median of 20): "
              + ", ".join("%s %.1f ms" % (k, v * 1000) for k, v in ov["http_calls"].items()) + ".", ""]
    lines += ["Summary, milliseconds per webhook (a negative value means (a) was faster):", "",
              "| what | ms |", "|---|---:|"]
    lines += ["| %s | %.0f |" % (label, value) for label, value in bd["split_ms"]]
    return lines


def overhead_lines(ov: dict) -> list[str]:
    imp, uri = ov["importtime_module"], ov["importtime_uri"]
    val = ov["validation"]
    lines = ["`python -X importtime -c 'import %s'` with the installed collection on `PYTHONPATH` "
             "(median total of %d runs; the table is the run closest to the median):" % (MODULE_IMPORT, OVERHEAD_REPEATS),
             "", "- module imports, total: **%.1f ms** (`ansible.modules.uri` for comparison: %.1f ms)" % (
                 imp["total_median_us"] / 1000, uri["total_median_us"] / 1000),
             "- argument validation (GenAuthModule() with one webhook_id, headers and body, median of 49 after a "
             "first call of %.2f ms): **%.2f ms**, of which the voluptuous rules %.2f ms and AnsibleModule's "
             "argument spec %.2f ms" % (val["first_s"] * 1000, val["median_s"] * 1000, val["median_rules_s"] * 1000,
                                        val["median_ansible_module_s"] * 1000)]
    if "validation_batch20" in ov:
        vb = ov["validation_batch20"]
        lines.append("- argument validation with `webhooks` holding 20 entries: %.2f ms" % (vb["median_s"] * 1000))
    lines += ["", "The import tree, three levels deep, imports of 2 ms or more (cumulative: the import and "
              "everything it pulled in first; a library shared by two parents counts under the first):", "",
              "| import | cumulative (ms) | self (ms) |", "|---|---:|---:|"]
    lines += ["| %s`%s` | %.1f | %.1f |" % (
        "&nbsp;" * 4 * item["depth"], item["name"], item["cumulative_us"] / 1000, item["self_us"] / 1000)
        for item in imp["tree"]]
    lines += ["", "Self time by package (every module of the package):", "",
              "| package | self (ms) |", "|---|---:|"]
    lines += ["| `%s` | %.1f |" % (item["name"], item["self_us"] / 1000) for item in imp["packages"][:10]]
    return lines


def build_breakdown(runs: list[dict], rows: list[dict], overhead: dict, latencies: list[int]) -> dict | None:
    """(a) against (c) per webhook, from three sources: the playbook medians, the emulator's arrival times
    of each loop item's calls, and the module processes run directly."""
    timelines = {str(latency): {method: timeline_gaps(runs, method, latency) for method in ("a", "c")}
                 for latency in latencies}
    ov = overhead
    per = {(row["method"], row["latency_ms"]): row["per_webhook_s"] for row in rows}
    split = []
    for latency in latencies:
        a, c = timelines[str(latency)]["a"], timelines[str(latency)]["c"]
        if a and c:
            gaps = a["gaps_ms"]
            calls = gaps.get("get-management-token -> get-webhook", 0) + gaps.get("get-webhook -> trigger-webhook", 0)
            cycle_a = calls + gaps.get("trigger-webhook -> get-management-token", 0)
            cycle_c = c["gaps_ms"].get("trigger-webhook -> trigger-webhook", 0)
            split += [
                ("%d ms: one loop item of (a), arrival to arrival at the emulator" % latency, cycle_a),
                ("%d ms: one loop item of (c), arrival to arrival at the emulator" % latency, cycle_c),
                ("%d ms: difference (a) - (c) per loop item" % latency, cycle_a - cycle_c),
                ("%d ms: of (a)'s item, token + get-webhook calls (token arrival to trigger arrival)" % latency, calls),
            ]
        if ("a", latency) in per and ("c", latency) in per:
            split.append(("%d ms: playbook medians, (a) %.0f ms - (c) %.0f ms per webhook" % (
                latency, per[("a", latency)] * 1000, per[("c", latency)] * 1000),
                (per[("a", latency)] - per[("c", latency)]) * 1000))
    for key, label in (("median_s", "wall"), ("cpu_median_s", "CPU")):
        module_vs_uri = ov["run_module"][key] - ov["run_uri"][key]
        imports = ov["import_module"][key] - ov["import_uri"][key]
        token_call = ov["run_module"][key] - ov["run_module_with_token"][key]
        split += [
            ("direct runs, %s: module process (3 calls) - uri process (1 call)" % label, module_vs_uri * 1000),
            ("direct runs, %s: of which imports (module's minus uri's, process totals)" % label, imports * 1000),
            ("direct runs, %s: of which the token call (key pair run - access_token run)" % label,
             token_call * 1000),
            ("direct runs, %s: of which get-webhook and the rest (remainder)" % label,
             (module_vs_uri - imports - token_call) * 1000),
        ]
    return {"timelines": timelines, "split_ms": split}


def print_summary(report: dict) -> None:
    log("")
    log("%-7s %-8s %5s %-4s %12s %10s %10s %12s" % (
        "API", "receiver", "N", "meth", "median wall", "ratio/(c)", "calls/trg", "peak RSS MiB"))
    for cell in report["cells"]:
        log("%4d ms %5d ms %5d %-4s %11.3fs %10s %10.2f %12.0f" % (
            cell["api_latency_ms"], cell["latency_ms"], cell["n"], "(%s)" % cell["method"], cell["wall_median_s"],
            "%.2f" % cell["ratio_to_c"] if cell["ratio_to_c"] is not None else "-", cell["calls_per_trigger"],
            cell["max_rss_mib"]))
    log("")
    for row in report["per_webhook"]:
        log("per webhook API %d ms, receiver %d ms (%s): wall %.3f s %s, CPU %.3f s %s" % (
            row["api_latency_ms"], row["latency_ms"], row["method"], row["per_webhook_s"],
            "(ratio/(c) %.2f)" % row["ratio_to_c"] if row["ratio_to_c"] is not None else "",
            row["cpu_per_webhook_s"],
            "(ratio/(c) %.2f)" % row["cpu_ratio_to_c"] if row["cpu_ratio_to_c"] is not None else ""))
    if report.get("breakdown"):
        log("")
        for label, value in report["breakdown"]["split_ms"]:
            log("  %-90s %7.0f ms" % (label, value))
    log("")
    for target in report["targets"]:
        log("TARGET %-55s %-8s %s" % (target["target"], target["status"], target["value"]))


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    workdir = Path(args.workdir)
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    log("bench: building and installing the collection")
    collections = install_collection(workdir)
    skipped = {}
    methods = list(args.methods)
    if "b" in methods and not module_has_webhooks_option(collections):
        skipped["b"] = "the module has no `webhooks` option yet"
        methods.remove("b")
        log("bench: skipping (b): genauth_webhook_trigger does not document a `webhooks` option yet")
    config = write_ansible_config(workdir, collections, args.forks)
    report = {"command": args.command or shlex.join([os.path.relpath(PYTHON, REPO_ROOT), "tests/bench/run.py",
                                                    *(argv if argv is not None else sys.argv[1:])]),
              "machine": machine(),
              "args": {"repeats": args.repeats, "n": args.n, "latencies_ms": args.latencies,
                       "api_latencies_ms": args.api_latencies, "forks": args.forks},
              "repeats": args.repeats, "latencies_ms": args.latencies, "api_latencies_ms": args.api_latencies,
              "methods": {key: {"label": METHODS[key]["label"]} for key in METHODS},
              "method_order": [key for key in METHODS if key in args.methods], "skipped": skipped}
    runs = []
    with Servers(workdir / "servers") as servers:
        bench = Bench(args, workdir, servers, collections, config)
        log("bench: emulator %s, receiver %s" % (servers.emulator_url, servers.receiver_url))
        log("bench: warm-up (not counted)")
        for method in methods:
            bench.measure(method, 1, 0)
        total = len(args.api_latencies) * len(args.latencies) * len(args.n) * args.repeats * len(methods)
        done = 0
        for api_latency in args.api_latencies:
            for latency in args.latencies:
                for n in args.n:
                    for repeat in range(args.repeats):
                        # Rotate the order so that no method always runs first (or after the same one).
                        order = methods[repeat % len(methods):] + methods[:repeat % len(methods)]
                        for method in order:
                            result = bench.measure(method, n, latency, api_latency)
                            runs.append(result)
                            done += 1
                            log("bench: [%d/%d] API latency %d ms, receiver latency %d ms, N=%d, (%s): %.3f s, "
                                "peak RSS %.0f MiB" % (done, total, api_latency, latency, n, method,
                                                       result["wall_s"], result["max_rss_kib"] / 1024.0))
        overhead = bench.overhead("b" in methods)
    cells, rows = [], []
    for api_latency in args.api_latencies:
        mine = [run for run in runs if run["api_latency_ms"] == api_latency]
        these_cells = summarise(mine, methods, args.n, args.latencies)
        these_rows = per_webhook(these_cells, methods, args.n, args.latencies)
        for entry in these_cells + these_rows:
            entry["api_latency_ms"] = api_latency
        cells += these_cells
        rows += these_rows
    # The breakdown of (a) against (c) at the lowest API latency: the module's own costs, not the network's.
    base_api = min(args.api_latencies)
    report.update(cells=cells, per_webhook=rows, targets=targets(cells, rows), overhead=overhead,
                  breakdown_api_latency_ms=base_api,
                  breakdown=build_breakdown([run for run in runs if run["api_latency_ms"] == base_api],
                                            [row for row in rows if row["api_latency_ms"] == base_api],
                                            overhead, args.latencies),
                  finished=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                  duration_s=time.monotonic() - started)
    (workdir / "results.json").write_text(json.dumps(dict(report, runs=runs), indent=1), encoding="utf-8")
    Path(args.markdown).write_text(render_markdown(report), encoding="utf-8")
    log("bench: wrote %s" % args.markdown)
    if args.plot_python and Path(args.plot_python).exists():
        subprocess.run([args.plot_python, str(HERE / "plot.py"), str(workdir / "results.json"), args.chart],
                       check=True)
        log("bench: wrote %s" % args.chart)
    else:
        log("bench: no --plot-python with matplotlib given; chart not drawn")
    print_summary(report)
    log("bench: done in %.0f s" % (time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
