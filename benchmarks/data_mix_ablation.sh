#!/bin/bash
# Issue 11 ablation: what each data source adds, at one fixed training budget.
# Run from the repository root with ../shared/data beside it (needs the [train,eval] extras).
# Every row fine-tunes the shipped edgehrnet-t (--init pretrained) for the same number of
# samples (--epochs 12 x --epoch-size 5120 = 61,440 people, batch 32, lr 1e-3, strong
# augmentation, seed 0), then scores its last.keras (not selected on the evaluation set) on
# coco_val AP (ground-truth boxes) and the LSPET test half (PCK@0.2, PCKh@0.5).
# Re-running resumes unfinished rows and skips finished ones.
set -euo pipefail
D=../shared/data
R=runs/ablation
EP="${EDGEPOSE:-.venv/bin/edgepose}"
mkdir -p $R/data
# the extra sources (made once)
[ -f $R/data/lspet_train_pseudo.json ] || $EP data pseudo-label $D/lspet/person_keypoints_train.json --images $D/lspet/images \
  --teacher ../shared/peers/movenet_single_pose_lightning_ptq.tflite --teacher ../shared/peers/pose_landmark_lite.tflite \
  --lsp-joints $D/lspet/joints.json --out $R/data/lspet_train_pseudo.json
[ -f $R/data/lspet_extra_pseudo.json ] || $EP data pseudo-label $D/lspet/person_keypoints_train_extra.json --images $D/lspet/images \
  --teacher ../shared/peers/movenet_single_pose_lightning_ptq.tflite --teacher ../shared/peers/pose_landmark_lite.tflite \
  --lsp-joints $D/lspet/joints.json --out $R/data/lspet_extra_pseudo.json
[ -f $R/data/synth/person_keypoints.json ] || $EP data synth --out $R/data/synth -n 2000 --seed 11 --force
[ -f $R/data/copy_paste/person_keypoints.json ] || $EP data copy-paste $D/coco_train/person_keypoints.json \
  --images $D/coco_train/images --out $R/data/copy_paste -n 1500 --seed 0 --force

[ "${DATA_ONLY:-0}" = 1 ] && { echo "data sources ready in $R/data"; exit 0; }

LSPET_TRAIN="$D/lspet/person_keypoints_train.json --images $D/lspet/images"
LSPET_EXTRA="--data $D/lspet/person_keypoints_train_extra.json:$D/lspet/images:0.67"
PSEUDO_TRAIN="$R/data/lspet_train_pseudo.json --images $D/lspet/images"
PSEUDO_EXTRA="--data $R/data/lspet_extra_pseudo.json:$D/lspet/images:0.67"
COCO="--data $D/coco_train/person_keypoints.json:$D/coco_train/images:0.2"
SYNTH="--data $R/data/synth/person_keypoints.json:$R/data/synth/images:0.3"
PASTE="--data $R/data/copy_paste/person_keypoints.json:$R/data/copy_paste/images:0.3"
COMMON="--model edgehrnet-t --input 128x96 --init pretrained --epochs 12 --epoch-size 5120 --batch 32 --lr 1e-3 --augment strong --seed 0"

row() { # row NAME TRAIN-ARGS...
  local name=$1; shift
  local out=$R/$name
  if [ -f $out/eval_coco.json ]; then echo "[$name] done"; return; fi
  local mode="--force"; [ -d $out/state ] && mode="--resume"
  echo "[$name] edgepose train $* $COMMON --out $out $mode"
  $EP train "$@" $COMMON --out $out $mode
  $EP bench accuracy $out/last.keras --data $D/coco_val/person_keypoints.json --images $D/coco_val/images --json > $out/eval_coco.tmp
  mv $out/eval_coco.tmp $out/eval_coco.json
  $EP bench accuracy $out/last.keras --data $D/lspet/person_keypoints_test.json --images $D/lspet/images \
    --lsp-joints $D/lspet/joints.json --json > $out/eval_lsp.json
}
row real $LSPET_TRAIN $LSPET_EXTRA $COCO
row pseudo $PSEUDO_TRAIN $PSEUDO_EXTRA $COCO
row synth $LSPET_TRAIN $LSPET_EXTRA $COCO $SYNTH
row copy_paste $LSPET_TRAIN $LSPET_EXTRA $COCO $PASTE
echo "all rows done: python benchmarks/data_mix_table.py $R"
