"""The defaults that commands and library functions share, in one place (typer options and
function signatures read them; nothing here imports anything)."""

CODEC = "gaussian"  # heatmap coordinate convention (edgepose.codec registry name)
SIGMA = 2.0  # Gaussian target sigma, heatmap pixels
REFINE = "dark"  # sub-pixel refinement of decoded keypoints (edgepose.codecs.refine registry name)
THREADS = 2  # CPU threads of batch jobs (predict, bench, teacher labels); latency runs say their own
INPUT_SIZE = (96, 128)  # model input (width, height)
INPUT_TEXT = f"{INPUT_SIZE[1]}x{INPUT_SIZE[0]}"  # the same as the CLI writes sizes: HEIGHTxWIDTH
# int8 activation ranges of `quantize` (measured, docs/pptinypose.md): "auto" takes "tied" for a model trained with the
# quantizer in the loop (its contract says qat; pptinypose v5.0: drop 0.001 vs minmax 0.031, mse 0.077) and "mse"
# otherwise (edgehrnet-m v4.0: drop 0.0007 vs minmax 0.0016, tied 0.0098), on the COCO-domain validation split
RANGES = "auto"
DETECTOR_SCORE_THRESHOLD = 0.3  # people kept by every person detector (mmpose's demo bbox_thr)
DETECTOR_NMS_IOU = 0.45  # NMS overlap of detectors without their own (YOLO's usual value)
MAX_PEOPLE = 10  # people kept per frame by a detector, best first
