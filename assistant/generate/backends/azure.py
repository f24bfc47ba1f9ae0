"""Azure OpenAI: its configuration and client. Prompting, streaming and validation are
openai.py's and chat.py's (the same Chat Completions API)."""

from __future__ import annotations

from assistant.errors import BackendUnavailable

NAME = "azure"


def require_configured(settings) -> None:
    missing = [name for name, value in (("AZURE_OPENAI_ENDPOINT", settings.azure_endpoint),
                                        ("AZURE_OPENAI_API_KEY", settings.azure_api_key)) if not value]
    if missing:
        raise BackendUnavailable(
            f"--llm azure needs {' and '.join(missing)} (from your Azure OpenAI resource's 'Keys and Endpoint' "
            "page), and AZURE_OPENAI_DEPLOYMENT if your deployment is not named after the model.")


def chat_model(settings, common: dict):
    from langchain_openai import AzureChatOpenAI

    return AzureChatOpenAI(azure_endpoint=settings.azure_endpoint, api_key=settings.azure_api_key,
                           api_version=settings.azure_api_version,
                           azure_deployment=settings.azure_deployment or settings.model, model=settings.model,
                           **common)


def where(settings) -> str:
    return f"Azure OpenAI at {settings.azure_endpoint} (deployment '{settings.azure_deployment or settings.model}')"
