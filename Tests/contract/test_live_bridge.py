"""The contract documents against a running bridge.

Starts `$MALOMO_BRIDGE_BIN --dev` (in-process Kafka mock cluster, secret `malomo-dev-secret`)
on free loopback ports, then:
- runs schemathesis on docs/openapi.yaml against both listeners: every answer must conform to
  the document, and no 5xx but the documented 503;
- checks the answers schemathesis does not judge (404, 405, 413) against the document;
- reads records back from Kafka (confluent-kafka) and checks event contract v2: the event id,
  the headers of docs/asyncapi.yaml, the CloudEvents binary mode (official CloudEvents SDK),
  dead letters, and that an unlisted topic creates no Kafka topic.
"""

import hashlib
import hmac
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from http.client import HTTPConnection
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import pytest
import yaml
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event
from confluent_kafka import Consumer, KafkaError, TopicPartition
from confluent_kafka.admin import AdminClient
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

REPO = Path(__file__).resolve().parents[2]
OPENAPI_PATH = REPO / "docs" / "openapi.yaml"
ASYNCAPI_PATH = REPO / "docs" / "asyncapi.yaml"
FIXTURES = REPO.parent / "shared" / "malomo" / "fixtures"
BRIDGE_BIN = os.environ.get("MALOMO_BRIDGE_BIN")
DEV_SECRET = b"malomo-dev-secret"  # Sources/MalomoBridge/DevEnvironment.swift
DEAD_LETTER_TOPIC = "malomo.dead-letter"

if not BRIDGE_BIN:
    pytest.skip(
        "MALOMO_BRIDGE_BIN is not set: point it at a built malomo-bridge (scripts/check-contract sets it)",
        allow_module_level=True,
    )

# Settings of the environment that would change the bridge under test.
BRIDGE_SETTING_PREFIXES = ("MALOMO_", "KAFKA_", "HTTP_", "MANAGEMENT_", "ACK_", "MAX_", "LOG_")


