#!/bin/sh
# test_storage.sh - the storage plugin end to end: every probe with both
# engines, verification, parameter errors, the O_DIRECT and io_uring
# fallbacks, ENOSPC, leftover cleanup and that no file is left behind.
# Small files and short runtimes: the tests check behaviour, not speed.
. "$TOP_SRCDIR/tests/cli/lib.sh"

SP="--plugin-dir $TOP_BUILDDIR/plugins/storage"
D="$TMP/d"
mkdir -p "$D"
# 500 ms: on a loaded 2-CPU machine a 200 ms mixed run once saw no write.
R="size=16MiB runtime=500ms dir=$D"

# no_files NAME DIR: DIR holds no dyno-storage file.
no_files() {
	if [ -z "$(ls -A "$2" 2>/dev/null | grep dyno-storage)" ]; then ok "$1"
	else ko "$1 ($(ls -A "$2"))"; fi
}

for p in seqread seqwrite randread randwrite mixed fsync; do
	for e in psync io_uring; do
		expect "$p engine=$e" 0 "$DYNO" $SP probe storage.$p $R engine=$e --json
		if jq -e '.artifacts.engine == "io_uring"' "$TMP/out" >/dev/null 2>&1 ||
		   [ "$e" = psync ]; then
			jq_true "$p $e status and engine" "$TMP/out" \
				".status == \"ok\" and .artifacts.engine == \"$e\""
		else
			# io_uring refused here (seccomp, sysctl): the fallback note.
			jq_true "$p $e fell back with a note" "$TMP/out" \
				'.status == "ok" and (.artifacts.engine_note | contains("used psync"))'
		fi
		case $p in
		seqread|seqwrite) m='.metrics.throughput.mean > 0 and .metrics.latency.n > 0' ;;
		randread|randwrite) m='.metrics.iops.mean > 0 and .metrics.throughput.mean > 0 and .metrics.latency.n > 0' ;;
		mixed) m='.metrics.read_iops.mean > 0 and .metrics.write_iops.mean > 0 and .metrics.read_latency.n > 0 and .metrics.write_latency.n > 0' ;;
		fsync) m='.metrics.iops.mean > 0 and .metrics.latency.n > 0' ;;
		esac
		jq_true "$p $e metrics" "$TMP/out" "$m"
	done
done
no_files "no data file left in dir" "$D"

# The mean of the window samples is the whole-run rate (what fio reports).
expect "seqread 1s" 0 "$DYNO" $SP probe storage.seqread size=16MiB runtime=1s dir=$D engine=psync --json
jq_true "windows of 100 ms" "$TMP/out" '.metrics.throughput.n >= 9 and .metrics.throughput.n <= 11'

# batch: I/Os per io_uring submission, at most depth.
expect "batch=8" 0 "$DYNO" $SP probe storage.randread $R depth=8 batch=8 --json
jq_true "batch=8 ok" "$TMP/out" '.status == "ok" and .metrics.iops.mean > 0'
expect "batch above depth is capped" 0 "$DYNO" $SP probe storage.randread $R depth=4 batch=64 --json
expect "batch=0" 2 "$DYNO" $SP probe storage.randread $R batch=0

# mem: buffers in transparent huge pages on a 2 MiB-aligned mapping by
# default (never the hugetlb pool), hugetlb pages with mem=huge (THP when
# the pool has none free), or 4 KiB pages (fio's default); the artifact
# says what was obtained.  8 buffers of 1 MiB round to 8 MiB.
if grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
	thp_re='^transparent huge pages: 0 of 8 MiB$'
else
	thp_re='^transparent huge pages: [0-8] of 8 MiB$'
fi
hfree0=$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)
expect "mem default" 0 "$DYNO" $SP probe storage.seqread $R block=1MiB depth=8 --json
jq_true "default buffers: THP, 2 MiB-rounded" "$TMP/out" ".artifacts.buffers | test(\"$thp_re\")"
expect "mem=thp verify" 0 "$DYNO" $SP probe storage.seqread $R mem=thp verify=true --json
jq_true "thp buffers carry verified data" "$TMP/out" \
	'(.artifacts.buffers | startswith("transparent huge pages")) and (.artifacts.verify | startswith("ok"))'
