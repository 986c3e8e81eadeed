#!/bin/bash
# Stage 5 of the student (issue 24): everyday photos. From the shipped v3.2 weights, the imported
# pool (benchmarks/everyday/prepare.sh: human COCO keypoints where they exist, PP-TinyPose 256x192
# labels elsewhere) mixed with LSPET and coco_train (benchmarks/distill/prepare.sh), soft targets
# from PP-TinyPose 128x96. Boxes: the pool's and COCO's own annotation boxes (the boxes coco_val is
# scored with); LSPET's joint boxes are replaced by person-extent boxes offline (with_extent_boxes).
# Validation: the COCO-domain split (chooses best.keras) and the carved LSPET split; never coco_val.
# Resumable: state in checkpoints/$NAME/ (benchmarks/distill/save_state.sh) is restored into runs/.
#   POOL=/data/human-dataset bash benchmarks/everyday/train_student.sh
set -euo pipefail
: "${POOL:?set POOL to the human-dataset tree (the folder benchmarks/everyday/prepare.sh imported)}"
NAME=${NAME:-student-m-128x96-everyday}
INIT=${INIT:-edgepose/pretrained/edgehrnet-m_coco17.keras}
MODEL=${MODEL:-edgehrnet-m}
INPUT=${INPUT:-128x96}
EPOCHS=${EPOCHS:-30}
EPOCH_SIZE=${EPOCH_SIZE:-10000}
LR=${LR:-5e-4}
POOL_DATA=${POOL_DATA:-runs/everyday/data/pool_train_teacher.json}
D=../shared/data
P=runs/distill/data
Q=runs/everyday/data
OUT=runs/distill/$NAME
[ -f $P/val_lspet300.json ] || bash benchmarks/distill/prepare.sh
[ -f $POOL_DATA ] || { echo "missing $POOL_DATA: run benchmarks/everyday/prepare.sh first" >&2; exit 2; }
if [ ! -f $Q/lspet_all_extent.json ]; then
  .venv/bin/python - "$P" "$Q" <<'PY'
import json, sys
from pathlib import Path
from edgepose.data.coco import with_extent_boxes, write_coco
p, q = Path(sys.argv[1]), Path(sys.argv[2])
parts = [json.loads((p / f).read_text()) for f in ("lspet_train_teacher.json", "lspet_extra_teacher.json", "lspet_more_train_teacher.json")]
merged = {**parts[0], "images": [im for d in parts for im in d["images"]], "annotations": [a for d in parts for a in d["annotations"]]}
write_coco(q / "lspet_all_extent.json", with_extent_boxes(merged))
print(f"LSPET training people with extent boxes: {len(merged['annotations'])}")
PY
fi
if [ ! -d $OUT/state ] && [ -d checkpoints/$NAME/state ]; then
  mkdir -p $OUT && cp -r checkpoints/$NAME/. $OUT/
fi
RESUME=""; FORCE=""
if [ -d $OUT/state ]; then RESUME="--resume"; else FORCE="--force"; fi
exec .venv/bin/edgepose train $POOL_DATA --images "$POOL" \
  --data $Q/lspet_all_extent.json:$D/lspet/images:${LSPET_WEIGHT:-0.5} \
  --data $P/coco_train_teacher.json:$D/coco_train/images:0.05 \
  --val $Q/val_coco.json --val-images "$POOL" --val $P/val_lspet300.json --val-images $D/lspet/images --val-every 2 \
  --teacher-weight 1.0 --teacher-min-score 0.3 --box annotation --box-jitter 0.1 --truncate ${TRUNCATE:-0.15} \
  --soft-teacher ../shared/peers/pp_tinypose/128x96/model.xml --soft-alpha 0.5 \
  --model $MODEL --input $INPUT --epochs $EPOCHS --epoch-size $EPOCH_SIZE --batch 32 --lr $LR --augment strong --seed 5 \
  --init $INIT --out $OUT $RESUME $FORCE
