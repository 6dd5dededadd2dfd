"""Entry point for ``python -m promptwise``."""

from promptwise.cli import main

raise SystemExit(main())
