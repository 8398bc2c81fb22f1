"""Static checks of the contract documents: docs/openapi.yaml and docs/asyncapi.yaml.

- openapi.yaml is a valid OpenAPI 3.1 document (openapi-spec-validator) and answers every
  outcome that Sources/MalomoBridge/WebhookOutcome.swift declares, under its status code.
- asyncapi.yaml is valid against the official AsyncAPI 3.0.0 JSON Schema (the
  `3.0.0-without-$id.json` of asyncapi/spec-json-schemas; scripts/check-contract fetches it
  from PyPI and names it in ASYNCAPI_SCHEMA), every schema in it is a valid JSON Schema, the
  Malomo fixtures validate against their payload schemas and wrong documents do not, and the
  channels, headers and dead-letter reasons of event contract v2 are all there.
"""

import copy
import json
import os
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from openapi_spec_validator import validate as validate_openapi
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

REPO = Path(__file__).resolve().parents[2]
OPENAPI_PATH = REPO / "docs" / "openapi.yaml"
ASYNCAPI_PATH = REPO / "docs" / "asyncapi.yaml"
FIXTURES = REPO.parent / "shared" / "malomo" / "fixtures"
OUTCOME_SWIFT = REPO / "Sources" / "MalomoBridge" / "WebhookOutcome.swift"

CHANNEL_ADDRESSES = [
    "malomo.customers.created",
    "malomo.customers.updated",
    "malomo.customers.deleted",
    "malomo.events.created",
    "malomo.orders.created",
    "malomo.orders.updated",
    "malomo.orders.deleted",
    "malomo.dead-letter",
]
RECORD_HEADERS = [
    "malomo-topic",
    "malomo-webhook-id",
    "malomo-attempt-number",
    "malomo-event-id",
    "malomo-received-at",
    "content-type",
    "ce_specversion",
    "ce_id",
    "ce_type",
    "ce_source",
    "ce_time",
    "ce_subject",
]
DEAD_LETTER_REASONS = ["invalid_json", "missing_topic", "malformed_topic", "topic_not_allowed", "invalid_header"]
# Fixture file → payload schema in components.schemas (see fixtures/README.md).
FIXTURE_SCHEMAS = {
    "customer.json": "Customer",
    "event.json": "Event",
    "order.json": "Order",
    "order-minimal.json": "Order",
    "order-unknown-fields.json": "Order",
}
# HTTPResponse.Status names used in WebhookOutcome.swift → codes.
SWIFT_STATUS_CODES = {
    "accepted": 202,
    "badRequest": 400,
    "unauthorized": 401,
    "notFound": 404,
    "methodNotAllowed": 405,
    "requestTimeout": 408,
    "contentTooLarge": 413,
    "serviceUnavailable": 503,
}
ASYNCAPI_URI = "urn:malomo-bridge:asyncapi"


def load_yaml(path: Path):
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML would turn unquoted dates into datetime objects; a contract must be plain JSON data.
    json.dumps(document)
    return document


@pytest.fixture(scope="module")
def openapi():
    return load_yaml(OPENAPI_PATH)


@pytest.fixture(scope="module")
def asyncapi():
    return load_yaml(ASYNCAPI_PATH)


@pytest.fixture(scope="module")
def payload_validator(asyncapi):
    """Returns a Draft 2020-12 validator for `components.schemas.<name>` of asyncapi.yaml."""
    registry = Registry().with_resource(ASYNCAPI_URI, Resource(contents=asyncapi, specification=DRAFT202012))

    def make(name: str) -> jsonschema.Draft202012Validator:
        assert name in asyncapi["components"]["schemas"], f"components.schemas.{name} is missing"
        return jsonschema.Draft202012Validator(
            {"$ref": f"{ASYNCAPI_URI}#/components/schemas/{name}"},
            registry=registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )

    return make


def swift_outcomes() -> dict[str, int]:
    """`rawValue` → HTTP status of every `WebhookOutcome` declared in the Swift source."""
    source = OUTCOME_SWIFT.read_text(encoding="utf-8")
    pairs = re.findall(r'WebhookOutcome\(rawValue:\s*"([a-z_]+)",\s*status:\s*\.(\w+)\)', source)
    raw_values = re.findall(r'rawValue:\s*"([a-z_]+)"', source)
    assert pairs, f"no outcomes found in {OUTCOME_SWIFT}"
    assert sorted(raw for raw, _ in pairs) == sorted(raw_values), "an outcome is declared in an unexpected form"
    unknown = {status for _, status in pairs} - SWIFT_STATUS_CODES.keys()
    assert not unknown, f"add these statuses to SWIFT_STATUS_CODES: {unknown}"
    return {raw: SWIFT_STATUS_CODES[status] for raw, status in pairs}


