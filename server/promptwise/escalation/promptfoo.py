"""promptfoo's eval results, as written by ``promptfoo eval -o results.json``.

One eval is one run of a test suite against the prompt as it stood; each
distinct prompt *text* is one iteration. promptfoo's ``promptId`` hashes
the prompt's label, which for file prompts embeds the path and text and for
labelled prompts may not change at all, so versions are identified by a
hash of the template text (``results.prompts[].raw``) instead.

Results are mapped to prompt files through ``config.prompts``: a
``file://`` entry names the file (promptfoo stores it resolved to an
absolute path; a relative one is taken relative to the results file's
folder). Inline prompts are known by their label, or by their text alone.
Tests are identified by their description, else by a hash of their vars.

The database reader (:mod:`promptwise.escalation.promptfoo_db`) rebuilds
the same objects from table rows and goes through the same conversion, so
a JSON export and the database give the same analysis.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptwise.escalation.categories import checked_category
from promptwise.escalation.records import (
    MAX_JSON_BYTES,
    Assertion,
    EvalRecord,
    LogLocation,
    PromptRef,
    Warnings,
    clip,
    input_of,
    json_lines,
    open_log,
    parse_timestamp,
    template_hash,
    text_variables,
    vars_hash,
)

_FUNCTION_SUFFIX = re.compile(r":[A-Za-z_][\w.]*$")  # file://prompts.py:make_prompt
_EXPECTED_VARS = (
    "expected",
    "expected_output",
    "expectedOutput",
    "reference",
    "ground_truth",
    "answer",
)
_ERROR_FAILURE = 2  # promptfoo ResultFailureReason.ERROR: the provider failed, not the prompt


@dataclass(frozen=True)
class ConfigPrompt:
    """One entry of ``config.prompts``: a file (``path``) or inline text, maybe labelled."""

    spec: str
    label: str | None
    path: str | None


_PROMPT_FILE = re.compile(r"\.(?:txt|md|j2|jinja2?|prompt|prompty|json|ya?ml)$", re.I)


def _config_prompt(spec: str, label: str | None) -> ConfigPrompt:
    path = None
    if not spec.startswith("file://") and "\n" not in spec and _PROMPT_FILE.search(spec.strip()):
        spec = "file://" + spec.strip()  # promptfoo 0.4x: a bare path names a prompt file
    if spec.startswith("file://"):
        path = spec[len("file://") :]
        if not re.search(r"\.(?:txt|md|j2|jinja2?|prompt|prompty|json|ya?ml)$", path, re.I):
            path = _FUNCTION_SUFFIX.sub("", path)
    return ConfigPrompt(spec, label or None, path)


def config_prompts(config: Any) -> list[ConfigPrompt]:
    """``config.prompts`` in any of the shapes promptfoo accepts."""
    if not isinstance(config, Mapping):
        return []
    raw = config.get("prompts")
    items: list[ConfigPrompt] = []
    if isinstance(raw, str):
        raw = [raw]
    if isinstance(raw, Mapping):  # {"file://a.txt": "label"}
        for spec, label in raw.items():
            items.append(_config_prompt(str(spec), label if isinstance(label, str) else None))
        return items
    if not isinstance(raw, list):
        return items
    for entry in raw:
        if isinstance(entry, str):
            items.append(_config_prompt(entry, None))
        elif isinstance(entry, Mapping):
            spec = entry.get("id") or entry.get("raw") or ""
            label = entry.get("label")
            items.append(_config_prompt(str(spec), label if isinstance(label, str) else None))
    return items


def _matches(entry: ConfigPrompt, label: str, raw: str) -> bool:
    if entry.label and (label == entry.label or label.startswith(entry.label + ": ")):
        return True
    if entry.path:
        head = label[: label.find(raw[:40])] if raw and raw[:40] in label else label[:300]
        name = entry.path.replace("\\", "/").rsplit("/", 1)[-1]
        if "*" not in name and name and name in head:
            return True
    return False


def _path_in_label(label: str) -> str | None:
    """The file a glob entry expanded to: promptfoo puts it before the text in the label."""
    for part in label.split(": ")[:3]:
        if re.search(r"[\w-]\.(?:txt|md|j2|jinja2?|prompt|prompty|json|ya?ml)$", part, re.I):
            return part
    return None


def prompt_refs(config: Any, prompts: list[Mapping[str, Any]], base: str) -> list[PromptRef]:
    """The prompt each entry of ``results.prompts`` came from."""
    entries = config_prompts(config)
    files = [e for e in entries if e.path]
    refs: list[PromptRef] = []
    for index, prompt in enumerate(prompts):
        label = str(prompt.get("label") or prompt.get("display") or "")
        raw = str(prompt.get("raw") or "")
        found = next((e for e in entries if _matches(e, label, raw)), None)
        if found is None and len(files) == 1 and len(entries) == 1:
            found = files[0]
        if found is None and len(entries) == len(prompts):
            found = entries[index]
        if found is not None and found.path:
            path = found.path
            if "*" in path or "{" in path:
                path = _path_in_label(label) or path
            refs.append(PromptRef(path=path, base=base, label=found.label))
        elif found is not None and found.label:
            refs.append(PromptRef(label=found.label))
        else:
            refs.append(
                PromptRef(label=label[:200] or None) if label and label != raw else PromptRef()
            )
    return refs


@dataclass(frozen=True)
class EvalContext:
    """What every result of one eval shares: its run, time and prompts."""

    run: str | None
    timestamp: float | None
    refs: tuple[PromptRef, ...]
    templates: tuple[str | None, ...]
    versions: tuple[str, ...]
    multi_provider: bool


def eval_context(
    *,
    run: str | None,
    timestamp: float | None,
    config: Any,
    prompts: Any,
    base: str,
    where: LogLocation,
    warnings: Warnings,
) -> EvalContext:
    metas = [p for p in prompts if isinstance(p, Mapping)] if isinstance(prompts, list) else []
    refs = prompt_refs(config, metas, base)
    templates: list[str | None] = []
    versions: list[str] = []
    for meta in metas:
        if "label" not in meta and isinstance(meta.get("display"), str):  # promptfoo 0.4x
            meta = {**meta, "label": meta["display"]}
        raw = meta.get("raw")
        if isinstance(raw, str):
            templates.append(raw)
            versions.append(template_hash(raw))
        else:
            label = str(meta.get("label") or meta.get("id") or "")
            warnings.add(
                where, "a prompt has no text (`raw`); its versions are told apart by label", "noraw"
            )
            templates.append(None)
            versions.append(template_hash(label))
    providers = config.get("providers") if isinstance(config, Mapping) else None
    multi = isinstance(providers, list) and len(providers) > 1
    return EvalContext(run, timestamp, tuple(refs), tuple(templates), tuple(versions), multi)


def _assertions(grading: Any, declared: Any) -> tuple[Assertion, ...]:
    out: list[Assertion] = []

    def walk(component: Any, depth: int = 0) -> None:
        if not isinstance(component, Mapping) or len(out) >= 50 or depth > 20:
            return
        assertion = component.get("assertion")
        passed = component.get("pass")
        if isinstance(assertion, Mapping) and isinstance(assertion.get("type"), str):
            out.append(
                Assertion(
                    assertion["type"],
                    clip(assertion.get("value"), 500),
                    passed if isinstance(passed, bool) else None,
                )
            )
        for child in component.get("componentResults") or ():
            walk(child, depth + 1)

    if isinstance(grading, Mapping):
        for component in grading.get("componentResults") or ():
            walk(component)
    if not out and isinstance(declared, list):
        for item in declared[:50]:
            if isinstance(item, Mapping) and isinstance(item.get("type"), str):
                out.append(Assertion(item["type"], clip(item.get("value"), 500)))
    return tuple(out)


def _expected(variables: Mapping[str, Any], assertions: tuple[Assertion, ...]) -> str | None:
    for name in _EXPECTED_VARS:
        value = variables.get(name)
        if isinstance(value, str) and value.strip():
            return clip(value)
    for assertion in assertions:
        if assertion.type == "equals" and assertion.value:
            return assertion.value
    return None


def _echoes(result: Mapping[str, Any]) -> bool:
    """Is this result's "output" the prompt handed back rather than a model's answer?"""
    provider = result.get("provider")
    ident = provider.get("id") if isinstance(provider, Mapping) else provider
    if isinstance(ident, str) and ident.strip().lower() == "echo":
        return True
    response = result.get("response")
    output = response.get("output") if isinstance(response, Mapping) else None
    prompt = result.get("prompt")
    raw = prompt.get("raw") if isinstance(prompt, Mapping) else None
    return (
        isinstance(output, str)
        and isinstance(raw, str)
        and bool(raw.strip())
        and output.strip() == raw.strip()
    )


def result_record(
    result: Mapping[str, Any], ctx: EvalContext, where: LogLocation, seq: int
) -> EvalRecord | str | None:
    """One promptfoo result as a record; a string says why it was skipped, None means quietly."""
    test = result.get("testCase")
    test = test if isinstance(test, Mapping) else {}
    index = result.get("promptIdx", 0)
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(ctx.refs):
        if len(ctx.refs) == 1:
            index = 0
        else:
            return "result names no prompt of its eval (`promptIdx`); skipped"
    success = result.get("success")
    grading = result.get("gradingResult")
    if isinstance(success, int) and not isinstance(success, bool):
        success = bool(success)  # the database stores 0/1
    if not isinstance(success, bool):
        success = grading.get("pass") if isinstance(grading, Mapping) else None
    if not isinstance(success, bool):
        return "result has no pass/fail (`success`); skipped"
    if not success and result.get("failureReason") == _ERROR_FAILURE:
        return "result is a provider error, not a test outcome; skipped"
    if _echoes(result):
        return (
            "result comes from the `echo` provider (or one that returns the prompt), "
            "not a model; it counts neither as a failure nor as a labeled example"
        )
    raw_vars = test.get("vars") if isinstance(test.get("vars"), Mapping) else result.get("vars")
    variables = raw_vars if isinstance(raw_vars, Mapping) else {}
    description = test.get("description")
    description = description.strip() if isinstance(description, str) else ""
    case = description or vars_hash(variables)
    provider = result.get("provider")
    if ctx.multi_provider and isinstance(provider, Mapping):
        case += f" [{provider.get('label') or provider.get('id') or 'provider'}]"
    shown_vars = text_variables({k: v for k, v in variables.items() if k not in _EXPECTED_VARS})
    title = (
        case
        if description
        else ("vars " + ", ".join(f"{k}={v[:40]!r}" for k, v in shown_vars)[:200])
    )
    assertions = _assertions(grading, test.get("assert"))
    reason = grading.get("reason") if isinstance(grading, Mapping) else None
    reason = reason or result.get("error")
    response = result.get("response")
    output = response.get("output") if isinstance(response, Mapping) else None
    metadata = test.get("metadata")
    category = metadata.get("category") if isinstance(metadata, Mapping) else None
    return EvalRecord(
        prompt=ctx.refs[index],
        version=ctx.versions[index],
        template=ctx.templates[index],
        case=case[:500],
        title=title[:500],
        passed=success,
        location=where,
        category=category.strip() if isinstance(category, str) and category.strip() else None,
        assertions=assertions,
        reason=clip(reason),
        input=input_of(shown_vars),
        variables=shown_vars,
        expected=_expected(variables, assertions),
        output=clip(output),
        timestamp=ctx.timestamp,
        run=ctx.run,
        description=description or None,
        seq=seq,
    )


def looks_promptfoo(data: Any) -> bool:
    return isinstance(data, Mapping) and ("results" in data or "evalId" in data)


def read_promptfoo_json(
    path: Path, warnings: Warnings, *, display: str | None = None, max_bytes: int = MAX_JSON_BYTES
) -> Iterator[EvalRecord]:
    """Yield the records of one ``promptfoo eval -o results.json`` file."""
    name = display or str(path)
    where = LogLocation(name, 1)
    size = path.stat().st_size
    if size > max_bytes:
        warnings.add(
            where,
            f"file is {size / 1_048_576:,.0f} MB, over the "
            f"{max_bytes // 1_048_576} MB read whole for a promptfoo JSON file; "
            "skipped (set `escalation.promptfoo_db` to read promptfoo's "
            "database row by row instead)",
            "size",
        )
        return
    try:
        with open_log(path) as handle:
            raw = handle.read(max_bytes + 1)
        if len(raw) > max_bytes:
            warnings.add(
                where,
                f"file holds over {max_bytes // 1_048_576} MB of JSON once decompressed; "
                "skipped (set `escalation.promptfoo_db` to read promptfoo's database "
                "row by row instead)",
                "size",
            )
            return
        data = json.loads(raw)
    except (OSError, EOFError) as exc:
        warnings.add(where, f"cannot be decompressed ({exc}); skipped", "gzip")
        return
    except UnicodeDecodeError:
        warnings.add(where, "file is not UTF-8 text; skipped", "utf8")
        return
    except json.JSONDecodeError as exc:
        warnings.add(
            LogLocation(name, exc.lineno),
            f"not valid JSON ({exc.msg}; truncated file?); skipped",
            "json",
        )
        return
    except ValueError:  # an integer with more digits than Python converts
        warnings.add(where, "JSON holds a number too long to read; skipped", "number")
        return
    except RecursionError:
        warnings.add(where, "JSON nested too deeply; skipped", "json")
        return
    yield from records_of_document(data, name, str(path.parent), warnings)


def records_of_document(
    data: Any,
    name: str,
    base: str,
    warnings: Warnings,
    run: str | None = None,
    timestamp: float | None = None,
    config: Any = None,
) -> Iterator[EvalRecord]:
    """Records of a results document (a JSON export, or an old database row's ``results``)."""
    where = LogLocation(name, 1)
    if not looks_promptfoo(data):
        warnings.add(where, "not a promptfoo results file (no `results`); skipped", "shape")
        return
    summary = data.get("results")
    config = data.get("config", config)
    if isinstance(summary, Mapping):
        items = summary.get("results")
        prompts = summary.get("prompts")
        stamp = summary.get("timestamp")
        if not isinstance(prompts, list) or not prompts:  # promptfoo 0.4x: in the table head
            table = summary.get("table")
            head = table.get("head") if isinstance(table, Mapping) else None
            prompts = head.get("prompts") if isinstance(head, Mapping) else None
    else:  # the oldest exports: results is the list itself, prompts in the table head
        items = summary
        table = data.get("table")
        head = table.get("head") if isinstance(table, Mapping) else None
        prompts = head.get("prompts") if isinstance(head, Mapping) else None
        stamp = None
    if not isinstance(items, list):
        warnings.add(where, "no list of results (`results.results`); skipped", "shape")
        return
    if not isinstance(prompts, list) or not prompts:
        prompts = _prompts_from_items(items)
    metadata = data.get("metadata")
    if stamp is None and isinstance(metadata, Mapping):
        stamp = metadata.get("evaluationCreatedAt")
    eval_id = data.get("evalId")
    ctx = eval_context(
        run=run
        or (str(eval_id) if isinstance(eval_id, str) else None)
        or (str(stamp) if stamp else None),
        timestamp=timestamp if timestamp is not None else parse_timestamp(stamp),
        config=config,
        prompts=prompts,
        base=base,
        where=where,
        warnings=warnings,
    )
    if not ctx.refs:
        warnings.add(where, "no prompts listed (`results.prompts`); skipped", "shape")
        return
    declared = _tests_by_vars(config)
    for seq, item in enumerate(items, 1):
        # A JSON document has no useful line numbers once parsed; name the result instead.
        location = LogLocation(name, seq, "result")
        if not isinstance(item, Mapping):
            warnings.add(location, "result is not an object; skipped", "object")
            continue
        if "testCase" not in item and declared:  # promptfoo 0.4x: the test is in the config
            test = declared.get(vars_hash(item.get("vars") or {}))
            if test is not None:
                item = {**item, "testCase": test}
        record = result_record(item, ctx, location, seq)
        if isinstance(record, str):
            warnings.add(location, record, record)
        elif record is not None:
            yield checked_category(record, warnings)


def looks_promptfoo_line(first_line: bytes) -> bool:
    """Is this the first line of promptfoo's ``-o results.jsonl`` (one result a line)?

    A results line is a whole object with ``success`` and a ``testCase`` or
    ``gradingResult``; an export written on one line has ``results`` instead.
    """
    try:
        data = json.loads(first_line)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return (
        isinstance(data, Mapping)
        and "success" in data
        and ("testCase" in data or "gradingResult" in data)
        and "results" not in data
    )


def read_promptfoo_jsonl(
    path: Path, warnings: Warnings, *, display: str | None = None, max_line: int = 16 << 20
) -> Iterator[EvalRecord]:
    """Yield the records of ``promptfoo eval -o results.jsonl``: one result a line, no summary.

    The file is one eval: its prompts are rebuilt from each line's prompt label
    (``label: path: template`` for a file prompt), its time is the file's.
    """
    name = display or str(path)
    base = str(path.parent)
    stamp = path.stat().st_mtime
    contexts: dict[str, EvalContext] = {}
    for where, line_no, item in json_lines(path, name, warnings, max_line):
        prompt = item.get("prompt")
        label = str(prompt.get("label") or "") if isinstance(prompt, Mapping) else ""
        ctx = contexts.get(label)
        if ctx is None:
            ctx = contexts[label] = _line_context(label, base, str(path), stamp)
        record = result_record({**item, "promptIdx": 0}, ctx, where, line_no)
        if isinstance(record, str):
            warnings.add(where, record, record)
        elif record is not None:
            yield checked_category(record, warnings)


def _line_context(label: str, base: str, run: str, stamp: float) -> EvalContext:
    """The eval context of a results.jsonl line, from its prompt label."""
    path = _path_in_label(label)
    template: str | None = None
    if path is not None:
        head = label.find(path + ": ")
        template = label[head + len(path) + 2 :] if head >= 0 else None
    ref = (
        PromptRef(path=path, base=base)
        if path
        else (PromptRef(label=label[:200]) if label else PromptRef())
    )
    version = template_hash(template if template is not None else label)
    return EvalContext(run, stamp, (ref,), (template,), (version,), False)


def _tests_by_vars(config: Any) -> dict[str, Mapping[str, Any]]:
    """The config's tests by their variables, for results that do not carry their test."""
    tests = config.get("tests") if isinstance(config, Mapping) else None
    if not isinstance(tests, list):
        return {}
    found: dict[str, Mapping[str, Any]] = {}
    for test in tests[:10_000]:
        if isinstance(test, Mapping) and isinstance(test.get("vars"), Mapping):
            found.setdefault(vars_hash(test["vars"]), test)
    return found


def _prompts_from_items(items: list[Any]) -> list[dict[str, Any]]:
    """Prompt entries rebuilt from the results themselves, when the summary lacks them."""
    found: dict[int, dict[str, Any]] = {}
    for item in items:
        if not isinstance(item, Mapping):
            continue
        prompt = item.get("prompt")
        index = item.get("promptIdx", 0)
        if isinstance(prompt, Mapping) and isinstance(index, int) and index not in found:
            found[index] = {"label": prompt.get("label")}
    return [found[i] for i in sorted(found)]


def json_loads(text: Any) -> Any:
    """A JSON column's value; None when it is empty or not JSON."""
    if text is None:
        return None
    if isinstance(text, (bytes, bytearray)):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None
