"""`promptwise advise` and the PW9xx findings of `promptwise check`."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.escalation.conftest import FIXTURE, RESULTS


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder: the prompt, the 35 results files, a config naming them."""
    shutil.copytree(FIXTURE / "prompts", tmp_path / "prompts")
    (tmp_path / "evals").mkdir()
    for path in RESULTS:
        shutil.copy(path, tmp_path / "evals" / path.name)
    (tmp_path / "promptwise.yaml").write_text("escalation:\n  logs: [evals/*.json]\n")
    return tmp_path


def test_advise_puts_the_verdict_first(project: Path) -> None:
    code, out, err = run("advise", "prompts/support_faq.txt", cwd=project)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Escalation advice: prompts/support_faq.txt"
    assert lines[3].startswith("Escalate: 3 cases still failing after 35 iterations")
    assert "Fixed by prompt iterations" in out and "2,000,000" in out


def test_advise_markdown_has_the_chart_and_the_cost_table(project: Path) -> None:
    code, out, _ = run("advise", "prompts/support_faq.txt", "--format", "markdown", cwd=project)
    assert code == 0
    assert out.startswith("# Escalation advice: prompts/support_faq.txt\n\n**Escalate:")
    assert "](data:image/svg+xml;base64," in out
    assert (
        "| calls per day | prompt only | RAG | fine-tuned (ft:gpt-4.1-nano) | "
        "fine-tuned, same model (ft:gpt-4o) | cheapest |"
    ) in out
    assert "| 20,000 |" in out and "| 200,000 |" in out and "| 2,000,000 |" in out


def test_advise_html_is_a_page_with_inline_svg(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    code, out, _ = run(
        "advise", "prompts/support_faq.txt", "--format", "html", "-o", str(target), cwd=project
    )
    assert code == 0 and out == ""
    page = target.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    svg = page[page.index("<svg") : page.index("</svg>") + len("</svg>")]
    ET.fromstring(svg)  # well-formed


def test_advise_json(project: Path) -> None:
    code, out, _ = run("advise", "prompts/support_faq.txt", "--format", "json", cwd=project)
    assert code == 0
    data = json.loads(out)
    assert data["verdict"] == "escalate"
    assert [r["remedy"] for r in data["recommendations"]] == ["rag", "fine-tune"]
    assert sorted(data["persistent"]) == [
        "no apology tone (style)",
        "refund window (knowledge)",
        "warranty length (knowledge)",
    ]
    assert len(data["versions"]) == 35
    assert data["cost"]["volumes"] == [1000, 20000, 200000, 2000000]


def test_advise_flags_override_the_config(project: Path) -> None:
    code, out, _ = run(
        "advise",
        "prompts/support_faq.txt",
        "--threshold",
        "40",
        "--calls-per-day",
        "5000",
        cwd=project,
    )
    assert code == 0
    assert "Keep prompting: 3 cases failing for 35 iterations, below the 40-iteration" in out
    assert "5,000 (yours)" in out
    code, out, _ = run(
        "advise",
        "prompts/support_faq.txt",
        "--isolated",
        "--logs",
        "evals/iter0*.json",
        cwd=project,
    )
    assert code == 0 and "9 versions logged" in out


def test_advise_reads_the_database(project: Path) -> None:
    code, out, err = run(
        "advise",
        "prompts/support_faq.txt",
        "--isolated",
        "--promptfoo-db",
        str(FIXTURE / "promptfoo.db"),
        cwd=project,
    )
    assert code == 0, err
    assert "35 versions logged" in out


def test_advise_without_logs_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "p.txt").write_text("Say hi.\n")
    code, _, err = run("advise", "p.txt", cwd=tmp_path)
    assert code == 2 and "no failure logs" in err


def test_advise_for_a_prompt_no_log_mentions(project: Path) -> None:
    (project / "prompts" / "other.txt").write_text("Unrelated prompt.\n")
    code, out, err = run("advise", "prompts/other.txt", cwd=project)
    assert code == 0 and out == ""
    assert "no result in the 35 failure logs read is about prompts/other.txt" in err


def test_advise_warns_about_broken_logs_on_stderr(project: Path) -> None:
    (project / "evals" / "zz-broken.json").write_text('{"results": ')
    code, out, err = run("advise", "prompts/support_faq.txt", cwd=project)
    assert code == 0 and out
    assert "warning: evals/zz-broken.json:1: not valid JSON" in err


def test_check_gates_on_escalation_findings(project: Path) -> None:
    code, out, _ = run("check", "prompts/support_faq.txt", "--select", "PW9", cwd=project)
    assert code == 1
    assert "PW902" in out and "PW903" in out
    code, out, _ = run(
        "check", "prompts/support_faq.txt", "--select", "PW9", "--format", "json", cwd=project
    )
    report = json.loads(out)
    assert sorted(f["code"] for f in report["findings"]) == ["PW902", "PW903"]


def test_advise_can_write_the_chart_to_a_file_and_link_it(project: Path) -> None:
    (project / "docs").mkdir()
    code, out, _err = run(
        "advise",
        "prompts/support_faq.txt",
        "--format",
        "markdown",
        "--output",
        "docs/report.md",
        "--chart",
        "docs/chart.svg",
        cwd=project,
    )
    assert code == 0 and out == ""
    report = (project / "docs" / "report.md").read_text()
    assert "](chart.svg)" in report and "data:image" not in report
    ET.fromstring((project / "docs" / "chart.svg").read_text())


def test_the_readme_example_report_is_the_real_output(tmp_path: Path) -> None:
    """The README's report is `advise --format markdown` on the fixture, headings shifted."""
    import re

    from tests.conftest import REPO

    (tmp_path / "docs").mkdir()
    code, _, err = run(
        "advise",
        "prompts/support_faq.txt",
        "--promptfoo-db",
        "promptfoo.db",
        "--format",
        "markdown",
        "--chart",
        str(tmp_path / "docs" / "escalation-chart.svg"),
        "-o",
        str(tmp_path / "report.md"),
        cwd=FIXTURE,
    )
    assert code == 0, err
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    shifted = re.sub(r"^(#+) ", lambda m: "#" * (len(m.group(1)) + 2) + " ", report, flags=re.M)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert shifted.strip() in readme
    chart = (REPO / "docs" / "escalation-chart.svg").read_text(encoding="utf-8")
    assert chart == (tmp_path / "docs" / "escalation-chart.svg").read_text(encoding="utf-8")
