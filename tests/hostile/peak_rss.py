"""Run a command, wait for it, and write the peak resident set size (KiB) of its whole process tree to a file.

``python peak_rss.py OUT CMD ARGS...``: exits with CMD's code. ``RUSAGE_CHILDREN`` covers every descendant that was
waited for, so for ansible-playbook it covers its workers and the module processes they run.
"""

import resource
import subprocess
import sys


def main(argv):
    out, command = argv[1], argv[2:]
    code = subprocess.call(command)
    with open(out, "w") as handle:
        handle.write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
