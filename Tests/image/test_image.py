"""The built image, run with podman (scripts/check-image builds it and sets MALOMO_IMAGE).

Every container runs with the host's network (the mock cluster, a separate process, listens on
loopback), all capabilities dropped, no new privileges, and the image's own non-root user;
unless a test says otherwise, with a read-only root and a 16 MiB tmpfs at /tmp, the chart's
only writable path.
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import pathlib
import re
import socket
import subprocess
import tempfile
import threading
import time
import uuid

import helm_python as helm
import pytest
import yaml
from confluent_kafka import Consumer, TopicPartition

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "malomo-kafka-bridge"
IMAGE = os.environ["MALOMO_IMAGE"]
MOCK_KAFKA = os.environ["MALOMO_MOCK_KAFKA"]
LABEL = "malomo-check-image"
SECRET = b"image-test-secret"
WEBHOOK_ID = "wh_image"
RUNTIME_PACKAGES = {
    "ca-certificates", "libbrotli1", "libcurl4", "libgssapi-krb5-2", "libk5crypto3", "libkeyutils1", "libkrb5-3",
    "libkrb5support0", "libldap-2.5-0", "libnghttp2-14", "libpsl5", "librdkafka1", "librtmp1", "libsasl2-2",
    "libsasl2-modules-db", "libssh2-1", "libssl3", "openssl",
}
SAMPLE = (ROOT / "Sources" / "MalomoBridge" / "Resources" / "sample-order.json").read_bytes()
HARDENED = ["--label", LABEL, "--network", "host", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
READ_ONLY = ["--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp:rw,size=16m,mode=1777"]


def podman(*args, timeout=120, check=True):
    result = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        pytest.fail(f"podman {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port):
    with socket.socket() as s:
        try:
            s.bind(("0.0.0.0", port))
            return True
        except OSError:
            return False


def event_id(topic, body):
    return hashlib.sha256(topic.encode() + b"\n" + body).hexdigest()


def request(port, method, path, body=None, headers=None, timeout=15):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def post_webhook(port, body, topic="orders:created", secret=SECRET, webhook_id=WEBHOOK_ID, timeout=15):
    headers = {
        "Content-Type": "application/json",
        "Malomo-Topic": topic,
        "Malomo-Webhook-Id": webhook_id,
        "Malomo-Attempt-Number": "1",
        "Malomo-Signature": hmac.new(secret, body, hashlib.sha256).hexdigest(),
    }
    return request(port, "POST", "/webhooks/malomo", body, headers, timeout=timeout)


def unique_order():
    return json.dumps({"id": str(uuid.uuid4()), "object": "order", "number": "image-test"}).encode()


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.1)
    pytest.fail(f"{what} within {timeout} s")


def records_at(brokers, answers):
    """The record at each (topic, partition, offset) a 202 announced, keyed by that triple."""
    wanted = {(a["topic"], a["partition"], a["offset"]) for a in answers}
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": f"image-{uuid.uuid4()}", "enable.auto.commit": False})
    found = {}
    try:
        first = {}
        for topic, partition, offset in wanted:
            first[(topic, partition)] = min(offset, first.get((topic, partition), offset))
        consumer.assign([TopicPartition(t, p, o) for (t, p), o in first.items()])
        deadline = time.monotonic() + 30
        while len(found) < len(wanted) and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            key = (message.topic(), message.partition(), message.offset())
            if key in wanted:
                found[key] = message
    finally:
        consumer.close()
    return found


def header(message, name):
    for key, value in message.headers() or []:
        if key == name:
            return value.decode()
    return None


class Container:
    def __init__(self, name):
        self.name = name

    def logs(self):
        result = podman("logs", self.name, check=False)
        return result.stdout, result.stderr

    def running(self):
        return podman("inspect", "--format", "{{.State.Running}}", self.name).stdout.strip() == "true"

    def exit_code(self, timeout):
        return int(podman("wait", self.name, timeout=timeout).stdout.strip())


@pytest.fixture
def containers():
    started = []

    def run(*args, entrypoint=None, read_only=True, env=None, extra=()):
        name = f"malomo-image-{uuid.uuid4().hex[:8]}"
        command = ["run", "-d", "--name", name, *HARDENED, *(READ_ONLY if read_only else []), *extra]
        for key, value in (env or {}).items():
            command += ["-e", f"{key}={value}"]
        if entrypoint:
            command += ["--entrypoint", entrypoint]
        podman(*command, IMAGE, *args)
        started.append(name)
        return Container(name)

    yield run
    for name in started:
        podman("rm", "-f", "-t", "0", name, check=False)


@pytest.fixture
def kafka():
    """A mock cluster of its own for each test (so no test reads another's records)."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen([MOCK_KAFKA], stdout=subprocess.PIPE, stderr=errors, text=True)
        try:
            line = process.stdout.readline().strip()  # its only line; stderr goes to a file
            if not line.startswith("bootstrap.servers="):
                errors.seek(0)
                pytest.fail(f"malomo-mock-kafka printed {line!r}: {errors.read().decode(errors='replace')}")
            yield line.split("=", 1)[1]
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def secrets_dir():
    with tempfile.TemporaryDirectory() as directory:
        path = pathlib.Path(directory)
        path.chmod(0o755)
        (path / WEBHOOK_ID).write_bytes(SECRET + b"\n")
        (path / WEBHOOK_ID).chmod(0o444)
        yield path


def bridge_env(kafka, http_port, management_port):
    return {
        "KAFKA_BROKERS": kafka,
        "HTTP_PORT": http_port,
        "MANAGEMENT_PORT": management_port,
        "MALOMO_WEBHOOK_SECRETS_DIR": "/etc/malomo/webhook-secrets",
        "ACK_TIMEOUT_MS": "5000",
    }


def start_bridge(containers, kafka, secrets_dir, read_only=True):
    http_port, management_port = free_port(), free_port()
    container = containers(
        env=bridge_env(kafka, http_port, management_port),
        read_only=read_only,
        extra=["-v", f"{secrets_dir}:/etc/malomo/webhook-secrets:ro"],
    )
    wait_for(lambda: request(management_port, "GET", "/readyz")[0] == 200, 30, f"{container.name} ready")
    return container, http_port, management_port


def inspect():
    return json.loads(podman("image", "inspect", IMAGE).stdout)[0]


# --- The image ---------------------------------------------------------------------------


def test_built_from_the_dockerfiles_own_runtime_stage():
    """scripts/check-image replaces only the build stage (no Swift image can be pulled here)."""
    marker = "\nFROM ${RUNTIME_IMAGE}\n"
    real = (ROOT / "docker" / "Dockerfile").read_text()
    built = pathlib.Path(os.environ["MALOMO_BUILT_DOCKERFILE"]).read_text()
    assert marker in real and real.split(marker, 1)[1] == built.split(marker, 1)[1]


def test_image_size_stays_within_its_budget():
    size = inspect()["Size"]
    print(f"\nimage size: {size / 1e6:.1f} MB")
    # 306.5 MB when measured (base 77.9, apt 16.5, binaries 212); unstripped binaries made 438.
    assert size < 330e6, f"{size / 1e6:.1f} MB"


def test_image_config():
    config = inspect()["Config"]
    assert config.get("User") == "10001:10001", "the image runs as its own non-root user"
    assert config["Entrypoint"] == ["/usr/local/bin/malomo-bridge"]
    assert set(config["ExposedPorts"]) == {"8080/tcp", "9090/tcp"}
    env = dict(item.split("=", 1) for item in config["Env"])
    assert env["LOG_FORMAT"] == "json" and env["HTTP_PORT"] == "8080" and env["MANAGEMENT_PORT"] == "9090"
    assert not config.get("Volumes"), "no declared volumes: the chart mounts what it needs"


def test_runtime_is_slim():
    script = r"""
set -e
dpkg-query -W -f '${Package}\n' | sort > /tmp/packages
cat /tmp/packages
echo '--'
find /var/lib/apt/lists /var/cache/apt -type f ! -name lock 2>/dev/null || true
echo '--'
find /usr/share/doc -type f ! -name copyright | head -5
echo '--'
for tool in cc gcc clang swift swiftc ld make; do command -v "$tool" || true; done
echo '--'
ls -ld /usr/local/bin/* | awk '{print $1, $3, $4, $NF}'
"""
    out = podman("run", "--rm", *HARDENED, *READ_ONLY, "--entrypoint", "sh", IMAGE, "-c", script).stdout
    packages, apt_files, docs, tools, binaries = out.split("--\n")
    packages = set(packages.split())
    assert {"librdkafka1", "ca-certificates", "libcurl4"} <= packages
    assert not {p for p in packages if p.endswith("-dev") or p in {"gcc", "cpp", "binutils", "make", "clang"}}
    assert not apt_files.strip(), f"apt caches or package lists left: {apt_files}"
    assert not docs.strip(), f"documentation left in the image: {docs}"
    assert not tools.strip(), f"build tools in the runtime image: {tools}"
    for line in binaries.strip().splitlines():
        mode, owner, group, path = line.split()
        assert owner == "root" and mode[5] != "w" and mode[8] != "w", f"{path} is {mode} {owner}: the service user must not be able to replace it"
    base = podman("run", "--rm", *HARDENED, "--entrypoint", "dpkg-query", os.environ["MALOMO_BASE_IMAGE"], "-W", "-f", "${Package}\n")
    added = sorted(packages - set(base.stdout.split()))
    print(f"\npackages added to the base: {' '.join(added)}")
    # librdkafka1, ca-certificates, libcurl4 and their dependencies on bookworm, nothing else.
    assert set(added) <= RUNTIME_PACKAGES, f"unexpected packages in the runtime: {sorted(set(added) - RUNTIME_PACKAGES)}"


def test_executables_run_from_the_image():
    for binary in ["malomo-bridge", "malomo-events-tail", "malomo-admin"]:
        result = podman("run", "--rm", *HARDENED, *READ_ONLY, "--entrypoint", f"/usr/local/bin/{binary}", IMAGE, "--help")
        assert "USAGE" in result.stdout.upper() or "usage" in result.stdout, f"{binary} --help: {result.stdout}"


# --- Running it --------------------------------------------------------------------------


def test_a_signed_webhook_is_in_kafka_and_the_image_decodes_it(containers, kafka, secrets_dir):
    bridge, http_port, management_port = start_bridge(containers, kafka, secrets_dir)
    assert request(management_port, "GET", "/healthz")[0] == 200
    assert post_webhook(http_port, SAMPLE, secret=b"wrong")[0] == 401
    status, body = post_webhook(http_port, SAMPLE)
    assert status == 202, body
    answer = json.loads(body)
    assert answer["topic"] == "malomo.orders.created"
    assert isinstance(answer["partition"], int) and isinstance(answer["offset"], int)
    assert answer["event_id"] == event_id("orders:created", SAMPLE)
    record = records_at(kafka, [answer])[(answer["topic"], answer["partition"], answer["offset"])]
    assert record.value() == SAMPLE and header(record, "malomo-event-id") == answer["event_id"]

    tail = podman(
        "run", "--rm", *HARDENED, *READ_ONLY, "--entrypoint", "/usr/local/bin/malomo-events-tail", IMAGE,
        "--brokers", kafka, "--topics", "orders:created", "--json", "--max", "1", timeout=60)
    event = json.loads(tail.stdout.strip().splitlines()[0])
    sample = json.loads(SAMPLE)
    assert (event["event_id"], event["kafka_topic"], event["partition"], event["offset"]) == (
        answer["event_id"], answer["topic"], answer["partition"], answer["offset"]), tail.stdout
    assert (event["topic"], event["id"], event["webhook_id"]) == ("orders:created", sample["id"], WEBHOOK_ID), tail.stdout
    assert len(event["shipments"]) == len(sample["shipments"]), "the order decoded with its shipments"

    # A topic the bridge does not route is dead-lettered; the image's malomo-admin counts it.
    status, body = post_webhook(http_port, b'{"id":"w_1"}', topic="widgets:created")
    assert status == 202 and json.loads(body)["topic"] == "malomo.dead-letter", body
    admin = podman(
        "run", "--rm", *HARDENED, *READ_ONLY, "-e", f"KAFKA_BROKERS={kafka}", "--entrypoint", "/usr/local/bin/malomo-admin",
        IMAGE, "dead-letters", "summary", "--json", timeout=60)
    summary = json.loads(admin.stdout)
    assert (summary["total"], summary["by_reason"], summary["by_topic"]) == (1, {"topic_not_allowed": 1}, {"widgets:created": 1}), admin.stdout

    podman("kill", "--signal", "TERM", bridge.name)
    assert bridge.exit_code(timeout=30) == 0
    stdout, stderr = bridge.logs()
    lines = [line for line in (stdout + stderr).splitlines() if line.strip()]
    assert lines, "the bridge logged nothing"
    for line in lines:
        json.loads(line)  # LOG_FORMAT=json in the image: every line, librdkafka's included


def test_sigterm_mid_burst_exits_zero_with_every_202_in_kafka(containers, kafka, secrets_dir):
    bridge, http_port, _ = start_bridge(containers, kafka, secrets_dir)
    answers, wrong_ids, statuses, bodies, lock = [], [], {}, {}, threading.Lock()
    stop = threading.Event()

    def client():
        while not stop.is_set():
            body = unique_order()
            try:
                status, response = post_webhook(http_port, body, timeout=10)
            except (OSError, http.client.HTTPException) as error:
                key = type(error).__name__
                with lock:
                    statuses[key] = statuses.get(key, 0) + 1
                if isinstance(error, ConnectionRefusedError):
                    return
                continue
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 202:
                    answer = json.loads(response)
                    answers.append(answer)
                    bodies[(answer["topic"], answer["partition"], answer["offset"])] = body
                    if answer["event_id"] != event_id("orders:created", body):
                        wrong_ids.append(answer)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: len(answers) >= 200, 30, "200 webhooks answered before the signal")
        podman("kill", "--signal", "TERM", bridge.name)
        code = bridge.exit_code(timeout=30)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
    print(f"\nstatuses during the burst: {statuses}")
    assert code == 0, bridge.logs()
    assert not wrong_ids, f"202s announcing another body's event id: {wrong_ids[:3]}"
    # Connections refused, reset or closed while shutting down are requests that were never
    # answered (Malomo retries them); any other answer than 202 or 503 is a failure.
    allowed = {202, 503, "ConnectionRefusedError", "ConnectionResetError", "BrokenPipeError", "RemoteDisconnected"}
    assert set(statuses) <= allowed, statuses
    found = records_at(kafka, answers)
    missing = [a for a in answers if (a["topic"], a["partition"], a["offset"]) not in found]
    assert not missing, f"{len(missing)} of {len(answers)} acknowledged events are not in Kafka: {missing[:3]}"
    for answer in answers:
        record = found[(answer["topic"], answer["partition"], answer["offset"])]
        assert header(record, "malomo-event-id") == answer["event_id"]
        assert record.value() == bodies[(answer["topic"], answer["partition"], answer["offset"])]


