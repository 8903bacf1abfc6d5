#!/bin/bash
# usage: uring-backwards.sh [DIR]
# In the test VM: make an XFS file whose 8 blocks lie backwards on disk
# (each cloned from the source block before the previous one, with
# xfs_io reflink), then read it with one io_uring IOPOLL read of 32 KiB
# (fio --hipri=1) and print how long that took.  DIR is a directory on an
# XFS with reflink on a device with poll queues ($AIO_DIR_XFS by default).
# Without "blk-mq: give the poll cookie to every polled bio of a request"
# the read waits for the device's timeout (30 s on NVMe).
set -eu
d=${1:-${AIO_DIR_XFS:?usage: uring-backwards.sh [DIR]}}
fio=${FIO:-$(ls "$REPO"/build/fio/fio 2>/dev/null || command -v fio)}
xfs_io -f -d -c "pwrite -S 0x5a 0 32k" -c fsync "$d/src" >/dev/null
rm -f "$d/dst"
touch "$d/dst"
for i in 0 1 2 3 4 5 6 7; do
	xfs_io -c "reflink $d/src $(((7 - i) * 4096)) $((i * 4096)) 4096" "$d/dst" >/dev/null
done
xfs_io -c "fiemap -v" "$d/dst"
s=$(date +%s%N)
"$fio" --name=backwards --filename="$d/dst" --ioengine=io_uring --hipri=1 \
	--direct=1 --rw=read --bs=32k --size=32k 2>&1 | grep -E "err=|clat \("
echo "io_uring IOPOLL read of 32 KiB: $((($(date +%s%N) - s) / 1000000)) ms"
rm -f "$d/src" "$d/dst"
