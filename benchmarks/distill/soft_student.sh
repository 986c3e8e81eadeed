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
source benchmarks/distill/common.sh
exec .venv/bin/edgepose train "${DATA[@]}" --val-every 2 --truncate 0.35 \
  --soft-teacher ../shared/peers/pp_tinypose/128x96/model.xml --soft-alpha 0.5 \
  --model edgehrnet-m --input 128x96 --epochs $EPOCHS --epoch-size 8000 --batch 32 --lr 3e-4 --augment strong --seed 2 \
  --init $INIT --out $OUT $RESUME $FORCE
