#!/usr/bin/env bash
# Install the Debian packages schedml needs to build and test, when they are missing.
set -euo pipefail
pkgs=(build-essential pkg-config clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libjson-c-dev
      libsystemd-dev libcmocka-dev libclang-rt-14-dev stress-ng rt-tests linux-perf valgrind
      gnuplot-nox systemd xz-utils zstd procps)
missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "schedml: installing missing Debian packages: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "schedml: cannot install ${missing[*]}: not root (run as root, or install them with apt-get)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >&2; then
	echo "schedml: failed to install ${missing[*]} with apt-get" >&2
	exit 1
fi
