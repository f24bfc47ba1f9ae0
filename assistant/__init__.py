"""Plan Assistant: a retrieval-augmented assistant for UK councils' Productivity Plans."""

__version__ = "0.1.0"
