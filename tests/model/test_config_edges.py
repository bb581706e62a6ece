"""Configuration edges: suffixes beneath a wildcard, route keys, exempt paths, hostile TOML."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from corsguard import Policy, PolicyError
from corsguard.cli import main
from corsguard.config import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_ITEMS,
    policy_from_env,
    policy_from_file,
)
from corsguard.suffixes import shared_suffix_beneath
from tests.helpers.paths import SRC

SRC = str(SRC)


def problems_of(**options: object) -> str:
    with pytest.raises(PolicyError) as info:
        Policy(**options)  # type: ignore[arg-type]
    return "\n".join(info.value.problems)


# ------------------------------------------------------------ public suffixes beneath '*.'

# (pattern, a public-suffix entry beneath its domain, a host anyone can create that it matches)
BENEATH = [
    ("https://*.amazonaws.com", "s3.amazonaws.com", "https://evil.s3.amazonaws.com"),
    ("https://*.railway.app", "up.railway.app", "https://evil.up.railway.app"),
    ("https://*.core.windows.net", "web.core.windows.net", "https://evil.web.core.windows.net"),
]


@pytest.mark.parametrize(("pattern", "entry", "attacker"), BENEATH)
def test_credentialed_wildcard_over_a_suffix_beneath_is_refused(
    pattern: str, entry: str, attacker: str
) -> None:
    # Without credentials the pattern is accepted, and it does match the attacker's host:
    # the refusal below is about a real hole, not a pattern that never matches.
    assert Policy(allow_origins=[pattern]).allows_origin(attacker)
    text = problems_of(allow_origins=[pattern], allow_credentials=True)
    assert pattern in text
    assert "public suffix" in text
    assert "tolerate_public_suffix_wildcards=True" in text
    # The entry the message names really lies beneath the pattern's domain.
    named = shared_suffix_beneath(pattern.split("*.", 1)[1])
    assert named is not None and named.endswith("." + pattern.split("*.", 1)[1])
    assert entry.endswith(pattern.split("*.", 1)[1])


@pytest.mark.parametrize(("pattern", "entry", "attacker"), BENEATH)
def test_tolerated_wildcard_over_a_suffix_beneath_is_a_warning(
    pattern: str, entry: str, attacker: str
) -> None:
    policy = Policy(
        allow_origins=[pattern], allow_credentials=True, tolerate_public_suffix_wildcards=True
    )
    assert any(pattern in warning and "tolerated" in warning for warning in policy.warnings)


@pytest.mark.parametrize(
    "pattern",
    [
        "https://*.example.com",
        "https://*.api.example.com",
        # A within-label '*' matches a single label directly under the domain, never a
        # host under s3.amazonaws.com.
        "https://myapp-*.amazonaws.com",
        # 's3-*' under example.com: no entry there.
        "https://s3-*.example.com",
    ],
)
def test_credentialed_wildcards_with_no_suffix_beneath_still_pass(pattern: str) -> None:
    Policy(allow_origins=[pattern], allow_credentials=True)


# (within-label pattern, the public-suffix entry it matches as a whole host). The entry's
# own origin serves anyone's content (path-style S3: https://s3-us-west-2.amazonaws.com/
# BUCKET/page.html), which is why '+.amazonaws.com' is refused; a within-label '*' that
# matches such an entry is the same hole.
WITHIN_LABEL_ON_AN_ENTRY = [
    ("https://s3-*.amazonaws.com", "https://s3-us-west-2.amazonaws.com"),
    ("https://s*.amazonaws.com", "https://s3-external-1.amazonaws.com"),
    ("https://*-website-us-east-1.amazonaws.com", "https://s3-website-us-east-1.amazonaws.com"),
    ("https://s3-*.amazonaws.com:*", "https://s3-us-west-2.amazonaws.com:8443"),
    ("https://c*e.amazonaws.com", "https://compute.amazonaws.com"),
]


@pytest.mark.parametrize(("pattern", "entry_origin"), WITHIN_LABEL_ON_AN_ENTRY)
def test_credentialed_within_label_pattern_matching_a_suffix_is_refused(
    pattern: str, entry_origin: str
) -> None:
    # The pattern really matches the entry's origin (the hole is real) ...
    assert Policy(allow_origins=[pattern]).allows_origin(entry_origin)
    # ... so with credentials it is refused, naming the entry and what to write instead.
    text = problems_of(allow_origins=[pattern], allow_credentials=True)
    host = entry_origin.split("://", 1)[1].split(":", 1)[0]
    assert pattern in text
    assert "public suffix" in text
    assert "tolerate_public_suffix_wildcards=True" in text
    named = text.split("also matches '", 1)[1].split("'", 1)[0]
    assert Policy(allow_origins=[pattern]).allows_origin(f"https://{named}")
    assert named.endswith(".amazonaws.com") and host.endswith(".amazonaws.com")
    # The advice it gives is itself accepted with credentials.
    advice = text.split("within-label pattern such as '", 1)[1].split("'", 1)[0]
    Policy(allow_origins=[advice], allow_credentials=True)


def test_wildcard_directly_on_a_suffix_is_still_refused() -> None:
    text = problems_of(allow_origins=["https://*.s3.amazonaws.com"], allow_credentials=True)
    assert "directly on 's3.amazonaws.com'" in text


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("amazonaws.com", True),
        ("railway.app", True),
        ("core.windows.net", True),
        ("example.com", False),
        ("s3.amazonaws.com.example.com", False),
    ],
)
def test_shared_suffix_beneath(domain: str, expected: bool) -> None:
    found = shared_suffix_beneath(domain)
    assert (found is not None) is expected
    if found is not None:
        assert found.endswith("." + domain)


def test_env_and_toml_sources_report_it_in_their_own_syntax(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        policy_from_env(
            environ={
                "CORSGUARD_ALLOW_ORIGINS": "https://*.amazonaws.com",
                "CORSGUARD_ALLOW_CREDENTIALS": "true",
            }
        )
    assert "CORSGUARD_TOLERATE_PUBLIC_SUFFIX_WILDCARDS=true" in "\n".join(info.value.problems)
    path = tmp_path / "cors.toml"
    path.write_text('allow_origins = ["https://*.railway.app"]\nallow_credentials = true\n')
    with pytest.raises(PolicyError) as info:
        policy_from_file(path)
    assert "tolerate_public_suffix_wildcards = true" in "\n".join(info.value.problems)


# ------------------------------------------------------------ route keys and exempt paths

SUB = Policy(allow_origins=["*"])
ORIGINS = ["https://app.example.com"]


@pytest.mark.parametrize(
    ("first", "second"),
    [("/admin", "/admin/"), ("/admin", "//admin"), ("/a/b", "/a//b/"), ("/admin/", "//admin//")],
)
def test_colliding_route_keys_are_refused(first: str, second: str) -> None:
    other = Policy(allow_origins=["https://admin.example.com"])
    text = problems_of(allow_origins=ORIGINS, routes={first: SUB, second: other})
    assert f"routes: {first!r} and {second!r} are the same prefix" in text
    assert "keep one" in text


def test_colliding_route_keys_in_toml(tmp_path: Path) -> None:
    path = tmp_path / "cors.toml"
    path.write_text(
        'allow_origins = ["https://app.example.com"]\n'
        '[routes."/admin"]\nallow_origins = ["https://admin.example.com"]\n'
        '[routes."/admin/"]\nallow_origins = ["*"]\n'
    )
    with pytest.raises(PolicyError) as info:
        policy_from_file(path)
    assert "'/admin' and '/admin/' are the same prefix" in "\n".join(info.value.problems)


# (key as written, kind, what to write instead)
PATTERN_KEYS = [
    ("/api/*", "a glob", "'/api'"),
    ("/webhooks*", "a glob", "'/webhooks'"),
    ("/api/?", "a glob", "'/api'"),
    (r"/api/.*", "a regular expression", "'/api'"),
    (r"^/api/(v1|v2)/", "a regular expression", "'/api'"),
    (r"/files/[a-z]+", "a regular expression", "'/files'"),
    (r"/hooks$", "a regular expression", "'/hooks'"),
    (r"/api/.+", "a regular expression", "'/api'"),
    (r"^/api", "a regular expression", "'/api'"),
    # Framework route syntax: Flask/Werkzeug converters, Express and Rails parameters,
    # Starlette/FastAPI path parameters. Taken literally they would never match.
    ("/users/<int:id>", "a route pattern", "'/users'"),
    ("/users/<id>/posts", "a route pattern", "'/users'"),
    ("/users/:id", "a route pattern", "'/users'"),
    ("/api/:version/items", "a route pattern", "'/api'"),
    ("/items/{item_id}", "a route pattern", "'/items'"),
    ("/files/{path:path}", "a route pattern", "'/files'"),
    # A Python literal pasted whole (quotes and r prefix), a backslash path, an escaped slash.
    ('r"/api/.*"', "a regular expression", "'/api'"),
    ("r'^/api/v1/.*$'", "a regular expression", "'/api/v1'"),
    ("\\api", "a regular expression", "'/api'"),
    ("^\\/api\\/.*", "a regular expression", "'/api'"),
]


@pytest.mark.parametrize(("key", "kind", "write"), PATTERN_KEYS)
def test_glob_and_regex_route_keys_are_refused(key: str, kind: str, write: str) -> None:
    text = problems_of(allow_origins=ORIGINS, routes={key: SUB})
    assert f"routes key {key!r} is {kind}" in text
    assert f"write {write}" in text


@pytest.mark.parametrize(("key", "kind", "write"), PATTERN_KEYS)
def test_glob_and_regex_exempt_paths_are_refused(key: str, kind: str, write: str) -> None:
    text = problems_of(allow_origins=ORIGINS, write_protection_exempt_paths=[key])
    assert f"write_protection_exempt_paths: {key!r} is {kind}" in text
    assert f"write {write}" in text


@pytest.mark.parametrize("path", ["/", "//", "///"])
def test_root_as_exempt_path_is_refused(path: str) -> None:
    text = problems_of(allow_origins=ORIGINS, write_protection_exempt_paths=[path])
    assert "turns cross-origin write protection off for the whole app" in text
    assert "block_cross_origin_writes=False" in text


def test_exempt_root_glob_does_not_suggest_root() -> None:
    text = problems_of(allow_origins=ORIGINS, write_protection_exempt_paths=["/*"])
    assert "write '/'" not in text
    assert "'/webhooks'" in text


# (key, words of the problem): characters a literal path prefix holds only by mistake,
# such as a newline left by a file or an environment variable, or a URL fragment.
STRAY_KEYS = [
    ("/webhooks\n", "a control character"),
    ("/api\x00", "a control character"),
    ("/api\t", "a control character"),
    ("/api\u0085", "a control character"),
    ("/api ", "leading or trailing whitespace"),
    ("/api#top", "'#' starts a URL fragment"),
]


@pytest.mark.parametrize(("key", "words"), STRAY_KEYS)
@pytest.mark.parametrize("option", ["routes", "write_protection_exempt_paths"])
def test_route_keys_with_stray_characters_are_refused(option: str, key: str, words: str) -> None:
    value: object = {key: SUB} if option == "routes" else [key]
    text = problems_of(allow_origins=ORIGINS, **{option: value})
    assert words in text
    assert repr(key) in text  # shown escaped, never raw
    assert "write '/" in text


@pytest.mark.parametrize(
    "key", ["/api", "/robots.txt", "/v1.2/items", "/a-b_c~d", "/@me", "/a b", "/x:y", "/v1/a:run"]
)
def test_plain_keys_still_pass(key: str) -> None:
    policy = Policy(allow_origins=ORIGINS, routes={key: SUB}, write_protection_exempt_paths=[key])
    assert list(policy.routes) == [key]
    assert policy.write_protection_exempt_paths == (key,)


# ------------------------------------------------------------ hostile TOML

HOSTILE = [
    ("deep array", "allow_origins = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    (
        "deep inline table",
        'allow_origins = ["https://a.example.com"]\nx = ' + "{a=" * 5000 + "1" + "}" * 5000,
        "nested too deeply",
    ),
    (
        "deep dotted key",
        'allow_origins = ["https://a.example.com"]\n' + ".".join(["a"] * 20000) + " = 1\n",
        f"line 2: a dotted name with more than {MAX_DEPTH} parts",
    ),
    (
        "deep table header",
        'allow_origins = ["https://a.example.com"]\n[' + ".".join(["a"] * 20000) + "]\n",
        f"line 2: a dotted name with more than {MAX_DEPTH} parts",
    ),
    (
        "deep quoted dotted key",
        'allow_origins = ["https://a.example.com"]\n' + " . ".join(['"a"'] * 20000) + " = 1\n",
        f"line 2: a dotted name with more than {MAX_DEPTH} parts",
    ),
    (
        # Each key is shallow enough to pass the scan; the parsed table is still too deep.
        "deep arrays under the scan",
        'allow_origins = ["https://a.example.com"]\nx = ' + "[" * 40 + "]" * 40 + "\n",
        f"nested more than {MAX_DEPTH} levels deep (at x",
    ),
    (
        "many keys",
        'allow_origins = ["https://a.example.com"]\n'
        + "".join(f"k{i} = 1\n" for i in range(MAX_ITEMS + 1)),
        f"a table with {MAX_ITEMS + 2} keys; the limit is {MAX_ITEMS}",
    ),
    (
        "huge array",
        "allow_origins = [" + ",".join(['"https://a.example.com/"'] * (MAX_ITEMS + 1)) + "]\n",
        f"an array of {MAX_ITEMS + 1} items (at allow_origins)",
    ),
    (
        "huge string",
        'allow_origins = ["https://' + "a" * 100_000 + '.com"]\n',
        "a string of 100012 characters (at allow_origins[0])",
    ),
    ("huge file", "# " + "x" * (MAX_FILE_BYTES + 1) + "\n", "larger than 1024 KiB"),
    (
        # Windows Notepad saves UTF-8 with a byte order mark, which TOML does not allow.
        "byte order mark",
        '\ufeffallow_origins = ["https://a.example.com"]\n',
        "starts with a byte order mark (U+FEFF)",
    ),
]


@pytest.mark.parametrize(("text", "words"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_hostile_toml_is_a_policy_error(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "cors.toml"
    path.write_text(text)
    with pytest.raises(PolicyError) as info:
        policy_from_file(path)
    assert len(info.value.problems) == 1
    assert words in info.value.problems[0]
    assert len(str(info.value)) < 1000


@pytest.mark.parametrize(("text", "words"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_check_reports_hostile_toml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, words: str
) -> None:
    path = tmp_path / "cors.toml"
    path.write_text(text)
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert words in out
    assert "Traceback" not in out


def test_hostile_pyproject_tool_table(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[tool.corsguard]\nallow_origins = ["https://a.example.com"]\n'
        "[tool.corsguard.a.a.a.a.a.a.a.a.a.a]\nx = " + "[" * 10 + "]" * 10 + "\n"
    )
    with pytest.raises(PolicyError) as info:
        policy_from_file(path)
    assert "nested more than" in info.value.problems[0]


def test_check_subprocess_deep_nesting(tmp_path: Path) -> None:
    path = tmp_path / "cors.toml"
    path.write_text("allow_origins = " + "[" * 100_000 + "]" * 100_000 + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORSGUARD_")}
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run(
        [sys.executable, "-m", "corsguard", "check", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1
    assert "nested too deeply" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(("pattern", "entry_origin"), WITHIN_LABEL_ON_AN_ENTRY)
def test_tolerated_within_label_pattern_on_a_suffix_is_a_finding(
    pattern: str, entry_origin: str
) -> None:
    policy = Policy(
        allow_origins=[pattern], allow_credentials=True, tolerate_public_suffix_wildcards=True
    )
    assert [f.id for f in policy.findings] == ["third-party-origin-trusted"]
    assert any(pattern in warning and "tolerated" in warning for warning in policy.warnings)


# os.environ decodes undecodable bytes as lone surrogates (PEP 383), and a name can hold
# control characters: the unknown name is shown escaped, so the message can be printed.
@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("CORSGUARD_ALLOW_ORIGIN\udce9", "CORSGUARD_ALLOW_ORIGIN\\xe9"),
        ("CORSGUARD_X\x1b[2J", "CORSGUARD_X\\x1b[2J"),
    ],
)
def test_unknown_env_names_are_shown_escaped(name: str, shown: str) -> None:
    with pytest.raises(PolicyError) as info:
        policy_from_env(environ={"CORSGUARD_ALLOW_ORIGINS": "https://a.example.com", name: "x"})
    text = str(info.value)
    assert shown in text
    text.encode("utf-8")  # no lone surrogate left
    assert "\x1b" not in text


# A file of thousands of '*.' patterns with credentials (within the TOML bounds): every
# pattern is an any-subdomain-trusted finding, and each finding's fix used to be rendered
# on its own, naming every pattern, so the findings grew with the square of the policy
# (19,000 patterns: killed at 24 GB during `corsguard check`, and at every start-up, which
# logs the findings). Their total size must stay linear in the policy.
def test_findings_of_a_huge_policy_stay_linear(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    count = 2000
    origins = [f"https://*.s{i}.example.com" for i in range(count)]
    policy = Policy(allow_origins=origins, allow_credentials=True)
    findings = policy.findings
    size = sum(len(f.message) + len(f.fix) for f in findings)
    policy_size = sum(map(len, origins))
    assert size < 20 * policy_size, size
    # Every pattern is still accounted for: named in a finding or counted in one.
    text = "\n".join(f.message for f in findings)
    assert origins[0] in text and f"{count - len(findings)} more" in text
    path = tmp_path / "cors.toml"
    path.write_text(
        "allow_credentials = true\nallow_origins = [" + ",".join(f'"{o}"' for o in origins) + "]\n"
    )
    assert main(["check", str(path)]) == 0
    assert len(capsys.readouterr().out) < 20 * policy_size
