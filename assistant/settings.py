"""One Settings object, read from (highest first): command-line flags, environment
variables (ASSISTANT_*, OPENAI_*, AZURE_OPENAI_*), a TOML file, and defaults.

The TOML file is ``$ASSISTANT_CONFIG`` or ``<home>/config.toml``; its keys are the field
names below (e.g. ``llm = "openai"``, ``model = "gpt-4.1-mini"``).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import BaseModel, SecretStr, ValidationError

from assistant.errors import UserError

ENV_PREFIX = "ASSISTANT_"
# Settings that come from the providers' own, well-known variables.
PROVIDER_ENV = {
    "openai_api_key": "OPENAI_API_KEY",
    "openai_base_url": "OPENAI_BASE_URL",
    "azure_endpoint": "AZURE_OPENAI_ENDPOINT",
    "azure_api_key": "AZURE_OPENAI_API_KEY",
    "azure_api_version": "OPENAI_API_VERSION",
    "azure_deployment": "AZURE_OPENAI_DEPLOYMENT",
}


def default_home() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("plan-assistant", appauthor=False))


class Settings(BaseModel):
    home: Path
    # Retrieval
    embedder: str = "minilm"  # minilm | openai | sentence-transformers
    embedding_model: str = "text-embedding-3-small"  # for embedder=openai
    chroma_url: str | None = None  # e.g. http://127.0.0.1:8000 for a Chroma server
    top_k: int = 8
    guidance_file: Path | None = None  # None: the shipped productivity-plans-2024.toml
    # Generation
    llm: str = "extractive"  # extractive | openai | azure
    model: str = "gpt-4.1-mini"  # a current small OpenAI model; any name the server knows
    temperature: float = 0.0
    request_timeout: float = 60.0
    max_retries: int = 2
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    azure_endpoint: str | None = None
    azure_api_key: SecretStr | None = None
    azure_api_version: str = "2024-10-21"
    azure_deployment: str | None = None
    # Ingest
    max_file_mb: float = 50.0

    model_config = {"extra": "forbid"}

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    def guidance_path(self) -> Path:
        if self.guidance_file:
            return self.guidance_file
        from assistant.resources import corpus_dir

        return corpus_dir() / "guidance" / "productivity-plans-2024.toml"


def _from_env(field: str) -> str | None:
    name = PROVIDER_ENV.get(field)
    value = os.environ.get(ENV_PREFIX + field.upper())
    if value is None and name:
        value = os.environ.get(name)
    return value if value not in (None, "") else None


def load_settings(home: Path | str | None = None, **overrides) -> Settings:
    """Build Settings; ``overrides`` are command-line values (None means "not given")."""
    home_path = Path(home or os.environ.get("ASSISTANT_HOME") or default_home()).expanduser()
    config_path = Path(os.environ.get("ASSISTANT_CONFIG") or home_path / "config.toml")
    values: dict = {}
    if config_path.is_file():
        try:
            values.update(tomllib.loads(config_path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UserError(f"{config_path}: not valid TOML ({exc}). Fix the file or remove it.") from exc
    for field in Settings.model_fields:
        if field == "home":
            continue
        env_value = _from_env(field)
        if env_value is not None:
            values[field] = env_value
    values.update({k: v for k, v in overrides.items() if v is not None})
    values["home"] = home_path
    try:
        return Settings(**values)
    except ValidationError as exc:  # name the source and the setting, never the value: it may be a key
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False))
        raise UserError(f"invalid setting ({config_path} or ASSISTANT_* variables): {problems}") from None
