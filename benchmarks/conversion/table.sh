#!/bin/bash
# The conversion table (issue 33): our shipped .keras models round-tripped through ONNX
# (export-onnx -> convert fp32 / int8 through the gate) and scored on coco_val with GT boxes at every
# step; op count and Edge TPU share of each int8 file; latency of the ONNX file (onnxruntime) vs the
# int8 TFLite (LiteRT), 1 thread, one process. Calibration and gate: coco_train people (never coco_val).
# From the repository root with ../shared beside it; ~15 min on 2 cores.
#   bash benchmarks/conversion/table.sh        (OUT=runs/conversion; MODELS="edgehrnet-m pptinypose")
set -euo pipefail
OUT=${OUT:-runs/conversion}
MODELS=${MODELS:-edgehrnet-m pptinypose}
D=../shared/data
E=.venv/bin/edgepose
PY=.venv/bin/python
mkdir -p $OUT
VAL=(--data $D/coco_val/person_keypoints.json --images $D/coco_val/images)
GATE=(--val $D/coco_train/person_keypoints.json --val-images $D/coco_train/images)
for name in $MODELS; do
  K=edgepose/pretrained/${name}_coco17.keras
  size=$($PY -c "import sys; from edgepose.models.saved import load_model; m = load_model(sys.argv[1]); print(f'{m.input_shape[1]}x{m.input_shape[2]}')" $K)
  $E calib build --data $D/coco_train/person_keypoints.json --images $D/coco_train/images --input $size -n 150 \
    --out $OUT/calib_$name --force > /dev/null
  $E export-onnx $K --out $OUT/$name.onnx --force | tee $OUT/${name}_export.txt
  $E convert $OUT/$name.onnx --out $OUT/${name}_fp32.tflite --format fp32 --calib $OUT/calib_$name --force "${GATE[@]}" \
    > $OUT/${name}_fp32.txt 2>&1
  $E convert $OUT/$name.onnx --out $OUT/${name}_int8.tflite --format int8 --calib $OUT/calib_$name --force "${GATE[@]}" \
    --max-ap-drop 0.02 > $OUT/${name}_int8.txt 2>&1 || echo "$name: int8 refused by the gate (exit $?), see $OUT/${name}_int8.gate.md"
  $E quantize $K --out $OUT/${name}_quantize_int8.tflite --calib $OUT/calib_$name --force "${GATE[@]}" > $OUT/${name}_quantize.txt 2>&1
  for f in $K $OUT/$name.onnx $OUT/${name}_fp32.tflite $OUT/${name}_int8.tflite $OUT/${name}_quantize_int8.tflite; do
    [ -f $f ] && $E bench accuracy $f "${VAL[@]}" --out $OUT/acc_$(basename $f) --force > /dev/null
  done
  INT8=$OUT/${name}_int8.tflite
  [ -f $INT8 ] || INT8=$OUT/${name}_quantize_int8.tflite  # refused by the gate: the .keras path's int8 stands in
  $E edgetpu check $INT8 --json > $OUT/${name}_int8_edgetpu.json
  [ "${LATENCY:-1}" = 1 ] && $E bench latency $OUT/$name.onnx $INT8 --threads 1 --runs 100 --json > $OUT/${name}_latency.json
done
$PY benchmarks/conversion/summarize.py $OUT $MODELS | tee $OUT/table.md