@dataclass
class Bridge:
    webhook: tuple[str, int]
    management: tuple[str, int]
    brokers: str

    @property
    def webhook_url(self) -> str:
        return f"http://{self.webhook[0]}:{self.webhook[1]}"

    @property
    def management_url(self) -> str:
        return f"http://{self.management[0]}:{self.management[1]}"


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def send(address: tuple[str, int], method: str, path: str, body: bytes | None = None, headers=None, timeout=15.0):
    """One request; returns (status, headers with lower-case names, body)."""
    connection = HTTPConnection(*address, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def bridge(tmp_path_factory):
    binary = Path(BRIDGE_BIN)
    assert binary.is_file() and os.access(binary, os.X_OK), f"MALOMO_BRIDGE_BIN={BRIDGE_BIN} is not an executable"
    directory = tmp_path_factory.mktemp("bridge")
    stdout_path, stderr_path = directory / "stdout", directory / "stderr"
    http_port, management_port = free_ports(2)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(BRIDGE_SETTING_PREFIXES)}
    with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(
            [str(binary), "--dev", "--http-port", str(http_port), "--management-port", str(management_port)],
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env=environment,
            cwd=directory,
        )
    try:
        # The dev banner comes once both listeners are up.
        deadline = time.monotonic() + 60
        banner = ""
        while "Webhook endpoint:" not in banner or "Metrics and health:" not in banner:
            if process.poll() is not None:
                log = stderr_path.read_text(errors="replace")[-4000:]
                pytest.fail(f"malomo-bridge exited with {process.returncode}:\n{log}")
            if time.monotonic() > deadline:
                pytest.fail(f"no dev banner within 60 s:\n{stdout_path.read_text(errors='replace')}")
            time.sleep(0.1)
            banner = stdout_path.read_text(errors="replace")
        brokers = re.search(r"Kafka bootstrap servers:\s*(\S+)", banner).group(1)
        webhook = re.search(r"Webhook endpoint:\s*POST http://([\d.]+):(\d+)/webhooks/malomo", banner)
        management = re.search(r"Metrics and health:\s*http://([\d.]+):(\d+)/metrics", banner)
        assert int(webhook.group(2)) == http_port and int(management.group(2)) == management_port, banner
        running = Bridge((webhook.group(1), http_port), (management.group(1), management_port), brokers)
        # Ready: a broker answered a metadata request.
        while True:
            try:
                if send(running.management, "GET", "/readyz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("/readyz did not answer 200 within 60 s")
            time.sleep(0.2)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


# --- Helpers ---------------------------------------------------------------------------------


def sign(body: bytes) -> str:
    return hmac.new(DEV_SECRET, body, hashlib.sha256).hexdigest()


def event_id(topic: str | None, body: bytes) -> str:
    """Event id v2: SHA-256 over the topic header, LF, the raw body."""
    return hashlib.sha256((topic or "").encode() + b"\n" + body).hexdigest()


def post_webhook(bridge: Bridge, topic: str | None, body: bytes, attempt="1", webhook_id: str | None = "dev-webhook"):
    headers = {"Content-Type": "application/json", "Malomo-Signature": sign(body), "Malomo-Attempt-Number": attempt}
    if topic is not None:
        headers["Malomo-Topic"] = topic
    if webhook_id is not None:
        headers["Malomo-Webhook-Id"] = webhook_id
    status, response_headers, response_body = send(bridge.webhook, "POST", "/webhooks/malomo", body, headers)
    assert status == 202, f"{status} {response_body!r}"
    assert response_headers["content-type"] == "application/json"
    answer = json.loads(response_body)
    openapi_validator("#/components/schemas/Accepted").validate(answer)
    return answer


def read_record(bridge: Bridge, answer: dict):
    """The record at the topic, partition and offset a 202 announced."""
    consumer = Consumer(
        {
            "bootstrap.servers": bridge.brokers,
            "group.id": f"contract-test-{uuid.uuid4()}",
            "enable.auto.commit": False,
            "enable.partition.eof": False,
        }
    )
    try:
        consumer.assign([TopicPartition(answer["topic"], answer["partition"], answer["offset"])])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error():
                assert message.error().code() == KafkaError._PARTITION_EOF, message.error()
                continue
            if message.offset() == answer["offset"]:
                return message
        pytest.fail(f"no record at {answer} within 20 s")
    finally:
        consumer.close()


def record_headers(message) -> dict[str, bytes]:
    pairs = message.headers() or []
    names = [name for name, _ in pairs]
    assert len(names) == len(set(names)), f"repeated headers: {names}"
    return dict(pairs)


def decoded(headers: dict[str, bytes]) -> dict[str, str]:
    return {name: value.decode("utf-8") for name, value in headers.items()}


def document_validator(path: Path, uri: str):
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    registry = Registry().with_resource(uri, Resource(contents=document, specification=DRAFT202012))

    def make(pointer: str) -> jsonschema.Draft202012Validator:
        return jsonschema.Draft202012Validator(
            {"$ref": uri + pointer}, registry=registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )

    return make


openapi_validator = document_validator(OPENAPI_PATH, "urn:malomo-bridge:openapi")
asyncapi_validator = document_validator(ASYNCAPI_PATH, "urn:malomo-bridge:asyncapi")


def schema_errors(validator, instance) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


# --- Records: event contract v2 ----------------------------------------------------------------


def test_order_record_follows_the_asyncapi_document(bridge):
    body = (FIXTURES / "order.json").read_bytes()
    order = json.loads(body)
    answer = post_webhook(bridge, "orders:created", body)
    assert answer["topic"] == "malomo.orders.created"
    message = read_record(bridge, answer)
    assert message.value() == body
    assert message.key() == order["id"].encode()
    headers = decoded(record_headers(message))
    assert schema_errors(asyncapi_validator("#/components/schemas/RecordHeaders"), headers) == []
    assert schema_errors(asyncapi_validator("#/components/schemas/Order"), order) == []
    assert headers["malomo-topic"] == "orders:created"
    assert headers["malomo-webhook-id"] == "dev-webhook"
    assert headers["malomo-attempt-number"] == "1"
    assert headers["content-type"] == "application/json"
    assert headers["malomo-event-id"] == answer["event_id"]
    received = datetime.strptime(headers["malomo-received-at"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert abs(datetime.now(timezone.utc) - received) < timedelta(minutes=1)


def test_event_id_is_sha256_of_topic_lf_body(bridge):
    body = (FIXTURES / "order.json").read_bytes()
    answer = post_webhook(bridge, "orders:updated", body)
    assert answer["event_id"] == event_id("orders:updated", body), "event id v2: sha256(topic + LF + body)"
    assert answer["event_id"] != hashlib.sha256(body).hexdigest()


def test_order_record_is_a_cloudevent(bridge):
    body = (FIXTURES / "order.json").read_bytes()
    order = json.loads(body)
    answer = post_webhook(bridge, "orders:created", body)
    message = read_record(bridge, answer)
    headers = record_headers(message)
    assert "ce_specversion" in headers, f"no CloudEvents headers (event contract v2): {sorted(headers)}"
    event = from_binary_event(KafkaMessage(headers=headers, key=message.key(), value=message.value()))
    expected_id = hashlib.sha256(b"orders:created\n" + body).hexdigest()
    assert event.get_specversion() == "1.0"
    assert event.get_id() == answer["event_id"] == expected_id
    assert event.get_type() == "com.gomalomo.orders.created"
    assert event.get_source() == "https://api.gomalomo.com/webhooks/dev-webhook"
    assert event.get_subject() == order["id"]
    assert event.get_datacontenttype() == "application/json"
    assert event.get_data() == order
    assert event.get_extension("partitionkey") == order["id"]
    time_attribute = event.get_time()
    assert time_attribute is not None and time_attribute.tzinfo is not None
    assert abs(datetime.now(timezone.utc) - time_attribute) < timedelta(minutes=1)
    received = datetime.strptime(headers["malomo-received-at"].decode(), "%Y-%m-%dT%H:%M:%S.%f%z")
    assert time_attribute == received, "ce_time and malomo-received-at are the same instant"


def test_same_body_under_three_topics_is_three_events_and_retries_keep_their_id(bridge):
    body = (FIXTURES / "customer.json").read_bytes()
    topics = ["customers:created", "customers:updated", "customers:deleted"]
    answers = {topic: post_webhook(bridge, topic, body) for topic in topics}
    for topic, answer in answers.items():
        assert answer["topic"] == "malomo." + topic.replace(":", ".")
    ids = [answer["event_id"] for answer in answers.values()]
    assert len(set(ids)) == 3, f"the same body under three topics must be three events: {ids}"
    for topic, answer in answers.items():
        assert answer["event_id"] == event_id(topic, body), topic
    retry = post_webhook(bridge, "customers:created", body, attempt="2")
    assert retry["event_id"] == answers["customers:created"]["event_id"]
    headers = decoded(record_headers(read_record(bridge, retry)))
    assert headers["malomo-attempt-number"] == "2"
    assert headers["malomo-event-id"] == retry["event_id"]
    if "ce_id" in headers:
        assert headers["ce_id"] == retry["event_id"]


def test_unlisted_topic_is_dead_lettered_without_creating_a_topic(bridge):
    body = b'{"id":"shp_1","tracking_code":"9400100000000000004822"}'
    answer = post_webhook(bridge, "shipments:created", body)
    assert answer["topic"] == DEAD_LETTER_TOPIC
    message = read_record(bridge, answer)
    assert message.value() == body
    headers = decoded(record_headers(message))
    assert headers.get("malomo-dead-letter-reason") == "topic_not_allowed"
    assert schema_errors(asyncapi_validator("#/components/schemas/DeadLetterHeaders"), headers) == []
    topics = AdminClient({"bootstrap.servers": bridge.brokers}).list_topics(timeout=10).topics
    assert DEAD_LETTER_TOPIC in topics, sorted(topics)
    assert "malomo.shipments.created" not in topics, sorted(topics)
    assert headers.get("ce_type") == "com.gomalomo.shipments.created"


@pytest.mark.parametrize(
    "topic, body, reason, ce_type, key",
    [
        ("orders:created", b"{not json", "invalid_json", "com.gomalomo.orders.created", None),
        (None, b'{"id":"c1"}', "missing_topic", "com.gomalomo.unknown", b"c1"),
        ("Orders:Created", b'{"id":42}', "malformed_topic", "com.gomalomo.unknown", b"42"),
    ],
)
def test_unroutable_webhooks_are_dead_lettered(bridge, topic, body, reason, ce_type, key):
    answer = post_webhook(bridge, topic, body)
    assert answer["topic"] == DEAD_LETTER_TOPIC
    assert answer["event_id"] == event_id(topic, body)
    message = read_record(bridge, answer)
    assert message.value() == body
    assert message.key() == key
    headers = decoded(record_headers(message))
    assert headers.get("malomo-dead-letter-reason") == reason
    assert ("malomo-topic" in headers) == (topic is not None)
    assert schema_errors(asyncapi_validator("#/components/schemas/DeadLetterHeaders"), headers) == []
    assert headers.get("ce_type") == ce_type
    if key is not None:
        assert headers.get("ce_subject") == key.decode()


# --- HTTP: answers schemathesis does not judge ------------------------------------------------


OPENAPI = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))


def openapi_node(pointer: str):
    """The node at a JSON pointer of openapi.yaml, following `$ref`s."""
    node = OPENAPI
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return openapi_node(node["$ref"]) if isinstance(node, dict) and "$ref" in node else node


def assert_documented(response, pointer: str):
    """Checks an answer against a response object of openapi.yaml: required headers and body."""
    _, headers, body = response
    for name, header in openapi_node(pointer).get("headers", {}).items():
        header = openapi_node(header["$ref"]) if "$ref" in header else header
        if header.get("required"):
            assert name.lower() in headers, f"{pointer}: missing {name}"
            value = headers[name.lower()]
            value = int(value) if header["schema"].get("type") == "integer" else value
            assert schema_errors(jsonschema.Draft202012Validator(header["schema"]), value) == [], name
    assert headers.get("content-type") == "application/json"
    assert schema_errors(openapi_validator(pointer + "/content/application~1json/schema"), json.loads(body)) == []


@pytest.mark.parametrize(
    "method, path", [("GET", "/"), ("POST", "/webhooks"), ("POST", "/webhooks/malomo/"), ("GET", "/metrics")]
)
def test_other_paths_on_the_webhook_listener_are_404(bridge, method, path):
    response = send(bridge.webhook, method, path, b"{}" if method == "POST" else None)
    assert response[0] == 404
    assert_documented(response, "#/components/responses/WebhookNotFound")


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_on_the_webhook_path_are_405(bridge, method):
    response = send(bridge.webhook, method, "/webhooks/malomo")
    assert response[0] == 405
    assert response[1]["allow"] == "POST"
    assert_documented(response, "#/components/responses/WebhookMethodNotAllowed")


def test_a_body_over_max_body_bytes_is_413(bridge):
    # Content-Length over MAX_BODY_BYTES (default 1 MiB) is refused before the body is read, so
    # only the head is sent: no race with the bridge closing while a large body is in flight.
    connection = HTTPConnection(*bridge.webhook, timeout=15)
    try:
        connection.putrequest("POST", "/webhooks/malomo")
        connection.putheader("Malomo-Topic", "orders:created")
        connection.putheader("Content-Length", str(524288 + 1))
        connection.endheaders()
        answer = connection.getresponse()
        response = answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()
    assert response[0] == 413
    assert_documented(response, "#/paths/~1webhooks~1malomo/post/responses/413")
    assert json.loads(response[2])["error"] == "too_large"


def test_management_probes_answer_as_documented(bridge):
    for path, pointer in [("/healthz", "HealthAlive"), ("/readyz", "Ready"), ("/webhooks", "LoadedWebhooks")]:
        status, headers, body = send(bridge.management, "GET", path)
        assert status == 200, path
        assert schema_errors(openapi_validator(f"#/components/schemas/{pointer}"), json.loads(body)) == []
    status, headers, body = send(bridge.management, "GET", "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
    assert b"malomo_bridge_webhooks_received_total" in body
    status, headers, _ = send(bridge.management, "POST", "/metrics")
    assert status == 405 and headers["allow"] == "GET, HEAD"
    assert send(bridge.management, "GET", "/nope")[0] == 404


# --- Schemathesis ------------------------------------------------------------------------------

# Loaded by schemathesis (SCHEMATHESIS_HOOKS): signs most positive cases of the webhook POST with
# the dev secret, so 202 answers (routed and dead-lettered) are exercised too. Negative cases
# and a quarter of the positive ones stay as generated, and get 401.
SIGNING_HOOKS = '''
import hashlib
import hmac

import requests
import schemathesis

SECRET = b"malomo-dev-secret"


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.method.upper() != "POST" or case.path != "/webhooks/malomo":
        return
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    wire = case.as_transport_kwargs(base_url="http://127.0.0.1")
    request = requests.Request(
        method="POST", url=wire["url"], headers=wire.get("headers"),
        data=wire.get("data"), json=wire.get("json"), files=wire.get("files"),
    ).prepare()
    body = request.body or b""
    body = body.encode() if isinstance(body, str) else body
    signature = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    if int(signature[:2], 16) % 4 == 0:
        return
    headers = dict(case.headers or {})
    headers["Malomo-Signature"] = signature.upper() if int(signature[2], 16) % 2 else signature
    case.headers = headers
'''

# Only the documented 503 may be a 5xx.
SCHEMATHESIS_CONFIG = """
[checks.not_a_server_error]
expected-statuses = ["2xx", "3xx", "4xx", "503"]
"""


def run_schemathesis(tmp_path: Path, base_url: str, paths_regex: str, seconds: int) -> None:
    hooks = tmp_path / "signing_hooks.py"
    hooks.write_text(SIGNING_HOOKS)
    config = tmp_path / "schemathesis.toml"
    config.write_text(SCHEMATHESIS_CONFIG)
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file", str(config),
        "--no-color",
        "run", str(OPENAPI_PATH),
        "--url", base_url,
        "--include-path-regex", paths_regex,
        "--checks", "all",
        "--max-examples", "40",
        "--max-time", str(seconds),
        "--workers", "1",
        "--request-timeout", "10",
        "--generation-database", "none",
        "--seed", "20261129",
    ]  # fmt: skip
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": str(hooks)}
    result = subprocess.run(
        command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=seconds + 60
    )
    output = f"{result.stdout[-12000:]}\n{result.stderr[-4000:]}"
    assert result.returncode == 0, f"schemathesis failed ({result.returncode}):\n{output}"
    assert "No issues found" in result.stdout or " passed" in result.stdout, result.stdout[-4000:]


def test_schemathesis_webhook_listener(bridge, tmp_path):
    run_schemathesis(tmp_path, bridge.webhook_url, r"^/webhooks/malomo$", seconds=25)


def test_schemathesis_management_listener(bridge, tmp_path):
    run_schemathesis(tmp_path, bridge.management_url, r"^/(metrics|healthz|readyz|webhooks)$", seconds=5)
