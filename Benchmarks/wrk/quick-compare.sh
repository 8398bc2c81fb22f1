#!/usr/bin/env bash
# Side-by-side wrk run: the release bridge in dev mode (202 after broker ack) against nginx
# returning 204, same wrk settings, same machine, one run. Counts records in Kafka afterwards.
# Usage: Benchmarks/wrk/quick-compare.sh [duration=10s] [connections=64]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10s}
connections=${2:-64}
scripts/ensure-packages wrk nginx-light kcat librdkafka-dev pkg-config
swift build -c release --product malomo-bridge >/dev/null
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
python3 Benchmarks/wrk/make-lua.py malomo-dev-secret Tests/MalomoBridgeTests/Fixtures "$work/post.lua"

LOG_LEVEL=warning .build/release/malomo-bridge --dev --http-port 18202 >"$work/bridge.out" 2>"$work/bridge.err" &
nginx -c "$PWD/Benchmarks/wrk/nginx.conf" -p "$work" >"$work/nginx.log" 2>&1 &
for _ in $(seq 50); do grep -q "Kafka bootstrap servers" "$work/bridge.out" 2>/dev/null && break; sleep 0.2; done
bootstrap=$(sed -n 's/.*Kafka bootstrap servers: *//p' "$work/bridge.out")

# Warm both up, then measure.
wrk -t2 -c8 -d2s -s "$work/post.lua" http://127.0.0.1:18202 >/dev/null
wrk -t2 -c8 -d2s -s "$work/post.lua" http://127.0.0.1:18204 >/dev/null
echo "== bridge (202 after broker ack)"; wrk -t2 -c"$connections" -d"$duration" --latency -s "$work/post.lua" http://127.0.0.1:18202 | tee "$work/bridge.wrk"
echo "== nginx (204)"; wrk -t2 -c"$connections" -d"$duration" --latency -s "$work/post.lua" http://127.0.0.1:18204 | tee "$work/nginx.wrk"

# Records in Kafka = sum of the partitions' end offsets (the mock cluster prunes old
# records to bound its memory, so reading from the beginning would undercount).
records=0
for topic in malomo.orders.created malomo.orders.updated malomo.orders.deleted malomo.customers.created malomo.events.created; do
  partitions=$(kcat -L -b "$bootstrap" -t "$topic" 2>/dev/null | sed -n 's/.* with \([0-9]*\) partitions.*/\1/p' | head -1)
  for p in $(seq 0 $((partitions - 1))); do
    end=$(kcat -Q -b "$bootstrap" -t "$topic:$p:-1" 2>/dev/null | sed -n 's/.*offset \(-\?[0-9]*\).*/\1/p')
    records=$((records + end))
  done
done
python3 - "$work/bridge.wrk" "$work/nginx.wrk" "$records" <<'PY'
import re, sys
def parse(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    total = int(re.search(r"(\d+) requests in", text).group(1))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", text)) else 0
    p99 = re.search(r"99%\s+([\d.]+\w+)", text).group(1)
    return rps, total, non2xx, p99
b, n = parse(sys.argv[1]), parse(sys.argv[2])
print(f"bridge: {b[0]:.0f} req/s, p99 {b[3]}, {b[1]} requests, {b[2]} non-2xx")
print(f"records in Kafka (end offsets, warm-up included): {sys.argv[3]}; 202s in the measured run: {b[1] - b[2]}")
print(f"nginx:  {n[0]:.0f} req/s, p99 {n[3]}, {n[1]} requests, {n[2]} non-2xx")
print(f"ratio bridge/nginx: {b[0] / n[0]:.2f}")
PY
