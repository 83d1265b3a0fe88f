#!/usr/bin/env bash
# Installs what seamd's tests need on a fresh Debian machine: the Debian packages for the real
# origin (gst-rtsp-server), the real players (ffmpeg, gst-launch-1.0) and kernel-level loss
# (iproute2 for network namespaces, nftables), the headless browser the console test drives
# (chromium) and systemd-analyze for the unit in contrib/, then npm packages.
# Idempotent: does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(
  gir1.2-gst-rtsp-server-1.0 python3-gi python3-gst-1.0
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad gstreamer1.0-libav
  ffmpeg
  iproute2 nftables
  tshark
  chromium systemd
)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
