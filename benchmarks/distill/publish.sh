#!/bin/bash
# Last step of shipping the student (after ship.sh): model card + metrics from the run and the
# figures, the int8 model bundled with its contract and standard TFLite metadata, both files
# copied into edgepose/pretrained/ under the registry name. From the repository root.
#   NAME=student-m-128x96-trunc MODEL=edgehrnet-m VERSION=3.0 bash benchmarks/distill/publish.sh
set -euo pipefail
NAME=${NAME:-student-m-128x96-trunc}
MODEL=${MODEL:-edgehrnet-m}
VERSION=${VERSION:-3.0}
RUN=runs/distill/$NAME
OUT=runs/distill/ship
PRE=edgepose/pretrained
E=.venv/bin/edgepose
CARD=runs/distill/card
rm -rf $CARD && mkdir -p $CARD
.venv/bin/python benchmarks/pretrained_card.py $RUN $OUT $CARD --before runs/distill/before \
  --previous "edgehrnet-t v2 (182 k parameters, 128x96; the model shipped before this one)" \
  --selection "${SELECTION:-The shipped weights are best.keras: the epoch with the highest AP on the 300-image validation split carved from LSPET train_more (never coco_val).}" \
  --note "${NOTE:-}" --reproduce "${REPRODUCE:-\`bash benchmarks/distill/prepare.sh && bash benchmarks/distill/train_student.sh && bash benchmarks/distill/finetune_student.sh && bash benchmarks/distill/ship.sh && bash benchmarks/distill/publish.sh\`}" \
  --limitations "${LIMITATIONS:-}" --origin "${ORIGIN:-}"
mkdir -p $OUT/named && cp $OUT/model_int8.tflite $OUT/named/${MODEL}_coco17_int8.tflite  # the file name is the model's name
$E bundle $OUT/named/${MODEL}_coco17_int8.tflite --out $OUT/bundle --version $VERSION --metrics $CARD/metrics.json \
  --card $CARD/MODEL_CARD.md --force
cp $RUN/best.keras $PRE/${MODEL}_coco17.keras
cp $OUT/bundle/${MODEL}_coco17_int8.tflite $PRE/${MODEL}_coco17_int8.tflite
cp $CARD/MODEL_CARD.md $CARD/metrics.json $PRE/
[ -f $CARD/curves.png ] && cp $CARD/curves.png $PRE/
echo "published $PRE/${MODEL}_coco17{.keras,_int8.tflite} (version $VERSION)"
