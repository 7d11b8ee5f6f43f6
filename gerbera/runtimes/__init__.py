"""How a trained model's forward pass runs when it scores or tags, and the evidence for the fast ways.

- ``settings``: the settings (PyTorch fp32, bf16, int8; ONNX Runtime fp32, int8) and the forward
  pass of each, the one part of scoring and tagging that changes with the setting;
- ``onnx_export``: a model exported to ONNX (and quantized) once, cached by its fingerprint;
- ``int8_form``: how that export is quantized: the products kept in fp32, the blocks, the form that
  ``onnx-int8`` runs;
- ``certificates``: what ``python -m gerbera.certify`` measured of each setting for a model on a kind
  of machine, and the choice of ``--scoring_precision auto``.
"""
