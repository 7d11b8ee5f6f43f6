"""What the documentation shows, read the way a user reads it: the command lines in the fenced code
blocks (and in `inline code` in the sentences) of README.md, NERdata/README.md, bench/README.md and
docs/, with their file and line, and the links between the pages with their #anchors (GitHub's
heading slugs).

Used by tests/test_docs_commands.py, which checks every toolkit command line against the command's
own argument parser and every link against the files and headings it names.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

SHELL_LANGUAGES = {"", "bash", "sh", "shell", "console", "text"}
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")


def documentation_pages() -> list[Path]:
    """Every Markdown page of the documentation (the model cards and reports runs write are not in the repository)."""
    pages = [REPO / "README.md", REPO / "NERdata" / "README.md", REPO / "bench" / "README.md"]
    pages += sorted((REPO / "docs").rglob("*.md"))
    return [page for page in pages if page.exists()]


@dataclass
class CommandLine:
    page: Path
    line: int  # where the command starts
    text: str  # continuation lines joined
    inline: bool = False  # shown in a sentence (`...`), not in a code block

    def where(self) -> str:
        return f"{shown(self.page)}:{self.line}"


def shown(page: Path) -> str:
    """A page's path as a reader finds it: from the repository's root."""
    return str(page.relative_to(REPO)) if page.is_relative_to(REPO) else str(page)


def code_blocks(text: str) -> list[tuple[str, int, list[str]]]:
    """(language, line of the first code line, code lines) of each fenced block, indented ones (in
    list items) too."""
    blocks, lines, index = [], text.split("\n"), 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, fence, language = opening.groups()
        body, index = [], index + 1
        start = index + 1
        while index < len(lines) and not lines[index].strip().startswith(fence[:3]):
            line = lines[index]
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            index += 1
        blocks.append((language.lower(), start, body))
        index += 1
    return blocks


def command_lines(page: Path) -> list[CommandLine]:
    """The lines of the page's shell blocks, with backslash continuations joined and a shell prompt
    (``$ ``) taken off; output lines come too, and are told apart by what they invoke."""
    found = []
    for language, start, body in code_blocks(page.read_text(encoding="utf-8")):
        if language not in SHELL_LANGUAGES:
            continue
        pending, first = "", None
        for offset, line in enumerate(body):
            if first is None:
                first = start + offset
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            text = (pending + line).strip()
            pending, line_number, first = "", first, None
            if text.startswith("$ "):
                text = text[2:]
            if text:
                found.append(CommandLine(page, line_number, text))
    return found


COMMAND_START = re.compile(r"^(?:\w+=\S+ )*(?:\S*/)?(?:python3? |torchrun |accelerate launch |gerbera-|nice )")


def inline_command_lines(page: Path) -> list[CommandLine]:
    """Commands shown in sentences (`python run_ner.py --help`), with optional parts written as
    ``[--flag VALUE]`` read as given; a bare name (`gerbera-train`) is a command too, checked only
    when it has arguments."""
    found = []
    for number, line in prose_lines(page.read_text(encoding="utf-8")):
        for span in re.findall(r"(?<!`)`([^`]+)`(?!`)", line):
            if COMMAND_START.match(span):
                found.append(CommandLine(page, number, re.sub(r"\[(-[^\]]*)\]", r"\1", span), inline=True))
    return found


def words(text: str) -> list[str]:
    """The words of a command line as the shell splits them, comments left out."""
    return shlex.split(text, comments=True)


# --- links -----------------------------------------------------------------------------------------

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
INLINE_CODE = re.compile(r"`+[^`]*`+")


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of the text outside fenced blocks."""
    result, in_block, fence = [], False, ""
    for number, line in enumerate(text.split("\n"), 1):
        opening = FENCE.match(line)
        if opening and not in_block:
            in_block, fence = True, opening.group(2)[:3]
            continue
        if in_block:
            if line.strip().startswith(fence):
                in_block = False
            continue
        result.append((number, line))
    return result


def links(page: Path) -> list[tuple[int, str]]:
    """(line, target) of every Markdown link and image of the page."""
    return [(number, match.group(1)) for number, line in prose_lines(page.read_text(encoding="utf-8"))
            for match in LINK.finditer(INLINE_CODE.sub("", line))]


def heading_slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, markup and punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip())  # a link keeps its text
    text = text.lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """The #anchors the page's headings give (a repeated heading gets -1, -2, ... as on GitHub)."""
    seen: dict[str, int] = {}
    result = set()
    for _, line in prose_lines(page.read_text(encoding="utf-8")):
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not heading:
            continue
        slug = heading_slug(heading.group(1))
        count = seen.get(slug, 0)
        result.add(slug if count == 0 else f"{slug}-{count}")
        seen[slug] = count + 1
    return result
