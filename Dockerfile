# The inband image: one binary, /usr/bin/inband, and a symlink per tool name, so that
#   podman run --privileged --net=host --pid=host -v /:/host IMAGE inventory --host-root /host
# runs the inventory tool, and `agent` runs the agent, as with upstream's image.

# -- build: bundle with esbuild and make the Node single executable application
FROM docker.io/library/node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY build ./build
COPY src ./src
RUN node build/bundle.mjs \
 && mkdir -p /out/usr/bin \
 && cp -a dist/. /out/usr/bin/ \
 && rm /out/usr/bin/inband.cjs

# -- runtime: the host tools the collectors and steps call
FROM docker.io/library/debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates iproute2 iputils-ping iputils-arping nmap isc-dhcp-client fio \
      dmidecode ipmitool lshw pciutils hwdata util-linux kmod chrony file sg3-utils \
      systemd podman tar gzip lldpd tcpdump ethtool \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /
LABEL org.opencontainers.image.title="inband" \
      org.opencontainers.image.description="In-band discovery agent, wire-compatible with the Assisted Installer Service" \
      org.opencontainers.image.licenses="Apache-2.0"
# No ENTRYPOINT: the command names the tool (agent, inventory, free_addresses...), as upstream's image.
CMD ["inband", "--help"]
