"""The harness's command line as the README shows it: what a command run under it gets, and a clean message, not a
traceback, when the servers cannot start."""

import os
import subprocess
import sys

HARNESS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "emulator", "harness.py")


def run_harness(*args, block=None):
    """``harness.py ARGS`` in a Python that cannot import the modules of ``block`` (as if they were not installed)."""
    prelude = "import runpy, sys\nfor name in %r:\n    sys.modules[name] = None\n" % (list(block or []),)
    script = prelude + "sys.argv = [%r] + %r\nrunpy.run_path(%r, run_name='__main__')\n" % (
        HARNESS, list(args), HARNESS)
    return subprocess.run([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=60, check=False)


def test_tls_without_trustme_is_a_message_that_says_what_to_do():
    proc = run_harness("run", "--tls", "--", sys.executable, "-c", "print('ran')", block=["trustme"])
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "harness: --tls needs the Python package trustme" in proc.stderr
    assert ".venv/bin/python" in proc.stderr
    assert "ran" not in proc.stdout


def test_a_command_gets_the_connection_and_both_webhooks_of_the_example_playbook():
    names = ("GENAUTH_HOST", "GENAUTH_ACCESS_KEY_ID", "GENAUTH_ACCESS_KEY_SECRET", "GENAUTH_WEBHOOK_ID",
             "GENAUTH_AUDIT_WEBHOOK_ID", "RECEIVER_URL")
    show = "import os; print(' '.join('%s=%s' % (n, bool(os.environ.get(n))) for n in " + repr(names) + "))"
    proc = run_harness("run", "--", sys.executable, "-c", show)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["%s=True" % name for name in names]
