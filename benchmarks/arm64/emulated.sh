#!/usr/bin/env bash
# Runtime-only edgepose in an emulated aarch64 Debian 12 (Raspberry Pi OS bookworm's base, Python
# 3.11): qemu-user-static + debootstrap arm64, pip install of the wheel with only the core
# dependencies (no TensorFlow), then `edgepose predict` and `edgepose bench latency` there. The
# int8 keypoints must equal the x86 ones (benchmarks/arm64/compare.py; exit 1 otherwise); `edgepose
# bench profile` runs there too (per-op table, runs/arm64/*/profile/).
#
#   bash benchmarks/arm64/emulated.sh [--out DIR] [--root DIR] [--ci]
#
# Needs root on an x86_64 Debian/Ubuntu host (apt-get, binfmt_misc, chroot) and the package
# registries. The arm64 root file system is cached in --root (default /tmp/edgepose-arm64-root).
# --ci: a host that cannot emulate (not root, no apt, no binfmt_misc) skips with one line, exit 0;
# any failure once emulation runs still fails. Timings under qemu are emulation speed, not a Pi's.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out="$repo/runs/arm64"
root="${EDGEPOSE_ARM64_ROOT:-/tmp/edgepose-arm64-root}"
ci=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --root) root=$2; shift 2 ;;
    --ci) ci=1; shift ;;
    *) echo "error: unknown argument '$1' (use --out DIR, --root DIR, --ci)" >&2; exit 2 ;;
  esac
done
cannot() {
  if [ "$ci" = 1 ]; then echo "arm64 step skipped: $*"; exit 0; fi
  echo "error: $*" >&2; exit 1
}
t0=$(date +%s)
say() { echo "[arm64 +$(( $(date +%s) - t0 ))s] $*"; }

[ "$(uname -m)" = x86_64 ] || cannot "the host is $(uname -m); this script emulates aarch64 on x86_64"
[ "$(id -u)" = 0 ] || cannot "needs root (apt-get, binfmt_misc, debootstrap, chroot)"
command -v apt-get >/dev/null || cannot "needs apt-get (a Debian or Ubuntu host)"
need=()
command -v qemu-aarch64-static >/dev/null || need+=(qemu-user-static)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  say "apt-get install ${need[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; } \
    || cannot "apt-get install ${need[*]} failed"
fi
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || cannot "cannot mount binfmt_misc (unprivileged container?)"
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  conf=/usr/lib/binfmt.d/qemu-aarch64.conf
  [ -f "$conf" ] || cannot "no $conf from qemu-user-static"
  cat "$conf" > /proc/sys/fs/binfmt_misc/register 2>/dev/null || cannot "cannot register qemu-aarch64 with binfmt_misc"
fi

if [ ! -x "$root/usr/bin/python3" ]; then
  say "debootstrap arm64 bookworm -> $root"
  rm -rf "$root.partial"; mkdir -p "$repo/runs"
  debootstrap --arch=arm64 --variant=minbase --include=python3,python3-venv,ca-certificates \
    bookworm "$root.partial" http://deb.debian.org/debian > "$repo/runs/debootstrap.log" 2>&1 \
    || { tail -5 "$repo/runs/debootstrap.log" >&2; echo "error: debootstrap failed (log: runs/debootstrap.log)" >&2; exit 1; }
  mv "$root.partial" "$root"
fi

work="$root/tmp/edgepose-arm64"
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  umount "$root/dev" 2>/dev/null || true
}
trap cleanup EXIT
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# XNNPACK's cpuinfo reads the CPU list from /sys; the host's /sys would describe x86 cores, so the
# root gets only the two files cpuinfo needs (without them XNNPACK is off: other int8 kernels).
mkdir -p "$root/sys/devices/system/cpu"
echo 0-1 > "$root/sys/devices/system/cpu/possible"
echo 0-1 > "$root/sys/devices/system/cpu/present"
# The host's CA bundle: registries may sit behind a proxy with its own certificate.
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/host-ca.crt"
rm -rf "$work" && mkdir -p "$work/wheel"
host_py="$repo/.venv/bin/python"
[ -x "$host_py" ] || host_py=python3

say "wheel of $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo edgepose)"
"$host_py" -m pip wheel -q --no-deps -w "$work/wheel" "$repo" > "$work/wheel.log" 2>&1 \
  || { cat "$work/wheel.log" >&2; echo "error: pip wheel failed" >&2; exit 1; }