def test_nothing_is_written_outside_tmp(containers, kafka, secrets_dir):
    bridge, http_port, _ = start_bridge(containers, kafka, secrets_dir, read_only=False)
    assert post_webhook(http_port, unique_order())[0] == 202
    podman("kill", "--signal", "TERM", bridge.name)
    assert bridge.exit_code(timeout=30) == 0
    changes = podman("diff", bridge.name).stdout.split("\n")
    changed = [line.split(None, 1)[1] for line in changes if line.strip()]
    # podman itself creates the mount points of its bind mounts and /run/.containerenv.
    podman_made = {"/etc", "/etc/malomo", "/etc/malomo/webhook-secrets", "/run", "/run/.containerenv", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf"}
    written = [path for path in changed if path not in podman_made and path != "/tmp" and not path.startswith("/tmp/")]
    assert not written, f"the bridge wrote to its root filesystem: {written}"


def test_dev_mode_prints_a_curl_that_works_as_printed(containers):
    http_port, management_port = free_port(), free_port()
    # As the README runs it: host network, loopback only.
    dev = containers("--dev", "--http-port", str(http_port), "--management-port", str(management_port), env={"HTTP_HOST": "127.0.0.1"})

    def banner_printed():
        if "Stop with Ctrl-C" in dev.logs()[0]:
            return True
        if not dev.running():
            pytest.fail(f"the dev container exited before its banner: {dev.logs()}")
        return False

    wait_for(banner_printed, 60, "the dev banner")
    banner = dev.logs()[0]
    curl = re.search(r"^  curl .*?^MALOMO_SAMPLE_ORDER$", banner, re.M | re.S)
    assert curl, f"no curl with the sample inline in the banner:\n{banner}"
    result = subprocess.run(["bash", "-c", curl.group(0)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and " 202 " in result.stdout.splitlines()[0], result.stdout + result.stderr
    answer = json.loads(result.stdout.split("\n\n", 1)[1])  # text=True: CRLF read as LF
    kcat = re.search(r"^  kcat .*?'$", banner, re.M | re.S)
    assert kcat, banner
    read_back = subprocess.run(["bash", "-c", kcat.group(0)], capture_output=True, text=True, timeout=30)
    assert read_back.returncode == 0, read_back.stderr
    assert f"offset={answer['offset']}" in read_back.stdout and answer["event_id"] in read_back.stdout
    tail = re.search(r"^  docker exec <container> (malomo-events-tail --brokers \S+ --max 1)$", banner, re.M)
    assert tail, f"the banner names the image's malomo-events-tail:\n{banner}"
    decoded = podman("exec", dev.name, *tail.group(1).split(), timeout=60)
    assert answer["event_id"][:12] in decoded.stdout, decoded.stdout


# --- The chart's defaults against the image ----------------------------------------------


def test_the_charts_defaults_run_the_image(containers, kafka):
    values = {"kafka": {"brokers": kafka}, "webhook": {"secrets": {WEBHOOK_ID: SECRET.decode()}}}
    rendered = helm.Chart.load(CHART).render(values, name="bridge", namespace="malomo", is_install=True)
    docs = [d for path, text in rendered.items() if not path.endswith("NOTES.txt") for d in yaml.safe_load_all(text) if d]
    by_kind = lambda kind: [d for d in docs if d["kind"] == kind]
    pod = by_kind("Deployment")[0]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    config = inspect()["Config"]

    # The user, the ports and the entrypoint the chart assumes are the image's.
    assert config.get("User") == f"{pod['securityContext']['runAsUser']}:{pod['securityContext']['runAsGroup']}"
    assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["runAsUser"] != 0
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert {f"{p}/tcp" for p in ports.values()} == set(config["ExposedPorts"])
    assert "command" not in container and "args" not in container, "the chart runs the image's entrypoint"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    for port in ports.values():
        if not port_is_free(port):
            pytest.fail(f"port {port} is in use on this machine: this test runs the image on the chart's ports")

    # Run it as the pod would: the ConfigMap's environment, the Secret as files, emptyDirs as
    # tmpfs, read-only root, the pod's user, capabilities dropped, no privilege escalation.
    env = dict(by_kind("ConfigMap")[0]["data"])
    secret = by_kind("Secret")[0]
    volumes = {v["name"]: v for v in pod["volumes"]}
    with tempfile.TemporaryDirectory() as directory:
        args = ["--read-only", "--read-only-tmpfs=false", "--user", f"{pod['securityContext']['runAsUser']}:{pod['securityContext']['runAsGroup']}"]
        for mount in container["volumeMounts"]:
            volume = volumes[mount["name"]]
            if "emptyDir" in volume:
                args += ["--tmpfs", f"{mount['mountPath']}:rw,size=16m,mode=1777"]
            elif "secret" in volume:
                assert volume["secret"]["secretName"] == secret["metadata"]["name"]
                files = pathlib.Path(directory) / mount["name"]
                files.mkdir(mode=0o755)
                for key, value in secret["data"].items():
                    (files / key).write_bytes(base64.b64decode(value))
                    (files / key).chmod(0o444)
                args += ["-v", f"{files}:{mount['mountPath']}:ro"]
            else:
                pytest.fail(f"volume {mount['name']} of a kind this test does not map: {volume}")
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        bridge = containers(env=env, read_only=False, extra=args)

        startup = container["startupProbe"]
        probe_port = lambda probe: ports[probe["httpGet"]["port"]]
        wait_for(lambda: request(probe_port(startup), "GET", startup["httpGet"]["path"])[0] == 200,
                 startup["periodSeconds"] * startup["failureThreshold"], "the startup probe passing within its budget")
        for probe in [container["livenessProbe"], container["readinessProbe"]]:
            wait_for(lambda: request(probe_port(probe), "GET", probe["httpGet"]["path"])[0] == 200, 10, f"{probe['httpGet']['path']} 200")
        status, body = post_webhook(ports["webhook"], SAMPLE)
        assert status == 202, body

        # Termination as the kubelet does it: preStop in the container, then SIGTERM, within the grace period.
        grace = pod["terminationGracePeriodSeconds"]
        started = time.monotonic()
        podman("exec", bridge.name, *container["lifecycle"]["preStop"]["exec"]["command"], timeout=grace)
        podman("kill", "--signal", "TERM", bridge.name)
        assert bridge.exit_code(timeout=grace) == 0
        assert time.monotonic() - started < grace


# --- Compose -----------------------------------------------------------------------------


def test_compose_file_resolves_with_podman_compose():
    result = subprocess.run(["podman-compose", "-f", str(ROOT / "docker" / "compose.yaml"), "config"],
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    resolved = yaml.safe_load(result.stdout)
    services = resolved["services"]
    assert set(services) == {"kafka", "bridge", "tail", "prometheus"}
    assert services["kafka"]["healthcheck"]["test"][0] == "CMD-SHELL"
    bridge = services["bridge"]
    assert bridge["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert services["tail"]["depends_on"]["bridge"]["condition"] == "service_started"
    assert pathlib.Path(bridge["build"]["context"]).resolve() == ROOT
    assert bridge["build"]["dockerfile"] == "docker/Dockerfile"
    assert bridge["environment"]["KAFKA_BROKERS"] == "kafka:9092"
    assert bridge["environment"]["MALOMO_WEBHOOK_SECRET_FILE"] == "/run/secrets/malomo_webhook_secret"
    assert bridge["secrets"] == ["malomo_webhook_secret"]
    secret_file = pathlib.Path(resolved["secrets"]["malomo_webhook_secret"]["file"])
    if not secret_file.is_absolute():
        secret_file = ROOT / "docker" / secret_file
    assert secret_file.read_text().strip(), "the compose secret file exists and is not empty"
    assert bridge["read_only"] is True and bridge["cap_drop"] == ["ALL"]
    assert services["tail"]["image"] == bridge["image"], "tail runs the image compose builds"
