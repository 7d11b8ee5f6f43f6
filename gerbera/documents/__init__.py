"""Where a PubTator, BioC or MEDLINE document is read and written.

- :mod:`gerbera.documents.formats`: the entry point and the one description of the formats: their
  names (``--input_format``, ``--output_format``), :func:`~gerbera.documents.formats.detect_format`,
  the choice of an output format (:func:`~gerbera.documents.formats.choose_output_format`,
  :func:`~gerbera.documents.formats.default_output_format`),
  :func:`~gerbera.documents.formats.iter_documents` (streaming, every format) and
  :func:`~gerbera.documents.formats.open_writer` (streaming, atomic).
- :mod:`gerbera.documents.model`: :class:`~gerbera.documents.model.Document`, the one document type
  every reader returns and every writer takes (``id``, ``text``, ``passages``, ``annotations``,
  ``infons``, the collection's :class:`~gerbera.documents.model.Header`, ``source_line``), its
  :class:`~gerbera.documents.model.Annotation`, and :func:`~gerbera.documents.model.checked`.
- :mod:`gerbera.documents.opening`: ``.gz`` read transparently; compressed or non-UTF-8 bytes a
  clear error.
- :mod:`gerbera.documents.detection`: a file's format from its name and first bytes.
- :mod:`gerbera.documents.pubtator`, :mod:`gerbera.documents.bioc_xml`,
  :mod:`gerbera.documents.bioc_json` (with :mod:`gerbera.documents.bioc_documents`),
  :mod:`gerbera.documents.medline` and :mod:`gerbera.documents.plain_text`: the readers.
- :mod:`gerbera.documents.writers`: the writers.
"""
