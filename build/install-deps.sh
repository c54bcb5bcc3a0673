#!/usr/bin/env bash
# Installs the Debian packages the tools and tests use, only those missing, so a fresh machine is
# ready with one command and a prepared one is not slowed down.
set -euo pipefail
packages=(
  iproute2 iputils-ping iputils-arping nmap dnsmasq-base isc-dhcp-client fio
  dmidecode ipmitool lshw pciutils hwdata util-linux procps kmod chrony file sg3-utils podman openssl
  systemd curl openssh-client haproxy postgresql-15
  # the console's browser tests (playwright-core drives it; nothing downloads a browser)
  chromium
  # LLDP: the switch side of the LLDP tests, and the agent's capture
  lldpd tcpdump
  # NIC driver and firmware versions in the inventory (ethtool -i)
  ethtool
)
command -v java >/dev/null 2>&1 || packages+=(openjdk-17-jre-headless)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  # Installing must start no daemon (lldpd talking LLDP on the machine's NICs, haproxy, the
  # package's own PostgreSQL cluster): invoke-rc.d asks policy-rc.d, and 101 means "not now".
  policy=/usr/sbin/policy-rc.d
  own_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod 755 "$policy" && own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -z "$own_policy" ] || $SUDO rm -f "$policy"
  # The package starts lldpd on every NIC of a systemd machine; the tests run their own lldpd
  # inside namespaces and nothing here should talk LLDP on the machine's own network.
  if [[ " ${missing[*]} " == *" lldpd "* ]] && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now lldpd.service >/dev/null 2>&1 || true
  fi
fi
