"""Training on the Hugging Face `Trainer`.

- ``trainer``: `GerberaTrainer`, where the loss is (summed cross-entropy of the labelled sub-tokens
  over a constant, so a token weighs the same in any batch);
- ``head_routing``: a head per corpus: each example's loss and argmax over its own head's columns;
- ``sampling``: the order batches come in (length-grouped, shuffled, resumable mid-epoch);
- ``setup``: the trainer a command needs, with its collator and callbacks;
- ``fast_path``, ``fixed_shapes``: the GPU fast path (compiled steps over a few fixed batch shapes);
- ``preemption``: stopping cleanly, with a checkpoint, when a cluster preempts the job.
"""
