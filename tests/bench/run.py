#!/usr/bin/env python
"""Benchmark five ways of triggering N webhooks against the local emulator; write docs/benchmarks.md.

`make bench` runs this script with the development venv's Python, and a Python with matplotlib for the chart
(--plot-python; tests/bench/plot.py draws docs/benchmarks.png). Its knobs are environment variables, all optional:

    BENCH_REPEATS        measurements per cell, the median is reported (3)
    BENCH_N              webhook counts (1,20,100)
    BENCH_LATENCIES      receiver latencies in ms: how long a subscriber takes to answer (0,100)
    BENCH_API_LATENCIES  API latencies in ms: how long every API call waits, as a real API further away would (0,50)
    BENCH_METHODS        the methods to run (a,a2,b,ap,a2p,bp,c,d,e; a2 stands for a', p for the module-process way)
    BENCH_OUT            the folder of benchmarks.md and benchmarks.png (docs)

Methods, all against the same emulator and webhook receiver on loopback, sending the same headers and body:
  a   one task looping over genauth.management.genauth_webhook_trigger (one module run per webhook), the key
      pair in every item
  a'  the documented lean loop: genauth_token once, then the loop with the token in module_defaults and
      lookup_webhook: false
  b   one genauth_webhook_trigger task with the `webhooks` option
  a-process, a'-process, b-process: the same with GENAUTH_IN_PROCESS=false (a module process per run, as before
      modules ran in the controller's process)
  c   ansible.builtin.uri: one task for the token, then a loop of trigger requests (the baseline)
  d   a Python script with the official genauth SDK (sdk_trigger.py), triggering one webhook after another
  e   a loop of ansible.builtin.debug: Ansible's start and a task's own overhead per item (the floor of the loops)
Each cell also gets the limit its method approaches: (e)'s time plus the API latency of each call made one after
another and the receiver latency of each delivery waited for (see limit()).

Before each measurement the emulator is reset and given N new webhooks that point at the receiver; after it, the
receiver must have got exactly one delivery per webhook, or the benchmark stops with an error. Raw numbers go to
.build/bench/results.json, each command's output to .build/bench/runs/.
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.emulator.harness import Servers, install_collection  # noqa: E402

PYTHON = sys.executable
BIN = Path(PYTHON).parent
WORKDIR = REPO_ROOT / ".build" / "bench"
MODULE = "ansible_collections.genauth.management.plugins.modules.genauth_webhook_trigger"
MODULE_PROCESS = {"GENAUTH_IN_PROCESS": "false"}
METHODS = {  # key: (label, the playbook or script that is the method, its environment)
    "a": ("loop over genauth_webhook_trigger, key pair in every item", "playbooks/loop.yml", {}),
    "a'": ("lean loop: genauth_token once, token in module_defaults, lookup_webhook: false",
           "playbooks/fast_loop.yml", {}),
    "b": ("genauth_webhook_trigger webhooks option", "playbooks/batch.yml", {}),
    "a-process": ("(a) as module processes (GENAUTH_IN_PROCESS=false)", "playbooks/loop.yml", MODULE_PROCESS),
    "a'-process": ("(a') as module processes", "playbooks/fast_loop.yml", MODULE_PROCESS),
    "b-process": ("(b) as a module process", "playbooks/batch.yml", MODULE_PROCESS),
    "c": ("ansible.builtin.uri (token + loop)", "playbooks/uri.yml", {}),
    "d": ("genauth SDK script (sequential)", "sdk_trigger.py", {}),
    "e": ("loop of ansible.builtin.debug, no API call (the floor of a loop)", "playbooks/floor.yml", {}),
}
ABBREVIATIONS = {"a2": "a'", "ap": "a-process", "a2p": "a'-process", "bp": "b-process"}
FLOOR = "e"
LOOPS = ("a", "a'", "a-process", "a'-process", "c")
BATCHES = ("b", "b-process")
BASELINE = "c"
FORKS = 5
REQUEST_HEADERS = {"X-Bench": "1"}
REQUEST_BODY = {"event": "bench.triggered", "source": "genauth.management benchmark"}
# Targets, each a ratio of medians to (c) in the same run: (method, N, receiver latency ms or None for every one
# measured, API latency ms, highest ratio). And (a)'s time per webhook against (c)'s, at API latency 0 ms.
TARGETS = (
    ("a'", 20, 100, 50, 0.30),
    ("a", 20, 100, 50, 0.40),
    ("b", 20, 100, 50, 0.12),
    ("b", 100, 100, 50, 0.06),
)
# And one trigger (N=1) in the controller's process faster than as a module process: (method, its other way).
FASTER_AT_ONE = (("a", "a-process"),)
TARGET_A_RATIO = 1.0
OVERHEAD_REPEATS = 11
RSS_SAMPLE_INTERVAL = 0.05
# The gaps between these calls, as the emulator saw them arrive, show where a loop item spends its time.
TIMELINE_ENDPOINTS = ("get-management-token", "get-webhook", "trigger-webhook")
# How many parts of an imported module's name make its package in the import report: the collection's own files
# are told apart (ansible_collections.genauth.management.plugins.module_utils._client), ansible's by subpackage.
PACKAGE_PARTS = {"ansible_collections": 6, "ansible": 2}


def log(message):
    print(message, flush=True)


def settings():
    """The knobs (BENCH_*) from the environment, and --plot-python from the command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plot-python", help="a Python with matplotlib, to draw the chart")
    config = parser.parse_args()
    env = os.environ

    def numbers(name, default):
        return [int(part) for part in (env.get(name) or default).replace(" ", "").split(",") if part]

    methods = [ABBREVIATIONS.get(name.strip(), name.strip())
               for name in (env.get("BENCH_METHODS") or "a,a2,b,ap,a2p,bp,c,d,e").split(",")]
    config.methods = [key for key in METHODS if key in methods]  # in the order of METHODS
    config.repeats = int(env.get("BENCH_REPEATS") or 3)
    config.n = numbers("BENCH_N", "1,20,100")
    config.latencies = numbers("BENCH_LATENCIES", "0,100")
    config.api_latencies = numbers("BENCH_API_LATENCIES", "0,50")
    config.out = Path(env.get("BENCH_OUT") or REPO_ROOT / "docs")
    knobs = ("BENCH_REPEATS", "BENCH_N", "BENCH_LATENCIES", "BENCH_API_LATENCIES", "BENCH_METHODS")
    config.command = " ".join(["make bench"] + ["%s=%s" % (knob, env[knob]) for knob in knobs if env.get(knob)])
    if (set(methods) - set(METHODS) or config.repeats < 1 or not config.n or min(config.n) < 1
            or not config.latencies or not config.api_latencies or min(config.latencies + config.api_latencies) < 0):
        parser.error("BENCH_METHODS are a,a2,b,ap,a2p,bp,c,d,e; BENCH_REPEATS and BENCH_N must be >= 1; latencies >= 0")
    return config


