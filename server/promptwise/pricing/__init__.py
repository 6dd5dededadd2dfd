"""Model prices, context windows and cost arithmetic.

The analysis core, the CLI and the language server import from here, so the
split between the catalogue (data and names) and cost (arithmetic) can move
without touching them.
"""

from promptwise.pricing.catalogue import Catalogue, FineTunePrice, PriceEntry, load_catalogue
from promptwise.pricing.cost import CostEstimate, estimate, format_usd

__all__ = [
    "Catalogue",
    "CostEstimate",
    "FineTunePrice",
    "PriceEntry",
    "estimate",
    "format_usd",
    "load_catalogue",
]
