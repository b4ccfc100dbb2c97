"""Origin parsing and matching: exact serialized origins, and `scheme://*.parent` subdomain patterns."""

import subprocess
import sys
from pathlib import Path

import pytest
from api_core.cors.origins import InvalidOrigin, Origin, SubdomainPattern, parse_allowed_entry, parse_origin
from api_core.cors.public_suffix import is_public_suffix
from api_core.settings import ConfigError, cors_policy_from_settings, load_settings
from support.paths import LAYER_DIR


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://app.example.com", Origin("https", "app.example.com", None)),
        ("http://localhost:5173", Origin("http", "localhost", 5173)),
        ("http://127.0.0.1:3000", Origin("http", "127.0.0.1", 3000)),
        ("http://[::1]:8080", Origin("http", "[::1]", 8080)),
        ("https://xn--bcher-kva.example", Origin("https", "xn--bcher-kva.example", None)),
        ("capacitor://localhost", Origin("capacitor", "localhost", None)),
    ],
)
def test_serialized_origins_parse(text, expected):
    assert parse_origin(text) == expected


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("https://app.example.com/", "no path"),
        ("https://app.example.com/app", "no path"),
        ("https://app.example.com?x=1", "no path"),
        ("https://user@app.example.com", "userinfo"),
        ("app.example.com", "scheme"),
        ("//app.example.com", "scheme"),
        ("HTTPS://app.example.com", "lowercase"),
        ("https://App.Example.com", "lowercase"),
        ("https://app.example.com:443", "default port"),
        ("http://app.example.com:80", "default port"),
        ("https://app.example.com:0", "port"),
        ("https://app.example.com:065", "port"),
        ("https://app.example.com:70000", "port"),
        ("https://app.example.com:", "port"),
        (" https://app.example.com", "whitespace"),
        ("", "whitespace"),
        ("https://app_example.com", "host"),
        ("https://-app.example.com", "host"),
        ("https://app..example.com", "host"),
        ("https://app.example.com, https://evil.net", "no path"),
        ("https://", "host"),
    ],
)
def test_non_serialized_origins_are_refused_with_the_rule(text, rule):
    with pytest.raises(InvalidOrigin, match=rule):
        parse_origin(text)


PATTERN = parse_allowed_entry("https://*.preview.example.com")


@pytest.mark.parametrize(
    "origin",
    ["https://pr-1.preview.example.com", "https://a.b.preview.example.com"],
)
def test_subdomain_pattern_matches_one_or_more_labels(origin):
    assert isinstance(PATTERN, SubdomainPattern)
    assert PATTERN.matches(parse_origin(origin))


@pytest.mark.parametrize(
    "origin",
    [
        "https://preview.example.com",  # the parent itself
        "http://pr-1.preview.example.com",  # scheme downgrade
        "https://pr-1.preview.example.com:8443",  # other port
        "https://pr-1preview.example.com",  # suffix trick without a dot
        "https://evilpreview.example.com",
        "https://pr-1.preview.example.com.evil.net",  # allowed host as a prefix
        "https://preview.example.com.evil.net",
        "https://example.com",
    ],
)
def test_subdomain_pattern_rejects_lookalikes(origin):
    assert not PATTERN.matches(parse_origin(origin))


def test_subdomain_pattern_keeps_its_port():
    pattern = parse_allowed_entry("http://*.localtest.me:5173")
    assert pattern.matches(parse_origin("http://app.localtest.me:5173"))
    assert not pattern.matches(parse_origin("http://app.localtest.me"))


@pytest.mark.parametrize(
    ("entry", "rule"),
    [
        ("https://*.com", "registrable parent"),
        ("https://*.127.0.0.1", "registrable parent"),
        ("https://a.*.example.com", "leftmost label"),
        ("https://*example.com", "leftmost label"),
        ("*", "leftmost label"),
        ("https://*.example.com/", "no path"),
        ("https://*.Example.com", "lowercase"),
    ],
)
def test_bad_patterns_are_refused(entry, rule):
    with pytest.raises(InvalidOrigin, match=rule):
        parse_allowed_entry(entry)


# -- a configured entry: http(s) only, and never a pattern over a public suffix (issue 19) ---------------
@pytest.mark.parametrize(
    "entry",
    ["ftp://app.example.com", "wss://app.example.com", "capacitor://localhost", "https+x://a.example"],
)
def test_a_configured_origin_is_http_or_https(entry):
    # the template's AllowedPattern admits no other scheme, so the functions admit none either
    with pytest.raises(InvalidOrigin, match="http or https"):
        parse_allowed_entry(entry)


