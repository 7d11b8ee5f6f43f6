"""What a run or an experiment leaves for a reader.

- ``record``: the run record (``run_record.json``: arguments, versions, devices, data files and
  their digests), and the learning curves;
- ``model_card``: ``results.md`` and the model card (``README.md``) of a trained model;
- ``data_summary``: what was read: sentences, entities by type, sub-token lengths;
- ``experiment_report``, ``experiment_statistics``, ``experiment_plot``: the report of
  ``python -m gerbera.experiment``.
"""
