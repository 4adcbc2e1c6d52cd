"""Sentence embeddings from a sentence-transformers model directory, computed in numpy without torch.

A directory such as all-MiniLM-L6-v2 holds ``modules.json`` (Transformer → Pooling → optional
Normalize), ``config.json`` (the BERT encoder), ``tokenizer.json``, ``model.safetensors``,
``sentence_bert_config.json`` (``max_seq_length``) and ``1_Pooling/config.json``. :class:`Encoder`
reads them and runs the BERT forward pass in float32 numpy: the same vectors as
``SentenceTransformer(path).encode(texts)`` to about 1e-5 (tests/search/test_encoder.py compares them
with a fixture made by the real library).

Only the BERT family with absolute positions and GELU is implemented here. Any other model (XLM-R,
a Dense module, weights only in ``pytorch_model.bin``) is refused with :class:`UnsupportedModelError`,
unless ``sentence_transformers`` happens to be importable, in which case the work is delegated to
it. torch is never a dependency of kechuang: its Linux wheels bring gigabytes of CUDA into every
install.

Plain Python with no Django import.
"""

from __future__ import annotations

import importlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from safetensors.numpy import load_file
from scipy.special import erf
from tokenizers import Tokenizer

Array = npt.NDArray[np.float32]

_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_NORMALIZE = "sentence_transformers.models.Normalize"
_BERT_ARCHITECTURES = {"BertModel", "BertForMaskedLM", "BertForPreTraining"}
_POOLING_MODES = ("pooling_mode_mean_tokens", "pooling_mode_cls_token", "pooling_mode_max_tokens")
# Tokens per batch: big enough for BLAS to run at full speed, small enough that the attention
# scores (batch × heads × length²) stay a few tens of megabytes.
_TOKENS_PER_BATCH = 4096


class UnsupportedModelError(ValueError):
    """The directory is not a sentence-transformers model this module can run without torch."""


@dataclass(frozen=True)
class _Layer:
    qkv: Array  # hidden × 3·hidden, transposed for x @ w
    qkv_bias: Array
    attention_out: Array
    attention_out_bias: Array
    attention_norm: tuple[Array, Array]
    intermediate: Array
    intermediate_bias: Array
    output: Array
    output_bias: Array
    output_norm: tuple[Array, Array]


