#!/usr/bin/env python3
"""What a webhook's CPU is made of, and what bounds its throughput: four targets in turn (the
same order every round), several rounds, against one release bridge and one malomo-mock-kafka
process (the broker outside the bridge, as in production):

  - nginx answering 204 (the ceiling of Benchmarks/run);
  - the bridge's management GET /healthz: Hummingbird answering with no work at all;
  - the webhook with a wrong signature, 401: head and body read, HMAC, the answer; no Kafka;
  - the signed webhook, 202 after the broker's acknowledgement.

Each round measures every target at 2,000 req/s (hey, 20 workers, 8 s each: CPU per answered
request, p50/p99), then every target saturated (wrk, 2 threads, 64 connections, as in
Benchmarks/run: req/s, its ratio to nginx's in the same round, CPU per request, p99).

CPU is the server process's, every thread, from /proc/PID/stat, and per group of threads
(the event loops, librdkafka's threads, ...) from /proc/PID/task/*/stat; the hypervisor's steal
during each phase is printed beside it (a phase with much of it is not comparable). Every
answer must have the expected status, and a saturated phase must see no socket errors. Run
after Benchmarks/run built the release binaries: python3 Benchmarks/cpu-floor.py [rounds]
(writes bench-results/cpu-floor.json)."""
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402

_spec = importlib.util.spec_from_file_location("make_lua", os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk", "make-lua.py"))
make_lua = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_lua)

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3


def by_thread(result):
    """The busiest groups of the server's threads, µs of CPU per request each."""
    return ", ".join(f"{name} ×{group['threads']} {group['cpu_us_per_request']:.1f}"
                     for name, group in list(result["threads"].items())[:5] if group["cpu_seconds"] > 0)


