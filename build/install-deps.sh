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
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The package starts lldpd on every NIC of a systemd machine; the tests run their own lldpd
  # inside namespaces and nothing here should talk LLDP on the machine's own network.
  if [[ " ${missing[*]} " == *" lldpd "* ]] && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now lldpd.service >/dev/null 2>&1 || true
  fi
fi
