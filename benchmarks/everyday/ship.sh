#!/bin/bash
# Ship the everyday-photo student (issue 24), from the repository root with ../shared beside it.
# MODEL: the weights chosen on the COCO-domain validation split (best.keras of the run; never coco_val).
# Writes runs/everyday/ship/: the five formats and their figures (benchmarks/pretrained.sh, int8
# calibrated on human-labelled everyday training people, the deployment's look), the int8 gate at
# --max-ap-drop 0.005, the Edge TPU check, the compare table with the shipped model before it and the
# peers, then the model card, the bundle and the copy into edgepose/pretrained/ (VERSION).
#   POOL=/data/human-dataset NAME=student-m-128x96-everyday VERSION=4.0 bash benchmarks/everyday/ship.sh
set -euo pipefail
: "${POOL:?set POOL to the human-dataset tree}"
NAME=${NAME:-student-m-128x96-everyday}
VERSION=${VERSION:-4.0}
INPUT=${INPUT:-128x96}
MODEL_NAME=${MODEL_NAME:-edgehrnet-m}
RUN=runs/distill/$NAME
MODEL=${MODEL:-$RUN/best.keras}
D=../shared/data
Q=runs/everyday/data
OUT=runs/everyday/ship
PRE=edgepose/pretrained
E=.venv/bin/edgepose
mkdir -p $OUT
# calibration people: the human-labelled everyday training people (COCO-train boxes), never validation
.venv/bin/python benchmarks/everyday/calib_people.py "$Q"
export RANGES=${RANGES:-mse}  # int8 activation ranges of least error: the min/max ranges failed this gate (drop 0.0091)
CALIB_JSON=$Q/calib_people.json CALIB_IMAGES="$POOL" EDGEPOSE=$E bash benchmarks/pretrained.sh $MODEL $OUT $INPUT
$E quantize $MODEL --format int8 --calib $OUT/calib --out $OUT/model_int8.tflite --force --ranges $RANGES \
  --val $D/coco_val/person_keypoints.json --val-images $D/coco_val/images --max-ap-drop 0.005 | tee $OUT/gate.txt
$E edgetpu check $OUT/model_int8.tflite | tee $OUT/edgetpu.txt
# before: the model shipped until now (HEAD), on the same files
B=$OUT/before
mkdir -p $B
git show HEAD:$PRE/${MODEL_NAME}_coco17.keras > $B/previous.keras
git show HEAD:$PRE/${MODEL_NAME}_coco17_int8.tflite > $B/previous_int8.tflite
$E bench accuracy $B/previous.keras --data $D/coco_val/person_keypoints.json --images $D/coco_val/images --json > $B/eval_coco.json
$E bench accuracy $B/previous.keras --data $D/lspet/person_keypoints_test.json --images $D/lspet/images \
  --lsp-joints $D/lspet/joints.json --json > $B/eval_lsp.json
C=$OUT/compare_models
mkdir -p $C
cp $OUT/model_int8.tflite $C/after_${MODEL_NAME}_int8.tflite
cp $B/previous_int8.tflite $C/before_${MODEL_NAME}_int8.tflite
PEERS=../shared/peers
$E bench compare $C/after_${MODEL_NAME}_int8.tflite $C/before_${MODEL_NAME}_int8.tflite \
  $PEERS/movenet_single_pose_lightning_ptq.tflite $PEERS/pp_tinypose/128x96/model.xml $PEERS/pp_tinypose/256x192/model.xml \
  --data $D/coco_val/person_keypoints.json --images $D/coco_val/images --threads 1,2 --runs 100 --out $OUT/compare --force
# the model card, the bundle, the copy into the package
CARD=runs/everyday/card
rm -rf $CARD && mkdir -p $CARD
NOTE=$(cat benchmarks/everyday/card_note.md)
.venv/bin/python benchmarks/pretrained_card.py $RUN $OUT $CARD --before $B \
  --previous "edgehrnet-m v3.2 (the model shipped before this one: LSPET athletes, soft targets)" \
  --origin "Fine-tuned from edgehrnet-m v3.2" \
  --selection "The shipped weights are best.keras: the epoch with the highest AP on the COCO-domain validation split (200 human-labelled COCO-train images of the everyday pool, chosen by image id; never coco_val)." \
  --note "$NOTE" \
  --reproduce "\`bash benchmarks/distill/prepare.sh && POOL=... KP=... bash benchmarks/everyday/prepare.sh && POOL=... bash benchmarks/everyday/train_student.sh && POOL=... bash benchmarks/everyday/ship.sh\`" \
  --limitations "- Trained for a few CPU hours: coco_val AP is still far below MoveNet Lightning and PP-TinyPose (see the compare table in the README).
- The everyday pool's photos were stretched to 416x416 by their exporter; people in them look wider or thinner than in life."
mkdir -p $OUT/named && cp $OUT/model_int8.tflite $OUT/named/${MODEL_NAME}_coco17_int8.tflite
$E bundle $OUT/named/${MODEL_NAME}_coco17_int8.tflite --out $OUT/bundle --version $VERSION --metrics $CARD/metrics.json \
  --card $CARD/MODEL_CARD.md --force
cp $MODEL $PRE/${MODEL_NAME}_coco17.keras
cp $OUT/bundle/${MODEL_NAME}_coco17_int8.tflite $PRE/${MODEL_NAME}_coco17_int8.tflite
cp $CARD/MODEL_CARD.md $CARD/metrics.json $PRE/
[ -f $CARD/curves.png ] && cp $CARD/curves.png $PRE/
echo "published $PRE/${MODEL_NAME}_coco17{.keras,_int8.tflite} (version $VERSION)"
