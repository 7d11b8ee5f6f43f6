"""Tiny, randomly initialised encoders for offline tests.

Plain helper functions (not pytest fixtures) that write a complete Hugging Face
model folder -- tokenizer files, ``config.json`` and ``model.safetensors`` --
into ``path`` and return it as a :class:`~pathlib.Path`.  Nothing is downloaded:
the vocabularies are trained on the fly with the ``tokenizers`` library on a
small built-in English/biomedical corpus (plus any ``corpus_words``).

The folders load with::

    AutoTokenizer.from_pretrained(path, local_files_only=True)                         # BERT
    AutoTokenizer.from_pretrained(path, add_prefix_space=True, local_files_only=True)  # RoBERTa
    AutoModelForTokenClassification.from_pretrained(
        path, num_labels=..., id2label=..., label2id=..., local_files_only=True)

Only the encoder is saved (``BertModel`` / ``RobertaModel`` without pooler), so
loading a token-classification head reports the classifier as newly
initialised; that is expected.

Notes for transformers 5.x (checked against 5.24):

* ``BertTokenizerFast`` / ``RobertaTokenizerFast`` are aliases of
  ``BertTokenizer`` / ``RobertaTokenizer``, which are ``TokenizersBackend``
  subclasses with their own ``__init__`` that *rebuild* the backend
  ``tokenizers.Tokenizer`` from ``vocab=`` (and ``merges=``); a
  ``tokenizer_object=`` argument would be overridden by that rebuild.  So the
  trained vocabulary/merges are passed as ``vocab=``/``merges=`` here.
* ``save_pretrained`` writes only ``tokenizer.json`` + ``tokenizer_config.json``
  (``tokenizer_class`` is ``"BertTokenizer"``/``"RobertaTokenizer"``); the
  legacy ``vocab.txt`` / ``vocab.json`` + ``merges.txt`` are written here
  explicitly for tools that still look for them.
* On load, the RoBERTa class re-creates its ByteLevel pre-tokenizer from the
  ``add_prefix_space`` keyword, so ``add_prefix_space=True`` at load time works
  even though the saved ``tokenizer.json`` has it off.
"""

from __future__ import annotations

import json
import os
import string
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "BASE_CORPUS",
    "TINY_ENCODER_SIZES",
    "make_tiny_bert",
    "make_tiny_roberta",
]

#: Sizes shared by both tiny encoders.
TINY_ENCODER_SIZES = {
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
}

#: Maximum number of tokens (special tokens included) the tokenizers/models accept.
MODEL_MAX_LENGTH = 512

_BERT_SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# Same order (and therefore ids 0..4) as the real roberta-base vocabulary.
_ROBERTA_SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]

