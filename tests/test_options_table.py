"""The options tables: every option reachable where its row says, and the docs' tables
are the tables' own text.

The docs' tables are generated: after changing a row, rewrite them with
``python tests/test_options_table.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_sesquota.account.options import (
    INI_OPTIONS,
    OPTIONS,
    REGION_KEYS,
    OptionsError,
    SesQuotaOptions,
    from_ini,
    marker_help,
    merge,
)
from pytest_sesquota.account.optionspec import (
    CLI,
    INI,
    INI_PREFIX,
    REGION,
    Invalid,
    Option,
    docs_table,
    flags_note,
    ini_table,
    settings_table,
)
from pytest_sesquota.cli import parser, resolve
from pytest_sesquota.serve.settings import SETTINGS, ServerSettings

ROOT = Path(__file__).resolve().parent.parent
#: page -> the tables it holds (each found by its header line and replaced whole).
TABLES = {
    ROOT / "docs" / "configuration.md": [docs_table(OPTIONS), ini_table(OPTIONS)],
    ROOT / "docs" / "server.md": [settings_table(SETTINGS)],
}


def table_in(page: str, table: str) -> str:
    """The table of ``page`` that starts with ``table``'s header line (or "")."""
    header = table.splitlines()[0]
    lines = page.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.rstrip("\n") == header:
            end = i
            while end < len(lines) and lines[end].startswith("|"):
                end += 1
            return "".join(lines[i:end])
    return ""


@pytest.mark.parametrize(
    ("page", "table"),
    [(page, table) for page, tables in TABLES.items() for table in tables],
    ids=lambda p: p.name if isinstance(p, Path) else p.splitlines()[0],
)
def test_the_docs_tables_are_the_tables(page: Path, table: str):
    found = table_in(page.read_text(encoding="utf-8"), table)
    assert found, f"{page.name} has no table headed {table.splitlines()[0]!r}"
    assert found == table, "rewrite the docs' tables: python tests/test_options_table.py"


def test_the_docs_say_which_keys_are_flags():
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert flags_note(OPTIONS) in " ".join(page.split())


# -- every option reachable where its row says -----------------------------------------------
#: Texts tried in turn: the first one an option takes (and that is not its default) is its sample.
TEXTS = (
    "production",
    "below_max",
    "whole_call",
    "freezegun",
    "eu-west-1",
    "0.25",
    "3",
    "false",
    "true",
    "2027-03-01T00:00:00Z",
    "app@example.com, example.org",
    "minimum_volume=3",
)


def sample(row: Option) -> tuple[str | None, Any]:
    """A text the option takes and its value, or (None, a value) for a nested option."""
    if row.text is None:
        if row.entries == REGION:
            return None, {"eu-west-1": {"profile": "production"}}
        return None, {key: 1 for key in row.entries or ()}
    for text in TEXTS:
        try:
            value = row.accept(row.parse(text))
        except Invalid:
            continue
        if value != row.default:
            return text, value
    raise AssertionError(f"no text in TEXTS suits {row.name}: add one")


@pytest.mark.parametrize("name", list(OPTIONS))
def test_every_option_is_a_marker_key(name):
    _text, value = sample(OPTIONS[name])
    assert getattr(merge([("ses_quota", {name: value})]), name) == value


@pytest.mark.parametrize("name", list(OPTIONS))
def test_an_ini_option_exactly_where_the_row_says(name):
    row = OPTIONS[name]
    ini = INI_PREFIX + name
    assert (ini in INI_OPTIONS) == (INI in row.where)
    if INI not in row.where:
        return
    text, value = sample(row)
    assert text is not None
    read = from_ini(lambda option: text if option == ini else "")
    assert read == {name: value}
    assert getattr(merge([("ini options", read)]), name) == value


@pytest.mark.parametrize("name", list(OPTIONS))
def test_a_flag_exactly_where_the_row_says(name, capsys):
    row = OPTIONS[name]
    text, value = sample(row)
    if CLI not in row.where:
        with pytest.raises(SystemExit):
            parser().parse_args(["serve", row.flag, text or "x"])
        assert f"unrecognized arguments: {row.flag}" in capsys.readouterr().err
        return
    assert text is not None
    options, _settings = resolve(parser().parse_args(["serve", row.flag, text]))
    assert getattr(options, name) == value


@pytest.mark.parametrize("name", list(OPTIONS))
def test_a_regions_key_exactly_where_the_row_says(name):
    row = OPTIONS[name]
    _text, value = sample(row)
    if REGION in row.where:
        options = SesQuotaOptions(regions={"eu-west-1": {name: value}})
        assert options.regions["eu-west-1"][name] == value
        return
    with pytest.raises(OptionsError, match=f"got an unexpected key '{name}'. Valid keys: "):
        SesQuotaOptions(regions={"eu-west-1": {name: value}})


