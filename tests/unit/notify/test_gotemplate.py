"""The template language behaves like Go's text/template (with Sprig) on JSON data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from adapters.notify.context import time_functions
from adapters.notify.gotemplate import TemplateError, TemplateLimitError, render

DATA: dict[str, Any] = {
    "rollout": {
        "metadata": {"name": "checkout", "namespace": "shop", "labels": {"app": "checkout"}},
        "spec": {
            "replicas": 5,
            "strategy": {
                "canary": {"steps": [{"setWeight": 20}, {"pause": {}}, {"setWeight": 60}]}
            },
            "template": {
                "spec": {
                    "containers": [
                        {"name": "app", "image": "shop/checkout:2"},
                        {"name": "proxy", "image": "envoy:1.30"},
                    ]
                }
            },
        },
        "status": {"currentStepIndex": 1, "phase": "Paused", "abort": None, "weight": 0.08},
    },
    "items": ["a", "b", "c"],
    "empty": [],
    "html": "<b>&</b>",
    "big": 1234567.0,
}

CASES = [
    ("{{.rollout.metadata.name}}", "checkout"),
    ("{{ .rollout.metadata.namespace }}/{{.rollout.metadata.name}}", "shop/checkout"),
    ("{{.rollout.status.currentStepIndex}}", "1"),
    (
        "{{add .rollout.status.currentStepIndex 1}}/{{len .rollout.spec.strategy.canary.steps}}",
        "2/3",
    ),
    ("{{.rollout.missing}}", "<no value>"),
    ("{{.rollout.missing.deeper.still}}", "<no value>"),
    (
        "{{range .rollout.spec.template.spec.containers}}{{.image}};{{end}}",
        "shop/checkout:2;envoy:1.30;",
    ),
    (
        "{{range $i, $c := .rollout.spec.template.spec.containers}}{{$i}}={{$c.name}} {{end}}",
        "0=app 1=proxy ",
    ),
    ("{{range .empty}}x{{else}}none{{end}}", "none"),
    ('{{range .items}}{{if eq . "b"}}{{continue}}{{end}}{{.}}{{end}}', "ac"),
    ('{{range .items}}{{if eq . "b"}}{{break}}{{end}}{{.}}{{end}}', "a"),
    (
        "{{if .rollout.spec.strategy.blueGreen}}BG"
        "{{else if .rollout.spec.strategy.canary}}C{{end}}",
        "C",
    ),
    ("{{if .rollout.status.abort}}aborted{{else}}running{{end}}", "running"),
    ("{{with .rollout.metadata}}{{.name}}@{{$.rollout.spec.replicas}}{{end}}", "checkout@5"),
    ("{{with .nothing}}x{{else}}fallback{{end}}", "fallback"),
    ("{{$n := .rollout.metadata.name}}{{$n = upper $n}}{{$n}}", "CHECKOUT"),
    ("a  {{- 1 -}}  b", "a1b"),
    ("a {{/* a comment */}}b", "a b"),
    ("{{- /* trimmed comment */ -}} x", "x"),
    ('{{.rollout.metadata.name | upper | printf "%s!"}}', "CHECKOUT!"),
    ('{{printf "%d-%05.1f-%v-%q-%x" 7 3.14159 true "hi" 255}}', '7-003.1-true-"hi"-ff'),
    ("{{.rollout.metadata.labels}}", "map[app:checkout]"),
    ("{{.items}}", "[a b c]"),
    ("{{.rollout.status.weight}} {{.big}} {{0.00001}}", "0.08 1.234567e+06 1e-05"),
    ("{{.rollout.metadata.labels | toJson}}", '{"app":"checkout"}'),
    ("{{.html | toJson}}", '"\\u003cb\\u003e\\u0026\\u003c/b\\u003e"'),
    (
        '{{html .html}} {{urlquery "a b&c"}} {{js "it\'s"}}',
        "&lt;b&gt;&amp;&lt;/b&gt; a+b%26c it\\'s",
    ),
    (
        '{{.rollout.missing | default "n/a"}} {{default "n/a" .rollout.metadata.name}}',
        "n/a checkout",
    ),
    ('{{index .items 1}} {{index .rollout.metadata.labels "app"}}', "b checkout"),
    ('{{len .items}} {{len "héllo"}}', "3 6"),
    ('{{and 1 0}} {{or 0 "" "x"}} {{not .empty}}', "0 x true"),
    ("{{and .nothing .nothing.field}}ok", "<no value>ok"),
    ('{{if and (gt 3 2) (le 2 2) (ne "a" "b") (lt 1.5 2)}}yes{{end}}', "yes"),
    (
        "{{sub 10 3}} {{mul 2 3 4}} {{div 7 2}} {{div -7 2}} {{mod -7 3}} {{max 1 9 3}}",
        "7 24 3 -3 -1 9",
    ),
    ('{{add "2" 3.9}}', "5"),
    (
        '{{join ", " .items}} {{trimPrefix "shop/" "shop/x"}} {{replace "a" "o" "banana"}}',
        "a, b, c x bonono",
    ),
    (
        '{{contains "out" "checkout"}} {{hasPrefix "che" "checkout"}} {{hasSuffix "x" "y"}}',
        "true true false",
    ),
    (
        '{{quote "a" "b"}} {{squote "c"}} {{trunc 3 "abcdef"}} {{repeat 3 "ab"}}',
        '"a" "b" \'c\' abc ababab',
    ),
    ('{{list 1 "a" | toJson}} {{dict "k" 1 | toJson}}', '[1,"a"] {"k":1}'),
    ('{{first .items}}{{last .items}} {{ternary "y" "n" true}}', "ac y"),
    ("{{.rollout.metadata.labels | toPrettyJson}}", '{\n  "app": "checkout"\n}'),
    ('{{empty .empty}} {{coalesce .nothing "" "z"}} {{b64enc "hi"}}', "true z aGk="),
    ('{{nindent 2 "a\\nb"}}', "\n  a\n  b"),
    ("{{`raw {{ not parsed }}`}}", "raw {{ not parsed }}"),
    ("{{'a'}} {{0x1F}} {{1_000}}", "97 31 1000"),
    ('{{print 1 2 "x" 3}} {{println "a" 1}}', "1 2x3 a 1\n"),
    ("{{(index .rollout.spec.template.spec.containers 0).image}}", "shop/checkout:2"),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_renders_like_go(source: str, expected: str) -> None:
    assert render(source, DATA) == expected


ERRORS = [
    ("{{.rollout.status.abort.reason}}", "nil pointer evaluating interface {}.reason"),
    ("{{.rollout.metadata.name.first}}", "can't evaluate field first in type string"),
    ("{{nosuch 1}}", 'function "nosuch" not defined'),
    ("{{.rollout.metadata.name 1}}", "name is not a method but has arguments"),
    ("{{1 2}}", "can't give argument to non-function"),
    ("{{if 1}}", "missing {{end}}"),
    ("{{end}}", "unexpected {{end}}"),
    ("{{break}}", "outside {{range}}"),
    ('{{template "x"}}', "not supported"),
    ("{{index .items 9}}", "index out of range"),
    ('{{lt 1 "a"}}', "incompatible types for comparison"),
    ("{{$undefined}}", "undefined variable"),
    ('{{range "abc"}}{{end}}', "range can't iterate over abc"),
    ("{{div 1 0}}", "integer divide by zero"),
    ("{{(1}}", "unmatched parenthesis"),
    ('{{ "unterminated }}', "unclosed action"),
]


@pytest.mark.parametrize(("source", "message"), ERRORS)
def test_fails_like_go(source: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message.replace("{", r"\{").replace("(", r"\(")):
        render(source, DATA)


@pytest.mark.parametrize(
    "source",
    [
        "{{.__class__}}",
        "{{.rollout.__dict__}}",
        "{{.items.__len__}}",
        "{{.format}}",
        '{{index . "__class__"}}',
    ],
)
def test_python_attributes_are_unreachable(source: str) -> None:
    """A field reads a map key and nothing else: Python internals are just missing keys."""
    try:
        output = render(source, DATA)
    except TemplateError as error:
        assert "class" not in str(error) or "can't evaluate" in str(error)
    else:
        assert output == "<no value>"


def test_runaway_templates_are_stopped() -> None:
    with pytest.raises(TemplateLimitError):
        render("{{range 1000000}}{{range 1000000}}x{{end}}{{end}}", {})
    with pytest.raises(TemplateLimitError):
        render('{{repeat 100000000 "x"}}', {})


def test_time_functions_use_the_given_clock() -> None:
    moment = datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)
    data = {"time": time_functions(moment)}
    assert render('{{(call .time.Now).Format "2006-01-02T15:04:05Z07:00"}}', data) == (
        "2026-03-04T05:06:07Z"
    )
    assert render('{{(call .time.Now).Format "Mon Jan _2 03:04:05.000 PM 2006"}}', data) == (
        "Wed Mar  4 05:06:07.890 AM 2026"
    )
    assert render("{{(call .time.Now).Unix}}", data) == str(int(moment.timestamp()))
    assert render("{{call .time.Now}}", data) == "2026-03-04 05:06:07.89 +0000 UTC"
    parsed = '{{(call .time.Parse "2026-01-02T03:04:05+02:00").Format "15:04 -07:00"}}'
    assert render(parsed, data) == "03:04 +02:00"
    with pytest.raises(TemplateError, match="can't evaluate field Sub"):
        render("{{(call .time.Now).Sub}}", data)


def test_time_layout_offsets() -> None:
    moment = datetime(2026, 1, 2, 15, 4, 5, tzinfo=timezone(timedelta(hours=-7)))
    data = {"time": time_functions(moment)}
    assert render('{{(call .time.Now).Format "Z07:00 -0700 3pm January"}}', data) == (
        "-07:00 -0700 3pm January"
    )