#: Small built-in training corpus for the on-the-fly vocabularies.
BASE_CORPUS: tuple[str, ...] = (
    "The patient was treated with aspirin and ibuprofen for chronic pain.",
    "Mutations in the BRCA1 and BRCA2 genes increase the risk of breast cancer.",
    "The TP53 tumor suppressor protein regulates the cell cycle and apoptosis.",
    "Metformin is a first-line drug for type 2 diabetes mellitus.",
    "Hello world, this is a small test sentence for the tokenizer.",
    "Interleukin-6 (IL-6) levels were elevated in patients with rheumatoid arthritis.",
    "Expression of EGFR was measured in lung adenocarcinoma tissue samples.",
    "Mice deficient in the insulin receptor developed severe hyperglycemia.",
    "Doxorubicin-induced cardiotoxicity limits the dose in chemotherapy.",
    "The kinase domain of HER2 is targeted by trastuzumab.",
    "Alzheimer's disease is associated with amyloid beta and tau proteins.",
    "Parkinson disease involves loss of dopaminergic neurons in the substantia nigra.",
    "Patients received 500 mg of paracetamol every 6 hours.",
    "The gene encodes a transcription factor expressed in the liver and kidney.",
    "Hypertension and hyperlipidemia are risk factors for myocardial infarction.",
    "We observed no significant difference between the control group and treated cells.",
    "Tamoxifen reduced recurrence of estrogen receptor positive tumors.",
    "Cystic fibrosis is caused by mutations in the CFTR chloride channel.",
    "Human immunodeficiency virus infection leads to depletion of CD4 T cells.",
    "The protein binds DNA and activates transcription of target genes.",
    "Severe acute respiratory syndrome coronavirus 2 causes COVID-19.",
    "Warfarin interacts with many drugs and requires careful monitoring.",
    "Children with asthma were given inhaled corticosteroids such as budesonide.",
    "Acute myeloid leukemia was diagnosed in a 45-year-old man.",
    "Overexpression of MYC promotes proliferation of lymphoma cells.",
    "Sodium chloride, glucose, and potassium were added to the medium.",
    "The mother and her daughter both carried the mutation.",
    "Results suggest that vitamin D deficiency may contribute to osteoporosis.",
    "Tumor necrosis factor alpha (TNF-alpha) mediates inflammation.",
    "Serum creatinine and urea indicated acute kidney injury.",
    "Hepatitis B and hepatitis C infections can progress to cirrhosis.",
    "Mutant huntingtin protein causes Huntington disease.",
    "The antibiotic vancomycin was used against Staphylococcus aureus.",
    "Escherichia coli strains were grown overnight at 37 degrees.",
    "Schizophrenia and bipolar disorder were treated with lithium or haloperidol.",
    "Cholesterol synthesis is inhibited by statins such as atorvastatin.",
    "A novel missense variant was identified in the SCN1A gene in epilepsy.",
    "The study enrolled 120 patients from three hospitals in Europe.",
    "New York, London, Paris and Berlin are large cities.",
    "John Smith works at the University of Cambridge.",
    "Interferon gamma and nitric oxide were produced by macrophages.",
    "Cisplatin and paclitaxel were combined for ovarian carcinoma.",
    "Migraine headache was relieved by sumatriptan.",
    "Glucocorticoid receptor signalling suppresses immune responses.",
    "Loss of PTEN activates the PI3K AKT mTOR pathway.",
    "Heparin prevents thrombosis but may cause bleeding.",
)

# Characters guaranteed to be in the BERT vocabulary both as a word start ("c")
# and as a continuation piece ("##c"), so any ASCII word tokenizes without [UNK].
_BERT_ALPHABET = string.ascii_lowercase + string.digits + "αβγδεκλμ"
_BERT_PUNCTUATION = string.punctuation


def _training_texts(corpus_words: Iterable[str] | None) -> list[str]:
    texts = list(BASE_CORPUS)
    if corpus_words is not None:
        words = [str(w) for w in corpus_words if str(w).strip()]
        # Repeat them so they reach min_frequency and tend to become whole tokens.
        for _ in range(2):
            for start in range(0, len(words), 64):
                texts.append(" ".join(words[start : start + 64]))
    return texts


def _model_config_kwargs() -> dict:
    return dict(
        TINY_ENCODER_SIZES,
        hidden_act="gelu",
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        initializer_range=0.02,
    )


def _save_random_encoder(model_cls, config, path: Path, seed: int) -> None:
    import torch

    # fork_rng keeps the caller's global RNG state untouched.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = model_cls(config, add_pooling_layer=False)
    model.eval()
    model.save_pretrained(path, safe_serialization=True)


