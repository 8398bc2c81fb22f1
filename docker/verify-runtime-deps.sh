#!/usr/bin/env bash
# Proves that the runtime stage of docker/Dockerfile (debian:bookworm-slim + librdkafka1 +
# ca-certificates + libcurl4) satisfies the release binaries' shared-library needs, without Docker:
# debootstrap a Debian bookworm root filesystem, install exactly those packages, copy in the
# --static-swift-stdlib release binaries, check ldd finds every library, and run them.
# Needs root (debootstrap, chroot). Takes a few minutes; run before changing the image.
# Usage: docker/verify-runtime-deps.sh [work-dir=/tmp/malomo-runtime-rootfs]
set -euo pipefail
cd "$(dirname "$0")/.."
rootfs=${1:-/tmp/malomo-runtime-rootfs}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
runtime_packages="librdkafka1 ca-certificates libcurl4"

scripts/ensure-packages debootstrap librdkafka-dev pkg-config libcurl4-openssl-dev
echo "== release build (static Swift standard library), as in the Dockerfile"
swift build -c release --static-swift-stdlib --scratch-path .build-static --product malomo-bridge
swift build -c release --static-swift-stdlib --scratch-path .build-static --product malomo-events-tail
swift build -c release --static-swift-stdlib --scratch-path .build-static --product malomo-admin
bin=$(swift build -c release --scratch-path .build-static --show-bin-path)

if [ ! -x "$rootfs/usr/bin/apt-get" ]; then
  echo "== debootstrap bookworm (minbase) into $rootfs"
  rm -rf "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
fi
echo "== install the runtime packages: $runtime_packages"
mount -t proc proc "$rootfs/proc" 2>/dev/null || true
trap 'umount "$rootfs/proc" 2>/dev/null || true' EXIT
chroot "$rootfs" apt-get update -qq
DEBIAN_FRONTEND=noninteractive chroot "$rootfs" apt-get install -y -qq --no-install-recommends $runtime_packages >/dev/null
mkdir -p "$rootfs/usr/local/bin"
cp "$bin/malomo-bridge" "$bin/malomo-events-tail" "$bin/malomo-admin" "$rootfs/usr/local/bin/"
cp -R "$bin/malomo-kafka-bridge_MalomoBridge.resources" "$rootfs/usr/local/bin/"

status=0
for binary in malomo-bridge malomo-events-tail malomo-admin; do
  echo "== ldd /usr/local/bin/$binary"
  chroot "$rootfs" ldd "/usr/local/bin/$binary" | tee /tmp/malomo-ldd.txt
  if grep -q "not found" /tmp/malomo-ldd.txt; then
    echo "MISSING shared libraries for $binary" >&2
    status=1
  fi
done
echo "== run inside the root filesystem (as the image's non-root uid)"
chroot --userspec=10001:10001 "$rootfs" /usr/local/bin/malomo-bridge --version
chroot --userspec=10001:10001 "$rootfs" /usr/local/bin/malomo-events-tail --help | head -1
chroot --userspec=10001:10001 "$rootfs" /usr/local/bin/malomo-admin --help | head -1
# A config error must be reported, not crash: proves the binary starts up to configuration.
set +e
chroot --userspec=10001:10001 "$rootfs" /usr/bin/env -i /usr/local/bin/malomo-bridge 2>&1 | head -1
code=${PIPESTATUS[0]}
set -e
[ "$code" = 2 ] || { echo "expected exit code 2 for missing configuration, got $code" >&2; status=1; }
[ $status = 0 ] && echo "OK: $runtime_packages satisfy the release binaries"
exit $status
