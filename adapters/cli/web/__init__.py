"""`rollouts dashboard`: a web page over the stream, served by the CLI's own process.

`app.create_dashboard_app` is the one composition root; the documents the page reads are built
by `documents` and `charts` from the same fold, view and replay the CLI uses, so the page and
`rollouts get`/`replay` never disagree. The page itself is plain files in `static/`.
"""
