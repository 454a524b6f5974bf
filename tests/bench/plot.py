#!/usr/bin/env python
"""Draw docs/benchmarks.png from the results that tests/bench/run.py writes.

    python tests/bench/plot.py RESULTS_JSON OUTPUT_PNG

Runs in the benchmark's own venv (.build/bench-venv, with matplotlib as tests/bench/requirements.txt pins it), so
that the development venv stays as tests/constraints.txt pins it.
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLES = {"a": ("o", "-"), "a'": ("v", "-."), "b": ("s", "-"), "a-process": ("o", ":"), "a'-process": ("v", ":"),
          "b-process": ("s", ":"), "c": ("^", "--"), "d": ("D", ":"), "e": ("x", "-")}


def main(results_path, png_path):
    with open(results_path, encoding="utf-8") as handle:
        results = json.load(handle)
    latencies, api_latencies = results["latencies_ms"], results["api_latencies_ms"]
    fig, axes = plt.subplots(len(api_latencies), len(latencies), squeeze=False, sharey=True,
                             figsize=(6 * len(latencies), 4.8 * len(api_latencies)))
    for row, api_latency in zip(axes, api_latencies):
        for ax, latency in zip(row, latencies):
            for key in results["methods"]:
                cells = sorted((cell for cell in results["cells"] if (cell["method"], cell["latency_ms"],
                                cell["api_latency_ms"]) == (key, latency, api_latency)), key=lambda cell: cell["n"])
                medians = [cell["wall_median_s"] for cell in cells]
                spread = [[m - cell["wall_min_s"] for m, cell in zip(medians, cells)],
                          [cell["wall_max_s"] - m for m, cell in zip(medians, cells)]]
                marker, line = STYLES[key]
                ax.errorbar([cell["n"] for cell in cells], medians, yerr=spread, marker=marker, linestyle=line,
                            capsize=3, label="(%s) %s" % (key, results["labels"][key]))
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title("API latency %g ms, receiver latency %g ms" % (api_latency, latency))
            ax.set_xlabel("webhooks triggered (N)")
            ax.set_ylabel("wall time, median of %d runs (s)" % results["repeats"])
            ax.grid(True, which="both", alpha=0.3)
    axes[0][-1].legend(fontsize=8, loc="upper left")
    fig.suptitle("Triggering N webhooks: wall time (bars: min to max)")
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
