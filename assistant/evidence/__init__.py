"""The evidence engine: reading a question, retrieval policies, one scorer, and the filters
that keep the Government's words and non-content out. Every job gets evidence here."""

from assistant.evidence.engine import EvidenceEngine, text_key
from assistant.evidence.retrieval import Retrieval
from assistant.evidence.scoring import ScoredUnit

__all__ = ["EvidenceEngine", "Retrieval", "ScoredUnit", "text_key"]
