"""Templates' constant texts (``_("…")``) compiled to a catalogue lookup: the same words as
Jinja's gettext in every language, under ``force_locale`` too, and nothing else rewritten."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale


def test_constant_texts_are_looked_up_and_give_what_gettext_gives(app) -> None:
    source = '{{ _("Log out") }}|{{ _("Log out")|upper }}|{% set s = _("Start a visit") %}{{ s }}'
    compiled = app.jinja_env.compile(source, raw=True)
    assert "_T" in compiled and "gettext" not in compiled  # rewritten
    with app.test_request_context("/"):
        assert render_template_string(source) == "退出登录|退出登录|开始暗访"
        with force_locale("en"):
            assert render_template_string(source) == "Log out|LOG OUT|Start a visit"
        assert render_template_string(source) == "退出登录|退出登录|开始暗访"


def test_texts_with_variables_percent_signs_and_escaping_behave_as_before(app) -> None:
    with app.test_request_context("/"), force_locale("en"):
        # %% in a constant text is one %, as new-style gettext formats every text
        assert render_template_string('{{ _("100%% done") }}') == "100% done"
        assert render_template_string('{{ _("%(n)d reports to verify", n=2) }}') == "2 reports to verify"
        # a translation is trusted markup; a variable is escaped
        assert render_template_string('{{ _("Log out") ~ x }}', x="<b>") == "Log out&lt;b&gt;"


def test_only_the_gettext_call_is_rewritten(app) -> None:
    class Thing:
        def _(self, text: str) -> str:
            return f"own:{text}"

    with app.test_request_context("/"), force_locale("en"):
        assert render_template_string('{{ thing._("Log out") }}', thing=Thing()) == "own:Log out"
        assert render_template_string("{{ '_(\"Log out\")'|safe }}") == '_("Log out")'  # a string, not a call
        # rendered without Flask's context (as macros imported without context are): still translated
        assert app.jinja_env.from_string('{{ _("Log out") }}').render() == "Log out"
