"""Read an OpenVINO IR (``model.xml`` + ``model.bin``) as a plain graph with numpy constants.

numpy and the standard library only: importing published weights must not need the OpenVINO
runtime. The graph keeps the IR's own layer order (a topological order); constants are decoded
from the ``.bin`` (FP16/FP32/I32/I64) and ``Convert`` nodes of constants are folded to float32.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import EdgeposeError

_DTYPES = {
    "f16": np.float16, "f32": np.float32, "i32": np.int32, "i64": np.int64,
    "u8": np.uint8, "i8": np.int8, "u64": np.uint64, "u32": np.uint32,
}  # fmt: skip


@dataclass
class IRNode:
    """One IR layer: ``inputs`` are (node id, output port) pairs in input-port order."""

    id: int
    name: str
    type: str
    attrs: dict[str, str]
    inputs: list[tuple[int, int]] = field(default_factory=list)
    out_shapes: list[tuple[int, ...]] = field(default_factory=list)
    value: np.ndarray | None = None  # constants only (after Convert folding: float32)


@dataclass
class IRGraph:
    nodes: dict[int, IRNode]
    order: list[int]
    source: Path

    def consumers(self, node_id: int) -> list[IRNode]:
        return [n for n in (self.nodes[i] for i in self.order) if any(src == node_id for src, _ in n.inputs)]

    def const(self, node_id: int) -> np.ndarray | None:
        return self.nodes[node_id].value

    def of_type(self, *types: str) -> list[IRNode]:
        return [self.nodes[i] for i in self.order if self.nodes[i].type in types]


def read_ir(xml_path: Path) -> IRGraph:
    """Parse ``xml_path`` and its ``.bin``; raise EdgeposeError naming the file on anything unreadable."""
    xml_path = Path(xml_path)
    bin_path = xml_path.with_suffix(".bin")
    if not xml_path.is_file():
        raise EdgeposeError(f"{xml_path}: no such OpenVINO IR file")
    if not bin_path.is_file():
        raise EdgeposeError(f"{xml_path.name}: its weights {bin_path.name} are missing beside it")
    try:
        root = ET.parse(xml_path).getroot()
    except ET.ParseError as exc:
        raise EdgeposeError(f"{xml_path}: not a readable OpenVINO IR ({exc})") from None
    if root.tag != "net" or root.find("layers") is None:
        raise EdgeposeError(f"{xml_path}: not an OpenVINO IR (no <net><layers>)")
    blob = bin_path.read_bytes()
    nodes: dict[int, IRNode] = {}
    order: list[int] = []
    for layer in root.find("layers"):
        data = layer.find("data")
        attrs = dict(data.attrib) if data is not None else {}
        node = IRNode(int(layer.get("id")), layer.get("name", ""), layer.get("type", ""), attrs)
        out = layer.find("output")
        if out is not None:
            node.out_shapes = [tuple(int(d.text) for d in port.findall("dim")) for port in out.findall("port")]
        if node.type == "Const":
            dtype = _DTYPES.get(attrs.get("element_type", ""))
            if dtype is None:
                raise EdgeposeError(f"{xml_path.name}: constant {node.name} has unsupported type {attrs.get('element_type')}")
            offset, size = int(attrs["offset"]), int(attrs["size"])
            if offset + size > len(blob):
                raise EdgeposeError(
                    f"{bin_path.name}: truncated ({len(blob)} bytes; constant {node.name} needs bytes up to {offset + size})"
                )
            shape = tuple(int(s) for s in attrs.get("shape", "").split(",") if s.strip())
            node.value = np.frombuffer(blob, dtype=dtype, count=size // np.dtype(dtype).itemsize, offset=offset).reshape(shape)
        nodes[node.id] = node
        order.append(node.id)
    edges = root.find("edges")
    incoming: dict[int, list[tuple[int, int, int]]] = {}
    for e in edges if edges is not None else []:
        to, to_port = int(e.get("to-layer")), int(e.get("to-port"))
        incoming.setdefault(to, []).append((to_port, int(e.get("from-layer")), int(e.get("from-port"))))
    for nid, ins in incoming.items():
        nodes[nid].inputs = [(src, port) for _, src, port in sorted(ins)]
    for nid in order:  # fold Convert(Const) -> float32 constant
        n = nodes[nid]
        if n.type == "Convert" and n.inputs and nodes[n.inputs[0][0]].value is not None:
            n.value = nodes[n.inputs[0][0]].value.astype(np.float32)
            n.type = "Const"
            n.inputs = []
    return IRGraph(nodes, order, xml_path)