expect "mem=malloc" 0 "$DYNO" $SP probe storage.seqread $R mem=malloc --json
jq_true "malloc buffers named" "$TMP/out" '.artifacts.buffers == "4 KiB pages"'
huge_re='^(hugetlb 2 MiB pages|transparent huge pages: [0-9]+ of [0-9]+ MiB \\(no free hugetlb pages\\)|4 KiB pages: no hugetlb pool)'
expect "mem=huge" 0 "$DYNO" $SP probe storage.seqread $R mem=huge verify=true --json
jq_true "huge buffers: what was obtained" "$TMP/out" \
	".status == \"ok\" and (.artifacts.buffers | test(\"$huge_re\")) and (.artifacts.verify | startswith(\"ok\"))"
if [ "${hfree0:-0}" -ge 4 ]; then
	jq_true "hugetlb pool used by mem=huge when it has pages" "$TMP/out" \
		'.artifacts.buffers == "hugetlb 2 MiB pages" or (.artifacts.buffers | contains("no free hugetlb"))'
fi
expect "mem=foo" 2 "$DYNO" $SP probe storage.seqread $R mem=foo
contains "mem choices" "$TMP/err" "expected one of thp|huge|malloc"

# layout: as fio lays out (the default: fallocate, then data for probes
# that read), or full (every block written through the probe's
# descriptor).  verify=true reads every block back, so it passes only
# when the layout really wrote the pattern.
expect "layout default, a read probe" 0 "$DYNO" $SP probe storage.randread $R verify=true --json
jq_true "fio layout writes the data for reads" "$TMP/out" \
	'(.artifacts.layout | test("^fio: (fallocate, )?buffered writes, fsync")) and (.artifacts.verify | startswith("ok"))'
expect "layout default, a write probe" 0 "$DYNO" $SP probe storage.seqwrite $R --json
jq_true "fio layout of a write probe: no data" "$TMP/out" \
	'.status == "ok" and (.artifacts.layout | test("^fio: (fallocate|ftruncate) only"))'
expect "layout default, a write probe that verifies" 0 "$DYNO" $SP probe storage.seqwrite $R verify=true --json
jq_true "verify makes the fio layout write the data" "$TMP/out" \
	'(.artifacts.layout | test("buffered writes")) and (.artifacts.verify | startswith("ok: 16777216 B"))'
expect "layout=full" 0 "$DYNO" $SP probe storage.randread $R layout=full verify=true --json
jq_true "full layout through O_DIRECT" "$TMP/out" \
	'(.artifacts.layout == "full: O_DIRECT writes, fsync" and .artifacts.direct == "on" or (.artifacts.layout == "full: buffered writes, fsync" and (.artifacts.direct | startswith("off")))) and (.artifacts.verify | startswith("ok"))'
expect "layout=full direct=false" 0 "$DYNO" $SP probe storage.mixed $R layout=full direct=false verify=true --json
jq_true "full layout, buffered" "$TMP/out" \
	'.artifacts.layout == "full: buffered writes, fsync" and (.artifacts.verify | startswith("ok"))'
expect "layout=foo" 2 "$DYNO" $SP probe storage.seqread $R layout=foo
contains "layout choices" "$TMP/err" "expected one of fio|full"

# Bytes and checksums round-trip: reads check every block against the
# pattern, and the whole file is read back after the run.
for p in seqread randwrite mixed fsync; do
	expect "$p verify=true" 0 "$DYNO" $SP probe storage.$p $R verify=true jobs=2 --json
	jq_true "$p verify ok" "$TMP/out" '.status == "ok" and (.artifacts.verify | startswith("ok: 16777216 B"))'
done
expect "verify without O_DIRECT, odd block" 0 "$DYNO" $SP probe storage.randread $R \
	verify=true direct=false block=1000 --json
jq_true "verify odd block ok" "$TMP/out" '.artifacts.verify | startswith("ok")'

# Parameter errors.
expect "block below 512" 2 "$DYNO" $SP probe storage.randread $R block=100
contains "block range" "$TMP/err" "invalid value '100' for block: expected 512..64MiB"
expect "block not aligned for O_DIRECT" 2 "$DYNO" $SP probe storage.randread $R block=1000 --json
jq_true "alignment message" "$TMP/out" \
	'.status == "failed" and (.message | contains("block 1000 B is not a multiple of")) and (.message | contains("direct=false"))'
