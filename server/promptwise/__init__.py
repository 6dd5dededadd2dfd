"""Promptwise: a linter and language server for LLM prompt files."""

__version__ = "0.1.0"
