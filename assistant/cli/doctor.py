"""`assistant doctor`: is the install usable, and which answer backends work?

Each check reports ok, warn, fail or off (not configured) with what it found and, when
not ok, how to fix it. The offline path (packages, embedder, Chroma) is required; so is
the configured default backend when it is not the offline one. Doctor never creates the
home folder: a missing index is reported, not made.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass
from importlib import metadata

from assistant.errors import AssistantError

PACKAGES = ("langchain-core", "langchain-openai", "openai", "chromadb", "typer", "pypdf", "python-docx", "bm25s",
            "onnxruntime", "tokenizers", "pysbd", "rapidfuzz", "rich")
CHECK_TIMEOUT = 10.0  # seconds: a doctor should answer promptly even if a server hangs
REINSTALL = "Reinstall the dependencies: pip install -e . (or make setup)"


@dataclass
class Check:
    name: str
    status: str  # ok | warn | fail | off
    detail: str
    fix: str = ""
    required: bool = False  # part of the path `ask` takes by default

    @property
    def blocking(self) -> bool:
        return self.required and self.status == "fail"


def python_check() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info < (3, 11):
        return Check("python", "fail", f"Python {version}", "Use Python 3.11 or newer.", True)
    return Check("python", "ok", f"Python {version} ({sys.executable})", required=True)


def packages_check() -> Check:
    found, missing = [], []
    for name in PACKAGES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            missing.append(name)
    if missing:
        return Check("packages", "fail", "missing: " + ", ".join(missing), REINSTALL, True)
    return Check("packages", "ok", ", ".join(found), required=True)


def embedder_check(settings) -> Check:
    from assistant.index.embeddings import embedder_name, get_embedder

    try:
        if settings.embedder == "minilm":
            from assistant.index.embeddings import minilm_files

            model, tokenizer = minilm_files()
            detail = f"minilm (offline): {model.name} and {tokenizer.name} found"
        else:
            detail = settings.embedder
        embedder = get_embedder(settings)
        vector = embedder.embed_query("productivity plan")
        return Check("embedder", "ok", f"{detail}; {embedder_name(embedder)} gives {len(vector)}-dimensional vectors",
                     required=True)
    except AssistantError as exc:
        return Check("embedder", "fail", str(exc), "See the message; ASSISTANT_EMBEDDER=minilm is the offline default.",
                     True)
    except Exception as exc:  # noqa: BLE001 - a broken install shows here in many ways
        return Check("embedder", "fail", f"{settings.embedder}: {type(exc).__name__}: {exc}", REINSTALL, True)


def index_checks(settings) -> list[Check]:
    """The index (catalog) and its vectors (Chroma)."""
    catalog_file = settings.index_dir / "catalog.sqlite"
    if not catalog_file.is_file():
        return [Check("index", "warn", f"no index yet in {settings.home}",
                      "Add documents: assistant ingest --shipped (or your own files)."), chroma_check(settings, None)]
    from assistant.index.catalog import Catalog

    catalog = Catalog(catalog_file)
    try:
        documents, chunks = len(catalog.documents()), catalog.count_chunks()
        built_with = catalog.get_meta("embedder")
    finally:
        catalog.close()
    detail = f"{settings.home}: {documents} documents, {chunks} chunks, embedder {built_with or '-'}"
    if chunks and built_with and built_with.split(":")[0] != settings.embedder:
        index = Check("index", "fail", f"{detail}, but ASSISTANT_EMBEDDER is '{settings.embedder}'",
                      "Set ASSISTANT_EMBEDDER to match the index, or start a new index with --home DIR.", True)
    elif not chunks:
        index = Check("index", "warn", f"{detail} (empty)", "Add documents: assistant ingest --shipped (or your own files).")
    else:
        index = Check("index", "ok", detail)
    return [index, chroma_check(settings, chunks)]


def chroma_check(settings, chunks: int | None) -> Check:
    """Chroma opens (the home's store, or the server) and holds a vector for every chunk."""
    try:
        version = metadata.version("chromadb")
        if chunks is None and not settings.chroma_url:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False)).heartbeat()
            return Check("chroma", "ok", f"chromadb {version} works (no index yet)", required=True)
        from assistant.index.store import ChromaStore

        store = ChromaStore(path=settings.index_dir / "chroma", url=settings.chroma_url)
        vectors = store.count()
    except AssistantError as exc:
        return Check("chroma", "fail", str(exc), "Start the Chroma server, or drop --chroma-url to use the home folder.",
                     True)
    except Exception as exc:  # noqa: BLE001
        return Check("chroma", "fail", f"{type(exc).__name__}: {exc}", REINSTALL, True)
    detail = f"chromadb {version} at {store.location}: {vectors} vectors"
    if chunks and vectors * 2 < chunks:  # answers would come from keywords alone: ask exits 3 too
        return Check("chroma", "fail", f"{detail} for {chunks} chunks: most passages have no vector",
                     "Run assistant ingest again on your documents (or --shipped): it re-embeds missing vectors.",
                     True)
    if chunks is not None and vectors != chunks:
        return Check("chroma", "warn", f"{detail} for {chunks} chunks",
                     "Run assistant ingest again on your documents: it repairs the store.", True)
    return Check("chroma", "ok", detail, required=True)


