"""The defaults that commands and library functions share, in one place (typer options and
function signatures read them; nothing here imports anything)."""

CODEC = "gaussian"  # heatmap coordinate convention (edgepose.codec registry name)
SIGMA = 2.0  # Gaussian target sigma, heatmap pixels
THREADS = 2  # CPU threads of batch jobs (predict, bench, teacher labels); latency runs say their own
INPUT_SIZE = (96, 128)  # model input (width, height)
INPUT_TEXT = f"{INPUT_SIZE[1]}x{INPUT_SIZE[0]}"  # the same as the CLI writes sizes: HEIGHTxWIDTH
DETECTOR_SCORE_THRESHOLD = 0.3  # people kept by every person detector (mmpose's demo bbox_thr)
