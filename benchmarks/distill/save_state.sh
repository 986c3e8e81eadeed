#!/bin/bash
# Copy a run's resumable state into checkpoints/NAME/ (committed, a few MB) so that the next
# session resumes it with benchmarks/distill/train_student.sh. Run between epochs or after a stop.
set -euo pipefail
NAME=${NAME:-student-m-128x96}
SRC=runs/distill/$NAME
DST=checkpoints/$NAME
[ -d $SRC/state ] || { echo "no state in $SRC" >&2; exit 1; }
rm -rf $DST.tmp && mkdir -p $DST.tmp/state
last=$(sed -n 's/^model_checkpoint_path: "\(.*\)"/\1/p' $SRC/state/checkpoint)
cp $SRC/state/checkpoint $DST.tmp/state/
cp $SRC/state/$last.* $DST.tmp/state/
cp $SRC/train_log.json $SRC/train_config.json $DST.tmp/
[ -f $SRC/best.keras ] && cp $SRC/best.keras $DST.tmp/
[ -f $SRC/curves.png ] && cp $SRC/curves.png $DST.tmp/
# WITH_LAST=1: also the last epoch's weights (the stage-1 end that finetune_student.sh starts from)
if [ "${WITH_LAST:-0}" = 1 ]; then cp $SRC/last.keras $DST.tmp/; fi
rm -rf $DST && mv $DST.tmp $DST
du -sh $DST