def resolve(document, node):
    """Follows local `$ref`s (`#/a/b`) until a node without one."""
    while isinstance(node, dict) and "$ref" in node:
        target = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def error_enum(document, schema) -> set[str]:
    """The values an error response schema allows in `error` (its `enum`s, through allOf)."""
    schema = resolve(document, schema)
    values = set(schema.get("properties", {}).get("error", {}).get("enum", []))
    for part in schema.get("allOf", []):
        values |= error_enum(document, part)
    return values


# --- OpenAPI ---------------------------------------------------------------------------------


def test_openapi_is_a_valid_openapi_3_1_document(openapi):
    assert openapi["openapi"] == "3.1.0"
    validate_openapi(openapi)


def test_openapi_validator_rejects_a_broken_document(openapi):
    broken = copy.deepcopy(openapi)
    broken["paths"]["/webhooks/malomo"]["post"]["responses"]["202"]["content"] = "not a map"
    with pytest.raises(OpenAPIValidationError, match='is not of type "object"'):
        validate_openapi(broken)


def test_openapi_declares_both_listeners_with_their_default_ports(openapi):
    ports = [server["variables"]["port"]["default"] for server in openapi["servers"]]
    assert ports == ["8080", "9090"]
    assert openapi["paths"]["/webhooks/malomo"]["servers"][0]["variables"]["port"]["default"] == "8080"
    for path in ["/metrics", "/healthz", "/readyz", "/webhooks"]:
        assert openapi["paths"][path]["servers"][0]["variables"]["port"]["default"] == "9090", path
        assert set(openapi["paths"][path]) >= {"get", "head"}, path


def test_openapi_answers_every_webhook_outcome_under_its_status(openapi):
    path_item = openapi["paths"]["/webhooks/malomo"]
    responses = dict(path_item["post"]["responses"])
    responses.update(path_item["x-malomo-other-responses"])
    documented: dict[str, set[int]] = {}
    for status, response in responses.items():
        response = resolve(openapi, response)
        names = set(response.get("x-malomo-outcomes", []))
        if int(status) >= 400:
            names |= error_enum(openapi, response["content"]["application/json"]["schema"])
            assert names, f"{status} lists no outcome"
            assert "X-Request-Id" in response["headers"], f"{status} lacks X-Request-Id"
        for name in names:
            documented.setdefault(name, set()).add(int(status))
    expected = swift_outcomes()
    assert {name: {status} for name, status in expected.items()} == documented


def test_openapi_error_answers_carry_their_headers(openapi):
    post = openapi["paths"]["/webhooks/malomo"]["post"]
    assert "Retry-After" in post["responses"]["503"]["headers"]
    not_allowed = resolve(openapi, openapi["paths"]["/webhooks/malomo"]["x-malomo-other-responses"]["405"])
    assert not_allowed["headers"]["Allow"]["schema"]["const"] == "POST"
    assert {p["name"] for p in post["parameters"]} == {
        "Malomo-Topic",
        "Malomo-Webhook-Id",
        "Malomo-Attempt-Number",
        "Malomo-Signature",
    }
    signature = next(p for p in post["parameters"] if p["name"] == "Malomo-Signature")
    pattern = re.compile(signature["schema"]["pattern"])
    assert pattern.match("ab" * 32) and pattern.match("AB" * 32)
    assert not pattern.match("ab" * 31) and not pattern.match("g" * 64)


def test_outcome_parser_reads_the_swift_declarations():
    # Guards the regex: if WebhookOutcome.swift changes shape, the coverage test must not pass vacuously.
    outcomes = swift_outcomes()
    assert outcomes["accepted"] == 202 and outcomes["signature_mismatch"] == 401 and len(outcomes) >= 14


# --- AsyncAPI --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def official_asyncapi_schema():
    location = os.environ.get("ASYNCAPI_SCHEMA")
    if not location:
        pytest.fail("ASYNCAPI_SCHEMA is not set: run scripts/check-contract, which fetches the official schema")
    schema = json.loads(Path(location).read_text(encoding="utf-8"))
    assert schema.get("title") == "AsyncAPI 3.0.0 schema.", f"{location} is not the AsyncAPI 3.0.0 schema"
    return schema


