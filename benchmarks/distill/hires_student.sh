#!/bin/bash
# Stage 4 of the student: the same network at a larger input. From the shipped v3.2 weights
# (stage 3's best, 128x96), fine-tune edgehrnet-m at 192x160 on the same data, teacher labels,
# extent boxes and partly seen people (stage 2's recipe; no soft targets: the teacher's heatmaps are
# 32x24 or 64x48, not the student's 48x40), lr 3e-4 cosine over 10 epochs x 8,000 people.
# Why: the network's weights do not depend on the input size, and 128x96 uses 0.23 x MoveNet's
# latency of a 0.8 x budget; the teacher itself gains 0.14 AP from 128x96 to 256x192. 192x160 costs
# ~2.5 x the MACs (~0.6 x MoveNet; sides must be multiples of 32), inside the budget; 256x192 (~0.9 x) is not.
# Resume: as train_student.sh (state in checkpoints/$NAME/, restored into runs/ and --resume).
# Result (README, "Stage 4"): validation AP 0.249 vs 0.245, but coco_val int8 AP 0.063 vs 0.095 and LSP test
# PCK@0.2 0.773 vs 0.792 (more gross errors); not shipped.
set -euo pipefail
NAME=${NAME:-student-m-192x160}
INIT=${INIT:-edgepose/pretrained/edgehrnet-m_coco17.keras}
EPOCHS=${EPOCHS:-10}
source benchmarks/distill/common.sh
exec .venv/bin/edgepose train "${DATA[@]}" --val-every 1 --truncate 0.35 \
  --model edgehrnet-m --input 192x160 --epochs $EPOCHS --epoch-size 8000 --batch 32 --lr 3e-4 --augment strong --seed 3 \
  --init $INIT --out $OUT $RESUME $FORCE
