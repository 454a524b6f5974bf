"""The genauth_events event source as ansible-rulebook runs it: its main() as an asyncio task with a queue, and real
HTTP (aiohttp's client) to it on loopback. What ansible-rulebook itself does with the events (templated arguments,
the rules, its output) is tests/integration/test_event_source.py's.
"""

import asyncio
import importlib.util
import json
import logging
import os
import socket
import ssl
import sys

import aiohttp
import pytest
import trustme
import yaml

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 6))
SOURCE_PATH = os.path.join(REPO_ROOT, "extensions", "eda", "plugins", "event_source", "genauth_events.py")
# ansible-rulebook loads a source by its path (runpy.run_path), not as a package: so do the tests.
_spec = importlib.util.spec_from_file_location("genauth_events", SOURCE_PATH)
genauth_events = sys.modules["genauth_events"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(genauth_events)

SECRET = "s3cr3t-of-the-webhook-0123456789"
USERPOOL = "62a0b1c0000000000f1e2d3c"
EVENT = {"eventName": "user:created", "data": {"id": "u1", "username": "ada", "phone": "13800000000"}}
FORM = "application/x-www-form-urlencoded"
START_TIMEOUT = 10.0


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Source(object):
    """The source running as a task of the test's event loop, and a client for it."""

    def __init__(self, queue, args, session, scheme="http"):
        self.queue, self.args, self.session = queue, args, session
        self.url = "%s://127.0.0.1:%s" % (scheme, args["port"])

    async def post(self, path="/genauth", body=None, secret=SECRET, headers=None, **kwargs):
        """(status, JSON answer) of one delivery; ``body`` a dict goes as JSON, text or bytes as they are."""
        sent = {"x-authing-webhook-secret": secret} if secret is not None else {}
        sent.update(headers or {})
        if isinstance(body, dict):
            kwargs["json"] = body
        elif body is not None:
            kwargs["data"] = body
        async with self.session.post(self.url + path, headers=sent, **kwargs) as answer:
            return answer.status, await answer.json(content_type=None)

    def queued(self):
        """Every event queued so far, taken off the queue."""
        events = []
        while not self.queue.empty():
            events.append(self.queue.get_nowait())
        return events


def serving(scenario, queue_size=0, client_ssl=None, **args):
    """Run ``scenario(source)`` against main() started with ``args`` (the secret and a free port unless given), then
    cancel the source and check that it stopped: the task ends cancelled and the port is free again."""
    args.setdefault("host", "127.0.0.1")
    args.setdefault("port", free_port())
    if "allow_unauthenticated" not in args:
        args.setdefault("secret", SECRET)

    async def run():
        queue = asyncio.Queue(queue_size)
        task = asyncio.create_task(genauth_events.main(queue, dict(args)))
        await wait_listening(task, int(args["port"]))
        try:
            connector = aiohttp.TCPConnector(ssl=client_ssl) if client_ssl else None
            async with aiohttp.ClientSession(connector=connector) as session:
                return await scenario(Source(queue, args, session, "https" if client_ssl else "http"))
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert_nothing_listens(int(args["port"]))

    return asyncio.run(run())


def assert_nothing_listens(port):
    """The source closed its listening socket (binding with SO_REUSEADDR, as a server does, ignores the connections
    it closed, which linger in TIME_WAIT)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen()


async def wait_listening(task, port):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while True:
        if task.done():
            task.result()  # raises what stopped the source
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            assert loop.time() < deadline, "the source did not listen on port %d" % port
            await asyncio.sleep(0.02)
        else:
            writer.close()
            await writer.wait_closed()
            return


# --------------------------------------------------------------------------- what a delivery gets


def test_a_json_delivery_is_queued_with_its_endpoint_headers_and_user_pool():
    async def scenario(source):
        answer = await source.post("/hooks/genauth", EVENT, headers={
            "x-authing-userpool-id": USERPOOL, "User-Agent": "authing-webhook@2.0", "X-Deploy": "1",
            "Authorization": "Bearer other-credential", "Proxy-Authorization": "Basic cHJveHk=",
            "X-GenAuth-Webhook-Secret": SECRET})
        return answer, source.queued()

    answer, events = serving(scenario)
    assert answer == (200, {"queued": True})
    event, = events
    assert event["payload"] == EVENT
    meta = event["meta"]
    assert meta["endpoint"] == "hooks/genauth" and meta["userpool_id"] == USERPOOL
    assert meta["headers"]["user-agent"] == "authing-webhook@2.0" and meta["headers"]["x-deploy"] == "1"
    assert meta["headers"]["x-authing-userpool-id"] == USERPOOL
    assert all(name == name.lower() for name in meta["headers"])
    for hidden in ("x-authing-webhook-secret", "x-genauth-webhook-secret", "authorization", "proxy-authorization"):
        assert hidden not in meta["headers"]
    assert SECRET not in json.dumps(event) and "other-credential" not in json.dumps(event)


@pytest.mark.parametrize("header", genauth_events.SECRET_HEADERS)
def test_the_secret_is_accepted_in_each_header_genauth_uses_and_none_reaches_the_rule(header):
    async def scenario(source):
        headers = {header: SECRET, "x-genauth-userpool-id": USERPOOL}
        # The other secret headers carry something else: one header with the secret is enough.
        headers.update({other: "not-it" for other in genauth_events.SECRET_HEADERS if other != header})
        return await source.post(secret=None, body=EVENT, headers=headers), source.queued()

    answer, (event,) = serving(scenario)
    assert answer[0] == 200
    assert not set(genauth_events.SECRET_HEADERS) & set(event["meta"]["headers"])
    assert event["meta"]["userpool_id"] == USERPOOL


@pytest.mark.parametrize("secret, headers", [
    ("wrong", {}),
    (SECRET[:-1], {}),  # a prefix of the secret
    (SECRET + "x", {}),
    (None, {}),  # no secret header at all
    ("", {}),
    (None, {"Authorization": "Bearer " + SECRET}),  # the secret in the wrong place
], ids=["wrong", "prefix", "longer", "missing", "empty", "as-bearer"])
def test_a_wrong_or_missing_secret_is_401_and_nothing_is_queued(secret, headers, caplog):
    async def scenario(source):
        refused = await source.post(secret=secret, body=EVENT, headers=headers)
        return refused, source.queued(), await source.post(body=EVENT)  # and the source still serves

    with caplog.at_level(logging.DEBUG):
        refused, queued, after = serving(scenario)
    assert refused == (401, {"error": "no secret: GenAuth sends it in x-authing-webhook-secret"
                             if secret in (None, "") else "wrong secret"}) and queued == []
    assert after == (200, {"queued": True})
    assert "refused a delivery to /genauth" in caplog.text and SECRET not in caplog.text


def test_the_secret_is_compared_in_constant_time(monkeypatch):
    compared = []
    real = genauth_events.hmac.compare_digest

    def spy(given, expected):
        compared.append((given, expected))
        return real(given, expected)

    monkeypatch.setattr(genauth_events.hmac, "compare_digest", spy)

    class Headers(dict):
        def getall(self, name, default=()):
            return [self[name]] if name in self else list(default)

    with pytest.raises(genauth_events.BadDelivery):
        genauth_events.check_secret(Headers({"x-authing-token": "wrong"}), SECRET)
    genauth_events.check_secret(Headers({"x-authing-token": SECRET}), SECRET)
    assert compared == [(b"wrong", SECRET.encode()), (SECRET.encode(), SECRET.encode())]


def test_a_form_delivery_is_decoded_its_json_fields_too():
    async def scenario(source):
        form = [("eventName", "user:created"), ("data", json.dumps(EVENT["data"])), ("tags", '["a", "b"]'),
                ("phone", "13800000000"), ("flag", "true"), ("note", "{not json"), ("empty", ""), ("nan", "[NaN]"),
                ("repeated", "1"), ("repeated", "2"), ("name", "Zoë & co")]
        answer = await source.post(data=aiohttp.FormData(form), body=None)
        return answer, source.queued()

    answer, (event,) = serving(scenario)
    assert answer == (200, {"queued": True})
    assert event["payload"] == {"eventName": "user:created", "data": EVENT["data"], "tags": ["a", "b"],
                                "phone": "13800000000", "flag": "true", "note": "{not json", "empty": "",
                                "nan": "[NaN]", "repeated": ["1", "2"], "name": "Zoë & co"}
    assert event["meta"]["headers"]["content-type"] == FORM


@pytest.mark.parametrize("body, content_type", [
    (b'{"eventName": "user:created", ', "application/json"),  # cut short
    (b"not json at all", "application/json"),
    (b'["an", "array"]', "application/json"),
    (b'"a string"', "application/json"),
    (b"42", None),
    (b'{"n": NaN}', "application/json"),
    (b"\xff\xfe{}", "application/json"),
    (b"[" * 100000 + b"]" * 100000, "application/json"),  # nested deeper than the parser goes
    (b"", "application/json"),
    (b"   ", FORM),
    (b"eventName=user:created&broken", FORM),  # a field without "="
    (b"data=%ff%fe", FORM),  # percent-encoded bytes that are not UTF-8
    ("eventName=é".encode("utf-8"), FORM),  # a form is ASCII
    (b"eventName=user%3Acreated", "text/plain"),  # a form not declared as one
], ids=["cut", "text", "array", "string", "number", "nan", "not-utf8", "deep", "empty", "blank-form",
        "form-field-without-value", "form-not-utf8", "form-not-ascii", "undeclared-form"])
def test_a_body_that_is_neither_a_json_object_nor_a_form_is_400(body, content_type):
    async def scenario(source):
        headers = {"Content-Type": content_type} if content_type else {}
        refused = await source.post(body=body, headers=headers)
        return refused, source.queued(), await source.post(body=EVENT)

    refused, queued, after = serving(scenario)
    assert refused[0] == 400 and refused[1]["error"].startswith("the body is") and queued == []
    assert after[0] == 200


def test_a_body_over_max_body_size_is_413_whether_announced_or_chunked():
    async def chunks(size):
        """A body without Content-Length, as aiohttp's client sends a generator: chunked."""
        for dummy in range(size // 10):
            yield b" " * 10
        yield b" " * (size % 10)

    def exactly(size):
        return json.dumps({"pad": "x" * (size - len(json.dumps({"pad": ""})))}).encode()

    async def scenario(source):
        json_type = {"Content-Type": "application/json"}
        over = await source.post(body=exactly(101), headers=json_type)
        chunked = [await source.post(body=chunks(size), headers=json_type) for size in (101, 5000)]
        at_the_limit = await source.post(body=exactly(100), headers=json_type)
        return over, chunked, at_the_limit, source.queued()

    over, chunked, at_the_limit, queued = serving(scenario, max_body_size="100")  # text, as from --env-vars
    assert [over[0]] + [answer[0] for answer in chunked] == [413] * 3 and "100 bytes" in over[1]["error"]
    assert at_the_limit == (200, {"queued": True}) and len(queued) == 1


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_a_method_other_than_post_is_405(method):
    async def scenario(source):
        async with source.session.request(method, source.url + "/genauth",
                                          headers={"x-authing-webhook-secret": SECRET}) as answer:
            return answer.status, answer.headers.get("Allow"), source.queued()

    assert serving(scenario) == (405, "POST", [])


# --------------------------------------------------------------------------- events


@pytest.mark.parametrize("events, queued, ignored", [
    (["user:created", "login"], ["user:created", "login"], ["user:deleted", None, 7]),
    ("user:created, login", ["user:created", "login"], ["user:deleted"]),  # from --env-vars: text
    ('["user:created"]', ["user:created"], ["login"]),
    (["user:*"], ["user:created", "user:password-changed"], ["login", "role:assigned", "users:created"]),
    (None, ["user:created", "login", None], []),
    ([], ["anything"], []),
    ("", ["anything"], []),
], ids=["list", "text", "json-text", "wildcard", "omitted", "empty-list", "empty-text"])
def test_only_the_events_asked_for_are_queued_and_the_others_are_acknowledged(events, queued, ignored):
    async def scenario(source):
        answers = []
        for name in queued + ignored:
            body = {"data": {}} if name is None else {"eventName": name, "data": {}}
            answers.append(await source.post(body=body))
        return answers, source.queued()

    answers, events_queued = serving(scenario, events=events)
    assert answers == [(200, {"queued": True})] * len(queued) + \
        [(200, {"queued": False, "reason": "event not in events"})] * len(ignored)
    assert [event["payload"].get("eventName") for event in events_queued] == queued


# --------------------------------------------------------------------------- under load, and stopping


def test_concurrent_deliveries_wait_for_room_in_a_full_queue_and_are_each_queued_once():
    """ansible-rulebook's queue holds one event: a delivery is answered only once its event is on the queue."""
    count = 60

    async def scenario(source):
        posts = [asyncio.ensure_future(source.post(body={"eventName": "login", "data": {"n": n}}))
                 for n in range(count)]
        await asyncio.sleep(0.5)
        # The queue is full and nothing takes from it: no delivery is answered yet but the one it holds, if that.
        assert sum(post.done() for post in posts) <= 1
        taken = []
        while len(taken) < count:
            taken.append(await asyncio.wait_for(source.queue.get(), 10))
        answers = await asyncio.gather(*posts)
        return answers, taken

    answers, taken = serving(scenario, queue_size=1)
    assert answers == [(200, {"queued": True})] * count
    assert sorted(event["payload"]["data"]["n"] for event in taken) == list(range(count))


def test_cancelled_while_a_delivery_waits_for_room_the_source_stops_without_answering_it():
    """A delivery that was never queued is not acknowledged: GenAuth sees it fail rather than lost."""
    port = free_port()

    async def run():
        queue = asyncio.Queue(1)
        await queue.put({"filler": True})  # full, and nothing takes from it
        task = asyncio.create_task(genauth_events.main(queue, {"host": "127.0.0.1", "port": port, "secret": SECRET}))
        await wait_listening(task, port)
        async with aiohttp.ClientSession() as session:
            waiting = asyncio.ensure_future(session.post("http://127.0.0.1:%d/genauth" % port, json=EVENT,
                                                         headers={"x-authing-webhook-secret": SECRET}))
            await asyncio.sleep(0.3)
            assert not waiting.done()
            started = asyncio.get_running_loop().time()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            stopped_in = asyncio.get_running_loop().time() - started
            with pytest.raises(aiohttp.ClientError):
                await waiting
        return queue.qsize(), stopped_in

    size, stopped_in = asyncio.run(run())
    assert size == 1 and stopped_in < genauth_events.SHUTDOWN_TIMEOUT + 2
    assert_nothing_listens(port)


def test_the_source_refuses_to_start_on_a_port_in_use():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        args = {"host": "127.0.0.1", "port": taken.getsockname()[1], "secret": SECRET}
        with pytest.raises(OSError):
            asyncio.run(genauth_events.main(asyncio.Queue(), args))


# --------------------------------------------------------------------------- arguments


def test_arguments_given_as_text_by_templates_are_accepted(caplog):
    """--env-vars and --vars templates give text, or a number where the text was digits."""
    port = free_port()

    async def scenario(source):
        return await source.post(body={"eventName": "user:created"}), source.queued()

    with caplog.at_level(logging.WARNING):
        answer, queued = serving(scenario, port=str(port), events="user:created", max_body_size="2048",
                                 eda_feedback_queue=object())
    assert answer[0] == 200 and len(queued) == 1
    assert caplog.text == ""  # ansible-rulebook's own arguments (eda_*) are not unknown


def test_a_secret_read_from_the_environment_is_taken_as_it_is(monkeypatch):
    """secret_env: a secret that a template would have turned into a number (0x1F into 31) arrives untouched."""
    monkeypatch.setenv("GENAUTH_EVENTS_TEST_SECRET", "0x1F")

    async def scenario(source):
        return (await source.post(secret="0x1F", body=EVENT), await source.post(secret="31", body=EVENT),
                source.queued())

    right, wrong, queued = serving(scenario, secret=None, secret_env="GENAUTH_EVENTS_TEST_SECRET")
    assert right[0] == 200 and wrong[0] == 401 and len(queued) == 1


def test_a_delivery_whose_sender_hung_up_while_it_waited_for_room_is_not_queued():
    """The queue is full; a delivery waits, its sender gives up; then the queue drains: the abandoned one is not
    queued (GenAuth counts it failed and may deliver it again)."""
    async def scenario(source):
        await source.queue.put({"already": "there"})
        waiting = asyncio.create_task(source.post(body=EVENT))
        await asyncio.sleep(0.3)
        waiting.cancel()  # the sender hangs up
        await asyncio.gather(waiting, return_exceptions=True)
        await source.session.close()
        await asyncio.sleep(0.3)
        drained = source.queued()  # room now: a handler still waiting would queue its event
        await asyncio.sleep(0.5)
        return drained, source.queued()

    drained, later = serving(scenario, queue_size=1)
    assert drained == [{"already": "there"}] and later == []


@pytest.mark.parametrize("value", [True, "true", "True", "yes", "on", 1, "1"])
def test_allow_unauthenticated_queues_deliveries_without_a_secret(value, caplog):
    async def scenario(source):
        return await source.post(secret=None, body=EVENT), source.queued()

    with caplog.at_level(logging.INFO):
        answer, queued = serving(scenario, allow_unauthenticated=value)
    assert answer[0] == 200 and len(queued) == 1
    assert "unauthenticated: every delivery queued" in caplog.text


@pytest.mark.parametrize("args, message", [
    ({}, "secret is required"),
    ({"secret": ""}, "secret is required"),
    ({"allow_unauthenticated": "false"}, "secret is required"),
    ({"allow_unauthenticated": False}, "secret is required"),
    ({"allow_unauthenticated": 0}, "secret is required"),
    ({"allow_unauthenticated": "maybe"}, "allow_unauthenticated must be a boolean"),
    ({"allow_unauthenticated": 2}, "allow_unauthenticated must be a boolean"),
    ({"secret": SECRET, "allow_unauthenticated": "true"}, "not both"),
    ({"secret": ["a"]}, "secret must be text, not list"),
    ({"secret": 1.5}, "secret arrived as a number"),
    ({"secret": 31}, "give its environment variable's name in secret_env instead"),
    ({"secret": SECRET, "secret_env": "GENAUTH_EVENTS_TEST_SECRET"}, "either secret or secret_env, not both"),
    ({"secret_env": "GENAUTH_EVENTS_UNSET_VARIABLE"}, "secret_env names GENAUTH_EVENTS_UNSET_VARIABLE, which is not "
                                                      "set or empty"),
    ({"secret": SECRET, "port": "http"}, "port must be a whole number from 0 to 65535, not 'http'"),
    ({"secret": SECRET, "port": 70000}, "port must be a whole number from 0 to 65535"),
    ({"secret": SECRET, "port": True}, "port must be a whole number"),
    ({"secret": SECRET, "max_body_size": 0}, "max_body_size must be a whole number of at least 1"),
    ({"secret": SECRET, "host": 7.5}, "host must be text"),
    ({"secret": SECRET, "events": 3}, "events must be a list of event names, not 3"),
    ({"secret": SECRET, "events": ["login", ""]}, "events must be a list of event names"),
    ({"secret": SECRET, "events": "[login"}, "events is not a valid JSON list"),
    ({"secret": SECRET, "keyfile": "/k.pem"}, "keyfile needs certfile"),
    ({"secret": SECRET, "cafile": "/ca.pem"}, "cafile needs certfile"),
    ({"secret": SECRET, "password": "pw"}, "password needs certfile"),
    ({"secret": SECRET, "certfile": "/nonexistent/cert.pem"}, "cannot load certfile '/nonexistent/cert.pem'"),
])
def test_wrong_arguments_stop_the_source_before_it_listens_naming_the_argument(args, message):
    with pytest.raises(ValueError) as refused:
        asyncio.run(genauth_events.main(asyncio.Queue(), dict(args, port=args.get("port", free_port()))))
    assert message in str(refused.value)
    assert SECRET not in str(refused.value)


def test_an_unknown_argument_is_named_in_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        settings = genauth_events.Settings.from_args({"secret": SECRET, "secrte": "typo", "token": SECRET})
    assert settings.secret == SECRET
    assert "ignoring unknown argument(s): secrte, token" in caplog.text and SECRET not in caplog.text


# --------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """A CA, the source's certificate (key apart, encrypted), a client certificate, and a client certificate of
    another CA."""
    folder = tmp_path_factory.mktemp("tls")
    ca, other_ca = trustme.CA(), trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    paths = {name: str(folder / name) for name in ("ca.pem", "server.pem", "server.key", "client.pem",
                                                   "other-client.pem")}
    ca.cert_pem.write_to_path(paths["ca.pem"])
    with open(paths["server.pem"], "wb") as handle:
        handle.write(b"".join(blob.bytes() for blob in server.cert_chain_pems))
    from cryptography.hazmat.primitives import serialization
    key = serialization.load_pem_private_key(server.private_key_pem.bytes(), password=None)
    with open(paths["server.key"], "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.BestAvailableEncryption(b"key-password")))
    ca.issue_cert("genauth-delivery").private_key_and_cert_chain_pem.write_to_path(paths["client.pem"])
    other_ca.issue_cert("someone").private_key_and_cert_chain_pem.write_to_path(paths["other-client.pem"])
    return paths


def client_context(tls, client_cert=None):
    context = ssl.create_default_context(cafile=tls["ca.pem"])
    if client_cert:
        context.load_cert_chain(tls[client_cert])
    return context


def tls_args(tls, **extra):
    return dict(certfile=tls["server.pem"], keyfile=tls["server.key"], password="key-password", **extra)


def test_https_with_a_key_file_and_its_password(tls, caplog):
    async def scenario(source):
        return await source.post(body=EVENT), source.queued()

    with caplog.at_level(logging.INFO):
        answer, queued = serving(scenario, client_ssl=client_context(tls), **tls_args(tls))
    assert answer[0] == 200 and len(queued) == 1
    assert "listening on https://127.0.0.1:" in caplog.text and "key-password" not in caplog.text


@pytest.mark.parametrize("client_cert, accepted", [("client.pem", True), (None, False), ("other-client.pem", False)])
def test_cafile_accepts_only_clients_with_a_certificate_of_that_authority(tls, client_cert, accepted):
    async def scenario(source):
        try:
            answer = await source.post(body=EVENT)
        except (aiohttp.ClientError, ssl.SSLError, ConnectionError):
            answer = None
        return answer, source.queued()

    answer, queued = serving(scenario, client_ssl=client_context(tls, client_cert),
                             **tls_args(tls, cafile=tls["ca.pem"]))
    assert (answer is not None and answer[0] == 200) == accepted
    assert len(queued) == (1 if accepted else 0)


@pytest.mark.parametrize("change, message", [
    ({"password": "wrong"}, "cannot load certfile"),
    ({"password": None}, "the private key is encrypted: give password"),  # not a prompt on the terminal
    ({"password": 12345}, "password arrived as a number"),
    ({"keyfile": None, "password": None}, "cannot load certfile"),  # the certificate file holds no key
    ({"cafile": "/nonexistent/ca.pem"}, "cannot load cafile '/nonexistent/ca.pem'"),
])
def test_tls_files_that_cannot_be_loaded_stop_the_source_naming_the_file(tls, change, message):
    args = dict(tls_args(tls), secret=SECRET, port=free_port(), **{})
    args.update(change)
    with pytest.raises(ValueError) as refused:
        asyncio.run(genauth_events.main(asyncio.Queue(), {k: v for k, v in args.items() if v is not None}))
    assert message in str(refused.value) and "key-password" not in str(refused.value)


# --------------------------------------------------------------------------- its documentation


DOC = yaml.safe_load(genauth_events.DOCUMENTATION)


def test_the_documentation_lists_exactly_the_arguments_with_the_defaults_of_the_code():
    assert set(DOC["options"]) == set(genauth_events.ARGUMENTS)
    defaults = {"host": genauth_events.DEFAULT_HOST, "port": genauth_events.DEFAULT_PORT,
                "max_body_size": genauth_events.MAX_BODY_SIZE, "allow_unauthenticated": False}
    assert {name: DOC["options"][name].get("default") for name in defaults} == defaults
    assert all("default" not in option for name, option in DOC["options"].items() if name not in defaults)
    texts = DOC["description"] + DOC["notes"] + [text for option in DOC["options"].values()
                                                 for text in option["description"]]
    assert all(isinstance(text, str) for text in texts), [text for text in texts if not isinstance(text, str)]
    described = " ".join(DOC["description"])
    for header in genauth_events.SECRET_HEADERS:
        assert "C(%s)" % header in described


def test_the_examples_are_rulebooks_that_use_the_source_with_documented_arguments():
    rulebooks = yaml.safe_load(genauth_events.EXAMPLES)
    for rulebook in rulebooks:
        source, = rulebook["sources"]
        arguments = source["genauth.management.genauth_events"]
        assert set(arguments) <= set(DOC["options"]) and "secret" in arguments
        assert "{{" in str(arguments["secret"])  # from --env-vars or --vars, never written in the rulebook
