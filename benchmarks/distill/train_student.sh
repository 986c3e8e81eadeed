#!/bin/bash
# The distilled student's training run (resumable across sessions), from the repository root
# with ../shared beside it. Data: benchmarks/distill/prepare.sh (teacher labels + validation split).
#
# Resume: the run's resumable state (TF checkpoint of model + optimizer + epoch, train_log.json,
# train_config.json) is copied to checkpoints/$NAME/ by benchmarks/distill/save_state.sh and
# committed; this script restores it into runs/ and continues with --resume.
#
# Python imports some modules lazily (validation imports edgepose.evaluate at the first
# validation epoch), so editing the package while a run is going can crash it. Run it from a
# snapshot of the code while you work on the tree:
#   git worktree add --detach /tmp/trainsnap HEAD && PYTHONPATH=/tmp/trainsnap bash benchmarks/distill/train_student.sh
set -euo pipefail
NAME=${NAME:-student-m-128x96}
MODEL=${MODEL:-edgehrnet-m}
INPUT=${INPUT:-128x96}
EPOCHS=${EPOCHS:-100}
source benchmarks/distill/common.sh
exec .venv/bin/edgepose train "${DATA[@]}" --val-every 5 \
  --model $MODEL --input $INPUT --epochs $EPOCHS --epoch-size 8000 --batch 32 --lr 3e-3 --augment strong --seed 0 \
  --out $OUT $RESUME $FORCE
