#!/usr/bin/env bash
# Runs one command inside a fresh memory cgroup with a hard limit, as a
# container with that much memory would, and says how it ended: its exit
# status (137: killed for memory), wall seconds and the group's peak.
#
#   bench/memory_limit.sh LIMIT COMMAND...
#   bench/memory_limit.sh 3G build/service/doppel dedupe var/bench/ru-10000000/base.csv --out /tmp/o
#
# Needs root and a cgroup v1 memory controller (/sys/fs/cgroup/memory) or
# cgroup v2 (/sys/fs/cgroup/cgroup.controllers listing memory). Swap is off
# inside the group where the kernel allows it, so memory over the limit is
# either given back (page cache, mapped files) or the process is killed.
# docs/performance.md ("Records beyond RAM") has the figures it measured.
set -u

if [[ $# -lt 2 || $1 == -h || $1 == --help ]]; then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
limit=$1
shift
name="doppel-memlimit-$$"

cg=
cleanup() {
  [[ -n $cg && -d $cg ]] || return 0
  [[ -f $cg/cgroup.kill ]] && echo 1 >"$cg/cgroup.kill" 2>/dev/null
  rmdir "$cg" 2>/dev/null || echo "memory_limit: could not remove $cg (a process still in it?)" >&2
}
trap cleanup EXIT

if [[ -d /sys/fs/cgroup/memory ]]; then
  cg=/sys/fs/cgroup/memory/$name
  mkdir "$cg" || exit 1
  echo 0 2>/dev/null >"$cg/memory.swappiness"
  echo "$limit" >"$cg/memory.limit_in_bytes" || exit 1
  peak_file=$cg/memory.max_usage_in_bytes
elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
  echo +memory 2>/dev/null >/sys/fs/cgroup/cgroup.subtree_control
  cg=/sys/fs/cgroup/$name
  mkdir "$cg" || exit 1
  echo "$limit" >"$cg/memory.max" || exit 1
  echo 0 2>/dev/null >"$cg/memory.swap.max"
  peak_file=$cg/memory.peak  # Linux 5.19 and later
else
  echo "memory_limit: no cgroup memory controller here" >&2
  exit 1
fi

start=$(date +%s%N)
bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' _ "$cg" "$@"
rc=$?
end=$(date +%s%N)
if [[ -r $peak_file ]]; then peak="$(($(cat "$peak_file") >> 20)) MiB"; else peak="unknown"; fi
printf 'memory_limit: limit %s, exit %d%s, %s s, group peak %s\n' "$limit" "$rc" \
  "$([[ $rc -eq 137 ]] && echo ' (killed)')" "$(awk -v ns=$((end - start)) 'BEGIN { printf "%.1f", ns / 1e9 }')" \
  "$peak" >&2
exit $rc
