"""Entry point of the document stage: text (or bytes) in, PromptDocument out."""

from __future__ import annotations

from promptwise.document import chat, dotprompt, markdown, prompty
from promptwise.document.detect import detect_format
from promptwise.document.model import PromptDocument, PromptFormat
from promptwise.errors import InputError

MAX_FILE_BYTES = 10 * 1024 * 1024


def decode(data: bytes, path: str) -> str:
    """Bytes of a prompt file as text, or an InputError saying why not.

    Prompt files are UTF-8 (a BOM is tolerated). A NUL byte in the first
    8 KB means a binary file, which is reported rather than guessed at.
    """
    if len(data) > MAX_FILE_BYTES:
        raise InputError(
            f"file is {len(data) / 1_048_576:.1f} MB; prompt files over "
            f"{MAX_FILE_BYTES // 1_048_576} MB are not analysed",
            path=path,
        )
    if b"\x00" in data[:8192]:
        raise InputError("binary file (contains NUL bytes); not a prompt file", path=path)
    try:
        return data.decode("utf-8-sig")  # a leading BOM is dropped, none is needed
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"invalid UTF-8 at byte {exc.start} (0x{data[exc.start]:02x}); save the file as UTF-8",
            path=path,
            line=line,
        ) from None


def parse_document(
    text: str, path: str = "<stdin>", fmt: PromptFormat | None = None
) -> PromptDocument:
    """Parse ``text`` as the prompt format of ``path`` (or ``fmt`` when given).

    Never raises for malformed content: problems become part of the document.
    A JSON/YAML file that holds no chat messages raises ``chat.NotChat``.
    """
    fmt = fmt or detect_format(path, text)
    if fmt is PromptFormat.PROMPTY:
        return prompty.parse(path, text)
    if fmt is PromptFormat.DOTPROMPT:
        return dotprompt.parse(path, text)
    if fmt is PromptFormat.MARKDOWN:
        return markdown.parse_markdown(path, text)
    if fmt is PromptFormat.CHAT:
        return chat.parse(path, text, as_yaml=chat.written_as_yaml(text))
    return markdown.parse_text(path, text)
