"""Data room: COCO reading/writing, the synthetic generator, top-down training samples."""
