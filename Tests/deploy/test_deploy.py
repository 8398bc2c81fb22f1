"""Static validation of docker/ and helm/ (no Docker engine or cluster runs here).

Helm runs through the real Helm SDK (helm-python-sdk); every rendered manifest is checked
against the Kubernetes schemas (kubernetes-validate); hadolint lints the Dockerfile.
"""
import base64
import pathlib
import re
import subprocess
import tempfile

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "malomo-kafka-bridge"
ALL_ON = yaml.safe_load((CHART / "ci" / "all-on-values.yaml").read_text())
DEFAULT_INSTALL = {"kafka": {"brokers": "kafka:9092"}, "webhook": {"secrets": {"wh_1": "s3cr3t"}}}
KUBERNETES_VERSION = "1.30.0"


def render(values):
    chart = helm.Chart.load(CHART)
    rendered = chart.render(values, name="bridge", namespace="malomo", is_install=True)
    docs = []
    for path, text in rendered.items():
        if path.endswith("NOTES.txt"):
            continue
        for doc in yaml.safe_load_all(text):
            if doc:
                docs.append(doc)
    return docs


def kind(docs, name):
    return [d for d in docs if d["kind"] == name]


def container(docs):
    return kind(docs, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]


# --- Dockerfile -------------------------------------------------------------------------

