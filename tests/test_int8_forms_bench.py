"""bench/int8_forms.py quantizes each int8 form as its name says (issue 31): the products a form keeps
in fp32 are the classifier, the feed-forward output projections and, in form c, the attention
output projections, found in the export of a tiny BERT (2 layers, 32 wide, 64 in the feed-forward)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BIO_SENTENCES, write_dataset
from test_predict import UNTYPED, make_head

pytest.importorskip("onnxruntime")

REPO = Path(__file__).resolve().parent.parent


def fp32_products(path: Path) -> set[str]:
    """The weight MatMuls an ONNX file computes in fp32 (not quantized to MatMulNBits)."""
    import onnx

    graph = onnx.load(str(path)).graph
    weights = {tensor.name for tensor in graph.initializer}
    return {node.name for node in graph.node if node.op_type == "MatMul" and node.input[1] in weights}


def test_each_form_keeps_in_fp32_the_products_it_names(tiny_bert, tmp_path):
    model = make_head(tiny_bert, tmp_path / "model", UNTYPED, seed=29)
    write_dataset(tmp_path / "data", "bio", BIO_SENTENCES, devel=BIO_SENTENCES * 8)
    forms = tmp_path / "forms"
    env = {**os.environ, "GERBERA_CACHE": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "bench/int8_forms.py", "--model_name_or_path", str(model), "--data_dir",
                           str(tmp_path / "data"), "--data_list", "bio", "--rounds", "1", "--threads", "1",
                           "--forms", "today", "a-ffn-out-fp32", "c-ffn-and-attn-out-fp32", "--work_dir", str(forms)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(done.stdout.strip().splitlines()[-1])["rows"]
    assert set(rows) == {"onnx-fp32", "today", "a-ffn-out-fp32", "c-ffn-and-attn-out-fp32"}
    assert rows["onnx-fp32"]["words_changed"] == 0 and rows["a-ffn-out-fp32"]["form"].endswith("-classifier-ffnoutput")
    classifier = {"/model/classifier/MatMul"}
    ffn_output = {f"/model/bert/encoder/layer.{n}/output/dense/MatMul" for n in (0, 1)}
    attention_output = {f"/model/bert/encoder/layer.{n}/attention/output/dense/MatMul" for n in (0, 1)}
    assert fp32_products(forms / "today.onnx") == classifier
    assert fp32_products(forms / "a-ffn-out-fp32.onnx") == classifier | ffn_output
    assert fp32_products(forms / "c-ffn-and-attn-out-fp32.onnx") == classifier | ffn_output | attention_output


def test_pytorch_forms_keep_in_fp32_the_layers_they_name_and_one_is_the_int8_setting(tiny_bert, tmp_path):
    import torch
    from transformers import AutoModelForTokenClassification

    sys.path.insert(0, str(REPO / "bench"))
    from int8_forms import TORCH_FORMS, _torch_int8

    from gerbera.runtimes.settings import forward_for

    model = AutoModelForTokenClassification.from_pretrained(make_head(tiny_bert, tmp_path / "model", UNTYPED, seed=29))

    def float_layers(form: str) -> set[str]:
        copy = _torch_int8(model, *TORCH_FORMS[form])
        return {name for name, layer in copy.named_modules() if type(layer) is torch.nn.Linear}

    ffn_output = {f"bert.encoder.layer.{n}.output.dense" for n in (0, 1)}
    attention_output = {f"bert.encoder.layer.{n}.attention.output.dense" for n in (0, 1)}
    assert float_layers("per-tensor") == float_layers("per-channel") == set()
    assert float_layers("per-channel-head-fp32") == {"classifier"}
    assert float_layers("per-channel-head-ffn-out-fp32") == {"classifier"} | ffn_output
    assert float_layers("per-channel-head-attn-out-fp32") == {"classifier"} | attention_output
    inputs = {"input_ids": torch.tensor([[2, 5, 9, 14, 3]]), "attention_mask": torch.ones(1, 5, dtype=torch.long)}
    setting = forward_for(model, "int8", torch.device("cpu"), lambda: None).model
    with torch.inference_mode():  # the form the int8 setting runs
        assert torch.equal(_torch_int8(model, *TORCH_FORMS["per-channel-head-fp32"])(**inputs).logits, setting(**inputs).logits)
        assert not torch.equal(_torch_int8(model, *TORCH_FORMS["per-tensor"])(**inputs).logits, setting(**inputs).logits)
