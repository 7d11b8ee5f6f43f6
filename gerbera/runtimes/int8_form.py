"""How an fp32 ONNX export is turned into int8: which products run in int8, in what blocks, and which stay fp32.

An :class:`Int8Form` names the block size (input channels that share one int8 scale, in the weights
and, as each product runs, in the activations), ONNX Runtime's ``accuracy_level`` (4: the products
computed in int8), whether the weights' int8 grid is symmetric, and the roles of the weight
products kept in fp32:

- ``classifier``: the last product, the tag head;
- ``ffn_output``: the feed-forward output projections, the products whose weight has more input
  than output channels (1536 -> 384 in MiniLM), found by shape and so by any encoder's names;
- ``attention_output``: the attention output projections (``attention/output`` in the node name,
  as BERT and RoBERTa exports spell it).

:data:`INT8_FORM` is the form the ``onnx-int8`` setting runs; its :attr:`Int8Form.name` is part of
the cached file's name, so a changed form is exported anew and an old export is never served.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

__all__ = ["INT8_FORM", "ROLES", "Int8Form", "kept_in_fp32", "quantize"]

ROLES = ("classifier", "ffn_output", "attention_output")


@dataclass(frozen=True)
class Int8Form:
    block: int = 32
    accuracy_level: int = 4
    symmetric: bool = True
    keep_fp32: tuple[str, ...] = ("classifier",)

    @property
    def name(self) -> str:
        kept = "".join(f"-{role.replace('_', '')}" for role in ROLES if role in self.keep_fp32)
        grid = "" if self.symmetric else "-asym"
        return f"int8-block{self.block}-level{self.accuracy_level}{grid}-fp32{kept}"


INT8_FORM = Int8Form()


def kept_in_fp32(graph, form: Int8Form) -> list[str]:
    """The names of the weight products of ``graph`` (an ``onnx.ModelProto``) that ``form`` keeps in fp32."""
    weights = {tensor.name: list(tensor.dims) for tensor in graph.graph.initializer}
    products = [node for node in graph.graph.node
                if node.op_type == "MatMul" and len(node.input) == 2 and len(weights.get(node.input[1], [])) == 2]
    kept = []
    for index, node in enumerate(products):
        rows, columns = weights[node.input[1]]
        roles = {"classifier": index == len(products) - 1,
                 "ffn_output": rows > columns,
                 "attention_output": "attention/output" in node.name}
        if any(roles[role] for role in form.keep_fp32):
            kept.append(node.name)
    return kept


def quantize(source: Path, temporary: str, form: Int8Form) -> None:
    """Write ``source`` (an fp32 export) to ``temporary`` in ``form``: every weight product not kept
    in fp32 becomes ONNX Runtime's ``MatMulNBits`` with 8-bit weights in blocks of ``form.block``."""
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    logging.getLogger("root").setLevel(logging.ERROR)  # the quantizer's progress, printed through the root logger
    graph = onnx.load(str(source))
    quantizer = MatMulNBitsQuantizer(graph, bits=8, block_size=form.block, is_symmetric=form.symmetric,
                                     accuracy_level=form.accuracy_level, nodes_to_exclude=kept_in_fp32(graph, form))
    quantizer.process()
    quantizer.model.save_model_to_file(temporary, use_external_data_format=False)