expect "unknown engine" 2 "$DYNO" $SP probe storage.seqread $R engine=aio
contains "engine choices" "$TMP/err" "expected one of io_uring|psync"
expect "size over max_fill" 2 "$DYNO" $SP probe storage.seqread dir=$D size=1000TiB --json
jq_true "names both numbers" "$TMP/out" \
	'.status == "failed" and (.message | test("size 1099511627776000 B is more than max_fill 50% of the [0-9]+ B free"))'
expect "max_fill range" 2 "$DYNO" $SP probe storage.seqread $R max_fill=99%
expect "runtime range" 2 "$DYNO" $SP probe storage.seqread $R runtime=10ms
expect "missing dir" 2 "$DYNO" $SP probe storage.seqread size=16MiB runtime=200ms dir=$TMP/nope --json
jq_true "missing dir message" "$TMP/out" '.message | contains("cannot open directory")'
expect "read_pct only on mixed" 2 "$DYNO" $SP probe storage.seqread $R read_pct=50

# Fallbacks.
expect "io_uring unavailable" 0 "$DYNO" $SP probe storage.randread $R simulate_no_uring=true --json
jq_true "psync fallback note" "$TMP/out" \
	'.artifacts.engine == "psync" and (.artifacts.engine_note | contains("io_uring unavailable")) and (.artifacts.depth_note | contains("depth ignored"))'
expect "O_DIRECT refused" 0 "$DYNO" $SP probe storage.seqread $R simulate_no_direct=true --json
jq_true "direct fallback note" "$TMP/out" \
	'.status == "ok" and (.artifacts.direct | startswith("off: ")) and (.artifacts.direct | contains("page cache"))'
expect "ENOSPC hook" 2 "$DYNO" $SP probe storage.seqwrite $R simulate_enospc=true --json
jq_true "ENOSPC failed with errno text" "$TMP/out" \
	'.status == "failed" and (.message | contains("No space left on device"))'
no_files "no file after ENOSPC" "$D"

# Default dir: a dyno-storage.XXXXXX under the current directory, removed.
(cd "$TMP" && "$DYNO" $SP probe storage.seqread size=8MiB runtime=100ms --json >"$TMP/out" 2>"$TMP/err")
jq_true "default dir under cwd" "$TMP/out" ".status == \"ok\" and (.artifacts.dir | startswith(\"$TMP/dyno-storage.\"))"
no_files "default dir removed" "$TMP"

# Leftover cleanup: a file named like ours, of a process that is gone.
: >"$D/dyno-storage-999999-abcdef"
: >"$D/dyno-storage-$$-alive1"
ln -s /etc/passwd "$D/dyno-storage-999998-link00"
expect "probe with leftovers" 0 "$DYNO" $SP probe storage.seqread $R --json
jq_true "leftover counted" "$TMP/out" '.artifacts.leftovers_removed == "1"'
if [ ! -e "$D/dyno-storage-999999-abcdef" ]; then ok "dead pid leftover removed"; else ko "dead pid leftover removed"; fi
if [ -e "$D/dyno-storage-$$-alive1" ]; then ok "live pid file kept"; else ko "live pid file kept"; fi
if [ -L "$D/dyno-storage-999998-link00" ] && [ -s /etc/passwd ]; then ok "symlink not followed"; else ko "symlink not followed"; fi
rm -f "$D"/dyno-storage-*

# tmpfs: O_DIRECT (refused before Linux 6.6) and a real ENOSPC.
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - skipped: tmpfs tests need root to mount"
elif ! mkdir -p "$TMP/tmpfs" || ! mount -t tmpfs -o size=24m tmpfs "$TMP/tmpfs" 2>/dev/null; then
	echo "ok - skipped: cannot mount tmpfs here"
else
	expect "on tmpfs" 0 "$DYNO" $SP probe storage.seqread size=8MiB runtime=200ms dir=$TMP/tmpfs --json
	jq_true "tmpfs named, direct on or a fallback note" "$TMP/out" \
		'.artifacts.filesystem == "tmpfs" and (.artifacts.direct == "on" or (.artifacts.direct | startswith("off: tmpfs refuses O_DIRECT")))'
	expect "tmpfs over max_fill" 2 "$DYNO" $SP probe storage.seqread size=20MiB runtime=200ms dir=$TMP/tmpfs --json
	jq_true "tmpfs max_fill message" "$TMP/out" '.message | test("size 20971520 B is more than max_fill 50% of the 2[0-9]+ B free")'
	expect "ENOSPC on tmpfs (hook)" 2 "$DYNO" $SP probe storage.randwrite size=8MiB runtime=200ms dir=$TMP/tmpfs simulate_enospc=true --json
	jq_true "tmpfs ENOSPC message" "$TMP/out" '.message | contains("No space left on device")'
	no_files "tmpfs empty after ENOSPC" "$TMP/tmpfs"
	jq_true "tmpfs has no block device" "$TMP/out" '.artifacts.device | startswith("none (tmpfs")'
	umount "$TMP/tmpfs"