@pytest.mark.parametrize(
    "entry",
    [
        "https://*.co.uk",  # ICANN section, two labels
        "https://*.com.au",
        "https://*.kobe.jp",  # listed as a wildcard's parent (*.kobe.jp)
        "https://*.anything.kobe.jp",  # under the wildcard *.kobe.jp
        "https://*.foo.ck",  # under the wildcard rule *.ck
        "https://*.xn--55qx5d.cn",  # an IDN suffix (公司.cn), punycoded as browsers send it
        "https://*.github.io",  # private section: hosting providers' shared domains
        "https://*.herokuapp.com",
        "https://*.vercel.app",
        "https://*.s3.amazonaws.com",
        "http://*.blogspot.com:8080",  # port and scheme do not matter
    ],
)
def test_a_pattern_whose_parent_is_a_public_suffix_is_refused(entry):
    with pytest.raises(InvalidOrigin, match=r"must not be a public suffix.*Public Suffix List"):
        parse_allowed_entry(entry)


@pytest.mark.parametrize(
    "entry",
    [
        "https://*.example.com",
        "https://*.preview.example.com",
        "https://*.example.co.uk",  # registrable, right under a public suffix
        "https://*.www.ck",  # the exception rule !www.ck: not public although *.ck is
        "https://*.city.kobe.jp",  # the exception rule !city.kobe.jp
        "https://*.myname.github.io",  # one tenant's own site
        "https://*.corp.internal",  # not on the list at all
    ],
)
def test_a_pattern_under_a_registrable_parent_is_allowed(entry):
    assert isinstance(parse_allowed_entry(entry), SubdomainPattern)


def _hosts_from_the_list() -> list[str]:
    # Names the list is about, punycoded as in an origin: each wildcard and exception rule, one in 8 IDN
    # rules and one in 100 of the rest (both sections), each with its parent and a child.
    from publicsuffixlist import PSLFILE, encode_idn

    rules = [line.strip() for line in Path(PSLFILE).read_text(encoding="utf-8").splitlines()]
    rules = [rule for rule in rules if rule and not rule.startswith("//")]
    chosen = [r for i, r in enumerate(rules) if r[0] in "*!" or i % (100 if r.isascii() else 8) == 0]
    hosts = set()
    for rule in chosen:
        host = encode_idn(rule.lstrip("!").replace("*", "any"))
        hosts.update({host, f"x.{host}", host.partition(".")[2] or host})
    return sorted(hosts)


def test_the_public_suffix_lookup_agrees_with_the_package_reading_the_whole_list():
    # is_public_suffix reads only the rules that can apply to one host; the package's own object parses
    # the whole list. They must agree on every kind of rule (exact, wildcard, exception, IDN, private).
    from publicsuffixlist import PublicSuffixList

    whole_list = PublicSuffixList()
    hosts = _hosts_from_the_list()
    assert len(hosts) > 1000
    disagreements = [host for host in hosts if is_public_suffix(host) != whole_list.is_public(host)]
    assert disagreements == []


def test_exact_origins_never_read_the_public_suffix_list():
    # The list is read at cold start only when a pattern is configured: exact origins, and the preflight
    # path they serve, import neither the lookup nor the package.
    code = (
        "import sys\n"
        "from api_core.settings import cors_policy_from_settings, load_settings\n"
        "env = {'STAGE': 'prod', 'CORS_ALLOWED_ORIGINS': 'https://app.example.com,http://localhost:5173'}\n"
        "cors_policy_from_settings(load_settings(env))\n"
        "print(sorted(m for m in sys.modules if 'suffix' in m))\n"
        "env['CORS_ALLOWED_ORIGINS'] += ',https://*.preview.example.com'\n"
        "cors_policy_from_settings(load_settings(env))\n"
        "print(sorted(m for m in sys.modules if 'suffix' in m))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=LAYER_DIR, capture_output=True, text=True, check=True
    )
    exact_only, with_pattern = result.stdout.splitlines()
    assert exact_only == "[]"
    assert with_pattern == "['api_core.cors.public_suffix', 'publicsuffixlist']"


@pytest.mark.parametrize(
    ("origins", "rule"),
    [
        ("https://app.example.com,https://*.github.io", "must not be a public suffix"),
        ("https://*.co.uk", "must not be a public suffix"),
        ("http://app.example.com:80", "default port 80"),
        ("https://app-.example.com", "not a valid lowercase DNS name"),
        ("https://*.com", "registrable parent"),
        ("ftp://app.example.com", "http or https"),
        ("https://app.example.com,", "empty entry"),
        ("https://app.example.com,,https://b.example.com", "empty entry"),
        ("http://[::1", "closed by ']'"),
    ],
)
def test_the_cold_start_refuses_naming_the_variable_and_the_rule(origins, rule):
    with pytest.raises(ConfigError, match=rule) as raised:
        cors_policy_from_settings(load_settings({"STAGE": "prod", "CORS_ALLOWED_ORIGINS": origins}))
    assert raised.value.variable == "CORS_ALLOWED_ORIGINS"
    assert str(raised.value).startswith("CORS_ALLOWED_ORIGINS: ")


def test_dev_still_skips_empty_entries():
    # dev keeps its forgiving reading of the list: an empty entry is no entry (CloudFormation allows it)
    policy = cors_policy_from_settings(
        load_settings({"STAGE": "dev", "CORS_ALLOWED_ORIGINS": "https://a.example,"})
    )
    assert policy.exact_origins == frozenset({"https://a.example"})
