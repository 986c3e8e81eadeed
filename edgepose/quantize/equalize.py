"""Residual-stream channel equalization: an exact (float-preserving) pre-pass before int8 conversion.

TFLite gives each activation tensor one int8 scale. When one channel is far larger than the rest of
its tensor (PP-TinyPose: a channel that the channel shuffle never touches, doubled by every ``x + x``
fusion, ~20x its neighbours), the others keep only a few levels. Such a channel cannot be rescaled
in one place: it travels unchanged through ReLU, padding, resizes, slices, concatenations, shuffles
and Adds. This pass

1. groups every (tensor, channel) pair that must share one scale factor: through scale-transparent
   layers (ReLU, padding, resizes, pooling, slices, concat, reshape/permute shuffles, Add) channels
   are joined; convolutions, depthwise convolutions, Dense and BatchNormalization are boundaries (their
   weights absorb a factor on either side); anything else, the model's input and its outputs, freeze
   the groups they touch;
2. measures each channel's range on calibration crops and divides each free group by
   ``max(1, range / (threshold x median channel range of its tensor))`` (worst tensor of the group);
3. folds the factors into the producing and consuming layers' weights.

The float model's outputs are unchanged (up to float rounding); only the int8 ranges improve.
Works on any functional Keras model: layers it does not know are left alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_TRANSPARENT = {
    "ZeroPadding2D",
    "NearestUpsample",
    "BilinearUpsample2x",
    "UpSampling2D",
    "MaxPooling2D",
    "AveragePooling2D",
    "Dropout",
    "Identity",
    "Resizing",
}
_BOUNDARY = {"Conv2D", "DepthwiseConv2D", "Dense", "BatchNormalization"}


def _channels(shape) -> int:
    """Channels of a tensor: the product of the dims after (batch, H, W); Dense-style 2-D: the last dim."""
    dims = [int(d) for d in shape[1:]]
    if len(dims) <= 2:
        return dims[-1]
    return int(np.prod(dims[2:]))


def _relu_is_plain(layer) -> bool:
    kind = type(layer).__name__
    if kind == "ReLU":
        cfg = layer.get_config()
        return cfg.get("max_value") is None and not cfg.get("negative_slope") and not cfg.get("threshold")
    if kind == "Activation":
        return layer.get_config().get("activation") in ("relu", "linear")
    return False


def _linear_activation(layer) -> bool:
    act = getattr(layer, "activation", None)
    name = getattr(act, "__name__", str(act))
    return name in ("linear", "relu")


class _Groups:
    """Union-find over (tensor key, channel)."""

    def __init__(self):
        self.parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(self, a):
        self.parent.setdefault(a, a)
        root = a
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[a] != root:
            self.parent[a], a = root, self.parent[a]
        return root

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _nodes(model):
    """(layer, input tensors, output tensors) of every call in the functional graph, in build order."""
    out = []
    for layer in model.layers:  # each layer's first call builds the graph (later calls: other models sharing it)
        nodes = getattr(layer, "_inbound_nodes", [])
        if nodes:
            out.append((layer, list(nodes[0].input_tensors), list(nodes[0].output_tensors)))
    return out


def channel_groups(model) -> tuple[_Groups, set, list, dict[int, Any]]:
    """Union-find of channels, the frozen roots, the boundary calls and ``{tensor key: tensor}``."""
    groups = _Groups()
    frozen_units: list[tuple[int, int]] = []
    tensors: dict[int, Any] = {}
    boundaries = []

    def key(t) -> int:
        tensors[id(t)] = t
        return id(t)

    def freeze(t):
        k = key(t)
        frozen_units.extend((k, c) for c in range(_channels(t.shape)))

    def join(a, ca, b, cb):
        groups.union((key(a), ca), (key(b), cb))

    for t in model.inputs:
        freeze(t)
    for t in model.outputs:
        freeze(t)
    for layer, ins, outs in _nodes(model):
        kind = type(layer).__name__
        for t in ins + outs:
            for c in range(_channels(t.shape)):
                groups.find((key(t), c))
        if len(outs) != 1:
            for t in ins + outs:
                freeze(t)
            continue
        out = outs[0]
        n_out = _channels(out.shape)
        if kind == "InputLayer":
            freeze(out)
        elif kind in _TRANSPARENT or _relu_is_plain(layer) or kind == "Add":
            if any(_channels(t.shape) != n_out for t in ins):
                for t in ins + outs:
                    freeze(t)
                continue
            for t in ins:
                for c in range(n_out):
                    join(out, c, t, c)
        elif kind == "Concatenate" and layer.axis in (-1, len(out.shape) - 1) and len(out.shape) == 4:
            offset = 0
            for t in ins:
                for c in range(int(t.shape[-1])):
                    join(out, offset + c, t, c)
                offset += int(t.shape[-1])
        elif kind == "ChannelSlice":
            for c in range(n_out):
                join(out, c, ins[0], layer.start + c)
        elif kind == "Reshape" and len(ins[0].shape) >= 4 and tuple(ins[0].shape[1:3]) == tuple(out.shape[1:3]):
            for c in range(n_out):  # spatial grid kept: channels are the flattened trailing dims
                join(out, c, ins[0], c)
        elif kind == "Permute" and tuple(layer.dims[:2]) == (1, 2) and len(out.shape) >= 4:
            trailing = [int(d) for d in ins[0].shape[3:]]
            perm = [d - 3 for d in layer.dims[2:]]
            source = np.arange(int(np.prod(trailing))).reshape(trailing).transpose(perm).ravel()
            for c, s in enumerate(source):
                join(out, c, ins[0], int(s))
        elif kind == "InterleaveShuffle":
            half = int(ins[0].shape[-1])
            for c in range(half):
                join(out, 2 * c, ins[0], c)
                join(out, 2 * c + 1, ins[1], c)
        elif kind in _BOUNDARY and len(ins) == 1 and len(ins[0].shape) in (2, 4):
            if kind != "BatchNormalization" and not _linear_activation(layer):
                freeze(out)
            if kind == "BatchNormalization" and not (layer.center and layer.scale):
                freeze(out)
                freeze(ins[0])
            boundaries.append((layer, ins[0], out))
        else:
            for t in ins + outs:
                freeze(t)
    frozen = {groups.find(u) for u in frozen_units}
    return groups, frozen, boundaries, tensors


def equalize(
    model, calib: np.ndarray, threshold: float = 4.0, batch: int = 16, in_place: bool = False
) -> tuple[Any, dict[str, Any]]:
    """``model`` with its residual streams equalized (a copy, or ``model`` itself with ``in_place``);
    ``calib`` is ``[N, H, W, 3]`` crops (the model's input). Returns ``(model, report)``: ``report`` has
    ``groups`` scaled, ``max_factor`` and the largest factors (``{"tensor/channel": factor}``, 10 at most)."""
    import keras

    groups, frozen, boundaries, tensors = channel_groups(model)
    members: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for unit in list(groups.parent):
        root = groups.find(unit)
        if root not in frozen:
            members.setdefault(root, []).append(unit)
    report: dict[str, Any] = {"groups": 0, "max_factor": 1.0, "largest": {}}
    if not members:
        return model, report
    keys = sorted({k for units in members.values() for k, _ in units})
    probe = keras.Model(model.inputs[0], [tensors[k] for k in keys])
    ranges = {k: np.zeros(_channels(tensors[k].shape), np.float64) for k in keys}
    for start in range(0, len(calib), batch):
        outs = probe(np.asarray(calib[start : start + batch], np.float32), training=False)
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        for k, value in zip(keys, outs):
            v = np.abs(np.asarray(value))
            v = v.reshape(v.shape[0], -1, ranges[k].size) if v.ndim > 2 else v[:, None, :]
            ranges[k] = np.maximum(ranges[k], v.max(axis=(0, 1)))
    factors: dict[tuple[int, int], float] = {}
    for _ in range(2):  # medians move once large channels shrink: a second pass settles them
        scaled = {k: ranges[k] / _factor_vector(groups, factors, k, ranges[k].size) for k in keys}
        medians = {k: max(float(np.median(scaled[k])), 1e-6) for k in keys}
        for root, units in members.items():
            need = max(ranges[k][c] / (threshold * medians[k]) for k, c in units)
            if need > 1.0:
                factors[root] = max(factors.get(root, 1.0), float(need))
    if not factors:
        return model, report
    if in_place:
        new = model
    else:
        new = keras.models.clone_model(model)
        new.set_weights(model.get_weights())
    by_name = {layer.name: layer for layer in new.layers}
    for layer, t_in, t_out in boundaries:
        f_in = _factor_vector(groups, factors, id(t_in), _channels(t_in.shape))
        f_out = _factor_vector(groups, factors, id(t_out), _channels(t_out.shape))
        if np.all(f_in == 1) and np.all(f_out == 1):
            continue
        _fold(by_name[layer.name], f_in, f_out)
    top = sorted(factors.items(), key=lambda kv: -kv[1])[:10]
    report = {
        "groups": len(factors),
        "max_factor": float(max(factors.values())),
        "largest": {f"{tensors[k].name}/{c}": round(f, 2) for (k, c), f in top},
    }
    return new, report


def _factor_vector(groups: _Groups, factors: dict, key: int, n: int) -> np.ndarray:
    return np.array([factors.get(groups.find((key, c)), 1.0) for c in range(n)], np.float64)


def _fold(layer, f_in: np.ndarray, f_out: np.ndarray) -> None:
    """Values entering ``layer`` are divided by ``f_in`` per channel; its outputs must come out divided by ``f_out``."""
    kind = type(layer).__name__
    weights = [np.asarray(w, np.float64) for w in layer.get_weights()]
    if kind in ("Conv2D", "Dense"):
        kernel = weights[0] * f_in.reshape(*([1] * (weights[0].ndim - 2)), -1, 1) / f_out
        weights[0] = kernel
        if layer.use_bias:
            weights[1] = weights[1] / f_out
    elif kind == "DepthwiseConv2D":
        c, mult = weights[0].shape[2], weights[0].shape[3]
        weights[0] = weights[0] * f_in.reshape(1, 1, c, 1) / f_out.reshape(1, 1, c, mult)
        if layer.use_bias:
            weights[1] = weights[1] / f_out
    elif kind == "BatchNormalization":  # gamma, beta, moving_mean, moving_variance
        gamma, beta, mean, var = weights
        weights = [gamma * f_in / f_out, beta / f_out, mean / f_in, var]
    layer.set_weights([w.astype(np.float32) for w in weights])