def main():
    body = H.FIXTURES / "order.json"
    signed = H.signature(body.read_bytes())
    wrong = H.signature(body.read_bytes(), secret="not-the-secret")
    headers = H.webhook_headers

    work = tempfile.mkdtemp(prefix="malomo-cpu-floor-")
    processes = []
    try:
        kafka = subprocess.Popen([str(H.ROOT / ".build/release/malomo-mock-kafka"), "--brokers", "3"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        processes.append(kafka)
        line = kafka.stdout.readline()
        match = re.match(r"bootstrap.servers=(\S+)", line)
        assert match, f"malomo-mock-kafka did not start: {line!r}"
        env = dict(os.environ, LOG_LEVEL="warning", LOG_FORMAT="json", KAFKA_BROKERS=match.group(1),
                   MALOMO_WEBHOOK_SECRET=H.SECRET, HTTP_HOST="127.0.0.1", HTTP_PORT=str(H.BRIDGE_PORT),
                   MANAGEMENT_PORT=str(H.MANAGEMENT_PORT))
        bridge = subprocess.Popen([str(H.ROOT / ".build/release/malomo-bridge")], stdout=subprocess.DEVNULL,
                                  stderr=open(os.path.join(work, "bridge.err"), "w"), env=env)
        processes.append(bridge)
        nginx = subprocess.Popen(["nginx", "-c", str(H.ROOT / "Benchmarks/wrk/nginx.conf"), "-p", work],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(nginx)
        H.wait_http(H.MANAGEMENT_PORT, "/readyz")
        H.expect_only("warm-up", H.hey_fixed_rate(H.BRIDGE_PORT, str(body), headers(signed), seconds=2)["statuses"], 202)
        order = body.read_bytes()
        scripts = {}
        for key, request in [("signed", make_lua.webhook("orders:created", order, H.SECRET)),
                             ("wrong", make_lua.webhook("orders:created", order, "not-the-secret")),
                             ("healthz", ("GET", "/healthz", {}, None))]:
            scripts[key] = os.path.join(work, f"{key}.lua")
            with open(scripts[key], "w") as f:
                f.write(make_lua.script([request], key))
        # (name, pid, expected status, fixed-rate run, saturated run)
        cases = [
            ("nginx POST, 204", nginx.pid, "204",
             lambda: H.hey_fixed_rate(H.NGINX_PORT, str(body), headers(signed), seconds=8),
             lambda: H.wrk(H.NGINX_PORT, scripts["signed"])),
            ("bridge GET /healthz (management), 200", bridge.pid, "200",
             lambda: H.hey_fixed_rate(H.MANAGEMENT_PORT, str(body), [], method="GET", path="/healthz", seconds=8),
             lambda: H.wrk(H.MANAGEMENT_PORT, scripts["healthz"])),
            ("bridge POST, wrong signature (no Kafka), 401", bridge.pid, "401",
             lambda: H.hey_fixed_rate(H.BRIDGE_PORT, str(body), headers(wrong), seconds=8),
             lambda: H.wrk(H.BRIDGE_PORT, scripts["wrong"])),
            ("bridge POST, signed (broker ack), 202", bridge.pid, "202",
             lambda: H.hey_fixed_rate(H.BRIDGE_PORT, str(body), headers(signed), seconds=8),
             lambda: H.wrk(H.BRIDGE_PORT, scripts["signed"])),
        ]
        results = {"fixed_rate": {name: [] for name, *_ in cases}, "saturated": {name: [] for name, *_ in cases}}
        for number in range(ROUNDS):
            for name, pid, status, fixed, _ in cases:
                r = H.measured(pid, fixed)
                H.expect_only(f"round {number + 1} {name} at 2,000 req/s", r["statuses"], status)
                r.pop("latencies")
                results["fixed_rate"][name].append(r)
                print(f"round {number + 1} 2,000 req/s {name:46s} {r['cpu_us_per_request']:6.1f} µs CPU/request, {r['requests']} answers, "
                      f"p50 {r['p50_ms']:.2f} p99 {r['p99_ms']:.2f} ms, stolen {r['steal_share']:.1%}\n      threads (µs/request): {by_thread(r)}", flush=True)
            baseline = None
            for name, pid, status, _, saturated in cases:
                r = H.measured(pid, saturated)
                H.expect_only(f"round {number + 1} {name} saturated", r["statuses"], status)
                if any(r["socket_errors"]):
                    sys.exit(f"round {number + 1} {name} saturated: socket errors {r['socket_errors']}")
                baseline = baseline or r["requests_per_second"]
                r["ratio_to_nginx"] = r["requests_per_second"] / baseline
                results["saturated"][name].append(r)
                print(f"round {number + 1} saturated   {name:46s} {r['requests_per_second']:8.0f} req/s ({r['ratio_to_nginx']:.3f}× nginx), "
                      f"{r['cpu_us_per_request']:6.1f} µs CPU/request, p99 {r['p99_ms']:.2f} ms, stolen {r['steal_share']:.1%}\n      threads (µs/request): {by_thread(r)}", flush=True)
        print("\nmedians over rounds:")
        for name in results["fixed_rate"]:
            fixed, saturated = results["fixed_rate"][name], results["saturated"][name]
            print(f"  {name:46s} 2,000 req/s: {statistics.median(r['cpu_us_per_request'] for r in fixed):6.1f} µs CPU/request, "
                  f"p99 {statistics.median(r['p99_ms'] for r in fixed):.2f} ms; saturated: "
                  f"{statistics.median(r['requests_per_second'] for r in saturated):8.0f} req/s "
                  f"({statistics.median(r['ratio_to_nginx'] for r in saturated):.3f}× nginx), "
                  f"{statistics.median(r['cpu_us_per_request'] for r in saturated):6.1f} µs CPU/request", flush=True)
        H.OUT.mkdir(exist_ok=True)
        (H.OUT / "cpu-floor.json").write_text(json.dumps(results, indent=2))
    finally:
        H.stop(processes)


if __name__ == "__main__":
    main()
