"""GERBERA: general-to-biomedical transfer for named-entity recognition.

Train a biomedical NER model together with general-domain NER data (multi-task step),
fine-tune it on the biomedical corpus alone, and evaluate it across datasets.
"""

__version__ = "0.1.0"