class Encoder:
    """A sentence-transformers model loaded from ``path``; :meth:`encode` gives one row per text.

    Raises :class:`UnsupportedModelError` (with the reason) for a directory it cannot run, and
    ``FileNotFoundError`` when ``path`` is not a model directory at all.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        modules_file = self.path / "modules.json"
        if not modules_file.is_file():
            raise FileNotFoundError(f"{self.path} is not a sentence-transformers model directory (no modules.json)")
        self._delegate: Any = None
        try:
            self._load()
        except UnsupportedModelError as refusal:
            try:
                library = importlib.import_module("sentence_transformers")
            except ImportError:
                raise refusal from None
            self._delegate = library.SentenceTransformer(str(self.path), device="cpu")
            self.dimension = int(self._delegate.get_sentence_embedding_dimension())
            self.max_seq_length = int(self._delegate.max_seq_length)

    # ------------------------------------------------------------ loading

    def _load(self) -> None:
        modules = json.loads((self.path / "modules.json").read_text("utf-8"))
        types = [module["type"] for module in modules]
        if types not in ([_TRANSFORMER, _POOLING], [_TRANSFORMER, _POOLING, _NORMALIZE]):
            raise UnsupportedModelError(
                f"{self.path}: modules {types} (only Transformer → Pooling → optional Normalize)"
            )
        if modules[0].get("path", ""):
            raise UnsupportedModelError(f"{self.path}: the Transformer module must sit at the top of the directory")
        self.normalize = len(types) == 3

        config = json.loads((self.path / "config.json").read_text("utf-8"))
        architectures = set(config.get("architectures") or ["BertModel"])
        if config.get("model_type") != "bert" or not architectures <= _BERT_ARCHITECTURES:
            raise UnsupportedModelError(
                f"{self.path}: model_type {config.get('model_type')!r}, architectures {sorted(architectures)} "
                "(only BERT runs without torch; install sentence-transformers for others)"
            )
        if config.get("position_embedding_type", "absolute") != "absolute" or config.get("hidden_act") != "gelu":
            raise UnsupportedModelError(f"{self.path}: only absolute positions and the erf GELU are implemented")
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        hidden = int(config["hidden_size"])

        self.max_seq_length = self._max_length(config)
        pooling_file = self.path / modules[1]["path"] / "config.json"
        pooling = json.loads(pooling_file.read_text("utf-8"))
        modes = [mode for mode, on in pooling.items() if mode.startswith("pooling_mode") and on]
        if len(modes) != 1 or modes[0] not in _POOLING_MODES:
            raise UnsupportedModelError(f"{self.path}: pooling {modes} (one of mean, cls or max is implemented)")
        self._pooling = modes[0]

        weights_file = self.path / "model.safetensors"
        if not weights_file.is_file():
            raise UnsupportedModelError(f"{self.path}: no model.safetensors (weights in torch pickles are not read)")
        weights = {
            name.removeprefix("bert."): tensor.astype(np.float32) for name, tensor in load_file(weights_file).items()
        }
        self._word = weights["embeddings.word_embeddings.weight"]
        self._position = weights["embeddings.position_embeddings.weight"]
        self._token_type = weights["embeddings.token_type_embeddings.weight"]
        self._embedding_norm = self._norm(weights, "embeddings.LayerNorm")
        self._layers = [self._layer(weights, f"encoder.layer.{n}") for n in range(int(config["num_hidden_layers"]))]
        self.dimension = hidden

        self._tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        self._tokenizer.no_padding()  # batches are padded here, to their own longest text
        self._tokenizer.enable_truncation(max_length=self.max_seq_length)

    def _max_length(self, config: dict[str, Any]) -> int:
        st_config_file = self.path / "sentence_bert_config.json"
        st_config = json.loads(st_config_file.read_text("utf-8")) if st_config_file.is_file() else {}
        self._lowercase = bool(st_config.get("do_lower_case", False))
        limit = int(config.get("max_position_embeddings", 512))
        found = st_config.get("max_seq_length")
        return min(int(found), limit) if found else limit

    @staticmethod
    def _norm(weights: dict[str, Array], name: str) -> tuple[Array, Array]:
        return weights[f"{name}.weight"], weights[f"{name}.bias"]

    def _layer(self, weights: dict[str, Array], prefix: str) -> _Layer:
        def w(name: str) -> Array:
            return np.ascontiguousarray(weights[f"{prefix}.{name}.weight"].T)

        def b(name: str) -> Array:
            return weights[f"{prefix}.{name}.bias"]

        attention = "attention.self"
        return _Layer(
            qkv=np.ascontiguousarray(
                np.concatenate([w(f"{attention}.query"), w(f"{attention}.key"), w(f"{attention}.value")], axis=1)
            ),
            qkv_bias=np.concatenate([b(f"{attention}.query"), b(f"{attention}.key"), b(f"{attention}.value")]),
            attention_out=w("attention.output.dense"),
            attention_out_bias=b("attention.output.dense"),
            attention_norm=self._norm(weights, f"{prefix}.attention.output.LayerNorm"),
            intermediate=w("intermediate.dense"),
            intermediate_bias=b("intermediate.dense"),
            output=w("output.dense"),
            output_bias=b("output.dense"),
            output_norm=self._norm(weights, f"{prefix}.output.LayerNorm"),
        )

    # ------------------------------------------------------------ encoding

    def encode(self, texts: Sequence[str]) -> Array:
        """One float32 row of ``dimension`` per text, in order (unit length when the model normalises).

        Texts are stripped and truncated to ``max_seq_length`` tokens, as sentence-transformers does;
        they are batched by similar length, so the result does not depend on the batching.
        """
        if self._delegate is not None:
            found = self._delegate.encode(list(texts), convert_to_numpy=True, show_progress_bar=False)
            return np.asarray(found, dtype=np.float32).reshape(len(texts), self.dimension)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        prepared = [text.strip().lower() if self._lowercase else text.strip() for text in texts]
        encodings = self._tokenizer.encode_batch(prepared)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        start = 0
        while start < len(order):
            # Sorted by length, so a batch's padded size is its count times its last text's length.
            end = start + 1
            while end < len(order) and (end - start + 1) * len(encodings[order[end]].ids) <= _TOKENS_PER_BATCH:
                end += 1
            batch = order[start:end]
            out[batch] = self._forward([encodings[i].ids for i in batch], [encodings[i].type_ids for i in batch])
            start = end
        return out

    def _forward(self, ids: list[list[int]], type_ids: list[list[int]]) -> Array:
        length = max(len(row) for row in ids)
        count = len(ids)
        tokens = np.zeros((count, length), dtype=np.int64)
        types = np.zeros((count, length), dtype=np.int64)
        mask = np.zeros((count, length), dtype=np.float32)
        for row, (row_ids, row_types) in enumerate(zip(ids, type_ids, strict=True)):
            tokens[row, : len(row_ids)] = row_ids
            types[row, : len(row_types)] = row_types
            mask[row, : len(row_ids)] = 1.0

        x = self._word[tokens] + self._position[:length][None, :, :] + self._token_type[types]
        x = _layer_norm(x, self._embedding_norm, self._eps)
        # Padded keys get a large negative score, so they take no attention weight.
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in self._layers:
            x = self._block(x, layer, bias)

        if self._pooling == "pooling_mode_mean_tokens":
            summed = np.einsum("bld,bl->bd", x, mask)
            pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        elif self._pooling == "pooling_mode_cls_token":
            pooled = x[:, 0, :]
        else:
            pooled = np.where(mask[:, :, None] > 0, x, np.float32(-1e9)).max(axis=1)
        result: Array = np.asarray(pooled, dtype=np.float32)
        if self.normalize:
            result /= np.maximum(np.linalg.norm(result, axis=1, keepdims=True), np.float32(1e-12))
        return result

    def _block(self, x: Array, layer: _Layer, bias: Array) -> Array:
        count, length, hidden = x.shape
        size = hidden // self._heads
        qkv = (x @ layer.qkv + layer.qkv_bias).reshape(count, length, 3, self._heads, size)
        # Contiguous (batch, heads, length, size) operands, keys already transposed: numpy's stacked
        # matmul runs several times faster on them than on strided views.
        query = np.ascontiguousarray(qkv[:, :, 0].transpose(0, 2, 1, 3)) * np.float32(1.0 / math.sqrt(size))
        key_t = np.ascontiguousarray(qkv[:, :, 1].transpose(0, 2, 3, 1))
        value = np.ascontiguousarray(qkv[:, :, 2].transpose(0, 2, 1, 3))
        # Not matmul: numpy hands each (length × size)·(size × length) product to multithreaded BLAS,
        # which syncs its threads per product and slows 60-fold when another process holds a core.
        scores = np.einsum("bhld,bhdm->bhlm", query, key_t)
        scores += bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(count, length, hidden)
        attended = context @ layer.attention_out + layer.attention_out_bias
        x = _layer_norm(attended + x, layer.attention_norm, self._eps)
        inner = x @ layer.intermediate + layer.intermediate_bias
        # GELU, erf form, in place: these are the largest arrays of the pass.
        gelu = inner * np.float32(1.0 / math.sqrt(2.0))
        erf(gelu, out=gelu)
        gelu += np.float32(1.0)
        gelu *= inner
        gelu *= np.float32(0.5)
        out = gelu @ layer.output + layer.output_bias
        return _layer_norm(np.asarray(out + x, dtype=np.float32), layer.output_norm, self._eps)


def _layer_norm(x: Array, weights: tuple[Array, Array], eps: float) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    scale, shift = weights
    normed: Array = (centred / np.sqrt(variance + np.float32(eps)) * scale + shift).astype(np.float32, copy=False)
    return normed


@cache
def load_encoder(path: str) -> Encoder:
    """The encoder for the model directory ``path``, loaded once per process (about 0.1 s and its weights)."""
    return Encoder(path)
