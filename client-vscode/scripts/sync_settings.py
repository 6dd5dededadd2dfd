"""Write the server's settings into package.json's ``contributes.configuration``.

Every setting is defined once, in ``server/promptwise/config.py``; VS Code's
entries (type, default, description, limits, scope) are derived from that
definition by ``promptwise.config_schema.vscode_properties``. Run this after
adding or changing a setting:

    python client-vscode/scripts/sync_settings.py

``tests/unit/test_config.py`` fails while package.json is out of date. The
settings only this client reads (``CLIENT_ONLY``) are written by hand in
package.json and kept as they are, after the server's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CLIENT = Path(__file__).resolve().parents[1]
MANIFEST = CLIENT / "package.json"
# Settings only the client reads (CLIENT_SETTINGS in src/settings.ts, less `include`,
# which is the server's setting too and so is generated).
CLIENT_ONLY = ("path", "interpreter", "importStrategy", "trace.server")


def updated_manifest(text: str) -> str:
    """package.json's text with the server's settings as their definitions say."""
    sys.path.insert(0, str(CLIENT.parent / "server"))
    from promptwise.config import Settings
    from promptwise.config_schema import VSCODE_SECTION, vscode_properties

    manifest = json.loads(text)
    current = manifest["contributes"]["configuration"]["properties"]
    properties = vscode_properties(Settings)
    for key in CLIENT_ONLY:
        name = f"{VSCODE_SECTION}.{key}"
        properties[name] = current[name]
    manifest["contributes"]["configuration"]["properties"] = properties
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    before = MANIFEST.read_text(encoding="utf-8")
    after = updated_manifest(before)
    if after != before:
        MANIFEST.write_text(after, encoding="utf-8")
    print(f"{MANIFEST}: {'updated' if after != before else 'up to date'}")
