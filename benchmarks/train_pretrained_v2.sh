#!/bin/bash
# The shipped model's second training (issue 11): fine-tune v1 (190 epochs on real data) with the
# data mix that paid in benchmarks/data_mix_ablation.sh: LSPET with teacher pseudo-labels for the
# face (weight 0.5), COCO train, procedural synthetic people (0.3) and COCO copy-paste (0.3).
# Run from the repository root with ../shared beside it; re-running resumes. Then:
#   bash benchmarks/pretrained.sh runs/pretrained-v2/last.keras runs/pretrained-v2-figs
#   python benchmarks/pretrained_card.py runs/pretrained-v2 runs/pretrained-v2-figs edgepose/pretrained \
#     --before runs/ablation/shipped_v1 --previous "v1 (190 epochs from scratch on LSPET + COCO train)"
set -euo pipefail
D=../shared/data
R=runs/ablation
OUT=runs/pretrained-v2
EP="${EDGEPOSE:-.venv/bin/edgepose}"
DATA_ONLY=1 bash benchmarks/data_mix_ablation.sh  # the pseudo-labelled / synthetic / copy-paste sources
MODE="--force"; [ -d $OUT/state ] && MODE="--resume"
exec $EP train $R/data/lspet_train_pseudo.json --images $D/lspet/images \
  --data $R/data/lspet_extra_pseudo.json:$D/lspet/images:0.67 \
  --data $D/coco_train/person_keypoints.json:$D/coco_train/images:0.2 \
  --data $R/data/synth/person_keypoints.json:$R/data/synth/images:0.3 \
  --data $R/data/copy_paste/person_keypoints.json:$R/data/copy_paste/images:0.3 \
  --val $D/coco_val/person_keypoints.json --val-images $D/coco_val/images --val-every 5 \
  --model edgehrnet-t --input 128x96 --init ${INIT:-pretrained} --epochs 30 --epoch-size 5120 --batch 32 --lr 1e-3 \
  --augment strong --seed 1 --pseudo-weight 0.5 --out $OUT $MODE
