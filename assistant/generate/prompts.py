"""Prompts, one file each, loaded by name from the shipped ``prompts/`` folder:
``<name>.system.md`` (the rules) and ``<name>.user.md`` (the request). Both are LangChain
f-string templates with named variables such as ``{question}``; write ``{{`` and ``}}``
for a literal brace. Values are inserted as they are: a brace in a document is safe."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.errors import UserError


@dataclass
class Prompt:
    name: str
    system_file: Path
    user_file: Path
    system: str
    user: str

    def variables(self) -> set[str]:
        from langchain_core.prompts import PromptTemplate

        return {v for text in (self.system, self.user) for v in PromptTemplate.from_template(text).input_variables}

    def messages(self, **variables) -> list:
        """The system and user messages, with ``variables`` filled in (extra ones are ignored)."""
        from langchain_core.messages import HumanMessage, SystemMessage
        from langchain_core.prompts import PromptTemplate

        rendered = []
        for path, text in ((self.system_file, self.system), (self.user_file, self.user)):
            template = PromptTemplate.from_template(text)
            missing = sorted(set(template.input_variables) - set(variables))
            if missing:
                raise UserError(f"{path} uses {', '.join('{' + m + '}' for m in missing)}, which the "
                                f"'{self.name}' prompt is not given (it has: {', '.join(sorted(variables))}). "
                                "Fix the template (write {{ and }} for literal braces).")
            rendered.append(template.format(**{k: variables[k] for k in template.input_variables}))
        return [SystemMessage(rendered[0]), HumanMessage(rendered[1])]


def prompt_names() -> list[str]:
    from assistant.resources import prompts_dir

    return sorted(p.name[: -len(".system.md")] for p in prompts_dir().glob("*.system.md"))


def load_prompt(name: str) -> Prompt:
    """The prompt ``name`` (e.g. "ask"): its system and user templates."""
    from assistant.resources import prompts_dir

    folder = prompts_dir()
    files = [folder / f"{name}.system.md", folder / f"{name}.user.md"]
    for path in files:
        if not path.is_file():
            known = ", ".join(prompt_names()) or "none"
            raise UserError(f"{path} is missing: no prompt named '{name}' (prompts found: {known}). "
                            "Restore the file, or reinstall Plan Assistant.")
    system, user = (p.read_text(encoding="utf-8") for p in files)
    return Prompt(name, files[0], files[1], system.strip(), user.strip())
