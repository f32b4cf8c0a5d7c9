#!/usr/bin/env bash
# Installs what hartslab needs on a Debian 12 machine and unpacks the parts
# of Linux's source tarball that the build and tests use into build/.
#
#   scripts/setup.sh          packages for build, run and test
#   scripts/setup.sh --bench  also the allocators and tools for `make bench`
#
# Idempotent and quiet when there is nothing to do (a second run takes well
# under a second).  When it does install, it says what.
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/hartslab"
src_pkg=linux-source-6.1
src_dir="$build/linux-src"
# Bump the suffix when the list of extracted paths changes.
src_stamp="$src_dir/.complete-v2"

packages=(make gcc libc6-dev cpp python3 qemu-system-misc opensbi
	  gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf
	  device-tree-compiler libfdt-dev xz-utils u-boot-qemu
	  clang libclang-rt-14-dev)
if [ "${1:-}" = "--bench" ]; then
	packages+=(valgrind libjemalloc-dev libmimalloc-dev
		   libgoogle-perftools-dev gnuplot-nox)
fi

say() { echo "setup: $*" >&2; }

as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		say "need root to run: $*"
		exit 1
	fi
}

apt_updated=0
apt_update_once() {
	if [ $apt_updated = 0 ]; then
		say "apt-get update"
		as_root apt-get update -qq >&2
		apt_updated=1
	fi
}

missing_packages() {
	local p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

install_packages() {
	local missing
	missing=$(missing_packages)
	[ -n "$missing" ] || return 0
	say "installing Debian packages:" $missing
	apt_update_once
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >&2
}

# Where the Linux source tarball can be read from: the installed package if
# present, else the .deb kept in the per-user cache (downloaded once).
source_tarball_stream() {
	local tarball=/usr/src/$src_pkg.tar.xz deb
	if [ -f "$tarball" ]; then
		cat "$tarball"
		return
	fi
	deb=$(ls "$cache"/${src_pkg}_*.deb 2>/dev/null | tail -n 1 || true)
	if [ -z "$deb" ]; then
		mkdir -p "$cache"
		say "downloading $src_pkg (139 MB, once) into $cache"
		apt_update_once
		# Into a scratch folder first: an interrupted download must not
		# leave a truncated .deb that later runs would trust.
		local tmp
		tmp=$(mktemp -d "$cache/download.XXXXXX")
		(cd "$tmp" && apt-get download -qq "$src_pkg" >&2 2>/dev/null) ||
			(cd "$tmp" && apt-get download -q "$src_pkg" >&2)
		mv "$tmp"/${src_pkg}_*.deb "$cache"/
		rmdir "$tmp"
		deb=$(ls "$cache"/${src_pkg}_*.deb | tail -n 1)
	fi
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$src_pkg.tar.xz"
}

extract_linux_parts() {
	[ -f "$src_stamp" ] && return 0
	say "extracting libfdt, board device trees and kunit.py from $src_pkg"
	rm -rf "$src_dir"
	mkdir -p "$src_dir"
	source_tarball_stream | tar -xJ -C "$src_dir" --strip-components=1 \
		--wildcards "$src_pkg/scripts/dtc/libfdt/*" \
		"$src_pkg/arch/riscv/boot/dts/*" \
		"$src_pkg/include/dt-bindings/*" \
		"$src_pkg/include/uapi/linux/input-event-codes.h" \
		"$src_pkg/tools/testing/kunit/*"
	[ -f "$src_dir/scripts/dtc/libfdt/fdt_ro.c" ] || {
		say "libfdt sources missing after extraction"
		exit 1
	}
	touch "$src_stamp"
}

install_packages
extract_linux_parts
