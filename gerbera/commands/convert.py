"""The ``gerbera-convert`` command (``python convert_checkpoint.py SRC OUT``): a checkpoint of the
original GERBERA code rewritten in the toolkit's own format.

The original's ``RoBERTaMultiNER2`` / ``BERTMultiNER2`` checkpoints (a pickled
``pytorch_model.bin``, ``vocab.json`` + ``merges.txt`` or ``vocab.txt``) are read by
`gerbera.models.original_checkpoints` and written as ``model.safetensors``, ``config.json``
(domain head, word-tokenization mode and original architecture recorded, see
`gerbera.models.config_keys`), ``tokenizer.json`` and ``labels.txt``. The result loads without
any pickle and gives the same predictions.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from gerbera.commands.exits import exit_status, user_errors
from gerbera.commands.parsers import StrictArgumentParser
from gerbera.errors import GerberaError
from gerbera.features.word_pieces import ORIGINAL_WORD_TOKENIZATION, WORD_TOKENIZATION_MODES, check_word_tokenization
from gerbera.models.config_keys import WORD_TOKENIZATION_CONFIG_KEY
from gerbera.models.loading import load_config, load_tokenizer, trained_tagset
from gerbera.models.original_checkpoints import WEIGHT_FILES, is_original_layout, load_original_model
from gerbera.outputs import follow_umask

logger = logging.getLogger(__name__)


def convert_checkpoint(
    source: str,
    output_dir: str,
    word_tokenization: str | None = None,
    cache_dir: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a checkpoint of the original code in the toolkit's format (no pickle); return the folder.

    ``word_tokenization`` is the mode recorded for the model; by default ``legacy``, the original
    code's word tokenization, which the checkpoint was trained with."""
    if word_tokenization is not None:
        check_word_tokenization(word_tokenization, "--word_tokenization")
    out = Path(output_dir)
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise GerberaError(f"{output_dir} is not empty; add --overwrite to write into it")
    config = load_config(source, cache_dir=cache_dir)
    if not is_original_layout(config):
        raise GerberaError(
            f"{source}: not a checkpoint of the original GERBERA code (architectures {config.architectures}); "
            "models saved by this toolkit need no conversion"
        )
    tagset = trained_tagset(config, source)
    tokenizer = load_tokenizer(source, config, cache_dir=cache_dir)
    model = load_original_model(source, config, tagset, cache_dir)
    mode = word_tokenization or ORIGINAL_WORD_TOKENIZATION
    setattr(model.config, WORD_TOKENIZATION_CONFIG_KEY, mode)

    out.mkdir(parents=True, exist_ok=True)
    for stale in WEIGHT_FILES:
        if (out / stale).exists():
            (out / stale).unlink()
    model.save_pretrained(out, safe_serialization=True)
    for weights in out.glob("*.safetensors"):
        follow_umask(weights)  # safetensors writes them owner-only; a converted model is shared as any file
    tokenizer.save_pretrained(out)
    tagset.save(out / "labels.txt")
    logger.info("Converted %s -> %s (safetensors, tokenizer.json, labels.txt; word tokenization %s)", source, out, mode)
    return out


def main(argv=None) -> str:
    """``python convert_checkpoint.py SRC OUT``: the command line of `convert_checkpoint`."""
    parser = StrictArgumentParser(
        prog="convert_checkpoint.py",
        description="Convert a checkpoint of the original GERBERA code (RoBERTaMultiNER2 / BERTMultiNER2, pickled "
        "pytorch_model.bin, vocab.json + merges.txt) into the toolkit's format: model.safetensors, config.json "
        "(domain head, word-tokenization mode recorded), tokenizer.json and labels.txt.",
    )
    parser.add_argument("source", help="folder (or hub name) of a checkpoint saved by the original GERBERA code")
    parser.add_argument("output_dir", help="where the converted model is written")
    parser.add_argument(
        "--word_tokenization", choices=list(WORD_TOKENIZATION_MODES), default=None,
        help="the mode recorded for the model (default: legacy, as the original code tokenized words)",
    )
    parser.add_argument("--cache_dir", default=None, help="where hub downloads are stored")
    parser.add_argument("--overwrite", action="store_true", help="write into a non-empty output_dir")
    args = parser.parse_args(argv)
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", level=logging.INFO, stream=sys.stdout)
    with user_errors():
        out = convert_checkpoint(args.source, args.output_dir, args.word_tokenization, args.cache_dir, args.overwrite)
    print(f"converted model written to {out}")
    return str(out)


def cli() -> int:
    """``gerbera-convert`` and ``python convert_checkpoint.py``: the process's exit status, never the results (`gerbera.commands.exits`)."""
    return exit_status(main)


if __name__ == "__main__":
    raise SystemExit(cli())
