#!/bin/sh
# boot-root.sh ROOT WORK ARGV...
# Run by the boot emulation inside `ip netns exec NS unshare --mount --propagation private`: lays
# ROOT's etc/, usr/local/ and home/ (the files a discovery configuration wrote) over the machine's
# with overlayfs, so writes land in ROOT and nothing of the machine changes, then execs ARGV: the
# command sees the paths exactly as a booted discovery host would.
set -eu
root=$1
work=$2
shift 2
for dir in etc usr/local home; do
  [ -d "$root/$dir" ] && [ -d "/$dir" ] || continue
  mkdir -p "$work/$dir"
  mount -t overlay overlay -o "lowerdir=/$dir,upperdir=$root/$dir,workdir=$work/$dir" "/$dir"
done
exec "$@"
