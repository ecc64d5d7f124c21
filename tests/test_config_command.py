"""``vestnik config``: every setting with its variable, value and default, secrets masked;
the README's table made from the same source (``vestnik.config_doc``)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from vestnik import config_doc
from vestnik.cli import main as cli
from vestnik.settings import Settings

SECRETS = {
    "VESTNIK_REDIS_URL": "redis://vestnik:red-pass-1@redis.example:6380/0",
    "VESTNIK_INDEX_URL": "postgresql://vestnik:pg-pass-2@db.example:5432/vestnik"
                         "?sslmode=require&password=pg-pass-3",
}


def _run(*args: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(cli, ["config", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_every_field_is_documented_by_settings_or_by_a_note() -> None:
    undocumented = [name for name, info in Settings.model_fields.items()
                    if not (info.description or config_doc.NOTES.get(name))]
    assert not undocumented, f"give these a description= in settings.py: {undocumented}"
    assert set(config_doc.NOTES) <= set(Settings.model_fields), "a note for no setting"
    twice = [name for name in config_doc.NOTES if Settings.model_fields[name].description]
    assert not twice, f"described in settings.py and in config_doc.NOTES: {twice}"


def test_config_prints_every_setting_with_its_value_and_default() -> None:
    out = _run(env={"VESTNIK_BATCH_SIZE": "7", "VESTNIK_DEAD_LETTER_RETENTION": "90m"})
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert set(lines) == {config_doc.env_name(name) for name in Settings.model_fields}
    assert lines["VESTNIK_BATCH_SIZE"].split()[1] == "7"
    assert "(set; default: 64)" in lines["VESTNIK_BATCH_SIZE"]
    assert lines["VESTNIK_DEAD_LETTER_RETENTION"].split()[1] == "90m"
    assert lines["VESTNIK_EVENTS_STREAM"].split()[1:] == ["vestnik:events", "(default)"]


def test_config_json_has_each_settings_variable_value_default_and_whether_set() -> None:
    rows = orjson.loads(_run("--json", env={"VESTNIK_TRIM": "false"}))
    by_env = {row["env"]: row for row in rows}
    assert [row["field"] for row in rows] == list(Settings.model_fields)
    assert by_env["VESTNIK_TRIM"] | {"meaning": ""} == {
        "env": "VESTNIK_TRIM", "field": "trim", "value": False, "default": "true",
        "set": True, "secret": False, "meaning": ""}
    assert by_env["VESTNIK_REDIS_URL"]["value"] is None
    assert by_env["VESTNIK_REDIS_URL"]["default"] == "unset"
    assert by_env["VESTNIK_REJECTED_RETENTION"]["default"] == "7d"
    assert all(row["meaning"] for row in rows)


@pytest.mark.parametrize("args", [(), ("--json",)], ids=["text", "json"])
def test_config_masks_passwords_in_urls(args: tuple[str, ...]) -> None:
    out = _run(*args, env=SECRETS)
    for secret in ("red-pass-1", "pg-pass-2", "pg-pass-3"):
        assert secret not in out
    assert "redis://vestnik:***@redis.example:6380/0" in out
    assert "postgresql://vestnik:***@db.example:5432/vestnik?sslmode=require&password=***" in out


class _WithSecrets(Settings):
    admin_password: str = "default-pass"
    api_token: SecretStr | None = None
    webhook_url: str = "https://hooks.example/x"
    passwordless: bool = True  # a name that only starts like one: not a secret


def test_secret_fields_are_masked_by_name_or_type() -> None:
    settings = _WithSecrets(admin_password="adm-pass-4",
                            api_token=SecretStr("tok-5"),
                            webhook_url="https://u:hook-pass-6@hooks.example/x")
    rows = {row["field"]: row for row in config_doc.current(settings)}
    assert rows["admin_password"]["value"] == rows["api_token"]["value"] == "***"
    assert rows["admin_password"]["secret"] and rows["api_token"]["secret"]
    assert rows["webhook_url"]["value"] == "https://u:***@hooks.example/x"
    assert rows["passwordless"]["value"] is True and not rows["passwordless"]["secret"]
    table = config_doc.markdown_table(_WithSecrets)
    assert "default-pass" not in table and "`***`" in table
    shown = "\n".join(config_doc.text_lines(settings)) + orjson.dumps(
        config_doc.current(settings)).decode()
    for secret in ("adm-pass-4", "tok-5", "hook-pass-6"):
        assert secret not in shown


def test_markdown_write_replaces_only_the_table_between_the_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\nbefore\n\n{config_doc.BEGIN}\n| old |\n{config_doc.END}\n\nafter\n")
    result = CliRunner().invoke(cli, ["config", "--markdown", "--write", str(readme)])
    assert result.exit_code == 0, result.output
    text = readme.read_text()
    assert text == (f"# x\n\nbefore\n\n{config_doc.BEGIN}\n{config_doc.markdown_table()}"
                    f"{config_doc.END}\n\nafter\n")
    assert config_doc.table_in(text) == config_doc.markdown_table()


def test_markdown_write_refuses_a_file_without_the_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# no table here\n")
    result = CliRunner().invoke(cli, ["config", "--markdown", "--write", str(readme)])
    assert result.exit_code == 1 and "no settings table markers" in result.output
    assert readme.read_text() == "# no table here\n"


def test_the_table_has_one_row_per_setting_with_its_default() -> None:
    rows = config_doc.markdown_table().splitlines()[2:]
    assert len(rows) == len(Settings.model_fields)
    assert "| `VESTNIK_DEAD_LETTER_RETENTION` | `30d` |" in rows[
        list(Settings.model_fields).index("dead_letter_retention")]
    assert "| `VESTNIK_CONSUMER_NAME` | host name-pid-random tag |" in "\n".join(rows)