def make_tiny_bert(
    path: str | os.PathLike,
    corpus_words: Iterable[str] | None = None,
    seed: int = 0,
) -> Path:
    """Write a tiny uncased BERT encoder + WordPiece tokenizer to ``path``.

    The vocabulary (a few hundred tokens) is trained on the built-in corpus plus
    ``corpus_words``; every ASCII letter/digit is present both as a word start
    and as a ``##`` continuation, so ASCII words never become ``[UNK]``.
    Special tokens: ``[PAD]``=0, ``[UNK]``=1, ``[CLS]``=2, ``[SEP]``=3, ``[MASK]``=4.
    """
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertConfig, BertModel, BertTokenizerFast

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)

    backend = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True
    )
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    texts = _training_texts(corpus_words)

    # The WordPiece trainer gives "##x" pieces ids in hash-map order, which makes the
    # learned vocabulary differ from run to run.  Registering every "##x" up front
    # (as trainer special tokens, i.e. fixed ids) makes training deterministic.
    initial_chars = set(_BERT_ALPHABET + _BERT_PUNCTUATION)
    continuation_chars = set(_BERT_ALPHABET)
    for text in texts:
        for word, _ in backend.pre_tokenizer.pre_tokenize_str(backend.normalizer.normalize_str(text)):
            initial_chars.add(word[0])
            continuation_chars.update(word[1:])
    reserved = list(_BERT_SPECIAL_TOKENS) + ["##" + c for c in sorted(continuation_chars)]

    trainer = trainers.WordPieceTrainer(
        vocab_size=max(800, len(reserved) + len(initial_chars) + 200),
        min_frequency=1,
        special_tokens=reserved,
        initial_alphabet=sorted(initial_chars),
        continuing_subword_prefix="##",
        show_progress=False,
    )
    backend.train_from_iterator(texts, trainer=trainer)

    ordered = [tok for tok, _ in sorted(backend.get_vocab(with_added_tokens=True).items(), key=lambda kv: kv[1])]
    assert ordered[: len(_BERT_SPECIAL_TOKENS)] == _BERT_SPECIAL_TOKENS, ordered[:8]
    present = set(ordered)
    for char in _BERT_ALPHABET + _BERT_PUNCTUATION:
        for piece in (char, "##" + char):
            if piece not in present:
                ordered.append(piece)
                present.add(piece)
    vocab = {tok: i for i, tok in enumerate(ordered)}

    tokenizer = BertTokenizerFast(
        vocab=vocab,
        do_lower_case=True,
        model_max_length=MODEL_MAX_LENGTH,
    )
    tokenizer.save_pretrained(path)
    (path / "vocab.txt").write_text("".join(tok + "\n" for tok in ordered), encoding="utf-8")

    config = BertConfig(
        vocab_size=len(tokenizer),
        max_position_embeddings=MODEL_MAX_LENGTH,
        type_vocab_size=2,
        pad_token_id=tokenizer.pad_token_id,
        **_model_config_kwargs(),
    )
    _save_random_encoder(BertModel, config, path, seed)
    return path


def make_tiny_roberta(
    path: str | os.PathLike,
    corpus_words: Iterable[str] | None = None,
    seed: int = 0,
) -> Path:
    """Write a tiny RoBERTa encoder + byte-level BPE tokenizer to ``path``.

    Load the tokenizer with ``add_prefix_space=True`` to use
    ``is_split_into_words=True``.  Special tokens: ``<s>``=0, ``<pad>``=1,
    ``</s>``=2, ``<unk>``=3, ``<mask>``=4 (as in roberta-base).  The model has
    ``max_position_embeddings=514`` (512 + RoBERTa's padding offset of 2).
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import RobertaConfig, RobertaModel, RobertaTokenizerFast

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=800,
        min_frequency=1,
        special_tokens=list(_ROBERTA_SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    # Train on text with and without a leading space so word-initial "Ġ" pieces
    # exist for the first word of a sentence too (as with add_prefix_space=True).
    texts = _training_texts(corpus_words)
    backend.train_from_iterator(texts + [" " + t for t in texts], trainer=trainer)

    vocab = backend.get_vocab(with_added_tokens=True)
    assert [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])][:5] == _ROBERTA_SPECIAL_TOKENS
    model_json = json.loads(backend.to_str())["model"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model_json["merges"]]

    tokenizer = RobertaTokenizerFast(
        vocab=vocab,
        merges=merges,
        add_prefix_space=False,
        trim_offsets=True,
        model_max_length=MODEL_MAX_LENGTH,
    )
    tokenizer.save_pretrained(path)
    # Legacy vocab.json + merges.txt (the same format as ByteLevelBPETokenizer.save_model).
    ordered = dict(sorted(vocab.items(), key=lambda kv: kv[1]))
    (path / "vocab.json").write_text(json.dumps(ordered, ensure_ascii=False), encoding="utf-8")
    (path / "merges.txt").write_text(
        "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges), encoding="utf-8"
    )

    config = RobertaConfig(
        vocab_size=len(tokenizer),
        max_position_embeddings=MODEL_MAX_LENGTH + 2,
        type_vocab_size=1,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        **_model_config_kwargs(),
    )
    _save_random_encoder(RobertaModel, config, path, seed)
    return path
