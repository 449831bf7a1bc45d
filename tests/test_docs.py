"""The plugin authors' documentation is tested, so it cannot drift from the code.

Every hook has a section in the reference (``docs/plugins.md``) showing its real signature, and a
test that implements or calls it; every protocol's members are described; every code example
parses; and the tutorial (``docs/tutorial.md``) is copied out of the page, installed as a
distribution and its own tests are run.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from soul_framework import hookspecs, protocols
from soul_framework.runtime import Runtime
from tests.test_pytest_plugin import plugin_arguments

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "plugins.md"
TUTORIAL = ROOT / "docs" / "tutorial.md"
TESTS = ROOT / "tests"

HOOKS = {
    name: function
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(function, "soul_framework_spec")
}
PROTOCOLS = {
    name: cls
    for name, cls in inspect.getmembers(protocols, inspect.isclass)
    if cls.__module__ == protocols.__name__ and getattr(cls, "_is_protocol", False)
}

FENCE = re.compile(r"^```(?P<info>.*)$")
HEADING = re.compile(r"^(?P<level>#{1,6})\s+(?P<title>.+?)\s*$")
TITLE = re.compile(r'title="(?P<path>[^"]+)"')
FILE_COMMENT = re.compile(r"^#\s*file:\s*(?P<path>\S+)\s*$")


# --- reading markdown -----------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One fenced code block: its language, the file it is marked as (if any), its text."""

    language: str
    path: str | None
    text: str


@dataclass(frozen=True)
class Section:
    level: int
    title: str
    body: str
    """Everything up to the next heading of the same or a higher level, subsections included."""


def code_blocks(markdown: str) -> list[Block]:
    blocks: list[Block] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        opened = FENCE.match(lines[i])
        if not opened:
            i += 1
            continue
        info = opened["info"].strip()
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        body = lines[i + 1 : end]
        titled = TITLE.search(info)
        commented = FILE_COMMENT.match(body[0]) if body else None
        path = titled["path"] if titled else (commented["path"] if commented else None)
        blocks.append(Block(info.split()[0] if info else "", path, "\n".join(body) + "\n"))
        i = end + 1
    return blocks


def sections(markdown: str) -> list[Section]:
    """The headings outside code blocks, each with its body."""
    headings: list[tuple[int, int, str]] = []  # (line, level, title)
    lines = markdown.splitlines()
    in_code = False
    for number, line in enumerate(lines):
        if line.startswith("```"):
            in_code = not in_code
            continue
        found = None if in_code else HEADING.match(line)
        if found:
            headings.append((number, len(found["level"]), found["title"]))
    result = []
    for index, (line, level, title) in enumerate(headings):
        end = next((ln for ln, lv, _ in headings[index + 1 :] if lv <= level), len(lines))
        result.append(Section(level, title, "\n".join(lines[line + 1 : end])))
    return result


def plain(title: str) -> str:
    return title.replace("`", "").strip()


