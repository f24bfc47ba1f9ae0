"""`assistant chat`: session.py (the state), loop.py (reading lines, answering questions),
commands.py (the slash commands), followup.py (making follow-ups standalone)."""
