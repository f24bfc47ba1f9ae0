"""What a command works in: the settings, the index, the guidance and the evidence engine,
opened once per command (and once per web app process) and closed together."""

from __future__ import annotations

from functools import cached_property


class Workspace:
    def __init__(self, settings):
        self.settings = settings

    @cached_property
    def index(self):
        from assistant.index import open_index

        return open_index(self.settings)

    @cached_property
    def guidance(self):
        from assistant.guidance import load_guidance

        return load_guidance(self.settings.guidance_path())

    @cached_property
    def evidence(self):
        from assistant.evidence import EvidenceEngine

        return EvidenceEngine(self)

    def close(self) -> None:
        if "index" in self.__dict__:
            self.index.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_workspace(settings) -> Workspace:
    return Workspace(settings)