fi

# A real ENOSPC: ext4 on a loop device whose sparse image lives on a
# 24 MiB tmpfs.  ext4 sees ~90 MiB free, so a 40 MiB file passes max_fill,
# and the writes run out of backing store half way, as on a thin-
# provisioned volume: in the layout with layout=full, in the run with
# fio's layout (fallocate takes no backing store).
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - skipped: loop-mount ENOSPC test needs root"
elif ! command -v mkfs.ext4 >/dev/null || ! command -v losetup >/dev/null; then
	echo "ok - skipped: mkfs.ext4 or losetup missing (e2fsprogs, mount)"
elif ! mkdir -p "$TMP/back" "$TMP/thin" ||
     ! mount -t tmpfs -o size=24m tmpfs "$TMP/back" 2>/dev/null; then
	echo "ok - skipped: cannot mount tmpfs here"
elif ! truncate -s 96M "$TMP/back/img" ||
     ! mkfs.ext4 -q -F -O ^has_journal -E nodiscard "$TMP/back/img" >/dev/null 2>&1 ||
     ! mount -o loop,errors=continue "$TMP/back/img" "$TMP/thin" 2>/dev/null; then
	echo "ok - skipped: no loop device here"
	umount "$TMP/back"
else
	expect "ENOSPC on a thin loop device" 2 "$DYNO" $SP probe storage.seqwrite size=40MiB runtime=500ms dir=$TMP/thin layout=full --json
	jq_true "real ENOSPC: failed in the layout with the errno text" "$TMP/out" \
		'.status == "failed" and (.message | startswith("laying out")) and (.message | test("No space left on device|Input/output error"))'
	no_files "thin fs empty after ENOSPC (layout=full)" "$TMP/thin"
	expect "ENOSPC on a thin loop device, fio layout" 2 "$DYNO" $SP probe storage.seqwrite size=40MiB runtime=3s dir=$TMP/thin --json
	jq_true "real ENOSPC: fallocate passed, the run's writes failed" "$TMP/out" \
		'.status == "failed" and (.artifacts.layout | startswith("fio: fallocate only")) and (.message | startswith("write to")) and (.message | test("No space left on device|Input/output error"))'
	jq_true "device names the loop disk" "$TMP/out" '.artifacts.device | startswith("loop")'
	no_files "thin fs empty after ENOSPC" "$TMP/thin"
	used=$(df -k --output=used "$TMP/thin" | tail -1)
	if [ "$used" -lt 1024 ]; then ok "space given back after ENOSPC (${used} KiB used)"
	else ko "space given back after ENOSPC (${used} KiB used)"; fi
	umount "$TMP/thin"
	umount "$TMP/back"
fi

# What the directory is stored on, in the artifacts and the inventory.
expect "artifacts describe the device" 0 "$DYNO" $SP probe storage.seqread $R --json
jq_true "filesystem, mount options, device" "$TMP/out" \
	'(.artifacts.filesystem | length > 0) and (.artifacts.mount_options | length > 0) and (.artifacts.device | length > 0)'
if jq -e '.artifacts.device | startswith("none")' "$TMP/out" >/dev/null; then
	echo "ok - skipped: $D is not on a block device"
else
	jq_true "rotational, scheduler and queue limits" "$TMP/out" \
		'(.artifacts.rotational == "yes" or .artifacts.rotational == "no") and (.artifacts.queue_limits | test("nr_requests=[0-9]+"))'
fi
(cd "$D" && "$DYNO" $SP hw --json >"$TMP/out" 2>"$TMP/err")
jq_true "inventory: storage.cwd facts" "$TMP/out" \
	'.storage.cwd.filesystem and .storage.cwd.device and .storage.cwd.o_direct'

finish
