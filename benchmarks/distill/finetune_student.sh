#!/bin/bash
# Stage 2 of the student (resumable like stage 1): from the stage-1 weights, the same data and
# teacher labels plus partly seen people (--truncate: the box cut at a random line, half of the
# time with the image blanked beyond it and the points there unlabelled). Why: on coco_val the
# stage-1 student places the hips of people whose legs are out of the picture ~0.45 x sqrt(area)
# too high (it learnt "the box ends at the feet" from full-body athletes); full-body people are
# unbiased. LR continues stage 1's cosine (3e-3 over 100 epochs is ~8e-4 at epoch 65) down to 0.
# Resume: as train_student.sh (state in checkpoints/$NAME/, restored into runs/ and --resume).
set -euo pipefail
NAME=${NAME:-student-m-128x96-trunc}
INIT=${INIT:-checkpoints/student-m-128x96/last.keras}
EPOCHS=${EPOCHS:-30}
D=../shared/data
P=runs/distill/data
OUT=runs/distill/$NAME
[ -f $P/val_lspet300.json ] || bash benchmarks/distill/prepare.sh
if [ ! -d $OUT/state ] && [ -d checkpoints/$NAME/state ]; then
  mkdir -p $OUT && cp -r checkpoints/$NAME/. $OUT/
fi
RESUME=""; FORCE=""
if [ -d $OUT/state ]; then RESUME="--resume"; else FORCE="--force"; fi
exec .venv/bin/edgepose train $P/lspet_train_teacher.json --images $D/lspet/images \
  --data $P/lspet_extra_teacher.json:$D/lspet/images:0.67 \
  --data $P/lspet_more_train_teacher.json:$D/lspet/images:0.9 \
  --data $P/coco_train_teacher.json:$D/coco_train/images:0.3 \
  --val $P/val_lspet300.json --val-images $D/lspet/images --val-every 5 \
  --teacher-weight 1.0 --teacher-min-score 0.3 --box extent --box-jitter 0.1 --truncate 0.35 \
  --model edgehrnet-m --input 128x96 --epochs $EPOCHS --epoch-size 8000 --batch 32 --lr 8e-4 --augment strong --seed 1 \
  --init $INIT --out $OUT $RESUME $FORCE
