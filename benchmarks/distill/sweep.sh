#!/bin/bash
# Student sweep, accuracy half (the latency half: student_latency.py). Every candidate under
# 0.8 x MoveNet's 1-thread int8 latency trains on the same fixed short budget: 6 epochs x 4,000
# people (batch 32, lr 3e-3, strong augmentation, teacher labels, person-extent boxes with
# jitter, seed 0), checkpoint = best on the carved LSPET validation split; then coco_val AP with
# ground-truth boxes (evaluation only). From the repository root with ../shared beside it.
set -euo pipefail
D=../shared/data
P=runs/distill/data
S=runs/distill/sweep
E=.venv/bin/edgepose
[ -f $P/val_lspet300.json ] || bash benchmarks/distill/prepare.sh
mkdir -p $S
# the three widths at the shipped input size (what this session's CPU budget allowed; add e.g.
# edgehrnet-m:160x128 edgehrnet-s:160x128, both under 0.8 x MoveNet, with CANDIDATES=...)
CANDIDATES=${CANDIDATES:-"edgehrnet-t:128x96 edgehrnet-m:128x96 edgehrnet-s:128x96"}
for c in $CANDIDATES; do
  model=${c%%:*}; size=${c##*:}; out=$S/${model}_$size
  if ! { [ -f $out/train_log.json ] && grep -q '"epoch": 6,' $out/train_log.json; }; then
    $E train $P/lspet_train_teacher.json --images $D/lspet/images \
      --data $P/lspet_extra_teacher.json:$D/lspet/images:0.67 \
      --data $P/lspet_more_train_teacher.json:$D/lspet/images:0.9 \
      --data $P/coco_train_teacher.json:$D/coco_train/images:0.3 \
      --val $P/val_lspet300.json --val-images $D/lspet/images --val-every 3 \
      --teacher-weight 1.0 --box extent --box-jitter 0.1 \
      --model $model --input $size --epochs 6 --epoch-size 4000 --batch 32 --lr 3e-3 --augment strong --seed 0 \
      --out $out --force
  fi
  [ -f $out/coco_val.json ] || $E bench accuracy $out/best.keras --data $D/coco_val/person_keypoints.json \
    --images $D/coco_val/images --json > $out/coco_val.json
done
.venv/bin/python benchmarks/distill/sweep_table.py $S runs/distill/student_latency/student_latency.json