# --------------------------------------------------------------------------- measuring


def tree_rss_kib(root):
    """The sum of VmRSS over a process and its live descendants, from /proc."""
    total, todo, seen = 0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            status = Path("/proc/%d/status" % pid).read_text(encoding="ascii", errors="replace")
            children = [Path("/proc/%d/task/%s/children" % (pid, task)).read_text().split()
                        for task in os.listdir("/proc/%d/task" % pid)]
        except OSError:
            continue  # it ended meanwhile
        rss = re.search(r"^VmRSS:\s+(\d+)", status, re.M)  # a zombie has none
        total += int(rss[1]) if rss else 0
        todo += [int(child) for pids in children for child in pids]
    return total


def run_measured(command, output, env, cwd=WORKDIR):
    """Run command with its output in the file output: its wall time, the CPU time of its whole process tree, the
    peak RSS of its largest process, and the largest sum of RSS over the tree's live processes.

    The CPU time and peak RSS are wait4()'s account of the command's process, which covers every process of its
    tree that was waited for (ansible-playbook reaps its workers and module processes). The tree sum is sampled
    every RSS_SAMPLE_INTERVAL seconds: forked workers share pages with their parent, so it counts shared pages
    more than once (an upper bound), and a short peak between two samples can be missed."""
    with open(output, "wb") as handle:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=cwd, env=env)
        peak, done = [0], threading.Event()

        def sample():
            while True:
                peak[0] = max(peak[0], tree_rss_kib(proc.pid))
                if done.wait(RSS_SAMPLE_INTERVAL):
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        status, usage = os.wait4(proc.pid, 0)[1:]
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError("%s exited with %d; its output (%s) ends with:\n%s" % (
            " ".join(map(str, command)), proc.returncode, output, Path(output).read_text(errors="replace")[-3000:]))
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "max_rss_kib": usage.ru_maxrss,
            "tree_rss_kib": peak[0]}


