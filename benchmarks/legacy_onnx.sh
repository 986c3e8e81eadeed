#!/bin/bash
# Legacy ONNX end to end on a real pose network: the shipped edgehrnet-m exported at opset 8 (tf2onnx),
# rewritten the way IR 3 exporters (MXNet/GluonCV, old PyTorch) write files: ir_version 3, every
# initializer also a graph input, the first Conv's bias in a BatchNormalization(spatial=1). Then
# `edgepose convert` (fp32 and int8) and COCO AP of the legacy file in onnxruntime vs the converted
# TFLite files. From the repository root with ../shared beside it; about 4 min on 2 cores.
#   bash benchmarks/legacy_onnx.sh     (OUT=runs/legacy_onnx)
set -euo pipefail
OUT=${OUT:-runs/legacy_onnx}
D=../shared/data
E=.venv/bin/edgepose
PY=.venv/bin/python
MODEL=edgepose/pretrained/edgehrnet-m_coco17.keras
mkdir -p $OUT
$E export-onnx $MODEL --out $OUT/edgehrnet-m_opset8.onnx --opset 8 --force
$PY - $OUT <<'PY'
import sys
from pathlib import Path

import onnx

sys.path.insert(0, "tests")
from legacy_onnx import as_ir3

out = Path(sys.argv[1])
legacy = as_ir3(onnx.load(str(out / "edgehrnet-m_opset8.onnx")))
onnx.checker.check_model(legacy)  # valid IR 3: initializers are listed as inputs
onnx.save(legacy, str(out / "edgehrnet-m_legacy_ir3.onnx"))
inits = {i.name for i in legacy.graph.initializer}
bn = [n for n in legacy.graph.node if n.op_type == "BatchNormalization"]
print(f"legacy file: ir_version {legacy.ir_version}, opset {legacy.opset_import[0].version}, "
      f"{sum(i.name in inits for i in legacy.graph.input)} of {len(legacy.graph.input)} graph inputs are initializers, "
      f"BatchNormalization attributes {[a.name for a in bn[0].attribute]}")
PY
[ -d $OUT/calib ] || $E calib build --data $D/coco_train/person_keypoints.json --images $D/coco_train/images --out $OUT/calib --input 128x96
for fmt in fp32 int8; do
  $E convert $OUT/edgehrnet-m_legacy_ir3.onnx --out $OUT/legacy_$fmt.tflite --format $fmt --calib $OUT/calib \
    --input-layout nhwc --normalize raw --force
done
$E bench compare $OUT/edgehrnet-m_legacy_ir3.onnx $OUT/legacy_fp32.tflite $OUT/legacy_int8.tflite \
  --data $D/coco_val/person_keypoints.json --images $D/coco_val/images --threads 1 --runs 50 --out $OUT/compare --force \
  --norm raw --codec gaussian  # our export and convert take RGB 0..255 (normalisation inside), our heatmap convention
