#!/usr/bin/env bash
# Installs what onebox needs on Debian 12 (run as root), then makes sure libvirtd runs.
#   bash scripts/install-deps.sh                   runtime and build packages
#   bash scripts/install-deps.sh --with-test-deps  also what the tests need (CI)
# Idempotent; safe on a machine without systemd.
set -euo pipefail
cd "$(dirname "$0")/.."

# Runtime: hypervisor, disk tools, DHCP, seed ISOs. Build: compilers for better-sqlite3.
packages=(
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-daemon-system libvirt-clients
  qemu-system-x86 qemu-utils qemu-block-extra dnsmasq-base genisoimage iproute2 ovmf seabios ipxe-qemu
  g++ make python3 xz-utils
)
# Tests: XML schema validation, the test-guest image builder, the browser.
test_packages=(
  libxml2-utils chromium fonts-dejavu-core python3-yaml
  mmdebstrap extlinux syslinux-common isolinux busybox-static e2fsprogs cpio kmod fdisk procps
)
[ "${1:-}" = "--with-test-deps" ] && packages+=("${test_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

bash scripts/start-libvirtd.sh
