#!/bin/bash
# Distillation ablation at one fixed budget (from the repository root, ../shared beside it):
# edgehrnet-t 128x96 from scratch, 15 epochs x 4,000 people (60,000 samples, batch 32, lr 3e-3,
# strong augmentation, seed 0) per arm, checkpoint = best on the carved LSPET validation split;
# then coco_val AP (GT boxes) and the LSPET test half, evaluation only.
#   human   : human labels only, the files' boxes (LSPET: joint-derived)
#   teacher : + teacher keypoints where humans have none (weight = teacher score)
#   boxes   : + person-extent boxes with detector-like jitter
#   photos  : + LSPET train_more used as *unlabelled photos* (human labels dropped; BlazePose's
#             detector boxes, teacher keypoints only), simulating a user's own photo folder
#   soft    : + soft targets: PP-TinyPose 128x96 run on every training crop, its heatmaps blended
#             0.5/0.5 with the Gaussian targets (same samples, more wall-clock: compare per second too)
set -euo pipefail
D=../shared/data
P=runs/distill/data
A=runs/distill/ablation
E=.venv/bin/edgepose
[ -f $P/val_lspet300.json ] || bash benchmarks/distill/prepare.sh
mkdir -p $A
if [ ! -f $A/photos.json ]; then
  mkdir -p $A/photo_folder
  .venv/bin/python - "$P" "$A/photo_folder" <<'PY'
import json, os, sys
from pathlib import Path
src = json.loads((Path(sys.argv[1]) / "lspet_more_train_teacher.json").read_text())
dst = Path(sys.argv[2])
for im in src["images"]:  # the training part of train_more only (the validation split stays out)
    link = dst / im["file_name"]
    if not link.exists():
        os.symlink(Path("../shared/data/lspet/images", im["file_name"]).resolve(), link)
PY
  $E data teacher-label $A/photo_folder --teacher ../shared/peers/pp_tinypose/256x192/model.xml \
    --detector ../shared/peers/pose_detection.tflite --out $A/photos.json
fi
COMMON="--val $P/val_lspet300.json --val-images $D/lspet/images --val-every 3 --model edgehrnet-t --input 128x96
  --epochs 15 --epoch-size 4000 --batch 32 --lr 3e-3 --augment strong --seed 0 --force"
LSP="$D/lspet/images"
run() { name=$1; shift; [ -f $A/$name/train_log.json ] && grep -q '"epoch": 15' $A/$name/train_log.json || $E train "$@" $COMMON --out $A/$name; }
run human $D/lspet/person_keypoints_train.json --images $LSP \
  --data $D/lspet/person_keypoints_train_extra.json:$LSP:0.67 --data $D/coco_train/person_keypoints.json:$D/coco_train/images:0.3
run teacher $P/lspet_train_teacher.json --images $LSP \
  --data $P/lspet_extra_teacher.json:$LSP:0.67 --data $P/coco_train_teacher.json:$D/coco_train/images:0.3 --teacher-weight 1
run boxes $P/lspet_train_teacher.json --images $LSP \
  --data $P/lspet_extra_teacher.json:$LSP:0.67 --data $P/coco_train_teacher.json:$D/coco_train/images:0.3 --teacher-weight 1 \
  --box extent --box-jitter 0.1
run soft $P/lspet_train_teacher.json --images $LSP \
  --data $P/lspet_extra_teacher.json:$LSP:0.67 --data $P/coco_train_teacher.json:$D/coco_train/images:0.3 --teacher-weight 1 \
  --box extent --box-jitter 0.1 --soft-teacher ../shared/peers/pp_tinypose/128x96/model.xml --soft-alpha 0.5
run photos $P/lspet_train_teacher.json --images $LSP \
  --data $P/lspet_extra_teacher.json:$LSP:0.67 --data $P/coco_train_teacher.json:$D/coco_train/images:0.3 \
  --data $A/photos.json:$A/photo_folder:0.9 --teacher-weight 1 --box extent --box-jitter 0.1
for arm in human teacher boxes soft photos; do
  m=$A/$arm/best.keras
  $E bench accuracy $m --data $D/coco_val/person_keypoints.json --images $D/coco_val/images --json > $A/$arm/coco_val.json
  $E bench accuracy $m --data $D/lspet/person_keypoints_test.json --images $LSP --lsp-joints $D/lspet/joints.json --json > $A/$arm/lspet_test.json
done
.venv/bin/python benchmarks/distill/ablation_table.py $A
