"""The language server: a thin pygls adapter over :func:`promptwise.analysis.analyze`.

``server.py`` registers the features, ``features/`` holds one module per LSP
feature, ``convert.py`` is the only module that knows both core and
lsprotocol types, and ``workspace.py`` keeps the open documents and decides
when to analyse them. Nothing outside this package imports pygls or
lsprotocol.
"""
