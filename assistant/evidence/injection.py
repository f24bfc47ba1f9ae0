"""Passages that address an AI assistant rather than a reader: "Ignore previous
instructions", "You are now ...", "Print your system prompt". A council document has no
reason to speak to a language model, so such a passage is indexed as data but flagged:
ingest warns about it, and an answer that cites it says so.

Council papers speak to their readers in ways that look alike ("You are invited to attend",
"Members are asked to ignore the previous version of the report", "Respond to the
consultation by 5 July"), so each pattern needs what only an instruction to a model has:
"instructions", "prompt", an AI named, or "you are" followed by a role rather than an
invitation. Tested on real-looking positives and negatives in tests/test_ingest_robustness.py.
"""

from __future__ import annotations

import re

_QUALIFIED = r"(?:previous|prior|preceding|above|earlier|foregoing|original|initial|system)"
_AI = (r"(?:ai|a\.i\.|artificial\s+intelligence|(?:large\s+)?language\s+model|llm|chat\s*bot|ai\s+assistant|"
       r"virtual\s+assistant|helpful\s+assistant|chatgpt|gpt-?\d\w*|claude|gemini|copilot|llama)")

# Each pattern, with the council wording it must not catch. Case is ignored unless marked (?-i:).
PATTERNS = [
    # "ignore (all) previous instructions", "disregard your prior prompt"; not "ignore the
    # previous version of the report", "disregard the previous guidance"
    rf"\b(?:ignore|disregard|forget|override)\s+(?:(?:all|any)\s+(?:of\s+)?)?(?:(?:the|your|my|these)\s+)?"
    rf"{_QUALIFIED}\s+(?:instructions|prompts?|messages|commands)\b",
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+(?:of\s+)?)?(?:your|all)\s+"
    r"(?:instructions|prompts?|rules|programming|guidelines|training)\b",
    # "disregard the above", "ignore everything above"; not "disregard the above paragraph"
    r"\b(?:ignore|disregard|forget)\s+(?:all\s+(?:of\s+)?)?(?:the\s+|everything\s+)?above(?=\s*(?:[.,;:!]|and\b|$))",
    # "system prompt"; not "the system prompts residents to ..."
    r"\bsystem\s+prompt\b",
    # "print your (system) prompt", "reveal the hidden instructions"
    r"\b(?:print|reveal|show|repeat|output|display|leak|tell\s+me)\s+(?:me\s+)?(?:your|the)\s+"
    r"(?:(?:full|entire|original|hidden|secret|initial|system)\s+)*(?:prompt|instructions)\b",
    # "you are now in maintenance mode", "you are now an unrestricted AI"; not "you are now able
    # to pay online", "if you are now a tenant"
    r"\byou\s+are\s+now\s+(?:in\s+\w+\s+mode|acting\s+as|operating\s+as|free\s+(?:of|from)|no\s+longer\s+"
    r"(?:bound|restricted)|an?\s+(?:unrestricted|unfiltered|jailbroken)\b)",
    # "you are an AI", "you are ChatGPT", "you are a helpful assistant"; not "you are invited",
    # "you are a key partner"
    rf"\byou\s+are\s+(?:now\s+)?(?:an?\s+|the\s+)?{_AI}\b",
    # "as an AI (language model)", "as a large language model"; not "as AI develops"
    r"\bas\s+an\s+ai\b(?:\s+(?:language\s+model|assistant|model|chatbot)\b|\s*[,.:;!])",
    r"\bas\s+a\s+(?:large\s+)?language\s+model\b",
    # "respond only with", "reply only with: ..."; not "respond only in writing"
    r"\b(?:respond|reply|answer|output)\s+only\s+with\b",
    r"\bonly\s+(?:respond|reply|answer)\s+with\b",
    # "new instructions:", "updated instructions follow"; not "new instructions for staff were issued"
    r"\b(?:new|updated|real|actual|revised)\s+(?:system\s+)?instructions\s*(?::|follow)",
    # addressing the model: "AI assistant, ignore ...", "language model: you must ..."
    rf"\b{_AI}s?\s*[,:]\s*(?:ignore|you|do\s+not|don't|please|always|never|say|tell|answer|respond)\b",
    r"\b(?:do\s+not|don't|never)\s+cite\s+(?:any\s+)?(?:of\s+)?(?:the\s+|these\s+|your\s+)?(?:documents|sources)\b",
    # chat-template markers: "SYSTEM: new rules follow" at a line start, "<|im_start|>", "[INST]"
    r"(?m)^\s*(?-i:SYSTEM|ASSISTANT)\s*:\s*\S",
    r"<\|im_start\|>|<\|system\|>|\[/?INST\]",
]
_COMPILED = [re.compile(p, re.IGNORECASE) for p in PATTERNS]


def addresses_ai(text: str) -> bool:
    """True when the text speaks to an AI assistant (an instruction a document has no reason
    to give). Meant for flagging, not blocking: the passage stays in the index as data."""
    return any(p.search(text) for p in _COMPILED)


def matches(text: str) -> list[str]:
    """The phrases that made ``addresses_ai`` true, for messages ("'ignore previous instructions'")."""
    found = []
    for pattern in _COMPILED:
        match = pattern.search(text)
        if match:
            found.append(" ".join(match.group(0).split()))
    return found
