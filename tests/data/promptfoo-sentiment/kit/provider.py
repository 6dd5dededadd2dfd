"""Deterministic offline stand-in for a sentiment model, used to produce real promptfoo output.

It labels plain praise and plain complaints right, calls a statement of fact neutral only
once the prompt says that facts without an opinion are neutral, and takes sarcastic praise
at face value (positive) and reviews it cannot read (German) as neutral unless the prompt
shows a worked example of such a review, which no iteration does: instructions alone never
fix those two, so they fail in every version.
"""

import re

PRAISE = ("love", "great", "perfect", "excellent")
COMPLAINT = ("cracked", "broken", "never answered", "refund", "deletes")
GERMAN = ("das", "der", "die", "und", "ist", "nicht")


def call_api(prompt, options, context):
    review = str(((context or {}).get("vars") or {}).get("review", ""))
    words = re.findall(r"\w+", review.lower())
    shown = prompt.count("Review:") > 1  # a worked example adds a second "Review:" line
    if sum(w in GERMAN for w in words) >= 2:
        label = "negative" if shown and "kaputt" in prompt else "neutral"
    elif any(p in review.lower() for p in PRAISE):
        sarcastic = "just what i needed" in review.lower()
        label = "negative" if sarcastic and shown and "Just what" in prompt else "positive"
    elif any(c in review.lower() for c in COMPLAINT):
        label = "negative"
    else:
        label = "neutral" if "no opinion are neutral" in prompt else "positive"
    n_in = len(re.findall(r"\S+", prompt))
    return {
        "output": label,
        "tokenUsage": {"total": n_in + 1, "prompt": n_in, "completion": 1},
        "cost": n_in * 0.15e-6 + 0.60e-6,
    }