class Bench:
    def __init__(self, servers, collections):
        self.servers, self.collections = servers, collections
        self.emulator, self.receiver = servers.emulator, servers.receiver
        self.token = self.emulator.management_token(servers.access_key_id, servers.access_key_secret)
        config = WORKDIR / "ansible.cfg"
        (WORKDIR / "inventory.ini").write_text("localhost ansible_connection=local\n", encoding="utf-8")
        config.write_text("\n".join([
            "[defaults]", "inventory = %s" % (WORKDIR / "inventory.ini"), "collections_path = %s" % collections,
            "interpreter_python = %s" % PYTHON, "forks = %d" % FORKS, "gathering = explicit",
            "retry_files_enabled = false", "host_key_checking = false", "nocolor = true",
            "local_tmp = %s" % (WORKDIR / "ansible-tmp"), "home = %s" % (WORKDIR / "ansible-home"), ""]),
            encoding="utf-8")
        self.env = dict(os.environ, **servers.env(), ANSIBLE_CONFIG=str(config), ANSIBLE_NOCOLOR="1",
                        ANSIBLE_FORCE_COLOR="0")
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)  # module runs keep their bytecode, as users' do
        self.count = 0

    def measure(self, method, n, latency_ms, api_latency_ms=0):
        """One run of a method for N fresh webhooks, checked by the receiver's deliveries."""
        self.emulator.reset()
        self.receiver.reset()
        self.receiver.configure(delay=latency_ms / 1000.0)
        ids = self.emulator.add_webhooks([{
            "userpoolId": self.servers.userpool_id, "name": "bench-%d" % index, "events": ["test"],
            "url": "%s/bench/%d" % (self.servers.receiver_url, index)} for index in range(n)])
        self.emulator.configure(api_latency=api_latency_ms / 1000.0)
        self.count += 1
        tag = "%03d-%s-n%d-l%d-api%d" % (self.count, method.replace("'", "2"), n, latency_ms, api_latency_ms)
        vars_file = WORKDIR / "runs" / ("%s.json" % tag)
        vars_file.parent.mkdir(exist_ok=True)
        vars_file.write_text(json.dumps({
            "bench_webhook_ids": ids, "bench_request_headers": REQUEST_HEADERS, "bench_request_body": REQUEST_BODY,
            "bench_webhooks": [{"webhook_id": webhook_id, "request_headers": REQUEST_HEADERS,
                                "request_body": REQUEST_BODY} for webhook_id in ids]}), encoding="utf-8")
        label, method_file, method_env = METHODS[method]
        method_file = str(HERE / method_file)
        command = ([str(BIN / "ansible-playbook"), method_file, "-e", "@%s" % vars_file]
                   if method_file.endswith(".yml") else [PYTHON, method_file, str(vars_file)])
        result = run_measured(command, vars_file.with_suffix(".log"), dict(self.env, **method_env))
        paths = sorted(delivery["path"] for delivery in self.receiver.deliveries())
        if paths != sorted("/bench/%d" % index for index in range(n if method != FLOOR else 0)):
            raise RuntimeError("%s: the receiver got %d deliveries (%d distinct webhooks); expected exactly %d, "
                               "one per webhook" % (tag, len(paths), len(set(paths)), n))
        calls = self.emulator.requests()
        result.update(method=method, n=n, latency_ms=latency_ms, api_latency_ms=api_latency_ms, tag=tag,
                      api_calls=dict(Counter(entry["endpoint"] for entry in calls)),
                      timeline=[(entry["endpoint"], entry["timestamp"]) for entry in calls])
        return result

    # The module's own start-up cost, without Ansible around it ------------------------------------------------

    def repeated(self, name, command, env):
        """Medians of OVERHEAD_REPEATS runs of command: wall and CPU time."""
        runs = [run_measured(command, WORKDIR / ("overhead-%s.log" % name), env) for dummy in range(OVERHEAD_REPEATS)]
        return {"median_s": statistics.median(run["wall_s"] for run in runs),
                "cpu_median_s": statistics.median(run["cpu_s"] for run in runs)}

    def module_args(self, name, args):
        path = WORKDIR / ("overhead-args-%s.json" % name)
        path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}), encoding="utf-8")
        return str(path)

    def overhead(self):
        env = dict(self.env, PYTHONPATH=self.collections)
        deploy = self.servers.webhooks["deploy"]
        trigger = {"webhook_id": deploy, "request_headers": REQUEST_HEADERS, "request_body": REQUEST_BODY}
        out = {}
        log("bench: overhead: interpreter start-up and imports")
        for name, code in (("python_startup", "pass"), ("import_module", "import " + MODULE),
                           ("import_uri", "import ansible.modules.uri"),
                           ("import_basic", "import ansible.module_utils.basic")):
            out[name] = self.repeated(name, [PYTHON, "-c", code], env)
        out["importtime_module"] = importtime(env, MODULE)
        out["importtime_uri"] = importtime(env, "ansible.modules.uri")

        log("bench: overhead: argument validation")
        out["validation"] = validation(env, self.module_args("validation", trigger))
        out["validation_batch20"] = validation(env, self.module_args("batch", {"webhooks": [trigger] * 20}))

        log("bench: overhead: module processes run directly, receiver latency 0")
        self.emulator.reset()
        self.receiver.reset()
        self.receiver.configure(delay=0)
        pool = self.servers.userpool_id
        uri = {"url": self.servers.emulator_url + "/api/v3/trigger-webhook", "method": "POST", "body_format": "json",
               "headers": {"Authorization": "Bearer " + self.token, "x-genauth-userpool-id": pool,
                           "x-authing-userpool-id": pool},
               "body": {"webhookId": deploy, "requestHeaders": REQUEST_HEADERS, "requestBody": REQUEST_BODY}}
        for name, module, args in (
                ("run_module", MODULE, trigger),
                ("run_module_with_token", MODULE, dict(trigger, access_token=self.token)),
                ("run_module_lean", MODULE, dict(trigger, access_token=self.token, lookup_webhook=False)),
                ("run_uri", "ansible.modules.uri", uri)):
            out[name] = self.repeated(name, [PYTHON, "-m", module, self.module_args(name, args)], env)

        # The round trip of each API call from one keep-alive session, the first call left out.
        calls = {
            "get-management-token": ("POST", None, {"json": {"accessKeyId": self.servers.access_key_id,
                                                             "accessKeySecret": self.servers.access_key_secret}}),
            "get-webhook": ("GET", self.token, {"params": {"webhookId": deploy}}),
            "trigger-webhook": ("POST", self.token, {"json": {
                "webhookId": deploy, "requestHeaders": REQUEST_HEADERS, "requestBody": REQUEST_BODY}}),
        }
        out["http_calls"] = {}
        for endpoint, (verb, token, kwargs) in calls.items():
            walls = []
            for dummy in range(21):
                start = time.perf_counter()
                answer = self.emulator.call(verb, endpoint, token, **kwargs).json()
                walls.append(time.perf_counter() - start)
                if answer.get("statusCode") != 200:
                    raise RuntimeError("%s failed: %s" % (endpoint, answer))
            out["http_calls"][endpoint] = statistics.median(walls[1:])
        return out


