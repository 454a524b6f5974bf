# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: genauth_webhook
type: notification
short_description: Trigger a GenAuth webhook with the outcome of every playbook run
version_added: 0.1.0
author:
  - genauth.management maintainers (@genauth-ansible)
description:
  - At the end of each playbook run, triggers one GenAuth webhook (C(POST /api/v3/trigger-webhook)) whose request body
    tells how the run went, so a subscriber learns it without any change to the playbooks.
  - "The body holds: C(event) (O(event)); C(playbook) (C(name), the file name, and C(path)); C(run_id) (a new UUID for
    each run); C(status) (V(successful), or V(failed) when any host failed or was unreachable); C(check_mode);
    C(started_at) and C(finished_at) (ISO 8601, UTC); C(duration_seconds); C(hosts) (for each host: C(ok),
    C(changed), C(failures), C(unreachable), C(skipped), C(rescued), C(ignored)); C(failed_hosts);
    C(unreachable_hosts); C(ansible_version); C(controller) (the host name of the machine running Ansible); C(user)
    (who runs it)."
  - When AWX or Ansible Automation Platform runs the job, the body also holds C(awx) with the job's C(job_id),
    C(job_template_id), C(job_template_name), C(workflow_job_id), C(workflow_job_name) (those the job has) and
    C(host) (the controller's URL), from the job's extra vars (C(awx_job_id), C(awx_job_template_name), ... or their
    C(tower_) forms) and environment (E(JOB_ID), E(AWX_HOST)).
  - It goes through the collection's own client, as M(genauth.management.genauth_webhook_trigger) does, with the
    same TLS verification, proxies, timeout, retry policy and token handling. It looks the webhook up first (C(GET
    /api/v3/get-webhook)), so that the webhook's secret is masked if the subscriber echoes it; if the API will not
    describe the webhook (the access key may trigger but not read webhooks), the webhook is triggered all the same
    and the subscriber's answer is not shown.
  - A send that fails is reported as one warning naming this plugin and the cause; it never fails the run or changes
    its exit code. A send makes three calls (the token unless O(access_token) is given, the lookup, the trigger),
    each attempt of which takes at most O(timeout), from connecting to the last byte of the answer. The trigger is
    retried only when it was surely not processed; the token and the lookup, which are safe to repeat, also after a
    timeout, a dropped connection, 502 or 504; a call refused with 401 is repeated once with a new token.
  - One deadline, O(send_timeout), bounds the time a notice may add to a run, whatever the server or a proxy does.
    The calls, their retries and the waits between them share it; an attempt gets what is left of it when that is
    less than O(timeout), and no retry starts that could not end within it. A failed send says at C(-v) what its
    attempts and waits were given.
  - Invalid or missing settings (no O(webhook_id), no credentials, a bad value) are reported as one warning when the
    run starts, and nothing is sent.
  - What the subscriber answered is shown at C(-v), with every secret masked; the body sent is shown at C(-vvv).
    The access key secret, the tokens and the webhook's secret never appear in the output, at any verbosity.
  - Credentials set in C(ansible.cfg) win over the other kind found in the environment, as a task's do for the
    modules.
  - The settings the modules also read from the environment have the same names here (E(GENAUTH_HOST), the
    credentials, E(GENAUTH_VALIDATE_CERTS), E(GENAUTH_CA_PATH), E(GENAUTH_USE_PROXY), E(GENAUTH_PROXY_URL)), and an
    empty variable counts as not set, as for the modules. E(GENAUTH_CALLBACK_VALIDATE_CERTS) and
    E(GENAUTH_CALLBACK_CA_PATH), the names this plugin read before, are deprecated; they are still read, with a
    deprecation warning, and the new name wins when both are set.
  - The calls go through the proxy that the controller's environment names (E(HTTPS_PROXY) for an https host,
    E(HTTP_PROXY), E(ALL_PROXY), bypassed for the hosts in E(NO_PROXY)), unless O(proxy_url) or O(use_proxy) say
    otherwise.
requirements:
  - Enabled with C(callbacks_enabled) in C(ansible.cfg) or C(ANSIBLE_CALLBACKS_ENABLED) in the environment.
extends_documentation_fragment:
  - genauth.management.connection
  - genauth.management.connection.callback
