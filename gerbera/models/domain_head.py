"""The domain head: the original GERBERA code's biomedical and general-domain tag branches on one encoder.

Each branch is a two-layer head, ``classifier(relu(classifier_2(h)))``. Per example, the branch
of the example's domain sees the encoder output ``h`` of every token; the other branch sees a
zeroed input, so it adds the same vector to every token::

    biomedical (domain 0): bio_classifier(relu(bio_classifier_2(h))) + gener_classifier(relu(gener_classifier_2(0)))
    general    (domain 1): gener_classifier(relu(gener_classifier_2(h))) + bio_classifier(relu(bio_classifier_2(0)))

The biomedical formula is what the original code computes for biomedical datasets (training and
evaluation); ``domain_ids=None`` means every example is biomedical, which is how a trained model
is evaluated. The general formula is the symmetric counterpart. (The original code did not use
it: for a batch whose first example came from a general-domain dataset it computed both branches
on ``h`` and summed their two losses; for any other batch, general examples included, it used the
biomedical formula.) The loss is the cross-entropy over the tokens whose label is not -100. Dropout is
applied to ``h`` during training, as in the original.

The parameters keep the original's names (``bio_classifier_2``, ``bio_classifier``,
``gener_classifier_2``, ``gener_classifier``, the encoder under its usual prefix ``roberta`` /
``bert``), so a checkpoint of the original code maps onto this model one to one
(`gerbera.models.original_checkpoints`). ``save_pretrained`` writes safetensors and a config with
``gerbera_head = "domain"``; `load_domain_model` (or `gerbera.models.loading.load_model`) reads it back.

The model works with any encoder that `AutoModel` builds (BERT, RoBERTa, MiniLM, ...): the class
for an encoder is made by `domain_head_class` and named after it, e.g.
``RobertaDomainHeadForTokenClassification``.

``transformers.pipeline("token-classification", model=<folder>)`` does not know this head: it
would build a standard token-classification model with an untrained ``classifier``. Use a model
trained with the shared head (``--head shared``, the default) in pipelines, or give the pipeline
the loaded model object: ``pipeline("token-classification", model=load_domain_model(folder),
tokenizer=...)``.
"""

from __future__ import annotations

import sys

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn import CrossEntropyLoss
from transformers import AutoModel, PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import TokenClassifierOutput

from gerbera.errors import GerberaError
from gerbera.models.config_keys import mark_domain_head

BIOMEDICAL = 0
GENERAL = 1