def asyncapi_errors(schema, document) -> list[str]:
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in validator.iter_errors(document)]


def test_asyncapi_is_valid_against_the_official_3_0_0_schema(asyncapi, official_asyncapi_schema):
    assert asyncapi["asyncapi"] == "3.0.0"
    assert asyncapi_errors(official_asyncapi_schema, asyncapi) == []


def test_official_schema_rejects_a_broken_asyncapi_document(asyncapi, official_asyncapi_schema):
    broken = copy.deepcopy(asyncapi)
    broken["operations"]["sendOrdersCreated"]["action"] = "publish"  # AsyncAPI 2 wording
    broken["components"]["messages"]["Order"]["bindings"]["kafka"]["partitionKey"] = {}
    errors = asyncapi_errors(official_asyncapi_schema, broken)
    assert any(e.startswith("operations/sendOrdersCreated") for e in errors), errors
    assert any(e.startswith("components/messages/Order") for e in errors), errors


def test_every_asyncapi_schema_is_a_valid_json_schema(asyncapi):
    schemas = asyncapi["components"]["schemas"]
    for name, schema in schemas.items():
        # Valid as the AsyncAPI Schema Object's base (draft-07) and as draft 2020-12.
        jsonschema.Draft7Validator.check_schema(schema)
        jsonschema.Draft202012Validator.check_schema(schema)
    # Draft-07 ignores keywords beside `$ref`: the schemas must mean the same under both drafts.
    def refs_with_siblings(node, where):
        if isinstance(node, dict):
            if "$ref" in node and len(node) > 1:
                yield where
            for key, value in node.items():
                yield from refs_with_siblings(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from refs_with_siblings(value, f"{where}/{index}")

    assert list(refs_with_siblings(schemas, "components/schemas")) == []


def test_asyncapi_schema_examples_are_valid(asyncapi, payload_validator):
    for name, schema in asyncapi["components"]["schemas"].items():
        for example in schema.get("examples", []):
            errors = [e.message for e in payload_validator(name).iter_errors(example)]
            assert errors == [], f"{name} example {example!r}: {errors}"


def test_channels_and_send_operations(asyncapi):
    channels = asyncapi["channels"]
    assert sorted(channel["address"] for channel in channels.values()) == sorted(CHANNEL_ADDRESSES)
    operations = asyncapi["operations"].values()
    sent = {op["channel"]["$ref"].removeprefix("#/channels/") for op in operations if op["action"] == "send"}
    assert sent == set(channels), "every channel needs a send operation"
    assert all(op["action"] == "send" for op in operations)
    server = asyncapi["servers"]["kafka"]
    assert server["protocol"] == "kafka" and server["host"]
    text = ASYNCAPI_PATH.read_text(encoding="utf-8")
    assert "KAFKA_TOPIC_PREFIX" in text and "KAFKA_DEAD_LETTER_TOPIC" in text and "KAFKA_CLOUDEVENTS" in text


def test_messages_declare_key_content_type_and_headers(asyncapi):
    for name, message in asyncapi["components"]["messages"].items():
        assert message["contentType"] == "application/json", name
        key = resolve(asyncapi, message["bindings"]["kafka"]["key"])
        assert key["type"] == "string", name
        headers = resolve(asyncapi, message["headers"])
        parts = [resolve(asyncapi, part) for part in headers.get("allOf", [headers])]
        names = set().union(*(part.get("properties", {}) for part in parts))
        assert set(RECORD_HEADERS) <= names, f"{name} lacks {set(RECORD_HEADERS) - names}"
        expected_reason = name == "DeadLetter"
        assert ("malomo-dead-letter-reason" in names) == expected_reason, name


def test_headers_and_dead_letter_reasons_are_documented(asyncapi, payload_validator):
    text = ASYNCAPI_PATH.read_text(encoding="utf-8")
    for name in RECORD_HEADERS + ["malomo-dead-letter-reason"] + DEAD_LETTER_REASONS:
        assert name in text, name
    assert asyncapi["components"]["schemas"]["DeadLetterReason"]["enum"] == DEAD_LETTER_REASONS
    headers = {
        "malomo-topic": "shipments:created",
        "malomo-event-id": "0" * 64,
        "malomo-received-at": "2026-11-29T21:08:36.123Z",
        "content-type": "application/json",
        "ce_specversion": "1.0",
        "ce_id": "0" * 64,
        "ce_type": "com.gomalomo.shipments.created",
        "ce_source": "https://api.gomalomo.com/webhooks",
        "ce_time": "2026-11-29T21:08:36.123Z",
        "malomo-dead-letter-reason": "topic_not_allowed",
    }
    assert list(payload_validator("DeadLetterHeaders").iter_errors(headers)) == []
    record_headers = {k: v for k, v in headers.items() if k != "malomo-dead-letter-reason"}
    assert list(payload_validator("RecordHeaders").iter_errors(record_headers)) == []
    wrong = [
        ({**headers, "malomo-dead-letter-reason": "too_big"}, "DeadLetterHeaders"),
        (record_headers, "DeadLetterHeaders"),  # a dead letter without its reason
        ({**record_headers, "malomo-event-id": "A" * 64}, "RecordHeaders"),  # upper-case hex
        ({**record_headers, "malomo-received-at": "2026-11-29T21:08:36Z"}, "RecordHeaders"),  # no milliseconds
        ({**record_headers, "content-type": "text/plain"}, "RecordHeaders"),
        ({**record_headers, "ce_specversion": "0.3"}, "RecordHeaders"),
    ]
    for document, schema in wrong:
        assert list(payload_validator(schema).iter_errors(document)), f"{schema} accepted {document}"


# --- Payload schemas against the fixtures ----------------------------------------------------


def test_every_fixture_has_a_schema():
    assert FIXTURES.is_dir(), f"{FIXTURES} is missing (shared/ must sit beside the repository)"
    assert sorted(p.name for p in FIXTURES.glob("*.json")) == sorted(FIXTURE_SCHEMAS)


@pytest.mark.parametrize("fixture, schema", sorted(FIXTURE_SCHEMAS.items()))
def test_fixture_validates_against_its_payload_schema(fixture, schema, payload_validator):
    document = json.loads((FIXTURES / fixture).read_bytes())
    validator = payload_validator(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


def order() -> dict:
    return json.loads((FIXTURES / "order.json").read_bytes())


@pytest.mark.parametrize(
    "schema, document, message",
    [
        ("Order", {**order(), "id": {"value": 1}}, "is not of type 'string', 'number'"),
        ("Order", {k: v for k, v in order().items() if k != "id"}, "'id' is a required property"),
        ("Order", [order()], "is not of type 'object'"),
        ("Order", "c2a7e9b4", "is not of type 'object'"),
        ("Order", {**order(), "shipments": {"id": "s1"}}, "is not of type 'array', 'null'"),
        ("Order", {**order(), "customer": "maya"}, "is not valid under any of the given schemas"),
        ("Order", {**order(), "shipments": [{"carrier": "usps"}]}, "'id' is a required property"),
        ("Order", {**order(), "created_at": {"at": 1}}, "is not of type 'string', 'number', 'null'"),
        ("Customer", {"email": "maya@example.net"}, "'id' is a required property"),
        ("Customer", {"id": None}, "None is not of type 'string', 'number'"),
        ("Event", {"id": True}, "True is not of type 'string', 'number'"),
        ("Event", [], "is not of type 'object'"),
    ],
)
def test_wrong_documents_are_rejected(schema, document, message, payload_validator):
    messages = [e.message for e in payload_validator(schema).iter_errors(document)]
    assert any(message in m for m in messages), messages


@pytest.mark.parametrize(
    "schema, document",
    [
        # What the decoder accepts and a careful sender may still write.
        ("Order", {"id": 5523016449801}),  # a numeric id: the key is its text
        ("Order", {"id": "o1", "number": 4821, "customer": None, "meta": None, "shipments": None}),
        ("Order", {"id": "o1", "customer": {}, "shipments": [{"id": "s1", "scan_events": [{}]}]}),
        ("Order", {"id": "o1", "created_at": 1710261900, "updated_at": "1710261900.5"}),
        ("Customer", {"id": "c1", "phone_number": None, "tags": ["vip"]}),
        ("Event", {"id": "e1", "properties": [1, 2], "timestamp": 1710261900}),
    ],
)
def test_tolerated_documents_are_accepted(schema, document, payload_validator):
    assert [e.message for e in payload_validator(schema).iter_errors(document)] == []
