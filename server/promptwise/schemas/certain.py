"""A quick proof that frontmatter breaks no schema rule, so that ``jsonschema`` need not load.

Importing ``jsonschema`` (with ``referencing`` and ``rpds``) costs a cold
start about 40 ms, more than the rest of a small file's schema work, and most
frontmatter is valid. :func:`certainly_valid` walks the instance through the
small part of JSON Schema the packaged schemas use and answers True only when
every keyword on the way is one it knows and the instance meets it exactly as
``jsonschema`` reads that keyword.

It never gives the errors: anything else (a failure, a keyword it does not
know, a value two readings could disagree about, such as a float where an
integer is wanted or ``1`` against an ``enum`` holding ``True``) answers
False, and the caller asks ``jsonschema``. So True implies ``jsonschema``
finds nothing, and the findings are ``jsonschema``'s in every case
(``tests/unit/test_schemas.py`` holds it to that on the corpus and on
mutated frontmatter).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

# Keywords that only describe: ``jsonschema`` ignores them when validating.
_ANNOTATIONS = frozenset(
    {"$schema", "$comment", "title", "description", "examples", "default", "deprecated"}
)


def certainly_valid(schema: Any, instance: Any) -> bool:
    """Whether ``instance`` certainly meets ``schema`` (False: not known, ask ``jsonschema``)."""
    if schema is True:
        return True
    if not isinstance(schema, Mapping):
        return False  # the false schema, or one that is not a schema
    for keyword, value in schema.items():
        check = _KEYWORDS.get(keyword)
        if check is None:
            if keyword in _ANNOTATIONS or keyword.startswith("x-"):
                continue
            return False
        if not check(value, instance, schema):
            return False
    return True


def _is_type(instance: Any, name: Any) -> bool:
    """``instance`` is of JSON type ``name``; False where unsure (an integral float)."""
    if name == "string":
        return isinstance(instance, str)
    if name == "object":
        return isinstance(instance, dict)
    if name == "array":
        return isinstance(instance, list)
    if name == "boolean":
        return isinstance(instance, bool)
    if name == "null":
        return instance is None
    if name == "integer":
        return isinstance(instance, int) and not isinstance(instance, bool)
    if name == "number":
        return isinstance(instance, (int, float)) and not isinstance(instance, bool)
    return False


def _type(value: Any, instance: Any, schema: Mapping[str, Any]) -> bool:
    names = value if isinstance(value, list) else [value]
    return any(_is_type(instance, name) for name in names)


def _same(one: Any, other: Any) -> bool:
    """Equal in every reading: the same plain type and value (``True`` is not ``1``)."""
    plain = (str, bool, int, type(None))
    return type(one) is type(other) and isinstance(one, plain) and one == other


def _enum(value: Any, instance: Any, schema: Mapping[str, Any]) -> bool:
    return isinstance(value, list) and any(_same(instance, item) for item in value)


def _min_length(value: Any, instance: Any, schema: Mapping[str, Any]) -> bool:
    return not isinstance(instance, str) or (isinstance(value, int) and len(instance) >= value)


def _max_length(value: Any, instance: Any, schema: Mapping[str, Any]) -> bool:
    return not isinstance(instance, str) or (isinstance(value, int) and len(instance) <= value)


def _pattern(value: Any, instance: Any, schema: Mapping[str, Any]) -> bool:
    # ``jsonschema`` searches with ``re`` too (not anchored).
    return not isinstance(instance, str) or (
        isinstance(value, str) and re.search(value, instance) is not None
    )


def _minimum(value: Any, instance: Any, schema: Mapping[str, Any]) -> bool:
    if not _is_type(instance, "number"):
        # Not a number to ``jsonschema`` either, so the keyword says nothing
        # (anything else numeric, a Decimal, is left to it).
        return isinstance(instance, (bool, str, dict, list, type(None)))
    return _is_type(value, "number") and instance >= value


def _required(value: Any, instance: Any, schema: Mapping[str, Any]) -> bool:
    return not isinstance(instance, dict) or (
        isinstance(value, list) and all(key in instance for key in value)
    )


def _properties(value: Any, instance: Any, schema: Mapping[str, Any]) -> bool:
    if not isinstance(instance, dict):
        return True
    if not isinstance(value, Mapping):
        return False
    return all(certainly_valid(sub, instance[key]) for key, sub in value.items() if key in instance)


def _pattern_properties(value: Any, instance: Any, schema: Mapping[str, Any]) -> bool:
    if not isinstance(instance, dict):
        return True
    if not isinstance(value, Mapping):
        return False
    return all(
        certainly_valid(sub, item)
        for pattern, sub in value.items()
        for key, item in instance.items()
        if re.search(pattern, key)
    )


def _additional_properties(value: Any, instance: Any, schema: Mapping[str, Any]) -> bool:
    if not isinstance(instance, dict):
        return True
    known = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    if not isinstance(known, Mapping) or not isinstance(patterns, Mapping):
        return False
    return all(
        certainly_valid(value, item)
        for key, item in instance.items()
        if key not in known and not any(re.search(p, key) for p in patterns)
    )


def _items(value: Any, instance: Any, schema: Mapping[str, Any]) -> bool:
    if not isinstance(instance, list):
        return True
    if "prefixItems" in schema or not isinstance(value, (Mapping, bool)):
        return False  # tuple forms are not read here
    return all(certainly_valid(value, item) for item in instance)


def _any_of(value: Any, instance: Any, schema: Mapping[str, Any]) -> bool:
    return isinstance(value, list) and any(certainly_valid(branch, instance) for branch in value)


_KEYWORDS: dict[str, Callable[[Any, Any, Mapping[str, Any]], bool]] = {
    "type": _type,
    "enum": _enum,
    "minLength": _min_length,
    "maxLength": _max_length,
    "pattern": _pattern,
    "minimum": _minimum,
    "required": _required,
    "properties": _properties,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
    "items": _items,
    "anyOf": _any_of,
}
