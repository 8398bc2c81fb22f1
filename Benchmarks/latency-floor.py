#!/usr/bin/env python3
"""Where the fixed-rate latency comes from: the same 2,000 req/s (hey, 20 workers) against
nginx-204, the bridge's management GET /healthz (Hummingbird doing nothing), the webhook with a
wrong signature (body read and HMAC, no Kafka: 401) and the signed webhook (202 after the broker
ack), alternating, several rounds, one bridge and one nginx. Run after Benchmarks/run built the
release binary: python3 Benchmarks/latency-floor.py [rounds]"""
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3


def main():
    body = H.FIXTURES / "order.json"
    signed = H.signature(body.read_bytes())
    wrong = H.signature(body.read_bytes(), secret="not-the-secret")
    headers = H.webhook_headers

    def get(port, path):
        return H.hey_fixed_rate(port, str(body), [], method="GET", path=path, seconds=5)

    def post(signature):
        return H.hey_fixed_rate(H.BRIDGE_PORT, str(body), headers(signature), seconds=5)

    cases = [
        ("nginx POST, 204", lambda: H.hey_fixed_rate(H.NGINX_PORT, str(body), headers(signed), seconds=5)),
        ("bridge GET /healthz (management), 200", lambda: get(H.MANAGEMENT_PORT, "/healthz")),
        ("bridge POST, wrong signature (no Kafka), 401", lambda: post(wrong)),
        ("bridge POST, signed (broker ack), 202", lambda: post(signed)),
    ]
    work = tempfile.mkdtemp(prefix="malomo-floor-")
    env = dict(os.environ, LOG_LEVEL="warning", MANAGEMENT_PORT=str(H.MANAGEMENT_PORT))
    bridge = subprocess.Popen([str(H.ROOT / ".build/release/malomo-bridge"), "--dev", "--http-port", str(H.BRIDGE_PORT)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    nginx = subprocess.Popen(["nginx", "-c", str(H.ROOT / "Benchmarks/wrk/nginx.conf"), "-p", work],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and "bootstrap servers" not in bridge.stdout.readline():
            pass
        time.sleep(0.5)
        post(signed)  # warm-up: topic metadata, connections
        results = {name: [] for name, _ in cases}
        for round_number in range(ROUNDS):
            for name, run in cases:
                r = run()
                results[name].append({k: v for k, v in r.items() if k != "latencies"})
                print(f"round {round_number + 1} {name}: p50 {r['p50_ms']:.2f} p90 {r['p90_ms']:.2f} p99 {r['p99_ms']:.2f} "
                      f"max {r['max_ms']:.1f} ms {r['statuses']}", flush=True)
        print("\nmedians over rounds:")
        for name, rounds in results.items():
            p50 = statistics.median(r["p50_ms"] for r in rounds)
            p99 = statistics.median(r["p99_ms"] for r in rounds)
            print(f"  {name:46s} p50 {p50:.2f} ms  p99 {p99:.2f} ms")
        H.OUT.mkdir(exist_ok=True)
        (H.OUT / "latency-floor.json").write_text(json.dumps(results, indent=2))
    finally:
        bridge.send_signal(signal.SIGTERM)
        nginx.send_signal(signal.SIGQUIT)
        bridge.wait(timeout=20)
        nginx.wait(timeout=10)


if __name__ == "__main__":
    main()