def llm_check(settings, backend: str) -> Check:
    """Is the backend configured, is its server reachable, does it serve the model?"""
    from assistant.errors import BackendUnavailable
    from assistant.generate.backends.openai import backend_errors, require_configured, where

    name = f"llm {backend}"
    required = settings.llm == backend
    try:
        require_configured(settings, backend)  # the same configuration errors `ask` would give
    except BackendUnavailable as exc:
        return Check(name, "fail" if required else "off", "not configured", str(exc), required)
    try:
        with backend_errors(settings, backend):
            models = _list_models(settings, backend)
    except BackendUnavailable as exc:
        settings_hint = ("AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY and AZURE_OPENAI_DEPLOYMENT" if backend == "azure"
                         else "OPENAI_BASE_URL (or --base-url) and OPENAI_API_KEY")
        return Check(name, "fail", str(exc), f"Start the server or correct {settings_hint}, "
                     "then run assistant doctor again.", required)
    at = where(settings, backend)
    if backend == "azure":
        return Check(name, "ok", f"{at} reachable, key accepted (the deployment is checked on first use)",
                     required=required)
    if settings.model in models or f"{settings.model}:latest" in models:
        return Check(name, "ok", f"{at} reachable; model {settings.model} available ({len(models)} models)",
                     required=required)
    shown = ", ".join(sorted(models)[:15]) + (" …" if len(models) > 15 else "")
    return Check(name, "warn", f"{at} reachable, but it does not list model '{settings.model}' (it lists: {shown or 'none'})",
                 "Set --model or ASSISTANT_MODEL to a model it lists.", required)


def _list_models(settings, backend: str) -> list[str]:
    import openai

    from assistant.generate.backends.openai import LOCAL_SERVER_KEY

    timeout = min(settings.request_timeout, CHECK_TIMEOUT)
    if backend == "azure":
        client = openai.AzureOpenAI(azure_endpoint=settings.azure_endpoint,
                                    api_key=settings.azure_api_key.get_secret_value(),
                                    api_version=settings.azure_api_version, timeout=timeout, max_retries=0)
    else:
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else LOCAL_SERVER_KEY
        client = openai.OpenAI(api_key=key, base_url=settings.openai_base_url, timeout=timeout, max_retries=0)
    return [m.id for m in client.models.list()]


def ocr_check() -> Check:
    """Tesseract reads scanned pages at ingest; without it they are reported and skipped."""
    from assistant.ingest.ocr import ocr_available

    available, detail = ocr_available()
    if available:
        return Check("ocr", "ok", detail)
    return Check("ocr", "warn", detail, "Install it to index scanned pages: apt-get install tesseract-ocr "
                 "(or set ASSISTANT_TESSERACT to its path).")


def run_checks(settings) -> list[Check]:
    checks = [python_check(), packages_check(), embedder_check(settings)]
    checks += index_checks(settings)
    checks.append(ocr_check())
    from assistant.generate import backends

    try:
        name = backends.name_of(settings.llm)
        model = f", model {settings.model}" if backends.is_model(name) else ""
        checks.append(Check("default backend", "ok", f"{name}{model} (--llm chooses another)"))
    except AssistantError:  # the value is not echoed: it may be a key set in the wrong variable
        checks.append(Check("default backend", "fail", "ASSISTANT_LLM (or --llm) is not a backend name",
                            f"Set ASSISTANT_LLM to {', '.join(backends.NAMES)}.", True))
    checks += [llm_check(settings, backend) for backend in backends.NAMES if backends.is_model(backend)]
    return checks


def report(checks: list[Check]) -> dict:
    return {"ok": not any(c.blocking for c in checks), "checks": [asdict(c) for c in checks]}
