"""Model prices, context windows and cost arithmetic."""

from promptwise.pricing.catalogue import Catalogue, FineTunePrice, PriceEntry, load_catalogue
from promptwise.pricing.cost import CostEstimate, estimate, format_usd

__all__ = ["Catalogue", "CostEstimate", "FineTunePrice", "PriceEntry", "estimate",
           "format_usd", "load_catalogue"]
