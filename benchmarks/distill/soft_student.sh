#!/bin/bash
# Stage 3 of the student: from stage 2's best weights, the same data, teacher labels, extent boxes
# and partly seen people, plus soft targets (PP-TinyPose 128x96 heatmaps run online on every training
# crop, blended 0.5/0.5 with the Gaussian targets), lr 3e-4 cosine over 12 epochs x 8,000 people.
# Why: in the ablation, soft targets moved the hip/ankle bias most among the label sources.
# Resume: as train_student.sh (state in checkpoints/$NAME/, restored into runs/ and --resume).
set -euo pipefail
NAME=${NAME:-student-m-128x96-soft}
INIT=${INIT:-checkpoints/student-m-128x96-trunc/best.keras}
EPOCHS=${EPOCHS:-12}
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
  --val $P/val_lspet300.json --val-images $D/lspet/images --val-every 2 \
  --teacher-weight 1.0 --teacher-min-score 0.3 --box extent --box-jitter 0.1 --truncate 0.35 \
  --soft-teacher ../shared/peers/pp_tinypose/128x96/model.xml --soft-alpha 0.5 \
  --model edgehrnet-m --input 128x96 --epochs $EPOCHS --epoch-size 8000 --batch 32 --lr 3e-4 --augment strong --seed 2 \
  --init $INIT --out $OUT $RESUME $FORCE
