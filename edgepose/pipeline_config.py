"""Settings of ``edgepose pipeline``: one dataclass whose defaults are the only defaults (the CLI
reads them). The pipeline is a smoke run on synthetic data, so its defaults differ from
:class:`~edgepose.train_config.TrainConfig`'s on purpose (shorter, higher learning rate).
No heavy imports."""

from __future__ import annotations

from dataclasses import dataclass

from .defaults import INPUT_SIZE


@dataclass
class PipelineConfig:
    model: str = "edgehrnet-t"
    input_size: tuple[int, int] = INPUT_SIZE  # (width, height)
    n_train: int = 1600
    n_val: int = 100
    epochs: int = 24
    batch_size: int = 32
    lr: float = 3e-3
    calib_size: int = 200
    bench_runs: int = 100
    seed: int = 0