options:
  webhook_id:
    description:
      - ID of the GenAuth webhook to trigger at the end of each playbook run.
      - Must not be empty, longer than 256 characters, or contain whitespace or control characters.
    type: str
    required: true
    env:
      - name: GENAUTH_CALLBACK_WEBHOOK_ID
    ini:
      - section: callback_genauth_webhook
        key: webhook_id
  notify_on:
    description:
      - Which runs are notified. V(failure) only runs with a failed or unreachable host, V(success) only the others.
    type: str
    choices: [always, failure, success]
    default: always
    env:
      - name: GENAUTH_CALLBACK_NOTIFY_ON
    ini:
      - section: callback_genauth_webhook
        key: notify_on
  enable_from_environment:
    description:
      - The name of an environment variable, such as V(CI), that must be set to a true value (V(true), V(yes), V(1),
        ...) for anything to be sent. When it is not, the plugin does nothing, quietly (it says so at C(-v)).
      - Lets one C(ansible.cfg) enable the plugin for CI runs only.
      - When not set, every run is notified.
    type: str
    env:
      - name: GENAUTH_CALLBACK_ENABLE_FROM_ENVIRONMENT
    ini:
      - section: callback_genauth_webhook
        key: enable_from_environment
  send_timeout:
    description:
      - The most seconds one notice may add to the run, its calls (the token, the lookup, the trigger), their
        retries and the waits between them included.
      - Must be greater than V(0) and at most V(3600).
    type: float
    default: 60
    env:
      - name: GENAUTH_CALLBACK_SEND_TIMEOUT
    ini:
      - section: callback_genauth_webhook
        key: send_timeout
  event:
    description:
      - The value of C(event) in the request body, for subscribers that receive several kinds of notices.
      - Must not be empty, longer than 256 characters, or contain whitespace or control characters.
    type: str
    default: ansible.playbook.finished
    env:
      - name: GENAUTH_CALLBACK_EVENT
    ini:
      - section: callback_genauth_webhook
        key: event
notes:
  - A run of several playbooks (C(ansible-playbook a.yml b.yml)) sends one notice per playbook; the host counts are
    those of the whole run so far, as in Ansible's own recap.
  - Nothing is sent for C(--syntax-check), C(--list-tasks) or C(--list-hosts), which run no play.
seealso:
  - module: genauth.management.genauth_webhook_trigger
    description: Trigger a webhook from a task, with a body of your own.
  - name: Notify from AWX/AAP and CI
    description: The callback on a CI job or an AWX job template, the AWX credential type, workflow results.
    link: https://github.com/genauth-ansible/genauth.management/blob/main/docs/docsite/rst/notify_awx_ci.rst
