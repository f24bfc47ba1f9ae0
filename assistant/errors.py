"""The two kinds of failure a user can act on, and the exit codes the CLI gives them."""


class AssistantError(Exception):
    """Base class: the message is written for the officer, and names the fix."""

    exit_code = 1


class UserError(AssistantError):
    """Bad input or usage: a missing file, an unsupported type, an unknown council (exit 2)."""

    exit_code = 2


class BackendUnavailable(AssistantError):
    """A backend cannot be reached or used: no API key, server down, unknown model (exit 3)."""

    exit_code = 3
