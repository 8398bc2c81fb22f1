#!/usr/bin/env bash
# Sends every sample fixture, signed, for every Malomo topic, to a running bridge.
# Usage: docker/send-samples.sh [url=http://localhost:8080/webhooks/malomo] [secret-file=docker/dev-webhook-secret]
set -euo pipefail
cd "$(dirname "$0")/.."
url=${1:-http://localhost:8080/webhooks/malomo}
secret=$(tr -d '\n' < "${2:-docker/dev-webhook-secret}")
fixtures=Tests/MalomoFixtures/Fixtures
send() {
  local topic=$1 file=$2
  local signature
  signature=$(openssl dgst -sha256 -hmac "$secret" -hex < "$fixtures/$file" | sed 's/^.*= //' | tr 'a-f' 'A-F')
  printf '%-18s %-26s ' "$topic" "$file"
  curl -sS -o /dev/null -w '%{http_code}\n' -X POST "$url" \
    -H 'Content-Type: application/json' -H "Malomo-Topic: $topic" -H 'Malomo-Webhook-Id: compose-demo' \
    -H 'Malomo-Attempt-Number: 1' -H "Malomo-Signature: $signature" --data-binary "@$fixtures/$file"
}
send orders:created order.json
send orders:updated order-unknown-fields.json
send orders:deleted order-minimal.json
send customers:created customer.json
send customers:updated customer.json
send customers:deleted customer.json
send events:created event.json