"""

EXAMPLES = r"""
# ansible.cfg: notify the webhook of every CI run of this project
# [defaults]
# callbacks_enabled = genauth.management.genauth_webhook
#
# [callback_genauth_webhook]
# webhook_id = 6229ffaxxxxxxxxcade3e3d9
# enable_from_environment = CI
# notify_on = always
#
# The connection comes from the environment, as for the modules (keep the secret in the CI's secret store):
#   GENAUTH_HOST=https://api.genauth.ai GENAUTH_ACCESS_KEY_ID=... GENAUTH_ACCESS_KEY_SECRET=...
#
# Or everything from the environment, for one run:
#   ANSIBLE_CALLBACKS_ENABLED=genauth.management.genauth_webhook \
#   GENAUTH_CALLBACK_WEBHOOK_ID=6229ffaxxxxxxxxcade3e3d9 GENAUTH_CALLBACK_NOTIFY_ON=failure \
#   ansible-playbook site.yml
"""

import datetime
import getpass
import json
import os
import socket
import time
import uuid

from ansible import context
from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.callback import CallbackBase
from ansible.release import __version__ as ANSIBLE_VERSION

from ansible_collections.genauth.management.plugins.module_utils._client import REQUESTS_IMPORT_ERROR, client_from_options
from ansible_collections.genauth.management.plugins.module_utils._connection import (
    CREDENTIAL_VARIABLES, SETTING_VARIABLES, argument_spec,
)
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._masking import Secrets, printable
from ansible_collections.genauth.management.plugins.module_utils._options import (
    checked_options, unexpected_error, user_agent,
)
from ansible_collections.genauth.management.plugins.module_utils._trigger import body_for_subscriber, look_up, trigger
from ansible_collections.genauth.management.plugins.module_utils._validation import (
    VOLUPTUOUS_IMPORT_ERROR, Bounds, InvalidOptions, build_schema, identifier, seconds, validate,
)
from ansible_collections.genauth.management.plugins.module_utils._webhooks import WebhookAPI

PLUGIN = "genauth.management.genauth_webhook"
DEFAULT_EVENT = "ansible.playbook.finished"
NOTIFY_ON = ("always", "failure", "success")
SUCCESSFUL = "successful"
FAILED = "failed"
# What Ansible's recap counts for each host, under the names the body uses (Ansible's summarize() uses them too).
HOST_COUNTS = ("ok", "changed", "failures", "unreachable", "skipped", "rescued", "ignored")
# What AWX (and Tower before it) tells a job about itself: body field -> its extra vars, newest name first.
AWX_EXTRA_VARS = (
    ("job_id", ("awx_job_id", "tower_job_id")),
    ("job_template_id", ("awx_job_template_id", "tower_job_template_id")),
    ("job_template_name", ("awx_job_template_name", "tower_job_template_name")),
    ("workflow_job_id", ("awx_workflow_job_id", "tower_workflow_job_id")),
    ("workflow_job_name", ("awx_workflow_job_name", "tower_workflow_job_name")),
)
# The most seconds one send may take in all (send_timeout).
SEND_TIMEOUT = Bounds(low=0, high=3600, default=60.0)
COLLECTION = "genauth.management"

# The rules of the callback's own options, beside the shared connection rules.
RULES = {"webhook_id": identifier, "event": identifier, "send_timeout": seconds(SEND_TIMEOUT)}
# The options whose origin matters: the credentials (configured ones win over the environment's other kind) and the
# settings an empty variable leaves unset.
_ORIGINS_NEEDED = tuple(option for option, dummy in CREDENTIAL_VARIABLES + SETTING_VARIABLES)


def utc_timestamp(seconds):
    """ISO 8601 in UTC to the second, as the deploy_webhooks role's ``finished_at``."""
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def host_counts(stats):
    """Each host of an ``AggregateStats`` with the counts of Ansible's recap, by host name."""
    counts = {}
    for host in sorted(stats.processed):
        summary = stats.summarize(host)
        counts[host] = dict((name, summary.get(name, 0)) for name in HOST_COUNTS)
    return counts


def awx_job(extra_vars, environ):
    """What AWX/AAP says about the job running this playbook, or None when AWX does not run it.

    AWX gives every job extra vars (``awx_job_id``, ``awx_job_template_name``, ... and the older ``tower_`` names)
    and sets ``JOB_ID`` and ``AWX_HOST`` in its environment; ``JOB_ID`` alone is too common a name to count.
    """
    job = {}
    for field, names in AWX_EXTRA_VARS:
        value = next((extra_vars[name] for name in names if extra_vars.get(name) not in (None, "")), None)
        if value is not None:
            job[field] = value if isinstance(value, int) and not isinstance(value, bool) else str(value)
    if environ.get("AWX_HOST"):
        if "job_id" not in job and environ.get("JOB_ID"):
            job["job_id"] = int(environ["JOB_ID"]) if environ["JOB_ID"].isdigit() else environ["JOB_ID"]
        if job:
            job["host"] = environ["AWX_HOST"]
    return job or None


def run_body(event, playbook_path, run_id, started_at, finished_at, duration, check_mode, hosts, controller, user,
             awx=None):
    """The request body that tells a subscriber how one playbook run went.

    :param hosts: host name -> counts (``host_counts``).
    :param started_at: when the run started, seconds since the epoch; ``finished_at`` likewise.
    :param duration: seconds the run took (from a monotonic clock, so a clock change cannot make it negative).
    :param awx: ``awx_job()``'s answer; the body has ``awx`` only when AWX runs the job.
    """
    failed_hosts = sorted(host for host, counts in hosts.items() if counts["failures"])
    unreachable_hosts = sorted(host for host, counts in hosts.items() if counts["unreachable"])
    body = {
        "event": event,
        "playbook": {"name": os.path.basename(playbook_path), "path": playbook_path},
        "run_id": run_id,
        "status": FAILED if failed_hosts or unreachable_hosts else SUCCESSFUL,
        "check_mode": bool(check_mode),
        "started_at": utc_timestamp(started_at),
        "finished_at": utc_timestamp(finished_at),
        "duration_seconds": round(max(duration, 0.0), 3),
        "hosts": hosts,
        "failed_hosts": failed_hosts,
        "unreachable_hosts": unreachable_hosts,
        "ansible_version": ANSIBLE_VERSION,
        "controller": controller,
        "user": user,
    }
    if awx:
        body["awx"] = awx
    return body