def test_hadolint_clean():
    result = subprocess.run(
        ["hadolint", "--config", str(ROOT / ".hadolint.yaml"), str(ROOT / "docker" / "Dockerfile")],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_properties():
    text = (ROOT / "docker" / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", text, re.M)
    assert stages == ["${SWIFT_IMAGE}", "${RUNTIME_IMAGE}"], "multi-stage: build and runtime, nothing a legacy builder would trip on"
    build = "swift build -c release --static-swift-stdlib -Xlinker --strip-all"
    assert text.count(build + " --product") == 3
    build_release = (ROOT / "scripts" / "build-release").read_text()
    assert f"release=({build})" in build_release, "scripts/build-release builds the binaries as the build stage does"
    build_stage = text.split("\nFROM ${RUNTIME_IMAGE}")[0]
    build_packages = re.search(r"install -y --no-install-recommends (.*?) \\", build_stage).group(1)
    assert f"scripts/ensure-packages {build_packages} >&2" in build_release, \
        "scripts/build-release installs what the build stage installs (libcurl's dev library: malomo-admin links URLSession)"
    for script in ["check-image", "check-network-faults"]:
        assert "scripts/build-release " in (ROOT / "scripts" / script).read_text(), f"{script} uses scripts/build-release"
    runtime = text.split("\nFROM ${RUNTIME_IMAGE}")[1]
    packages = re.search(r"install -y --no-install-recommends (.*?) \\", runtime).group(1).split()
    # libcurl4: Foundation's URLSession, malomo-admin's HTTPS client to Malomo's API.
    assert packages == ["librdkafka1", "ca-certificates", "libcurl4"], "runtime gets librdkafka, CA certificates and libcurl only"
    assert re.search(r"^USER 10001:10001$", runtime, re.M), "non-root"
    assert "EXPOSE 8080 9090" in runtime
    assert 'ENTRYPOINT ["/usr/local/bin/malomo-bridge"]' in runtime
    assert "malomo-events-tail" in runtime and "malomo-admin" in runtime
    assert re.findall(r"^COPY --from=(\S+)", runtime, re.M) == ["build", "build"]
    verify = (ROOT / "docker" / "verify-runtime-deps.sh").read_text()
    assert "librdkafka1 ca-certificates libcurl4" in verify, "the dependency proof installs the same packages"
    assert "malomo-admin" in verify


def test_dockerignore_keeps_build_output_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".build" in ignored and ".git" in ignored


# --- compose ----------------------------------------------------------------------------

def test_compose_stack():
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
    services = compose["services"]
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert "broker,controller" in services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"], "KRaft mode"
    assert "healthcheck" in services["kafka"]
    assert services["bridge"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert services["bridge"]["read_only"] is True
    assert services["tail"]["entrypoint"] == ["/usr/local/bin/malomo-events-tail"]
    prometheus = yaml.safe_load((ROOT / "docker" / "prometheus.yml").read_text())
    assert prometheus["scrape_configs"][0]["static_configs"][0]["targets"] == ["bridge:9090"]
    result = subprocess.run(["bash", "-n", str(ROOT / "docker" / "send-samples.sh")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- chart ------------------------------------------------------------------------------

@pytest.mark.parametrize("values", [DEFAULT_INSTALL, ALL_ON], ids=["defaults", "all-on"])
def test_helm_lint_strict(values):
    report = helm.lint(CHART, values, strict=True, kube_version="v" + KUBERNETES_VERSION)
    problems = [m for m in report["messages"] if m["severity"] >= 2] + report.get("errors", [])
    assert not problems, problems


@pytest.mark.parametrize("values", [DEFAULT_INSTALL, ALL_ON], ids=["defaults", "all-on"])
def test_rendered_manifests_match_kubernetes_schemas(values):
    docs = render(values)
    for doc in docs:
        if doc["apiVersion"].startswith("monitoring.coreos.com/"):
            continue  # a CRD: no schema in kubernetes-validate; its shape is asserted below
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_all_on_renders_every_kind():
    kinds = {d["kind"] for d in render(ALL_ON)}
    assert kinds == {
        "ConfigMap", "Secret", "Deployment", "Service", "ServiceAccount", "Ingress", "HorizontalPodAutoscaler",
        "PodDisruptionBudget", "ServiceMonitor", "NetworkPolicy", "PrometheusRule",
    }


@pytest.mark.parametrize("values", [DEFAULT_INSTALL, ALL_ON], ids=["defaults", "all-on"])
def test_probes_use_the_management_port(values):
    docs = render(values)
    c = container(docs)
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"webhook": 8080, "management": 9090}
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "management"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "management"}
    config = kind(docs, "ConfigMap")[0]["data"]
    assert config["MANAGEMENT_PORT"] == "9090" and config["HTTP_PORT"] == "8080"


SECRET_PROPERTIES = {**ALL_ON, "kafka": {**ALL_ON["kafka"], "extraProperties": {"sasl.oauthbearer.client.secret": "oauth-s3cr3t"}}}


@pytest.mark.parametrize("values", [DEFAULT_INSTALL, ALL_ON, SECRET_PROPERTIES], ids=["defaults", "all-on", "secret-properties"])
def test_secrets_are_mounted_files_never_env(values):
    docs = render(values)
    c = container(docs)
    mounts = {m["name"]: m for m in c["volumeMounts"]}
    assert mounts["webhook-secrets"]["mountPath"] == "/etc/malomo/webhook-secrets" and mounts["webhook-secrets"]["readOnly"]
    config = kind(docs, "ConfigMap")[0]["data"]
    assert config["MALOMO_WEBHOOK_SECRETS_DIR"] == "/etc/malomo/webhook-secrets"
    for entry in c.get("env", []):
        assert "valueFrom" not in entry or "secretKeyRef" not in entry["valueFrom"], "no secret as plain env"
    # envFrom may bring in only the Kafka-properties Secret (KAFKA_PROPERTY_* keys), never the
    # webhook secrets or any other Secret as environment variables.
    secrets_by_name = {d["metadata"]["name"]: d for d in kind(docs, "Secret")}
    for entry in c.get("envFrom", []):
        if "secretRef" not in entry:
            continue
        name = entry["secretRef"]["name"]
        assert name.endswith("-kafka-properties"), f"envFrom brings in Secret {name}"
        assert all(key.startswith("KAFKA_PROPERTY_") for key in secrets_by_name[name]["data"]), name
    for key, value in config.items():
        assert "SECRET" not in key or key.endswith("_DIR") or key.endswith("_MS"), key
        assert "PASSWORD" not in key or key.endswith("_FILE"), key
    secret_names = {v["secret"]["secretName"] for v in kind(docs, "Deployment")[0]["spec"]["template"]["spec"]["volumes"] if "secret" in v}
    assert "bridge-malomo-kafka-bridge-webhook-secrets" in secret_names


def test_existing_secret_is_used_and_none_created():
    docs = render({"kafka": {"brokers": "k:9092"}, "webhook": {"existingSecret": "team-malomo-secrets"}})
    assert not kind(docs, "Secret")
    volumes = kind(docs, "Deployment")[0]["spec"]["template"]["spec"]["volumes"]
    assert {"name": "webhook-secrets", "secret": {"secretName": "team-malomo-secrets"}} in volumes


def test_kafka_tls_and_sasl_material_from_secrets():
    docs = render(ALL_ON)
    config = kind(docs, "ConfigMap")[0]["data"]
    assert config["KAFKA_SECURITY_PROTOCOL"] == "sasl_ssl"
    assert config["KAFKA_SSL_CA_LOCATION"] == "/etc/malomo/kafka-tls/ca.crt"
    assert config["KAFKA_SSL_KEY_LOCATION"] == "/etc/malomo/kafka-tls/tls.key"
    assert config["KAFKA_SASL_PASSWORD_FILE"] == "/etc/malomo/kafka-sasl/password"
    assert config["KAFKA_PROPERTY_SOCKET_KEEPALIVE_ENABLE"] == "true"
    assert config["KAFKA_PROPERTY_LOG__LEVEL"] == "6"
    volumes = {v["name"]: v for v in kind(docs, "Deployment")[0]["spec"]["template"]["spec"]["volumes"]}
    assert volumes["kafka-tls"]["secret"]["secretName"] == "kafka-client-tls"
    assert volumes["kafka-sasl"]["secret"]["secretName"] == "kafka-sasl"


@pytest.mark.parametrize("protocol, section, message", [
    ("plaintext", "tls", r"kafka\.tls\.enabled needs kafka\.securityProtocol ssl or sasl_ssl \(it is plaintext\)"),
    ("sasl_plaintext", "tls", r"kafka\.tls\.enabled needs kafka\.securityProtocol ssl or sasl_ssl \(it is sasl_plaintext\)"),
    ("ssl", "sasl", r"kafka\.sasl\.enabled needs kafka\.securityProtocol sasl_ssl or sasl_plaintext \(it is ssl\)"),
    ("plaintext", "sasl", r"kafka\.sasl\.enabled needs kafka\.securityProtocol sasl_ssl or sasl_plaintext \(it is plaintext\)"),
])
def test_tls_or_sasl_under_a_protocol_without_it_fails(protocol, section, message):
    """TLS material under plaintext would be ignored by librdkafka: the connection would look
    secured and be neither encrypted nor (with SASL) authenticated."""
    other = "sasl" if section == "tls" else "tls"
    kafka = {**ALL_ON["kafka"], "securityProtocol": protocol, other: {**ALL_ON["kafka"][other], "enabled": False}}
    with pytest.raises(Exception, match=message):
        render({**ALL_ON, "kafka": kafka})


@pytest.mark.parametrize("values", [DEFAULT_INSTALL, ALL_ON], ids=["defaults", "all-on"])
def test_non_root_read_only_no_capabilities(values):
    docs = render(values)
    pod = kind(docs, "Deployment")[0]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    sc = container(docs)["securityContext"]
    assert sc["runAsNonRoot"] is True and sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False and sc["capabilities"]["drop"] == ["ALL"]
    assert container(docs)["resources"]["limits"]["memory"]


@pytest.mark.parametrize("values", [DEFAULT_INSTALL, ALL_ON], ids=["defaults", "all-on"])
def test_grace_period_covers_prestop_request_and_flush(values):
    docs = render(values)
    pod = kind(docs, "Deployment")[0]["spec"]["template"]["spec"]
    config = kind(docs, "ConfigMap")[0]["data"]
    ack = int(config["ACK_TIMEOUT_MS"]) / 1000
    read = int(config["HTTP_READ_TIMEOUT_MS"]) / 1000
    pre_stop = int(container(docs)["lifecycle"]["preStop"]["exec"]["command"][1])
    assert pod["terminationGracePeriodSeconds"] >= pre_stop + read + ack + ack, "preStop + slowest request + flush"
    assert pod["terminationGracePeriodSeconds"] >= ack + ack, "at least ack timeout + flush"


def test_too_short_grace_period_fails_with_a_message():
    with pytest.raises(helm.HelmError if hasattr(helm, "HelmError") else Exception) as failure:
        render({**DEFAULT_INSTALL, "terminationGracePeriodSeconds": 10})
    assert "terminationGracePeriodSeconds" in str(failure.value)


def test_missing_brokers_or_secrets_fail_with_a_message():
    with pytest.raises(Exception, match="kafka.brokers is required"):
        render({"webhook": {"secrets": {"a": "b"}}})
    with pytest.raises(Exception, match=r"webhook\.secrets \(or webhook\.existingSecret\) is required"):
        render({"kafka": {"brokers": "k:9092"}})


def test_schema_rejects_bad_values():
    chart = helm.Chart.load(CHART)
    with pytest.raises(Exception, match="ackTimeoutMs|9999|maximum"):
        chart.validate_schema({**DEFAULT_INSTALL, "webhook": {"ackTimeoutMs": 10000}})
    with pytest.raises(Exception, match="compression|brotli|enum"):
        chart.validate_schema({**DEFAULT_INSTALL, "kafka": {"brokers": "k:1", "compression": "brotli"}})
    chart.validate_schema(ALL_ON)


def test_config_changes_roll_the_deployment():
    def checksum(values):
        pod = kind(render(values), "Deployment")[0]["spec"]["template"]["metadata"]["annotations"]
        return pod["checksum/config"], pod["checksum/webhook-secrets"]
    base = checksum(DEFAULT_INSTALL)
    changed_config = checksum({**DEFAULT_INSTALL, "log": {"level": "debug"}})
    changed_secret = checksum({**DEFAULT_INSTALL, "webhook": {"secrets": {"wh_1": "rotated"}}})
    assert changed_config[0] != base[0] and changed_config[1] == base[1]
    assert changed_secret[1] != base[1]


def test_ingress_exposes_only_the_webhook_path_and_metrics_have_their_own_service():
    docs = render(ALL_ON)
    paths = kind(docs, "Ingress")[0]["spec"]["rules"][0]["http"]["paths"]
    assert [p["path"] for p in paths] == ["/webhooks/malomo"]
    services = {s["metadata"]["name"]: s for s in kind(docs, "Service")}
    assert [p["targetPort"] for p in services["bridge-malomo-kafka-bridge"]["spec"]["ports"]] == ["webhook"]
    assert [p["targetPort"] for p in services["bridge-malomo-kafka-bridge-metrics"]["spec"]["ports"]] == ["management"]
    # The headless management Service: one address per pod, ready or not, for malomo-admin's
    # rotation to ask every replica which secrets it loaded.
    headless = services["bridge-malomo-kafka-bridge-management"]["spec"]
    assert headless["clusterIP"] == "None" and headless["publishNotReadyAddresses"] is True
    assert [p["targetPort"] for p in headless["ports"]] == ["management"]
    assert headless["selector"] == services["bridge-malomo-kafka-bridge"]["spec"]["selector"]
    monitor = kind(docs, "ServiceMonitor")[0]
    assert monitor["spec"]["endpoints"][0]["port"] == "metrics"
    assert monitor["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == "metrics"


def test_chart_environment_variables_exist_in_the_bridge():
    """Every variable the chart sets is one the bridge documents (a typo would be ignored otherwise)."""
    readme = (ROOT / "README.md").read_text()
    config = kind(render(ALL_ON), "ConfigMap")[0]["data"]
    for key in config:
        documented = key if not key.startswith("KAFKA_PROPERTY_") else "KAFKA_PROPERTY_<NAME>"
        assert f"| `{documented}` |" in readme, key


def test_unsigned_mode_is_exclusive_with_webhook_secrets():
    # Malomo-Webhook-Id is not signed: unsigned mode beside secrets would accept a forged
    # request for any id without one, so the chart refuses the combination, as the bridge does.
    with pytest.raises(Exception, match="webhook.allowUnsigned cannot be true while webhook secrets are configured"):
        render({**DEFAULT_INSTALL, "webhook": {**DEFAULT_INSTALL["webhook"], "allowUnsigned": True}})
    with pytest.raises(Exception, match="webhook.allowUnsigned cannot be true"):
        render({"kafka": {"brokers": "k:9092"}, "webhook": {"allowUnsigned": True, "existingSecret": "s"}})
    config = kind(render({"kafka": {"brokers": "k:9092"}, "webhook": {"allowUnsigned": True}}), "ConfigMap")[0]["data"]
    assert config["MALOMO_ALLOW_UNSIGNED"] == "true"
    assert "MALOMO_WEBHOOK_SECRETS_DIR" not in config
    signed = kind(render(DEFAULT_INSTALL), "ConfigMap")[0]["data"]
    assert signed["MALOMO_ALLOW_UNSIGNED"] == "false"
    assert signed["MALOMO_WEBHOOK_SECRETS_DIR"] == "/etc/malomo/webhook-secrets"


def test_secret_looking_kafka_properties_go_into_a_secret_not_the_configmap():
    values = {
        **DEFAULT_INSTALL,
        "kafka": {
            "brokers": "k:9092",
            "extraProperties": {
                "socket.keepalive.enable": "true",
                "sasl.oauthbearer.client.secret": "oauth-s3cr3t",
                "ssl.key.pem": "-----BEGIN PRIVATE KEY-----x",
                "ssl.keystore.password": "ks-pass",
            },
        },
    }
    docs = render(values)
    config = kind(docs, "ConfigMap")[0]["data"]
    assert config["KAFKA_PROPERTY_SOCKET_KEEPALIVE_ENABLE"] == "true"
    rendered_config = yaml.safe_dump(config)
    for leaked in ["oauth-s3cr3t", "PRIVATE KEY", "ks-pass"]:
        assert leaked not in rendered_config, leaked
    secret = next(d for d in kind(docs, "Secret") if d["metadata"]["name"].endswith("-kafka-properties"))
    decoded = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert decoded == {
        "KAFKA_PROPERTY_SASL_OAUTHBEARER_CLIENT_SECRET": "oauth-s3cr3t",
        "KAFKA_PROPERTY_SSL_KEY_PEM": "-----BEGIN PRIVATE KEY-----x",
        "KAFKA_PROPERTY_SSL_KEYSTORE_PASSWORD": "ks-pass",
    }
    env_from = container(docs)["envFrom"]
    assert {"secretRef": {"name": secret["metadata"]["name"]}} in env_from
    # Without such properties there is no Secret and no secretRef.
    plain = render(DEFAULT_INSTALL)
    assert not [d for d in kind(plain, "Secret") if d["metadata"]["name"].endswith("-kafka-properties")]
    assert all("secretRef" not in e for e in container(plain)["envFrom"])


def test_network_policy_admits_only_named_sources():
    docs = render({**DEFAULT_INSTALL, "networkPolicy": {"enabled": True}})
    policy = kind(docs, "NetworkPolicy")[0]["spec"]
    for rule in policy["ingress"]:
        assert rule.get("from"), f"an ingress rule without sources admits every pod: {rule}"
    namespaces = [r["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for r in policy["ingress"]]
    assert namespaces == ["ingress-nginx", "monitoring"]
    with pytest.raises(Exception, match="networkPolicy.webhookFrom must name who may reach the webhook port"):
        render({**DEFAULT_INSTALL, "networkPolicy": {"enabled": True, "webhookFrom": []}})
    with pytest.raises(Exception, match="networkPolicy.metricsFrom must name"):
        render({**DEFAULT_INSTALL, "networkPolicy": {"enabled": True, "metricsFrom": []}})


RULES_FILE = CHART / "files" / "prometheus-rules.yaml"


def promtool_check(groups):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as handle:
        yaml.safe_dump({"groups": groups}, handle)
        handle.flush()
        result = subprocess.run(["promtool", "check", "rules", handle.name], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_prometheus_rule_is_the_rules_file_with_the_values_applied():
    rule = kind(render(ALL_ON), "PrometheusRule")[0]
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["metadata"]["labels"]["release"] == "prometheus"
    plain = yaml.safe_load(RULES_FILE.read_text())["groups"]
    rendered = rule["spec"]["groups"]
    assert [g["name"] for g in rendered] == [g["name"] for g in plain]
    for plain_group, group in zip(plain, rendered):
        assert [r["alert"] for r in group["rules"]] == [r["alert"] for r in plain_group["rules"]]
        for original, alert in zip(plain_group["rules"], group["rules"]):
            name = original["alert"]
            assert alert["expr"] == original["expr"], name
            assert alert["for"] == ("5m" if name == "MalomoBridgeNotReady" else original["for"]), name
            assert alert["labels"] == {**original["labels"], "team": "platform"}, name
            assert alert["annotations"] == {
                **original["annotations"],
                "runbook_url": f"https://runbooks.example.com/malomo-bridge#{name.lower()}",
            }, name
    assert f"SUCCESS: {sum(len(g['rules']) for g in plain)} rules found" in promtool_check(rendered)
    # Off by default; and the plain file passes promtool as shipped.
    assert not kind(render(DEFAULT_INSTALL), "PrometheusRule")
    assert "SUCCESS" in promtool_check(plain)


def test_every_alert_has_a_runbook_section_and_names_only_exported_metrics():
    runbook = (ROOT / "docs" / "runbook.md").read_text()
    families = set(re.findall(r'name: "(malomo_bridge_\w+)"', (ROOT / "Sources" / "MalomoBridge" / "BridgeMetricFamily.swift").read_text()))
    for group in yaml.safe_load(RULES_FILE.read_text())["groups"]:
        for rule in group["rules"]:
            assert f"### {rule['alert']}" in runbook, rule["alert"]
            assert rule["annotations"]["runbook"] == f"docs/runbook.md#{rule['alert'].lower()}"
            assert rule["labels"]["severity"] in {"critical", "warning"}
            for metric in re.findall(r"malomo_bridge_\w+", rule["expr"]):
                base = re.sub(r"_(bucket|count|sum)$", "", metric)
                assert base in families, f"{rule['alert']} uses {metric}, which the bridge does not export"


def test_schema_refuses_a_bad_alert_duration():
    chart = helm.Chart.load(CHART)
    with pytest.raises(Exception, match="pattern|does not match"):
        chart.validate_schema({**DEFAULT_INSTALL, "prometheusRule": {"enabled": True, "for": {"MalomoBridgeNotReady": "five minutes"}}})


DASHBOARD_FILE = CHART / "files" / "grafana-dashboard.json"


def dashboard_queries(dashboard):
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def test_dashboard_configmap_carries_the_sidecar_label_and_the_file():
    import json

    maps = [d for d in kind(render(ALL_ON), "ConfigMap") if d["metadata"]["name"].endswith("-dashboard")]
    assert len(maps) == 1
    dashboard_map = maps[0]
    assert dashboard_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert dashboard_map["metadata"]["annotations"] == {"grafana_folder": "Malomo"}
    assert json.loads(dashboard_map["data"]["malomo-bridge.json"]) == json.loads(DASHBOARD_FILE.read_text())
    assert not [d for d in kind(render(DEFAULT_INSTALL), "ConfigMap") if d["metadata"]["name"].endswith("-dashboard")]


def test_dashboard_queries_name_only_exported_metrics_and_cover_the_issue_list():
    import json

    dashboard = json.loads(DASHBOARD_FILE.read_text())
    families = set(re.findall(r'name: "(malomo_bridge_\w+)"', (ROOT / "Sources" / "MalomoBridge" / "BridgeMetricFamily.swift").read_text()))
    used = set()
    for expr in dashboard_queries(dashboard):
        for metric in re.findall(r"malomo_bridge_\w+", expr):
            base = re.sub(r"_(bucket|count|sum)$", "", metric)
            assert base in families, f"{expr} uses {metric}, which the bridge does not export"
            used.add(base)
        assert 'job=~"$job"' in expr, f"{expr} ignores the job variable"
    # Outcomes, ack latency, in flight, queue depth, dead letters, attempt numbers, broker RTT, readiness.
    for family in [
        "malomo_bridge_webhooks_received_total", "malomo_bridge_ack_latency_seconds", "malomo_bridge_requests_in_flight",
        "malomo_bridge_kafka_queue_messages", "malomo_bridge_dead_letters_total", "malomo_bridge_delivery_attempt_number",
        "malomo_bridge_kafka_broker_rtt_seconds", "malomo_bridge_ready",
    ]:
        assert family in used, family
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_alert_labels_never_replace_an_alerts_severity_and_the_schema_knows_every_alert():
    import json

    rule = kind(render({**DEFAULT_INSTALL, "prometheusRule": {"enabled": True, "alertLabels": {"severity": "page", "team": "x"}}}),
                "PrometheusRule")[0]
    plain = {r["alert"]: r for g in yaml.safe_load(RULES_FILE.read_text())["groups"] for r in g["rules"]}
    for group in rule["spec"]["groups"]:
        for alert in group["rules"]:
            assert alert["labels"] == {**plain[alert["alert"]]["labels"], "team": "x"}, alert["alert"]
    schema = json.loads((CHART / "values.schema.json").read_text())
    assert schema["properties"]["prometheusRule"]["properties"]["for"]["propertyNames"]["enum"] == list(plain)
    chart = helm.Chart.load(CHART)
    with pytest.raises(Exception, match="MalomoBridgeNotRaedy|enum|is not one of"):
        chart.validate_schema({**DEFAULT_INSTALL, "prometheusRule": {"for": {"MalomoBridgeNotRaedy": "5m"}}})
