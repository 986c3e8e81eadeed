#!/bin/bash
# Everyday-photo distillation data (issue 24), from the repository root with ../shared beside it.
# Takes local folders (nothing is downloaded): POOL = brianhuster/human-dataset @ 9d1b33dd (a YOLO
# tree: train/ valid/ test/ with images/ + labels/), KP = Jar-17/yolov7_for_baseball @ 3b2e46c4
# labels/train2017 (COCO train2017 people as YOLO-pose lines; never its labels/val2017).
#   POOL=/data/human-dataset KP=/data/yolov7_for_baseball/labels/train2017 [FASHION=/data/clothing-co-parsing/photos] bash benchmarks/everyday/prepare.sh
# Steps:
#  1. data import: the pool as COCO, human keypoints merged where COCO-train has them, people under
#     MIN_HEIGHT px dropped (the measured rule: PP-TinyPose 256x192 vs human keypoints on the pool's
#     COCO people, PCK@0.2 0.46 under 32 px, 0.78 at 32-48, 0.86 at 48-64, 0.90+ above; see
#     benchmarks/everyday/size_rule.py), sources exported twice grouped;
#  2. a COCO-domain validation split: VAL_IMAGES human-labelled COCO sources chosen by image id
#     (every export of a chosen source leaves training), human keypoints only;
#  3. teacher labels (PP-TinyPose 256x192) for every training person; human keypoints are kept.
set -euo pipefail
: "${POOL:?set POOL to the human-dataset tree}"; : "${KP:?set KP to labels/train2017 of yolov7_for_baseball}"
OUT=${OUT:-runs/everyday/data}
MIN_HEIGHT=${MIN_HEIGHT:-48}
VAL_IMAGES=${VAL_IMAGES:-200}
T=../shared/peers/pp_tinypose/256x192/model.xml
E=.venv/bin/edgepose
mkdir -p $OUT
[ -f $OUT/pool.json ] || $E data import "$POOL" --keypoints-from "$KP" --min-height $MIN_HEIGHT --out $OUT/pool.json
[ -f $OUT/val_coco.json ] || .venv/bin/python benchmarks/everyday/split.py $OUT/pool.json $OUT --val-images $VAL_IMAGES
[ -f $OUT/pool_train_teacher.json ] || $E data teacher-label $OUT/pool_train.json --images "$POOL" --teacher $T \
  --out $OUT/pool_train_teacher.json
# 4. optional: the fashion photos (bearpaw/clothing-co-parsing photos/, no boxes) get person boxes
#    from PP-PicoDet-S pedestrian (../shared/peers/detectors/) and teacher keypoints.
if [ -n "${FASHION:-}" ] && [ ! -f $OUT/fashion_teacher.json ]; then
  $E data teacher-label "$FASHION" --detector ../shared/peers/detectors/picodet_s_320_pedestrian/model.xml \
    --teacher $T --out $OUT/fashion_teacher.json
fi
