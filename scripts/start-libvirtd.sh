#!/usr/bin/env bash
# Makes sure the system libvirtd (and virtlogd) run on a machine without systemd.
# Idempotent: does nothing when the daemon already answers on its socket.
set -euo pipefail

sock=/run/libvirt/libvirt-sock
if [ -S "$sock" ] && virsh -c qemu:///system version >/dev/null 2>&1; then
  exit 0
fi

getent group kvm >/dev/null || groupadd --system kvm
getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
getent passwd libvirt-qemu >/dev/null || useradd --system --no-create-home -g libvirt-qemu -G kvm -s /usr/sbin/nologin libvirt-qemu
mkdir -p /var/log/libvirt/qemu /var/lib/libvirt /run/libvirt /var/cache/libvirt

conf=/etc/libvirt/qemu.conf
# Root-owned guests without a security driver: no SELinux/AppArmor labelling on these hosts.
grep -q '^security_driver = "none"' "$conf" || echo 'security_driver = "none"' >> "$conf"
grep -q '^user = "root"' "$conf" || echo 'user = "root"' >> "$conf"
grep -q '^group = "root"' "$conf" || echo 'group = "root"' >> "$conf"

pgrep -x virtlogd >/dev/null || virtlogd -d
if ! pgrep -x libvirtd >/dev/null; then
  libvirtd -d
fi
for _ in $(seq 1 50); do
  if virsh -c qemu:///system version >/dev/null 2>&1; then exit 0; fi
  sleep 0.2
done
echo "libvirtd did not come up; see /var/log/libvirt" >&2
exit 1
