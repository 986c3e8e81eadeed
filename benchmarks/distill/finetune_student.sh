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
source benchmarks/distill/common.sh
exec .venv/bin/edgepose train "${DATA[@]}" --val-every 5 --truncate 0.35 \
  --model edgehrnet-m --input 128x96 --epochs $EPOCHS --epoch-size 8000 --batch 32 --lr 8e-4 --augment strong --seed 1 \
  --init $INIT --out $OUT $RESUME $FORCE
