#!/usr/bin/env python
"""Draw docs/benchmarks.png from the results JSON that tests/bench/run.py writes.

    python tests/bench/plot.py RESULTS_JSON OUTPUT_PNG

Runs in the benchmark's own venv (matplotlib, pinned in tests/bench/requirements.txt), not in the
development venv.
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLES = {"a": ("o", "-"), "a'": ("v", "-."), "b": ("s", "-"), "c": ("^", "--"), "d": ("D", ":")}


def main(argv):
    with open(argv[1], encoding="utf-8") as fh:
        results = json.load(fh)
    latencies = results["latencies_ms"]
    api_latencies = results.get("api_latencies_ms") or [0]
    methods = results["methods"]
    fig, axes = plt.subplots(len(api_latencies), len(latencies), figsize=(6 * len(latencies), 4.8 * len(api_latencies)),
                             squeeze=False, sharey=True)
    for row, api_latency in zip(axes, api_latencies):
        for ax, latency in zip(row, latencies):
            for key in results["method_order"]:
                cells = [cell for cell in results["cells"] if cell["method"] == key and cell["latency_ms"] == latency
                         and cell.get("api_latency_ms", 0) == api_latency]
                if not cells:
                    continue
                cells.sort(key=lambda cell: cell["n"])
                ns = [cell["n"] for cell in cells]
                medians = [cell["wall_median_s"] for cell in cells]
                lower = [m - cell["wall_min_s"] for m, cell in zip(medians, cells)]
                upper = [cell["wall_max_s"] - m for m, cell in zip(medians, cells)]
                marker, line = STYLES.get(key, ("o", "-"))
                ax.errorbar(ns, medians, yerr=[lower, upper], marker=marker, linestyle=line, capsize=3,
                            label="(%s) %s" % (key, methods[key]["label"]))
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title("API latency %g ms, receiver latency %g ms" % (api_latency, latency))
            ax.set_xlabel("webhooks triggered (N)")
            ax.grid(True, which="both", alpha=0.3)
            ax.set_ylabel("wall time, median of %d runs (s)" % results["repeats"])
    axes[0][-1].legend(fontsize=8, loc="upper left")
    fig.suptitle("Triggering N webhooks: wall time (bars: min to max)")
    fig.tight_layout()
    fig.savefig(argv[2], dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
