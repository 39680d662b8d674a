"""The README stays true to the code: two commands first, every setting, key and error kind."""

import re
from pathlib import Path

from monitor.config import SCHEDULE_KEYS, SOURCE_KEYS
from monitor.items import ERROR_KINDS
from monitor.settings import MONITOR_SETTINGS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def table_keys(heading: str) -> set[str]:
    """First-column `code` entries of the table following a line that starts with heading."""
    section = README.split(heading, 1)[1]
    keys = set()
    for line in section.splitlines()[1:]:
        if line.startswith("|"):
            match = re.match(r"\|\s*`([^`]+)`", line)
            if match:
                keys.add(match.group(1))
        elif keys:
            break
    return keys


def test_readme_opens_with_exactly_two_commands():
    body = README.split("\n", 2)[2]
    block = body.split("\n\n", 1)[0].splitlines()
    assert [line.split("#")[0].strip() for line in block] == ["python3 dev.py run", "python3 dev.py test"]


def test_ci_runs_the_readme_test_command():
    assert "python3 dev.py test" in (ROOT / ".ci" / "run").read_text()


def test_every_setting_is_documented_with_its_default():
    documented = table_keys("| setting |")
    assert documented == set(MONITOR_SETTINGS)
    for name, (default, _) in MONITOR_SETTINGS.items():
        shown = f"`{default}`" if default != "" else "(empty)"
        assert f"| `{name}` | {shown} |" in README, name


def test_every_schedule_and_source_key_is_documented():
    assert table_keys("Schedule keys:") == SCHEDULE_KEYS - {"source"} | {"[[source]]"}
    assert table_keys("Source keys:") == SOURCE_KEYS


def test_every_error_kind_is_documented():
    assert table_keys("| kind | meaning |") == set(ERROR_KINDS)


def test_every_command_is_in_the_readme():
    from monitor.cli import cli
    for name in cli.commands:
        assert f"monitor {name}" in README, name