def test_the_regions_keys_are_the_rows_marked_so():
    assert REGION_KEYS == (
        "profile",
        "max_24_hour_send",
        "max_send_rate",
        "sent_last_24_hours",
        "burst",
        "daily",
        "verified",
        "sending_enabled",
        "reputation",
    )


def test_texts_round_trip_from_ini_and_flags_alike():
    """The ini file and the command line read a text the same way."""
    both = [name for name, row in OPTIONS.items() if INI in row.where and CLI in row.where]
    for name in both:
        text, _value = sample(OPTIONS[name])
        ini = INI_PREFIX + name
        from_flag, _settings = resolve(
            parser().parse_args(["serve", OPTIONS[name].flag, str(text)])
        )
        read = from_ini(lambda option, text=text, ini=ini: text if option == ini else "")
        assert merge([("ini options", read)]) == from_flag, name


BAD = "nonsense"


def refuses(row: Option, text: str) -> bool:
    try:
        row.accept(row.parse(text))
    except Invalid:
        return True
    return False


@pytest.mark.parametrize(
    "name", [n for n, row in OPTIONS.items() if row.where & (INI | CLI) and refuses(row, BAD)]
)
def test_bad_text_is_refused_naming_the_option_and_the_choices(name, capsys):
    row = OPTIONS[name]
    if INI in row.where:
        ini = INI_PREFIX + name
        with pytest.raises(OptionsError) as refused:
            from_ini(lambda option: BAD if option == ini else "")
        assert str(refused.value).startswith(f"ini option {ini}")
        assert f"{BAD!r} is not valid; " in str(refused.value)
        assert all(repr(choice) in str(refused.value) for choice in row.choices)
    if CLI in row.where:
        with pytest.raises(SystemExit):
            parser().parse_args(["serve", row.flag, BAD])
        error = capsys.readouterr().err
        assert f"error: argument {row.flag}: " in error
        assert all(repr(choice) in error for choice in row.choices)


def test_only_free_texts_take_any_text():
    takers = [n for n, row in OPTIONS.items() if row.text is not None and not refuses(row, BAD)]
    assert takers == ["verified"]  # an identity may be any name


def test_the_marker_help_line_names_every_key_in_the_tables_order():
    line = marker_help()
    positions = [line.index(f"{name}=") for name in OPTIONS]
    assert positions == sorted(positions)
    assert "profile='sandbox'|'production'" in line
    assert (
        "budget={'dropped'|'requests'|'throttled'|'virtual_seconds'|'bounce_rate'|"
        "'complaint_rate': N}"
    ) in line


def test_the_plugin_registers_the_marker_and_every_ini_option(pytester: pytest.Pytester):
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest", "--markers")
    result.stdout.fnmatch_lines([f"@pytest.mark.{marker_help()}"])
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest", "--help")
    result.stdout.fnmatch_lines_random([f"  {ini} (string):*" for ini in INI_OPTIONS])


def test_the_ini_file_sets_every_ini_option(pytester: pytest.Pytester):
    """Through pytest's own ini parsing: each row's sample, all at once."""
    lines, expected = [], {}
    for name, row in OPTIONS.items():
        if INI in row.where:
            text, value = sample(row)
            lines.append(f"{INI_PREFIX}{name} = {text}")
            expected[name] = value
    pytester.makeini("[pytest]\n" + "\n".join(lines) + "\n")
    pytester.makepyfile(
        f"""
        import datetime

        def test_it(ses_account):
            got = {{name: getattr(ses_account.options, name) for name in {sorted(expected)!r}}}
            assert got == {expected!r}
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest")
    result.assert_outcomes(passed=1)


# -- the server's settings -----------------------------------------------------------------
@pytest.mark.parametrize("name", list(SETTINGS))
def test_every_server_setting_is_a_server_key_and_a_flag(name):
    row = SETTINGS[name]
    text = {"host": "localhost", "clock": "virtual", "state": "ses.sqlite"}.get(name, "7")
    value = row.accept(row.parse(text))
    from_file = ServerSettings.resolve({name: value}, {})
    _options, from_flag = resolve(parser().parse_args(["serve", row.flag, text]))
    assert getattr(from_file, name) == getattr(from_flag, name) == value


def test_server_settings_refuse_bad_values_naming_the_key():
    with pytest.raises(OptionsError, match=r"^port=70000 is not valid; expected a port number"):
        ServerSettings(port=70000)
    with pytest.raises(OptionsError, match=r"^clock='fast' is not valid; valid clocks: 'real'"):
        ServerSettings.resolve({"clock": "fast"}, {})


def rewrite() -> None:
    for page, tables in TABLES.items():
        text = page.read_text(encoding="utf-8")
        for table in tables:
            found = table_in(text, table)
            if not found:
                sys.exit(f"{page}: no table headed {table.splitlines()[0]!r}; add its header")
            text = text.replace(found, table)
        page.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    rewrite()
