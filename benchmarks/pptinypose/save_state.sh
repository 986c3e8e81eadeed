#!/bin/bash
# Copy a run's resumable state (latest TF checkpoint, log, config, best.keras, curves) from RUN to DST (committed),
# so the next session resumes it (WITH_LAST=1 adds last.keras): bash benchmarks/pptinypose/save_state.sh runs/pptinypose/NAME checkpoints/NAME
set -euo pipefail
SRC=$1; DST=$2
[ -d $SRC/state ] || { echo "no state in $SRC" >&2; exit 1; }
rm -rf $DST.tmp && mkdir -p $DST.tmp/state
last=$(sed -n 's/^model_checkpoint_path: "\(.*\)"/\1/p' $SRC/state/checkpoint)
cp $SRC/state/checkpoint $DST.tmp/state/
cp $SRC/state/$last.* $DST.tmp/state/
cp $SRC/train_log.json $DST.tmp/
# the pool folder as $POOL, not this machine's path (a resume compares data by file name and weight)
if [ -n "${POOL:-}" ]; then sed "s#:${POOL%/}:#:\$POOL:#g" $SRC/train_config.json > $DST.tmp/train_config.json
else cp $SRC/train_config.json $DST.tmp/; fi
[ -f $SRC/best.keras ] && cp $SRC/best.keras $DST.tmp/
[ -f $SRC/curves.png ] && cp $SRC/curves.png $DST.tmp/
if [ "${WITH_LAST:-0}" = 1 ]; then cp $SRC/last.keras $DST.tmp/; fi
rm -rf $DST && mv $DST.tmp $DST
du -sh $DST