def importtime(env, module):
    """`python -X importtime -c 'import MODULE'`, OVERHEAD_REPEATS times: the median total, and the import tree and
    self time per package of the run closest to it."""
    runs = [parse_importtime(subprocess.run([PYTHON, "-X", "importtime", "-c", "import " + module], env=env,
                                            capture_output=True, text=True, check=True).stderr, module)
            for dummy in range(OVERHEAD_REPEATS)]
    median = statistics.median(run["total_us"] for run in runs)
    return dict(min(runs, key=lambda run: abs(run["total_us"] - median)), total_median_us=median)


def parse_importtime(stderr, module):
    """The import's total, its tree (three levels, imports of 2 ms or more) and self time by package.

    importtime prints each import after the ones it pulled in. The lines up to a top-level entry of the module's
    dotted path (``ansible``, ``ansible.modules``, ...) are the module's; the interpreter's own start-up imports
    (site, encodings) are left out."""
    ours, pending, total = [], [], 0
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not match:
            continue
        entry = {"name": match[4], "self_us": int(match[1]), "cumulative_us": int(match[2]),
                 "depth": (len(match[3]) - 1) // 2}
        pending.append(entry)
        if entry["depth"] == 0:
            if module == entry["name"] or module.startswith(entry["name"] + "."):
                ours += pending
                total += entry["cumulative_us"]
            pending = []
    packages = Counter()
    for entry in ours:
        if entry["depth"] > 0:
            parts = entry["name"].split(".")
            packages[".".join(parts[:PACKAGE_PARTS.get(parts[0], 1)])] += entry["self_us"]
    tree = [entry for entry in reversed(ours) if entry["depth"] <= 3 and entry["cumulative_us"] >= 2000]
    return {"total_us": total, "tree": tree,
            "packages": [{"name": name, "self_us": us} for name, us in packages.most_common(12)]}


def validation(env, args_file):
    """overhead.py's timing of GenAuthModule() on args_file: the first construction and the median of 49 more."""
    proc = subprocess.run([PYTHON, str(HERE / "overhead.py"), args_file, "50"], env=env, capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError("overhead.py failed:\n%s%s" % (proc.stdout, proc.stderr))
    runs = json.loads(proc.stdout)
    rest = runs[1:]
    return {"first_s": runs[0]["total_s"], "median_s": statistics.median(run["total_s"] for run in rest),
            "median_rules_s": statistics.median(run["rules_s"] for run in rest),
            "median_ansible_module_s": statistics.median(run["total_s"] - run["rules_s"] for run in rest)}


# --------------------------------------------------------------------------- analysis


def ratio(value, base):
    return value / base if base and base > 0 else None


def summarise(runs):
    """One cell per (API latency, receiver latency, N, method): medians, ranges and peaks over the repeats."""
    groups = {}
    for run in runs:
        groups.setdefault((run["api_latency_ms"], run["latency_ms"], run["n"], run["method"]), []).append(run)
    cells = []
    for (api_latency, latency, n, method), mine in sorted(groups.items(), key=lambda item: (
            item[0][:3], list(METHODS).index(item[0][3]))):
        walls = [run["wall_s"] for run in mine]
        cells.append({
            "api_latency_ms": api_latency, "latency_ms": latency, "n": n, "method": method, "runs": len(mine),
            "wall_median_s": statistics.median(walls), "wall_min_s": min(walls), "wall_max_s": max(walls),
            "cpu_median_s": statistics.median(run["cpu_s"] for run in mine),
            "max_rss_mib": max(run["max_rss_kib"] for run in mine) / 1024.0,
            "tree_rss_mib": max(run["tree_rss_kib"] for run in mine) / 1024.0,
            "api_calls": mine[0]["api_calls"], "calls_per_trigger": sum(mine[0]["api_calls"].values()) / n})
    by_key = {(c["api_latency_ms"], c["latency_ms"], c["n"], c["method"]): c for c in cells}
    for cell in cells:
        base = by_key.get((cell["api_latency_ms"], cell["latency_ms"], cell["n"], BASELINE))
        cell["ratio_to_c"] = ratio(cell["wall_median_s"], base and base["wall_median_s"])
        cell["limit_s"] = limit(cell, by_key)
    return cells


def limit(cell, by_key):
    """The time a method approaches: the floor, (e)'s median (N loop items for a loop, one task for (b)), plus the API
    latency of each call made one after another and the receiver latency of each delivery waited for. A loop makes
    its calls and waits for its deliveries one after another; (b) runs `concurrency` webhooks at once after one
    token, each a lookup then a trigger. None without (e) in the same run."""
    from ansible_collections.genauth.management.plugins.module_utils._parallel import CONCURRENCY
    api, receiver, n = cell["api_latency_ms"] / 1000.0, cell["latency_ms"] / 1000.0, cell["n"]
    calls = sum(cell["api_calls"].values())
    if cell["method"] in LOOPS:
        floor = by_key.get((cell["api_latency_ms"], cell["latency_ms"], n, FLOOR))
        return floor and floor["wall_median_s"] + calls * api + n * receiver
    if cell["method"] in BATCHES:
        floor = by_key.get((cell["api_latency_ms"], cell["latency_ms"], 1, FLOOR))
        tokens = cell["api_calls"].get("get-management-token", 0)
        rounds = -(-n // CONCURRENCY.default)
        in_turn = tokens + -(-(calls - tokens) // CONCURRENCY.default)
        return floor and floor["wall_median_s"] + in_turn * api + rounds * receiver
    return None


def per_webhook(cells, ns):
    """Marginal seconds per webhook: the slope between the two largest N (or T/N with a single N)."""
    ns = sorted(set(ns))
    by_key = {(c["api_latency_ms"], c["latency_ms"], c["n"], c["method"]): c for c in cells}
    rows = []
    for cell in (cell for cell in cells if cell["n"] == ns[-1]):
        if len(ns) >= 2:
            low = by_key.get((cell["api_latency_ms"], cell["latency_ms"], ns[-2], cell["method"]))
            span, how = ns[-1] - ns[-2], "(T(%d) - T(%d)) / %d" % (ns[-1], ns[-2], ns[-1] - ns[-2])
        else:
            low, span, how = {"wall_median_s": 0, "cpu_median_s": 0}, ns[0], "T(%d) / %d" % (ns[0], ns[0])
        if low:
            rows.append({"api_latency_ms": cell["api_latency_ms"], "latency_ms": cell["latency_ms"],
                         "method": cell["method"], "how": how,
                         "per_webhook_s": (cell["wall_median_s"] - low["wall_median_s"]) / span,
                         "cpu_per_webhook_s": (cell["cpu_median_s"] - low["cpu_median_s"]) / span})
    base = {(row["api_latency_ms"], row["latency_ms"]): row for row in rows if row["method"] == BASELINE}
    for row in rows:
        ref = base.get((row["api_latency_ms"], row["latency_ms"]), {})
        row["ratio_to_c"] = ratio(row["per_webhook_s"], ref.get("per_webhook_s"))
        row["cpu_ratio_to_c"] = ratio(row["cpu_per_webhook_s"], ref.get("cpu_per_webhook_s"))
    return rows


def verdict(target, value, passed):
    return {"target": target, "value": value or "not measured",
            "status": "NOT RUN" if passed is None else "PASS" if passed else "FAIL"}


def targets(cells, rows):
    """Each of TARGETS, and (a)'s time per webhook: PASS, FAIL or NOT RUN, with the figures."""
    by_key = {(c["api_latency_ms"], c["latency_ms"], c["n"], c["method"]): c for c in cells}
    out = []
    for method, n, latency, api_latency, limit in TARGETS:
        name = "(%s) at N=%d, %s receiver latency, %d ms API latency <= %.2f x (c)" % (
            method, n, "every" if latency is None else "%d ms" % latency, api_latency, limit)
        measured = [cell for cell in cells if cell["ratio_to_c"] is not None and latency in (None, cell["latency_ms"])
                    and (cell["api_latency_ms"], cell["n"], cell["method"]) == (api_latency, n, method)]
        value = "; ".join("%d ms receiver: %.3f x (c) (%.2f s vs %.2f s)" % (
            cell["latency_ms"], cell["ratio_to_c"], cell["wall_median_s"],
            by_key[(api_latency, cell["latency_ms"], n, BASELINE)]["wall_median_s"]) for cell in measured)
        out.append(verdict(name, value, max(cell["ratio_to_c"] for cell in measured) <= limit if measured else None))
    for method, other in FASTER_AT_ONE:
        pairs = [(cell, by_key.get((cell["api_latency_ms"], cell["latency_ms"], 1, other))) for cell in cells
                 if (cell["method"], cell["n"]) == (method, 1)]
        pairs = [(mine, theirs) for mine, theirs in pairs if theirs]
        value = "; ".join("%d ms API, %d ms receiver: %.3f s vs %.3f s" % (
            mine["api_latency_ms"], mine["latency_ms"], mine["wall_median_s"], theirs["wall_median_s"])
            for mine, theirs in pairs)
        out.append(verdict("(%s) at N=1 faster than (%s)" % (method, other), value,
                           all(mine["wall_median_s"] < theirs["wall_median_s"] for mine, theirs in pairs)
                           if pairs else None))
    a_rows = [row for row in rows if row["method"] == "a" and row["ratio_to_c"] is not None
              and row["api_latency_ms"] == 0]
    out.append(verdict("(a) per webhook <= %.1f x (c) per webhook, API latency 0 ms" % TARGET_A_RATIO,
                       ", ".join("%d ms: %.2f x" % (row["latency_ms"], row["ratio_to_c"]) for row in a_rows),
                       max(row["ratio_to_c"] for row in a_rows) <= TARGET_A_RATIO if a_rows else None))
    return out


def timeline_gaps(runs, method, latency):
    """Median milliseconds between the API calls of one method's runs at their largest N (2 or more), as the
    emulator saw them arrive: for (a) token -> get-webhook -> trigger, then the next loop item's token; for (c)
    trigger -> the next trigger."""
    mine = [run for run in runs if (run["method"], run["latency_ms"]) == (method, latency)]
    n = max((run["n"] for run in mine), default=0)
    gaps = {}
    for run in mine:
        if n < 2 or run["n"] != n:
            continue
        calls = [(endpoint, stamp) for endpoint, stamp in run["timeline"] if endpoint in TIMELINE_ENDPOINTS]
        for (first, t0), (second, t1) in zip(calls, calls[1:]):
            gaps.setdefault("%s -> %s" % (first, second), []).append(t1 - t0)
    return {name: statistics.median(values) * 1000 for name, values in gaps.items()}


def breakdown(runs, rows, overhead, latencies, api_latency):
    """(a) against (c) per webhook at one API latency, from three sources: the emulator's arrival times of each loop
    item's calls (with (a) and (c) at N >= 2), the playbook medians, and the module processes run directly."""
    runs = [run for run in runs if run["api_latency_ms"] == api_latency]
    per = {(row["method"], row["latency_ms"]): row["per_webhook_s"] * 1000 for row in rows
           if row["api_latency_ms"] == api_latency}
    gaps = {latency: {method: timeline_gaps(runs, method, latency) for method in ("a", "c")}
            for latency in latencies}
    split = []
    for latency in latencies:
        a, c = gaps[latency]["a"], gaps[latency]["c"]
        if a and c:
            calls = a.get("get-management-token -> get-webhook", 0) + a.get("get-webhook -> trigger-webhook", 0)
            cycle_a = calls + a.get("trigger-webhook -> get-management-token", 0)
            cycle_c = c.get("trigger-webhook -> trigger-webhook", 0)
            split += [
                ("%d ms: one loop item of (a), arrival to arrival at the emulator" % latency, cycle_a),
                ("%d ms: one loop item of (c), arrival to arrival at the emulator" % latency, cycle_c),
                ("%d ms: difference (a) - (c) per loop item" % latency, cycle_a - cycle_c),
                ("%d ms: of (a)'s item, token + get-webhook calls (token arrival to trigger arrival)" % latency, calls)]
        if ("a", latency) in per and ("c", latency) in per:
            a_ms, c_ms = per[("a", latency)], per[("c", latency)]
            split.append(("%d ms: playbook medians, (a) %.0f ms - (c) %.0f ms per webhook" % (latency, a_ms, c_ms),
                          a_ms - c_ms))
    for key, label in (("median_s", "wall"), ("cpu_median_s", "CPU")):
        ov = {name: overhead[name][key] * 1000 for name in ("run_module", "run_module_with_token", "run_uri",
                                                            "import_module", "import_uri")}
        module_vs_uri = ov["run_module"] - ov["run_uri"]
        imports = ov["import_module"] - ov["import_uri"]
        token_call = ov["run_module"] - ov["run_module_with_token"]
        split += [
            ("direct runs, %s: module process (3 calls) - uri process (1 call)" % label, module_vs_uri),
            ("direct runs, %s: of which imports (module's minus uri's, process totals)" % label, imports),
            ("direct runs, %s: of which the token call (key pair run - access_token run)" % label, token_call),
            ("direct runs, %s: of which get-webhook and the rest (remainder)" % label,
             module_vs_uri - imports - token_call)]
    return {"gaps_ms": gaps, "split_ms": split}


# --------------------------------------------------------------------------- report


def machine():
    from ansible.release import __version__ as ansible_core
    from importlib.metadata import version
    cpuinfo, meminfo = Path("/proc/cpuinfo").read_text(), Path("/proc/meminfo").read_text()
    cpu = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    return {"cpu": cpu[1] if cpu else "unknown", "cores": os.cpu_count(),
            "ram": "%.1f GiB" % (int(re.search(r"MemTotal:\s+(\d+)", meminfo)[1]) / 1024.0 ** 2),
            "os": "%s %s" % (platform.system(), platform.release()), "python": platform.python_version(),
            "ansible_core": ansible_core, "genauth_sdk": version("genauth"), "loadavg_start": os.getloadavg()}


def table(header, align, rows):
    """A Markdown table; align is one character a column: l (left) or r (right)."""
    lines = ["| %s |" % " | ".join(header), "|%s|" % "|".join({"l": "---", "r": "---:"}[a] for a in align)]
    return "\n".join(lines + ["| %s |" % " | ".join(str(value) for value in row) for row in rows])


def secs(value):
    return "%.3f" % value if value < 10 else "%.2f" % value


def millis(value):
    return "%.1f" % (value * 1000)


def times(value):
    return "–" if value is None else "%.2f" % value


def render_markdown(report):
    """docs/benchmarks.md: the tables and figures of report in the text of tests/bench/benchmarks.md.in."""
    m, ov, bd = report["machine"], report["overhead"], report["breakdown"]
    imp, val = ov["importtime_module"], ov["validation"]
    machine_rows = [
        ("CPU", m["cpu"]), ("cores", m["cores"]), ("RAM", m["ram"]), ("OS", m["os"]), ("Python", m["python"]),
        ("ansible-core", m["ansible_core"]), ("genauth SDK", m["genauth_sdk"]),
        ("load average at start (1, 5, 15 min)", ", ".join("%.2f" % load for load in m["loadavg_start"])),
        ("repeats per cell", "%d (median reported)" % report["repeats"])]
    cells = [("%d ms" % c["api_latency_ms"], "%d ms" % c["latency_ms"], c["n"], "(%s)" % c["method"],
              secs(c["wall_median_s"]), "%s–%s" % (secs(c["wall_min_s"]), secs(c["wall_max_s"])),
              times(c["ratio_to_c"]), "–" if c["limit_s"] is None else secs(c["limit_s"]),
              times(ratio(c["wall_median_s"], c["limit_s"])), secs(c["cpu_median_s"]), "%.0f" % c["max_rss_mib"], "%.0f" % c["tree_rss_mib"],
              "%.2f" % c["calls_per_trigger"], ", ".join("%s %d" % item for item in sorted(c["api_calls"].items())))
             for c in report["cells"]]
    per_webhook_rows = [
        ("%d ms" % r["api_latency_ms"], "%d ms" % r["latency_ms"], "(%s)" % r["method"], "%.3f" % r["per_webhook_s"],
         r["how"], times(r["ratio_to_c"]), "%.3f" % r["cpu_per_webhook_s"], times(r["cpu_ratio_to_c"]))
        for r in report["per_webhook"]]
    gaps = [("%d ms" % latency, "(%s)" % method, gap, "%.1f" % value)
            for latency, per_method in sorted(bd["gaps_ms"].items())
            for method, method_gaps in sorted(per_method.items()) for gap, value in sorted(method_gaps.items())]
    direct_runs = [(label, millis(ov[key]["median_s"]), millis(ov[key]["cpu_median_s"])) for label, key in (
        ("Python start-up alone (`python -c pass`)", "python_startup"),
        ("`import ansible.module_utils.basic`, process total", "import_basic"),
        ("`import ansible.modules.uri`, process total", "import_uri"),
        ("`import` of genauth_webhook_trigger, process total", "import_module"),
        ("uri module run: 1 API call (trigger)", "run_uri"),
        ("genauth_webhook_trigger run with access_token and lookup_webhook false: 1 API call", "run_module_lean"),
        ("genauth_webhook_trigger run with access_token: 2 API calls", "run_module_with_token"),
        ("genauth_webhook_trigger run with the key pair: 3 API calls", "run_module"))]
    template = (HERE / "benchmarks.md.in").read_text(encoding="utf-8")
    return template.format(
        command=report["command"], finished=report["finished"], forks=FORKS, repeats=OVERHEAD_REPEATS,
        module=MODULE, machine=table(["", ""], "ll", machine_rows),
        methods="\n".join("- **(%s)** %s" % (key, METHODS[key][0]) for key in report["methods"]),
        cells=table(["API latency", "receiver latency", "N", "method", "median wall (s)", "min–max (s)",
                     "ratio to (c)", "limit (s)", "wall / limit", "CPU (s)", "peak RSS, largest process (MiB)",
                     "peak RSS, tree sum (MiB)", "API calls per trigger", "API calls per run"], "rrrlrrrrrrrrrl",
                    cells),
        per_webhook=table(["API latency", "receiver latency", "method", "wall s per webhook", "how",
                           "ratio to (c)", "CPU s per webhook", "CPU ratio to (c)"], "rrlrlrrr", per_webhook_rows),
        targets=table(["target", "measured", "result"], "lll",
                      [(t["target"], t["value"], "**%s**" % t["status"]) for t in report["targets"]]),
        breakdown_api_latency=report["breakdown_api_latency_ms"],
        gaps=table(["latency", "method", "gap", "median (ms)"], "rllr", gaps) if gaps
        else "Not measured (needs (a) and (c) with N >= 2).",
        direct_runs=table(["what", "wall (ms)", "CPU (ms)"], "lrr", direct_runs),
        http_calls=", ".join("%s %s ms" % (endpoint, millis(value)) for endpoint, value in ov["http_calls"].items()),
        split=table(["what", "ms"], "lr", [(label, "%.0f" % value) for label, value in bd["split_ms"]]),
        import_ms=imp["total_median_us"] / 1000, uri_import_ms=ov["importtime_uri"]["total_median_us"] / 1000,
        first_ms=val["first_s"] * 1000, validation_ms=val["median_s"] * 1000, rules_ms=val["median_rules_s"] * 1000,
        spec_ms=val["median_ansible_module_s"] * 1000, batch_ms=ov["validation_batch20"]["median_s"] * 1000,
        import_tree=table(["import", "cumulative (ms)", "self (ms)"], "lrr", [
            ("%s`%s`" % ("&nbsp;" * 4 * entry["depth"], entry["name"]), "%.1f" % (entry["cumulative_us"] / 1000),
             "%.1f" % (entry["self_us"] / 1000)) for entry in imp["tree"]]),
        packages=table(["package", "self (ms)"], "lr",
                       [("`%s`" % p["name"], "%.1f" % (p["self_us"] / 1000)) for p in imp["packages"][:10]]))


def main():
    config = settings()
    started = time.monotonic()
    shutil.rmtree(WORKDIR, ignore_errors=True)
    WORKDIR.mkdir(parents=True)
    log("bench: building and installing the collection")
    collections = install_collection(WORKDIR)
    sys.path.insert(0, str(collections))  # limit() reads the trigger's concurrency from the collection
    report = {"command": config.command, "machine": machine(), "repeats": config.repeats, "n": config.n,
              "latencies_ms": config.latencies, "api_latencies_ms": config.api_latencies, "methods": config.methods,
              "labels": {key: METHODS[key][0] for key in config.methods}}
    runs = []
    with Servers(WORKDIR / "servers") as servers:
        bench = Bench(servers, collections)
        log("bench: emulator %s, receiver %s; warm-up (not counted)" % (servers.emulator_url, servers.receiver_url))
        for method in config.methods:
            bench.measure(method, 1, 0)
        grid = [(api_latency, latency, n, repeat) for api_latency in config.api_latencies
                for latency in config.latencies for n in config.n for repeat in range(config.repeats)]
        total = len(grid) * len(config.methods)
        for api_latency, latency, n, repeat in grid:
            # Rotate the order so that no method always runs first (or after the same one).
            turn = repeat % len(config.methods)
            for method in config.methods[turn:] + config.methods[:turn]:
                runs.append(bench.measure(method, n, latency, api_latency))
                log("bench: [%d/%d] API latency %d ms, receiver latency %d ms, N=%d, (%s): %.3f s, peak RSS %.0f MiB"
                    % (len(runs), total, api_latency, latency, n, method, runs[-1]["wall_s"],
                       runs[-1]["max_rss_kib"] / 1024.0))
        overhead = bench.overhead()
    cells = summarise(runs)
    rows = per_webhook(cells, config.n)
    report.update(cells=cells, per_webhook=rows, targets=targets(cells, rows), overhead=overhead,
                  breakdown_api_latency_ms=min(config.api_latencies),
                  breakdown=breakdown(runs, rows, overhead, config.latencies, min(config.api_latencies)),
                  finished=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                  duration_s=time.monotonic() - started)
    results = WORKDIR / "results.json"
    results.write_text(json.dumps(dict(report, runs=runs), indent=1), encoding="utf-8")
    config.out.mkdir(parents=True, exist_ok=True)
    (config.out / "benchmarks.md").write_text(render_markdown(report), encoding="utf-8")
    log("bench: wrote %s" % (config.out / "benchmarks.md"))
    if config.plot_python and Path(config.plot_python).exists():
        subprocess.run([config.plot_python, str(HERE / "plot.py"), str(results), str(config.out / "benchmarks.png")],
                       check=True)
        log("bench: wrote %s" % (config.out / "benchmarks.png"))
    else:
        log("bench: no --plot-python with matplotlib given; chart not drawn")
    for target in report["targets"]:
        log("bench: %-7s %s: %s" % (target["status"], target["target"], target["value"]))
    log("bench: done in %.0f s" % (time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
