"""Output, per result type: the terminal (through the one SafeConsole), Markdown, Word and
JSON. answer.py (Answer), passages.py (search hits), documents.py (documents, ingest
results), draft.py (Draft), gaps.py (GapReport), transcript.py (a chat), doctor.py (the
checks); console.py, stream.py, progress.py and files.py carry them out safely."""