wheel=$(cd "$work/wheel" && ls edgepose-*.whl)
cp "$repo/constraints.txt" "$work/"
# qemu's CPU model: Cortex-A72 is a Raspberry Pi 4, Cortex-A76 a Pi 5. (qemu's default "max"
# CPU advertises SVE/SME/i8mm, which no Pi has; XNNPACK then picks other int8 kernels.)
qemu_cpu=cortex-a72
in_arm() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/opt/edgepose/bin:/usr/bin:/bin LC_ALL=C.UTF-8 COLUMNS=160 QEMU_CPU=$qemu_cpu \
  PIP_CERT=/etc/ssl/certs/host-ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=180 "$@"; }
say "arch in the root: $(in_arm uname -m), $(in_arm python3 --version)"
if [ ! -x "$root/opt/edgepose/bin/python" ]; then
  in_arm python3 -m venv /opt/edgepose
fi
say "pip install the runtime-only package (core dependencies, binary wheels only)"
in_arm pip install -q --only-binary=:all: -c /tmp/edgepose-arm64/constraints.txt \
  --force-reinstall --no-cache-dir "/tmp/edgepose-arm64/wheel/$wheel"
in_arm pip list --format=freeze | grep -iE '^(ai-edge-litert|numpy|opencv-python-headless|typer|rich|edgepose|tensorflow)==' \
  | sed 's/^/  arm64 package: /'
if in_arm python -c "import tensorflow" 2>/dev/null; then echo "error: tensorflow is importable in the runtime-only install" >&2; exit 1; fi
in_arm python -c "import sys, edgepose.runtime; assert 'tensorflow' not in sys.modules"
say "tensorflow is not installed there; edgepose.runtime imports without it"

# Fixtures: procedural people (always) and the real COCO val photographs (when ../shared is there).
mkdir -p "$work/fixtures"
"$host_py" -m edgepose data synth --out "$work/fixtures/synth" -n 12 --seed 7 --force >/dev/null
shared="$repo/../shared/data/coco_val"
if [ -f "$shared/person_keypoints.json" ]; then
  cp -r "$shared" "$work/fixtures/coco_val"
fi
model=$(cd "$repo/edgepose/pretrained" && ls ./*_int8.tflite | head -n 1 | xargs basename)  # the shipped int8 model
cp "$repo/edgepose/pretrained/$model" "$work/$model"

cp "$repo/benchmarks/arm64/probe.py" "$work/"
run_side() { # run_side LABEL PREFIX RUNNER...: predict on every fixture, the raw-output probe, latency
  local label=$1 prefix=$2; shift 2
  local dir=$prefix/$label
  for fx in "$work"/fixtures/*/; do
    name=$(basename "$fx")
    "$@" edgepose predict "$prefix/$model" "$prefix/fixtures/$name/images" --coco "$prefix/fixtures/$name/person_keypoints.json" \
      --out "$dir/$name" --threads 1 --no-draw --force >/dev/null
  done
  "$@" python "$prefix/probe.py" "$prefix/$model" "$dir/probe.npz"
  "$@" edgepose bench latency "$prefix/$model" --threads 1,2 --warmup 3 --runs 30 | tee "$work/$label/latency.txt"
  # per-op profile (runtime-only: LiteRT + numpy + OpenCV): table, JSON and PNG
  "$@" edgepose bench profile "$prefix/$model" --threads 1 --warmup 2 --runs 10 --out "$dir/profile" --force \
    > "$work/$label/profile.txt"
  head -n 3 "$work/$label/profile.txt"
}
host_run() { env COLUMNS=160 PATH="$repo/.venv/bin:$PATH" "$@"; }
say "x86_64 run (host venv)"
run_side x86_64 "$work" host_run
for qemu_cpu in cortex-a72 cortex-a76; do
  say "aarch64 run (qemu, $qemu_cpu)"
  run_side "aarch64-$qemu_cpu" /tmp/edgepose-arm64 in_arm
done
say "compare"
mkdir -p "$out"
rm -rf "$out"/x86_64 "$out"/aarch64*
cp -r "$work/x86_64" "$work"/aarch64-* "$out/"
status=0
: > "$out/compare.md"
for arm in "$out"/aarch64-*; do
  echo "### x86_64 vs $(basename "$arm") (qemu)" | tee -a "$out/compare.md"
  "$host_py" "$repo/benchmarks/arm64/compare.py" "$out/x86_64" "$arm" | tee -a "$out/compare.md" || status=1
done
say "done"
exit $status
