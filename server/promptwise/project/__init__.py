"""Prompt projects: the references between prompt files, and what they add up to.

A prompt is rarely one file. Dotprompt files pull in partials, Copilot
prompt files attach the files they link to, Prompty files read their
connection from a JSON file. This package finds those references in a
:class:`~promptwise.document.model.PromptDocument` (``references``),
resolves them to files inside the workspace without ever leaving it
(``files``), and follows the ones whose text is sent with the prompt to
count it and find cycles (``composition``). It is core: no LSP types.
"""
