"""The README and docs/ stay true to the repository: every link and every file they name exists,
the parameter table is the template's, and every `make` target they name is in the Makefile.

A reader follows these literally; each check here is one a reader would otherwise find broken.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.template import ROOT, load_template

DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
# Files the documents name that a build, a deploy or a local run creates; no clone holds them.
GENERATED = {
    "samconfig.local.toml",
    "emulator.env",
    ".tools/sam",
    ".tools/sam/bin",
    ".aws-sam/build",
    ".venv/bin/sentinel",
}
FILE_SUFFIXES = (".py", ".json", ".md", ".toml", ".yaml", ".yml", ".txt", ".cfg")

EN_DASH = "\u2013"  # ranges in the table read 1\u2013168, as typeset
FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
INLINE_CODE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def document_ids() -> list[str]:
    return [relative(path) for path in DOCUMENTS]


def prose(text: str) -> str:
    """The text without its fenced code blocks (links in code are not links)."""
    return FENCE.sub("", text)


def code_spans(text: str) -> list[str]:
    """Inline code spans and the lines of fenced blocks: where commands and paths are written."""
    blocks = [line for block in FENCE.findall(text) for line in block.splitlines()[1:-1]]
    return INLINE_CODE.findall(prose(text)) + blocks


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    headings = re.findall(r"^#{1,6}\s+(.+?)\s*$", prose(path.read_text()), re.MULTILINE)
    return {slug(heading) for heading in headings}


def tracked_files() -> list[Path]:
    skip = {".git", ".venv", ".tools", ".aws-sam", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"}
    return [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.relative_to(ROOT).parts)]


def broken_links(path: Path) -> list[str]:
    broken = []
    for target in LINK.findall(prose(path.read_text())):
        if re.match(r"[a-z]+:", target):
            continue
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading with that anchor in {destination.name}")
    return broken


def named_paths(text: str) -> list[str]:
    """Code spans that name a repository file or folder: a path from a top-level entry, or a file name."""
    top_level = {p.name for p in ROOT.iterdir()} - {".git", ".venv"}
    names = []
    for span in code_spans(text):
        for token in re.findall(r"[\w.\-/*]+", span):
            token = token.rstrip(".,:")
            if token in GENERATED or any(token.startswith(g + "/") for g in GENERATED):
                continue
            first = token.split("/")[0]
            is_path = "/" in token and first in top_level
            is_file_name = "/" not in token and token.endswith(FILE_SUFFIXES) and not token.startswith(".")
            if is_path or is_file_name:
                names.append(token)
    return names


def missing_paths(path: Path) -> list[str]:
    basenames = {p.name for p in tracked_files()}
    missing = []
    for name in named_paths(path.read_text()):
        if "/" in name:
            if not list(ROOT.glob(name.rstrip("/"))):
                missing.append(name)
        elif name not in basenames:
            missing.append(name)
    return sorted(set(missing))


def missing_modules(text: str) -> list[str]:
    """`python -m tests.x.y` modules a document tells the reader to run."""
    modules = {m for span in code_spans(text) for m in re.findall(r"-m ((?:tests|sentinel_cli)[\w.]*)", span)}
    return sorted(
        m
        for m in modules
        if not any(
            (ROOT / base / m.replace(".", "/")).with_suffix(".py").exists()
            or (ROOT / base / m.replace(".", "/") / "__main__.py").exists()
            for base in (".", "cli")
        )
    )


def makefile_targets() -> set[str]:
    return set(re.findall(r"^([A-Za-z][\w-]*):", (ROOT / "Makefile").read_text(), re.MULTILINE))


def named_make_targets(text: str) -> set[str]:
    return {target for span in code_spans(text) for target in re.findall(r"(?<![\w./-])make ([a-z][\w-]*)", span)}


@pytest.mark.parametrize("path", DOCUMENTS, ids=document_ids())
def test_every_relative_link_leads_to_an_existing_file_and_heading(path):
    assert broken_links(path) == []


@pytest.mark.parametrize("path", DOCUMENTS, ids=document_ids())
def test_every_file_a_document_names_exists(path):
    assert missing_paths(path) == []
    assert missing_modules(path.read_text()) == []


@pytest.mark.parametrize("path", DOCUMENTS, ids=document_ids())
def test_every_make_target_a_document_names_is_in_the_makefile(path):
    assert named_make_targets(path.read_text()) - makefile_targets() == set()


@pytest.mark.parametrize("path", DOCUMENTS, ids=document_ids())
def test_user_documentation_cites_no_issue_numbers_and_no_missing_interfaces_file(path):
    text = path.read_text()
    assert not re.findall(r"\b[Ii]ssues? #?\d+|INTERFACES", text)


def test_the_readme_is_a_front_page():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 300
    head = "\n".join(lines[:15])
    assert "make demo" in head and "make test" in head


def parameter_rows() -> dict[str, dict[str, str]]:
    text = (ROOT / "docs" / "deploying.md").read_text()
    section = text.split("\n## Parameters\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"[A-Z]\w+", cells[0]):
            rows[cells[0]] = {"default": cells[1], "allowed": cells[2]}
    return rows


def documented_default(spec: dict) -> str:
    if "Default" not in spec:
        return "(required)"
    value = str(spec["Default"])
    return '""' if value == "" else f"`{value}`"


def documented_allowed(spec: dict) -> str | None:
    """What the allowed cell must say for a constrained parameter (None: free text)."""
    if "AllowedValues" in spec:
        return ", ".join(f"`{value}`" for value in spec["AllowedValues"])
    if "MinValue" in spec and "MaxValue" in spec:
        return f"{spec['MinValue']}{EN_DASH}{spec['MaxValue']}"
    if "MinValue" in spec:
        return f"≥ {spec['MinValue']}"
    return None


def test_the_parameter_table_is_the_templates_parameters():
    parameters = load_template()["Parameters"]
    rows = parameter_rows()

    assert sorted(rows) == sorted(parameters), "the table's parameters are not the template's"
    for name, spec in parameters.items():
        assert rows[name]["default"] == documented_default(spec), name
        allowed = documented_allowed(spec)
        if allowed is not None:
            assert rows[name]["allowed"] == allowed, name
        else:
            assert not re.fullmatch(r"(`[^`]+`, )*`[^`]+`|[\d≥ \u2013]+", rows[name]["allowed"]), (
                f"{name}: the table lists allowed values the template does not enforce"
            )


def test_the_checks_catch_what_they_exist_for(tmp_path):
    # A broken link, a missing file, an unknown make target, a wrong default: each is reported
    page = tmp_path / "page.md"
    page.write_text("[x](nowhere.md) [y](#no-such-heading)\n\n# Title\n\nRun `make deploy-everything`.\n")
    assert len(broken_links(page)) == 2
    assert named_make_targets(page.read_text()) - makefile_targets() == {"deploy-everything"}
    assert "tests/unit/test_nothing_here.py" in named_paths("see `tests/unit/test_nothing_here.py`")
    assert missing_modules("`python -m tests.bench.bench_nothing`") == ["tests.bench.bench_nothing"]
    assert documented_default({"Default": 14}) == "`14`"
    assert documented_allowed({"MinValue": 1, "MaxValue": 168}) == f"1{EN_DASH}168"


RESOURCE_NAME = re.compile(
    r"\b[A-Z][A-Za-z]+(?:Function|StateMachine|Alarm|Table|Queue|Topic|Layer|Dashboard)(?:Role)?\b"
)
API_VERB = re.compile(r"^(?:Describe|List|Create|Get|Update|Delete|Start|Stop|Put|Send)[A-Z]")


def unknown_resources(text: str) -> list[str]:
    """Logical IDs a document names (functions, state machines, alarms...) that the template lacks;
    ``<Function>Role`` is the role the SAM transform creates for a function."""
    template = load_template()
    known = set(template["Resources"]) | set(template.get("Outputs", {}))
    named = {name for name in RESOURCE_NAME.findall(text) if not API_VERB.match(name)}
    return sorted(name for name in named if name not in known and name.removesuffix("Role") not in known)


@pytest.mark.parametrize("path", DOCUMENTS, ids=document_ids())
def test_every_function_state_machine_and_alarm_a_document_names_is_in_the_template(path):
    assert unknown_resources(path.read_text()) == []


def test_a_renamed_resource_is_caught():
    assert unknown_resources("`PruneEverythingFunction` and `TakeSnapshotFunctionRole`") == ["PruneEverythingFunction"]
