"""`assistant serve`: the web app — ask, sources, draft, gap check and compare in the
browser, over the same package as the CLI.

    app.py            create_app(settings, token, ...): templates, middleware, routes, errors
    security.py       host, token, cross-site and size checks; security headers (CSP)
    engine.py         question threads that own the workspaces; background jobs; progress
    asking.py         one question (or follow-up) of a conversation, as `ask` and `chat` do it
    markup.py         answers' and drafts' Markdown as safe HTML; quotes highlighted
    routes_*.py       the pages: ask, sources (and jobs), plans (draft, gaps), compare
    templates/        Jinja2 (autoescaped); static/ the style sheet, app.js and vendored htmx
"""

from assistant.web.app import create_app

__all__ = ["create_app"]