class DomainHeadForTokenClassification(PreTrainedModel):
    """Encoder + biomedical and general-domain tag branches (see the module docstring).

    Do not instantiate this class itself: ``DomainHeadForTokenClassification.from_pretrained``,
    ``from_config`` and ``for_config`` pick the class made for the checkpoint's encoder.
    """

    base_model_prefix = ""  # the encoder's own prefix ("roberta", "bert") in the classes made for it
    _encoder_class: type | None = None

    def __init__(self, config: PretrainedConfig):
        if self._encoder_class is None:
            raise TypeError("use DomainHeadForTokenClassification.for_config(config) to get the class for an encoder")
        super().__init__(config)
        setattr(self, self.base_model_prefix, self._make_encoder(config))
        self.num_labels = config.num_labels
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        hidden = config.hidden_size
        self.bio_classifier_2 = nn.Linear(hidden, hidden)
        self.bio_classifier = nn.Linear(hidden, config.num_labels)
        self.gener_classifier_2 = nn.Linear(hidden, hidden)
        self.gener_classifier = nn.Linear(hidden, config.num_labels)
        mark_domain_head(config)
        self.post_init()

    def _make_encoder(self, config):
        try:
            return self._encoder_class(config, add_pooling_layer=False)
        except TypeError:  # encoders without a pooler option
            return self._encoder_class(config)

    # --- classes per encoder ---

    @classmethod
    def for_config(cls, config: PretrainedConfig) -> type[DomainHeadForTokenClassification]:
        return domain_head_class(config)

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, config=None, **kwargs):
        if cls._encoder_class is None:  # the generic class: dispatch on the checkpoint's config
            if config is None or isinstance(config, (str, bytes)) or hasattr(config, "__fspath__"):
                from transformers import AutoConfig

                config = AutoConfig.from_pretrained(
                    config or pretrained_model_name_or_path,
                    cache_dir=kwargs.get("cache_dir"),
                    trust_remote_code=kwargs.get("trust_remote_code", False),
                )
            return domain_head_class(config).from_pretrained(pretrained_model_name_or_path, *args, config=config, **kwargs)
        return super().from_pretrained(pretrained_model_name_or_path, *args, config=config, **kwargs)

    @classmethod
    def from_config(cls, config: PretrainedConfig) -> DomainHeadForTokenClassification:
        return domain_head_class(config)(config)

    # --- the computation ---

    @property
    def encoder_model(self) -> nn.Module:
        return getattr(self, self.base_model_prefix)

    def branch(self, which: str, inputs: torch.Tensor) -> torch.Tensor:
        """``classifier(relu(classifier_2(inputs)))`` of the ``bio`` or ``gener`` branch."""
        hidden_layer = getattr(self, f"{which}_classifier_2")
        output_layer = getattr(self, f"{which}_classifier")
        return output_layer(F.relu(hidden_layer(inputs)))

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.LongTensor | None = None,
        position_ids: torch.LongTensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.LongTensor | None = None,
        domain_ids: torch.LongTensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> TokenClassifierOutput:
        """``domain_ids``: per example, 0 = biomedical, 1 = general (shape ``(batch,)``, or
        ``(batch, length)`` with the example's domain at every position); None = all biomedical."""
        encoder_inputs = {"attention_mask": attention_mask, "position_ids": position_ids, "inputs_embeds": inputs_embeds}
        if token_type_ids is not None:
            encoder_inputs["token_type_ids"] = token_type_ids
        if output_attentions:
            encoder_inputs["output_attentions"] = True
        if output_hidden_states:
            encoder_inputs["output_hidden_states"] = True
        outputs = self.encoder_model(input_ids, return_dict=True, **encoder_inputs)
        hidden = self.dropout(outputs[0])
        batch_size = hidden.shape[0]
        zeros = hidden.new_zeros(hidden.shape[-1])

        general = self._general_mask(domain_ids, batch_size, hidden.device)
        if general is None or not bool(general.any()):
            logits = self.branch("bio", hidden) + self.branch("gener", zeros)
        elif bool(general.all()):
            logits = self.branch("gener", hidden) + self.branch("bio", zeros)
        else:
            biomedical_logits = self.branch("bio", hidden) + self.branch("gener", zeros)
            general_logits = self.branch("gener", hidden) + self.branch("bio", zeros)
            logits = torch.where(general.view(batch_size, 1, 1), general_logits, biomedical_logits)

        loss = None
        if labels is not None:
            labels = labels.to(logits.device)
            loss = CrossEntropyLoss(ignore_index=-100)(logits.view(-1, self.num_labels), labels.view(-1))
        return TokenClassifierOutput(
            loss=loss,
            logits=logits,
            hidden_states=getattr(outputs, "hidden_states", None),
            attentions=getattr(outputs, "attentions", None),
        )

    @staticmethod
    def _general_mask(domain_ids, batch_size: int, device) -> torch.Tensor | None:
        if domain_ids is None:
            return None
        domain_ids = torch.as_tensor(domain_ids, device=device)
        if domain_ids.dim() == 0:
            domain_ids = domain_ids.expand(batch_size)
        per_example = domain_ids.reshape(batch_size, -1)[:, 0]
        if bool(((per_example != BIOMEDICAL) & (per_example != GENERAL)).any()):
            raise ValueError(f"domain_ids must be {BIOMEDICAL} (biomedical) or {GENERAL} (general), got {per_example.tolist()}")
        return per_example == GENERAL


_CLASSES: dict[type, type[DomainHeadForTokenClassification]] = {}


def _pretrained_base(encoder_class: type) -> type:
    """The encoder's ``XxxPreTrainedModel`` (weight initialisation, attention support flags)."""
    for base in encoder_class.__mro__[1:]:
        if issubclass(base, PreTrainedModel) and base is not PreTrainedModel:
            return base
    return PreTrainedModel


def domain_head_class(config: PretrainedConfig) -> type[DomainHeadForTokenClassification]:
    """The domain-head class for the encoder of ``config`` (made once, importable from this module)."""
    try:
        encoder_class = AutoModel._model_mapping[type(config)]
    except KeyError:
        raise GerberaError(
            f"the domain head needs an encoder that transformers builds itself; {type(config).__name__} "
            f"(model_type {config.model_type!r}) is not one"
        ) from None
    if encoder_class not in _CLASSES:
        stem = encoder_class.__name__.removesuffix("Model")
        name = f"{stem}DomainHeadForTokenClassification"
        cls = type(
            name,
            (DomainHeadForTokenClassification, _pretrained_base(encoder_class)),
            {
                "__module__": __name__,
                "__qualname__": name,
                "__doc__": f"`DomainHeadForTokenClassification` on a {encoder_class.__name__} encoder.",
                "base_model_prefix": encoder_class.base_model_prefix,
                "config_class": type(config),
                "_encoder_class": encoder_class,
            },
        )
        setattr(sys.modules[__name__], name, cls)
        _CLASSES[encoder_class] = cls
    return _CLASSES[encoder_class]


def load_domain_model(name: str, config: PretrainedConfig | None = None, **kwargs) -> DomainHeadForTokenClassification:
    """A model saved with the domain head (or an encoder, whose branches are then newly initialised)."""
    return DomainHeadForTokenClassification.from_pretrained(name, config=config, **kwargs)