def section_of(name: str, within: list[Section]) -> Section | None:
    return next(
        (s for s in within if re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", plain(s.title))),
        None,
    )


REFERENCE_SECTIONS = sections(REFERENCE.read_text())


# --- the reference ----------------------------------------------------------------------------


def test_every_hook_has_a_section_in_the_reference():
    undocumented = [name for name in HOOKS if section_of(name, REFERENCE_SECTIONS) is None]
    assert not undocumented, (
        f"hooks without a section (a heading naming them) in {REFERENCE.name}: {undocumented}"
    )


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_each_hook_section_shows_its_real_signature_and_where_it_runs(name):
    section = section_of(name, REFERENCE_SECTIONS)
    if section is None:
        pytest.skip("reported by test_every_hook_has_a_section_in_the_reference")
    parameters = ", ".join(inspect.signature(HOOKS[name]).parameters)
    assert f"def {name}({parameters})" in section.body, (
        f"{name}: the section must show `def {name}({parameters})`"
    )
    assert "Runs in:" in section.body, f"{name}: say where it runs"
    assert "Returns:" in section.body, f"{name}: say what it returns"


def test_the_reference_documents_no_hook_that_does_not_exist():
    hooks_part = next(s for s in REFERENCE_SECTIONS if s.level == 2 and plain(s.title) == "Hooks")
    documented = [plain(s.title) for s in sections(hooks_part.body) if s.level == 3]
    assert documented, "the Hooks chapter has one ### section per hook"
    assert sorted(set(documented) - set(HOOKS)) == []


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_each_protocol_has_a_section_naming_every_member(name):
    section = section_of(name, REFERENCE_SECTIONS)
    assert section is not None, f"protocol {name} has no section in {REFERENCE.name}"
    members = {m for m in vars(PROTOCOLS[name]) if not m.startswith("_")}
    members |= set(getattr(PROTOCOLS[name], "__annotations__", {}))
    missing = sorted(m for m in members if not re.search(rf"`(async )?{m}[`(]", section.body))
    assert not missing, f"{name}: members not described in its section: {missing}"


# --- every hook is tested ---------------------------------------------------------------------


def exercised(name: str, sources: list[str]) -> bool:
    """Implemented (``def name(``, in a test or a plugin source a test installs) or called
    (``.name(``, e.g. ``pm.hook.name(...)``)."""
    pattern = re.compile(rf"(\bdef\s+{name}\s*\(|\.{name}\s*\()")
    return any(pattern.search(source) for source in sources)


def test_every_hook_is_exercised_by_a_test():
    this_file = Path(__file__).resolve()
    sources = [p.read_text() for p in TESTS.rglob("*.py") if p.resolve() != this_file]
    untested = [name for name in HOOKS if not exercised(name, sources)]
    assert not untested, f"hooks no test implements or calls: {untested}"


def test_the_coverage_check_would_see_a_missing_hook():
    assert exercised("reply_generated", ["async def reply_generated(event, settings):"])
    assert exercised("register_commands", ["pm.hook.register_commands(cli=group)"])
    assert not exercised("reply_generated", ["# reply_generated is not tested here"])
    assert not exercised("register_stores", ["def register_stores_later():"])


# --- code examples ----------------------------------------------------------------------------


@pytest.mark.parametrize("page", [REFERENCE, TUTORIAL], ids=lambda p: p.name)
def test_every_python_and_toml_example_parses(page):
    for number, block in enumerate(code_blocks(page.read_text())):
        where = f"{page.name}, code block {number} ({block.path or block.language})"
        if block.language == "python":
            try:
                ast.parse(block.text)
            except SyntaxError as error:
                pytest.fail(f"{where}: {error}")
        elif block.language == "toml":
            try:
                tomllib.loads(block.text)
            except tomllib.TOMLDecodeError as error:
                pytest.fail(f"{where}: {error}")


# --- the tutorial -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TutorialProject:
    files: dict[str, str]
    """Relative path -> text, every code block of the page marked with a file name."""

    @property
    def pyproject(self) -> dict:
        return tomllib.loads(self.files["pyproject.toml"])

    @property
    def distribution(self) -> str:
        return self.pyproject["project"]["name"]

    @property
    def entry_points(self) -> dict[str, str]:
        return self.pyproject["project"]["entry-points"]["soul_framework"]

    @property
    def modules(self) -> dict[str, str]:
        names = self.pyproject["tool"]["setuptools"]["py-modules"]
        return {name: self.files[f"{name}.py"] for name in names}

    @property
    def tests(self) -> dict[str, str]:
        return {path: text for path, text in self.files.items() if path.startswith("tests/")}


def tutorial_project() -> TutorialProject:
    files: dict[str, str] = {}
    for block in code_blocks(TUTORIAL.read_text()):
        if block.path is None:
            continue
        path = Path(block.path)
        assert not path.is_absolute(), f"unsafe path {block.path}"
        assert ".." not in path.parts, f"unsafe path {block.path}"
        assert block.path not in files, f"{block.path} is given twice in the tutorial"
        files[block.path] = block.text
    return TutorialProject(files)


def test_the_tutorial_gives_a_whole_project():
    project = tutorial_project()
    assert "pyproject.toml" in project.files
    assert project.modules, "the tutorial's distribution has a module"
    assert project.entry_points, "the tutorial declares an entry point in soul_framework"
    assert project.tests, "the tutorial has a test file under tests/"


def test_the_tutorial_plugin_installs_and_registers_its_section(
    make_settings, install_distribution, monkeypatch
):
    project = tutorial_project()
    install_distribution(project.distribution, project.entry_points, project.modules)
    for module in project.modules:
        monkeypatch.delitem(sys.modules, module, raising=False)
    runtime = Runtime.build(make_settings())
    (plugin,) = project.entry_points
    assert runtime.pm.info[plugin].distribution == project.distribution
    registered = [r for r in runtime.registry.all("prompt_section") if r.plugin == plugin]
    assert registered, f"the tutorial's plugin {plugin!r} registers no prompt section"
    assert {s.name for s in runtime.prompt_sections} >= {r.name for r in registered}


@pytest.mark.slow
def test_the_tutorial_tests_pass_against_the_installed_plugin(
    pytester: pytest.Pytester, install_distribution, redis_url, monkeypatch
):
    project = tutorial_project()
    site = install_distribution(project.distribution, project.entry_points, project.modules)
    # The author's project folder, without the module: it must come from the installation.
    pytester.makefile(".toml", pyproject=project.files["pyproject.toml"])
    for path, text in project.tests.items():
        target = pytester.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    # The run and its worker processes see the installation.
    search_path = [str(site), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, search_path)))
    monkeypatch.setenv("REDIS_URL", redis_url)
    result = pytester.runpytest_subprocess(*plugin_arguments(), "-p", "no:cacheprovider")
    written = sum(
        text.count("\ndef test_") + text.count("\nasync def test_")
        for text in project.tests.values()
    )
    result.assert_outcomes(passed=written)
