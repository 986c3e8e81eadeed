#!/bin/bash
# Run from the repository root with ../shared/data beside it.
# The shipped model's training run. Re-run this script to continue after an interruption.
D=../shared/data
OUT=runs/main-128x96
RESUME=""
[ -d $OUT/state ] && RESUME="--resume"
[ -z "$RESUME" ] && FORCE="--force"
exec .venv/bin/edgepose train $D/lspet/person_keypoints_train.json --images $D/lspet/images \
  --data $D/lspet/person_keypoints_train_extra.json:$D/lspet/images:0.67 \
  --data $D/coco_train/person_keypoints.json:$D/coco_train/images:0.2 \
  --val $D/coco_val/person_keypoints.json --val-images $D/coco_val/images --val-every 5 \
  --model edgehrnet-t --input 128x96 --epochs 190 --batch 32 --lr 3e-3 --augment strong --seed 0 \
  --out $OUT $RESUME $FORCE
