"""A deterministic generator of large, realistic prompt files for the benchmarks.

Real prompt files are small; the speed claims are about large ones (a
knowledge base pasted into a system prompt, a long agent guideline). The
generated file mixes what the parsers and rules meet in practice: YAML
frontmatter with a model, inputs and a sample; role lines; markdown sections
with bulleted instructions (some vague, some hedged, some precise); worked
examples in ``<example>`` blocks and ``Input:``/``Output:`` pairs; fenced code
and JSON; quoted data blocks; Jinja variables and a suppression comment.
The same ``(size, seed)`` always gives the same text, so runs compare.

    python bench/generate.py 1000000 > big.prompty
"""

from __future__ import annotations

import random
import sys

_WORD_TEXT = (
    "order refund policy customer widget shipping warranty invoice delivery account "
    "support ticket reply answer question product return damaged replace credit card "
    "address tracking number status delay carrier package within days business "
    "manager escalate review confirm verify identity email phone chat hours weekend "
    "holiday discount coupon price subscription plan upgrade downgrade cancel renew "
    "payment failed retry bank transfer receipt tax region country language english "
    "the a of to and in for with on is are be this that from by as at"
)
_WORDS = tuple(_WORD_TEXT.split())
_INSTRUCTIONS = (
    "Always answer in the customer's language.",
    "Try to keep answers brief and friendly where appropriate.",
    "Give some helpful tips if possible.",
    "Reply in at most 3 sentences.",
    "Never promise a refund before the order is verified.",
    "Do not mention internal tools or ticket numbers.",
    "Use a good tone and write a detailed summary when needed.",
    "If the order number is missing, ask for it and stop.",
    "Quote the article title in `backticks` when you cite it.",
    "IMPORTANT: escalate to a manager when the customer asks twice.",
    "List the steps as a numbered list, one step per line.",
    "Avoid jargon.",
    "Feel free to suggest various related products etc.",
    "Respond with JSON that matches the schema below.",
)
_LABELS = ("refund", "shipping", "warranty", "billing", "other")
_FRONTMATTER = """---
name: support-knowledge-base
description: Answers customer questions from the support knowledge base.
model:
  id: gpt-4o
  provider: openai
  options:
    temperature: 0.2
    maxOutputTokens: 400
inputs:
  customer_name:
    type: string
    example: Dana
  question:
    type: string
    example: Where is my order?
  order_history:
    type: string
sample:
  customer_name: Dana
  question: Where is my order?
template:
  format:
    kind: jinja2
---
system:
You are the support assistant for Acme Widgets. Answer from the articles below.
Classify each question into one of: refund, shipping, warranty, billing or other.
If the articles do not cover the question, reply with "NOT_COVERED" and nothing else.
{# promptwise: disable=PW207 #}

"""


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(7, 18))]
    return " ".join(words).capitalize() + "."


def _article(rng: random.Random, number: int) -> str:
    out = [f"# Article {number}: {rng.choice(_WORDS)} {rng.choice(_WORDS)}", ""]
    for _ in range(rng.randint(2, 4)):
        out.append(" ".join(_sentence(rng) for _ in range(rng.randint(2, 5))))
        out.append("")
    shape = rng.randrange(6)
    if shape == 0:
        out.append("## Rules")
        out.extend(f"- {rng.choice(_INSTRUCTIONS)}" for _ in range(rng.randint(3, 6)))
        out.append("")
    elif shape == 1:
        label = rng.choice(_LABELS)
        out += ["<example>", f"Input: {_sentence(rng)}", f"Output: {label}", "</example>", ""]
    elif shape == 2:
        category, order = rng.choice(_LABELS), rng.randrange(10_000)
        urgent = rng.choice(("true", "false"))
        out += [
            "```json",
            f'{{"category": "{category}", "order": {order}, "urgent": {urgent}}}',
            "```",
            "",
        ]
    elif shape == 3:
        out += [
            "<document>",
            *(_sentence(rng) for _ in range(rng.randint(2, 4))),
            "</document>",
            "",
        ]
    elif shape == 4:
        out += [
            "### Examples",
            "",
            f"Q: {_sentence(rng)}",
            f"A: {_sentence(rng)}",
            "",
            f"Question: {_sentence(rng)}",
            f"Answer: {rng.choice(_LABELS)}",
            "",
        ]
    else:
        out += [
            f"When {{{{ customer_name }}}} asks about {rng.choice(_WORDS)}, "
            f"check {{{{ order_history }}}} first. {rng.choice(_INSTRUCTIONS)}",
            "",
        ]
    return "\n".join(out) + "\n"


def generate(size: int, seed: int = 7) -> str:
    """A Prompty file of about ``size`` characters (ASCII, so also bytes)."""
    rng = random.Random(seed)
    parts = [_FRONTMATTER]
    length = len(_FRONTMATTER)
    tail = "user:\nCustomer: {{customer_name}}\nQuestion: {{question}}\n"
    number = 0
    while length < size - len(tail):
        number += 1
        block = _article(rng, number)
        parts.append(block)
        length += len(block)
    parts.append(tail)
    return "".join(parts)


def edit(text: str, seed: int = 11) -> tuple[str, int]:
    """One typed character in the middle of a prose line, as a person would edit."""
    middle = len(text) // 2
    line_start = text.index("\n", middle) + 1
    while not text[line_start].isalpha():
        line_start = text.index("\n", line_start) + 1
    offset = line_start + 5
    char = "abcdefghij"[seed % 10]
    return text[:offset] + char + text[offset:], offset


if __name__ == "__main__":
    sys.stdout.write(generate(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
