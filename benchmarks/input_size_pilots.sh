#!/bin/bash
# Run from the repository root with ../shared/data beside it.
# input-size pilots at equal wall time (~7 min each) on the real training mix
D=../shared/data
for spec in "128x96 16" "160x128 10"; do
  set -- $spec
  .venv/bin/edgepose train $D/lspet/person_keypoints_train.json --images $D/lspet/images \
    --data $D/lspet/person_keypoints_train_extra.json:$D/lspet/images:0.67 \
    --data $D/coco_train/person_keypoints.json:$D/coco_train/images:0.15 \
    --val $D/coco_val/person_keypoints.json --val-images $D/coco_val/images --val-every 2 \
    --model edgehrnet-t --input $1 --epochs $2 --batch 32 --lr 3e-3 --augment strong --seed 0 \
    --out runs/pilot-$1 --force
done
