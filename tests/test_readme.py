"""The README's claims, checked against the code: every setting and command is listed, its
producer example makes an article, and CI runs its test command."""

from __future__ import annotations

import re

import click
import orjson
from click.testing import CliRunner

from vestnik import config_doc
from vestnik.cleaner.pipeline import clean_event
from vestnik.cli import main as cli
from vestnik.contracts import Article
from vestnik.settings import Settings
from vestnik.wire import decode_event

from .conftest import ROOT

README = (ROOT / "README.md").read_text()


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end > 0 else None]


def test_the_configuration_table_lists_every_setting() -> None:
    table = _section("Configuration")
    missing = [f"VESTNIK_{name.upper()}" for name in Settings.model_fields
               if f"`VESTNIK_{name.upper()}`" not in table]
    assert not missing, f"settings missing from the README's configuration table: {missing}"


def test_the_configuration_table_is_the_one_made_from_the_code() -> None:
    """Regenerate with `vestnik config --markdown --write README.md`."""
    table = config_doc.table_in(_section("Configuration"))
    assert table is not None, "the configuration section lost its table markers"
    printed = CliRunner().invoke(cli, ["config", "--markdown"])
    assert printed.exit_code == 0, printed.output
    assert printed.output == config_doc.markdown_table()
    assert table == printed.output, (
        "the README's configuration table differs from the code's settings: run "
        "`vestnik config --markdown --write README.md`")


def test_the_commands_table_lists_every_command_and_subcommand() -> None:
    table = _section("Commands")
    assert isinstance(cli, click.Group)
    missing = []
    for name, command in cli.commands.items():
        if f"vestnik {name}" not in table:
            missing.append(name)
        if isinstance(command, click.Group):
            missing += [f"{name} {sub}" for sub in command.commands if sub not in table]
    assert not missing, f"commands missing from the README's commands table: {missing}"


def test_the_readmes_data_field_example_produces_an_article() -> None:
    (payload,) = re.findall(r"__data__ '(\{.*?\})'", README)
    event = decode_event({b"__data__": payload.encode()}, max_body_bytes=10**6)
    article = clean_event(event)
    assert isinstance(article, Article), f"the README's example is {article!r}"
    assert article.title == orjson.loads(payload)["body"].split("\n")[0]


def test_ci_runs_the_readmes_test_command() -> None:
    (command,) = re.findall(r"```bash\n(python3 -m venv .venv && .*pytest -q)\n```", README)
    assert command in (ROOT / ".ci" / "run").read_text()