def is_notified(notify_on, status):
    """Whether a run that ended with ``status`` is notified under ``notify_on``."""
    return notify_on == "always" or (notify_on == "failure") == (status == FAILED)


def current_user(environ):
    """Who runs Ansible, as the deploy_webhooks role says it: USER, LOGNAME, else the account's name."""
    name = environ.get("USER") or environ.get("LOGNAME")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry for the uid (some containers)
        return "unknown"


class CallbackModule(CallbackBase):
    """Triggers a GenAuth webhook with the outcome of each playbook run (see DOCUMENTATION)."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = PLUGIN
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None, options=None, environ=None, clock=time.time, monotonic=time.monotonic,
                 sleep=time.sleep):
        self._environ = os.environ if environ is None else environ
        self._clock = clock
        self._monotonic = monotonic
        self._sleep = sleep
        self._secrets = Secrets()
        self._settings = None  # the checked options; None while nothing is to be sent
        self._client = None
        self._sending = False
        self._run = None
        self._extra_vars = {}
        super(CallbackModule, self).__init__(display=display, options=options)

    # ----------------------------------------------------------------------------------------- start-up

    def set_options(self, task_keys=None, var_options=None, direct=None):
        """Read the options (Ansible's configuration), then decide once whether anything will be sent: a
        misconfiguration is one warning here, and the run goes on without notices."""
        self._settings = None
        try:
            super(CallbackModule, self).set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        except AnsibleError as exc:
            # A required option left out, a value of the wrong type or not among the choices.
            gate = self._configured_gate(direct)
            self._report_deprecated_names()
            self.configure(None, None, problem=str(exc), gate=gate)
        else:
            origins = self._option_origins(direct)
            self._report_deprecated_names()
            self.configure(self._plugin_options, origins)

    def _report_deprecated_names(self):
        """Show, once, each deprecated name of this plugin's options that the configuration used.

        ansible-core records it (``C.config.DEPRECATED``, from the ``deprecated`` entries of DOCUMENTATION) but shows
        such records only for its own configuration when a command starts (2.16) or after the next plugin other than a
        callback reads its options, under that plugin's name (2.19); so the callback shows its own, as ansible-core
        2.16 words them, and takes them out of the record."""
        records = C.config.DEPRECATED
        kept, shown = [], set()
        for name, info in records:
            if isinstance(info, dict) and info.get("collection_name") == COLLECTION:
                if name in shown:
                    continue  # recorded again when an option's origin was asked for
                shown.add(name)
                alternatives = ", use %s instead" % info["alternatives"] if info.get("alternatives") else ""
                self._display.deprecated("%s option, %s%s" % (name, info.get("why", "deprecated"), alternatives),
                                         version=info.get("version"), collection_name=COLLECTION)
            else:
                kept.append((name, info))
        records[:] = kept

    def _option_origins(self, direct):
        """Where each option of _ORIGINS_NEEDED came from (``env: NAME``, a file, ...). ansible-core before 2.18 keeps
        no origins for callbacks, so they are asked for one by one."""
        origins = dict(getattr(self, "_origins", None) or {})
        for option in _ORIGINS_NEEDED:
            if option not in origins:
                try:
                    origins[option] = C.config.get_config_value_and_origin(
                        option, plugin_type="callback", plugin_name=self._load_name, direct=direct)[1]
                except Exception:  # pylint: disable=broad-except  # then it counts as set in the configuration
                    origins[option] = None
        return origins

    def _configured_gate(self, direct):
        """enable_from_environment on its own, when the other options could not be read."""
        try:
            return C.config.get_config_value("enable_from_environment", plugin_type="callback",
                                             plugin_name=self._load_name, direct=direct)
        except Exception:  # pylint: disable=broad-except  # its own value is broken too: the warning says why
            return None

    def configure(self, options, origins, problem=None, gate=None):
        """Check ``options`` (the plugin's option values; ``origins`` says where each came from) as a module checks
        its own, and get ready to send; or say once why nothing will be sent.

        :param problem: why Ansible could not read the options at all, if it could not.
        :param gate: enable_from_environment, when ``options`` is None.
        """
        self._settings = None
        gate = options.get("enable_from_environment") if options else gate
        if gate and not boolean(self._environ.get(gate) or "false", strict=False):
            self._display.v("%s: %s is not set to a true value in the environment (enable_from_environment), so "
                            "nothing will be sent." % (PLUGIN, gate))
            return
        if problem:
            self._warn_setup(problem)
            return
        for library, error in (("requests", REQUESTS_IMPORT_ERROR), ("voluptuous", VOLUPTUOUS_IMPORT_ERROR)):
            if error:
                self._warning("needs the Python library %s on the controller (the Python that runs "
                              "ansible-playbook); nothing will be sent." % library)
                return
        params = dict(options)
        # As for a module: credentials set in the configuration win over the other kind in the environment.
        for option, dummy in CREDENTIAL_VARIABLES:
            if str((origins or {}).get(option, "")).startswith("env:"):
                params[option] = None
        # As for a module: a setting's variable that is set but empty counts as not set (Ansible would read an
        # empty GENAUTH_VALIDATE_CERTS as false, and an empty GENAUTH_CA_PATH as the current directory).
        spec = argument_spec()
        for option, dummy in SETTING_VARIABLES:
            origin = str((origins or {}).get(option, ""))
            if origin.startswith("env:") and self._environ.get(origin[4:].strip()) == "":
                params[option] = spec[option].get("default")
        for option in ("access_key_secret", "access_token"):
            self._add_secret(params.get(option))
        try:
            settings = checked_options(params, self._environ, RULES, on_secret=self._add_secret)
        except InvalidOptions as exc:
            self._warn_setup(str(exc))
            return
        if settings.get("notify_on") not in NOTIFY_ON:
            self._warn_setup("notify_on must be one of %s" % ", ".join(NOTIFY_ON))
            return
        # Built now, so that what is unsafe about the transport is said at start-up.
        self._client = client_from_options(settings, self._client_warning, self._add_secret, user_agent(),
                                           secrets=self._secrets, clock=self._monotonic, sleep=self._sleep)
        self._settings = settings

    def _warn_setup(self, problem):
        self._warning("%s. Nothing will be sent: fix the [callback_genauth_webhook] section of ansible.cfg or the "
                      "environment variables (ansible-doc -t callback %s lists both)." % (problem.rstrip("."), PLUGIN))

    # ----------------------------------------------------------------------------------------- the run

    def v2_playbook_on_start(self, playbook):
        if self._settings is None:
            return
        self._run = {
            "path": os.path.abspath(playbook._file_name),
            "run_id": str(uuid.uuid4()),
            "started_at": self._clock(),
            "started": self._monotonic(),
            "check_mode": bool(context.CLIARGS.get("check", False)),
        }

    def v2_playbook_on_play_start(self, play):
        # The extra vars are the same for every play; AWX passes the job's own facts in them.
        manager = play.get_variable_manager()
        self._extra_vars = dict(getattr(manager, "extra_vars", None) or {})

    def v2_playbook_on_stats(self, stats):
        """The end of a playbook: send its notice, once. Nothing here may fail the run."""
        if self._settings is None or self._run is None:
            return
        run, self._run = self._run, None
        try:
            body = self.body(run, stats)
            if not is_notified(self._settings["notify_on"], body["status"]):
                self._display.v("%s: the run is %s and notify_on is %s: nothing sent."
                                % (PLUGIN, body["status"], self._settings["notify_on"]))
                return
            self.send(body)
        except GenAuthError as error:
            self._warning("the notice of this run was not sent: %s" % error.msg)
        except InvalidOptions as exc:
            self._warning("the notice of this run was not sent: %s" % exc)
        except Exception as exc:  # pylint: disable=broad-except  # a bug must not fail the run either
            self._warning("the notice of this run was not sent: %s" % unexpected_error(exc)[0])

    def body(self, run, stats):
        """The request body for the run that ``run`` recorded, ending now with ``stats``."""
        return run_body(
            event=self._settings["event"],
            playbook_path=run["path"],
            run_id=run["run_id"],
            started_at=run["started_at"],
            finished_at=self._clock(),
            duration=self._monotonic() - run["started"],
            check_mode=run["check_mode"],
            hosts=host_counts(stats),
            controller=socket.gethostname(),
            user=current_user(self._environ),
            awx=awx_job(self._extra_vars, self._environ),
        )

    def send(self, body):
        """Look the webhook up, then trigger it with ``body``; raises GenAuthError or InvalidOptions."""
        webhook_id = self._settings["webhook_id"]
        # The body is held to the rules of a trigger's request_body (the size limit) before anything is sent.
        validate(build_schema({"request_body": body_for_subscriber}), {"request_body": body})
        self._display.vvv("%s: sending to webhook %s: %s" % (PLUGIN, webhook_id, self._mask(json.dumps(body))))
        self._sending = True
        try:
            with self._client.time_limit(self._settings["send_timeout"]):
                result, hidden = self._look_up_and_trigger(webhook_id, body)
        except GenAuthError:
            self._display.v(self._mask("%s: %s" % (PLUGIN, describe_budget(self._client.budget))))
            raise
        finally:
            self._sending = False
            self._client.close()
        if hidden:
            answer = "its answer is not shown, because %s" % hidden
        else:
            response = self._secrets.redact(result.get("response"))
            answer = "the subscriber answered: %s" % json.dumps(response, sort_keys=True, default=str)
        self._display.v(self._mask("%s: triggered webhook %s (requestId %s); %s"
                                   % (PLUGIN, webhook_id, result.get("request_id"), answer)))

    def _look_up_and_trigger(self, webhook_id, body):
        """The trigger's result, and why the subscriber's answer is not in it (None when it is): the module's own
        lookup and trigger (``_trigger``), except that a lookup the API refuses does not stop the notice."""
        api = WebhookAPI(self._client)
        context = _Context(self._warning, self._add_secret)
        try:
            webhook = look_up(api, webhook_id, context)
        except GenAuthError as error:
            # The API answered but would not describe the webhook (a key allowed to trigger but not to read
            # webhooks, a gateway that routes only triggers, an answer of an odd shape): the notice still goes, but
            # the answer stays off the display, since the webhook's secret is unknown and could not be masked in
            # it. Wrong credentials or an API that did not answer end the send here.
            if error.connect_failed or error.no_answer or error.unauthorized:
                raise
            webhook, lookup_error = {}, error.msg
        else:
            lookup_error = None
        result, hidden = trigger(api, {"webhook_id": webhook_id, "request_body": body}, context, webhook)
        if lookup_error:
            hidden = "the webhook could not be looked up to mask its secret: %s" % lookup_error
        return result, hidden

    # ----------------------------------------------------------------------------------------- output

    def _add_secret(self, value):
        self._secrets.add(value)

    def _mask(self, text):
        """A text fit for the display: every secret masked, every control character escaped."""
        return printable(self._secrets.mask(text))

    def _warning(self, msg):
        self._display.warning(self._mask("%s: %s" % (PLUGIN, msg)))

    def _client_warning(self, msg):
        """The client's warnings: about the transport at start-up, warnings; retries and token refreshes while
        sending, shown at -v, so that a failed send stays one warning."""
        if self._sending:
            self._display.v(self._mask("%s: %s" % (PLUGIN, msg)))
        else:
            self._warning(msg)


def _seconds(values):
    shown = ["%g" % round(value, 3) for value in values]
    return ", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else "".join(shown)


def describe_budget(budget):
    """What a send's attempts and waits were given (``_client.SendBudget``), within send_timeout."""
    if not budget.attempts:
        return "the send made no attempt."
    waits = ", and waited %s s between them" % _seconds(budget.waits) if budget.waits else ""
    return ("the send made %d attempt%s, given %s s%s: %g s in all, of the send_timeout of %g s."
            % (len(budget.attempts), "" if len(budget.attempts) == 1 else "s", _seconds(s for d, s in budget.attempts),
               waits, round(budget.given, 3), budget.seconds))


class _Context(object):
    """What ``_trigger`` needs of its caller, for the callback: a warning, and a secret to mask from then on."""

    def __init__(self, warn, treat_as_secret):
        self.warn = warn
        self.treat_as_secret = treat_as_secret
