"""The audit's output formats, validated against schemas.

No installed package ships the SARIF 2.1.0 schema and there is no network here, so
`SARIF_SCHEMA` is a compact subset of the OASIS schema (sarif-schema-2.1.0.json, draft-07)
covering every object corsguard writes, with the same required properties, enums and
``additionalProperties: false`` as the full schema, so unknown or misspelt properties fail.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from corsguard.audit.model import (
    MAX_REQUESTS,
    Exchange,
    ProbeResponse,
    Target,
    TargetReport,
    analyse,
    build_trust,
    next_probes,
    parse_trusted,
)
from corsguard.audit.output import (
    AUDIT_IDS,
    jsonl_line,
    render_json,
    render_sarif,
    render_table,
)
from corsguard.findings import KINDS
from corsguard.remediation import STACKS

_STRING = {"type": "string"}
_FINDING = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "id",
        "severity",
        "title",
        "origin",
        "credentials",
        "explanation",
        "evidence",
        "remediation",
        "fix",
        "fixes",
    ],
    "properties": {
        "id": {"enum": sorted(KINDS)},
        "severity": {"enum": ["low", "medium", "high"]},
        "title": _STRING,
        "origin": _STRING,
        "credentials": {"type": "boolean"},
        "explanation": _STRING,
        "remediation": _STRING,
        # The fix in the recognised stack's terms (the target's "stack").
        "fix": _STRING,
        # The fix in each stack corsguard knows (corsguard.remediation.STACKS).
        "fixes": {
            "type": "object",
            "additionalProperties": False,
            "required": list(STACKS),
            "properties": {stack: _STRING for stack in STACKS},
        },
        # Only after `audit --prove` (docs/prove.md, Output).
        "proven": {"type": ["boolean", "null"]},
        "browser": _STRING,
        "proof": {"type": "object"},
        "evidence": {
            "type": "object",
            "additionalProperties": False,
            "required": ["request", "response"],
            "properties": {
                "request": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["method", "url", "headers"],
                    "properties": {
                        "method": _STRING,
                        "url": _STRING,
                        "headers": {
                            "type": "object",
                            "required": ["Origin"],
                            "additionalProperties": _STRING,
                        },
                    },
                },
                "response": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["status", "headers"],
                    "properties": {
                        "status": {"type": "integer", "minimum": 100, "maximum": 599},
                        "headers": {"type": "object", "additionalProperties": _STRING},
                    },
                },
            },
        },
    },
}
TARGET_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "required": ["url", "status", "error", "findings", "requests"],
    "properties": {
        "url": _STRING,
        "stack": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "evidence", "fix_stacks"],
            "properties": {
                "name": _STRING,
                "evidence": {"type": "string"},
                "fix_stacks": {"type": "array", "minItems": 1, "items": {"enum": list(STACKS)}},
            },
        },
        "status": {"enum": ["ok", "error"]},
        "error": {"type": ["string", "null"]},
        "requests": {"type": "integer", "minimum": 0, "maximum": MAX_REQUESTS},
        "findings": {"type": "array", "items": _FINDING},
        "notes": {"type": "array", "minItems": 1, "items": _STRING},
    },
    "if": {"properties": {"status": {"const": "error"}}},
    "then": {"properties": {"error": _STRING, "findings": {"maxItems": 0}}},
    "else": {"properties": {"error": {"type": "null"}}},
}
JSON_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "targets"],
    "properties": {"version": {"const": 1}, "targets": {"type": "array", "items": TARGET_SCHEMA}},
}


def _object(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": {**properties, "properties": {"$ref": "#/definitions/propertyBag"}},
    }


_MESSAGE_REF = {"$ref": "#/definitions/message"}
SARIF_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Subset of the SARIF 2.1.0 schema (OASIS) for the objects corsguard writes",
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"enum": ["2.1.0"]},
        "runs": {"type": "array", "items": {"$ref": "#/definitions/run"}},
        "properties": {"$ref": "#/definitions/propertyBag"},
    },
    "definitions": {
        "propertyBag": {
            "type": "object",
            "properties": {"tags": {"type": "array", "uniqueItems": True, "items": _STRING}},
        },
        "message": {
            **_object(
                [],
                {
                    "text": _STRING,
                    "markdown": _STRING,
                    "id": _STRING,
                    "arguments": {"type": "array", "items": _STRING},
                },
            ),
            "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
        },
        "multiformatMessageString": _object(["text"], {"text": _STRING, "markdown": _STRING}),
        "run": _object(
            ["tool"],
            {
                "tool": {"$ref": "#/definitions/tool"},
                "invocations": {"type": "array", "items": {"$ref": "#/definitions/invocation"}},
                "results": {"type": "array", "items": {"$ref": "#/definitions/result"}},
            },
        ),
        "tool": _object(["driver"], {"driver": {"$ref": "#/definitions/toolComponent"}}),
        "toolComponent": _object(
            ["name"],
            {
                "name": _STRING,
                "version": _STRING,
                "semanticVersion": _STRING,
                "informationUri": {"type": "string", "format": "uri"},
                "rules": {
                    "type": "array",
                    "uniqueItems": True,
                    "items": {"$ref": "#/definitions/reportingDescriptor"},
                },
            },
        ),
        "reportingDescriptor": _object(
            ["id"],
            {
                "id": _STRING,
                "name": _STRING,
                "shortDescription": {"$ref": "#/definitions/multiformatMessageString"},
                "fullDescription": {"$ref": "#/definitions/multiformatMessageString"},
                "help": {"$ref": "#/definitions/multiformatMessageString"},
                "helpUri": {"type": "string", "format": "uri"},
                "defaultConfiguration": {"$ref": "#/definitions/reportingConfiguration"},
            },
        ),
        "reportingConfiguration": _object(
            [],
            {
                "enabled": {"type": "boolean"},
                "level": {"enum": ["none", "note", "warning", "error"]},
                "rank": {"type": "number", "minimum": -1, "maximum": 100},
            },
        ),
        "invocation": _object(
            ["executionSuccessful"],
            {
                "executionSuccessful": {"type": "boolean"},
                "toolExecutionNotifications": {
                    "type": "array",
                    "items": {"$ref": "#/definitions/notification"},
                },
            },
        ),
        "notification": _object(
            ["message"],
            {
                "message": _MESSAGE_REF,
                "level": {"enum": ["none", "note", "warning", "error"]},
                "locations": {"type": "array", "items": {"$ref": "#/definitions/location"}},
            },
        ),
        "result": _object(
            ["message"],
            {
                "ruleId": _STRING,
                "ruleIndex": {"type": "integer", "minimum": -1},
                "kind": {
                    "enum": ["notApplicable", "pass", "fail", "review", "open", "informational"]
                },
                "level": {"enum": ["none", "note", "warning", "error"]},
                "message": _MESSAGE_REF,
                "locations": {"type": "array", "items": {"$ref": "#/definitions/location"}},
                "partialFingerprints": {"type": "object", "additionalProperties": _STRING},
                "fingerprints": {"type": "object", "additionalProperties": _STRING},
            },
        ),
        "location": _object(
            [],
            {
                "id": {"type": "integer", "minimum": -1},
                "physicalLocation": {"$ref": "#/definitions/physicalLocation"},
                "message": _MESSAGE_REF,
            },
        ),
        "physicalLocation": {
            **_object([], {"artifactLocation": {"$ref": "#/definitions/artifactLocation"}}),
            "anyOf": [{"required": ["address"]}, {"required": ["artifactLocation"]}],
        },
        "artifactLocation": _object(
            [],
            {
                "uri": {"type": "string", "format": "uri-reference"},
                "uriBaseId": _STRING,
                "index": {"type": "integer", "minimum": -1},
            },
        ),
    },
}


def validate(document: Any, schema: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    ).validate(document)


def test_format_checking_is_real() -> None:
    # jsonschema checks "format" only with a FormatChecker and, for uri-reference, the
    # rfc3986-validator package (the test extra): without them this test fails.
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    assert not checker.conforms("not a url", "uri-reference")
    assert checker.conforms("https://api.example.test/a%20b", "uri-reference")
    document = json.loads(render_sarif(sample_reports()))
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    location["artifactLocation"]["uri"] = "not a url"
    with pytest.raises(jsonschema.ValidationError, match="uri-reference"):
        validate(document, SARIF_SCHEMA)


def sample_reports() -> list[TargetReport]:
    """Three canned targets: two holes, nothing, and an error (no sockets)."""
    url = "https://api.example.test/me"
    patterns = parse_trusted(["https://app.example.test"])
    target = Target(url, build_trust(url, patterns), (("Cookie", "session=s3cret"),))

    def reflect(origin: str) -> ProbeResponse:
        return ProbeResponse.keep_cors(
            200,
            [
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Allow-Credentials", "true"),
                # A CDN on the path: missing-vary-origin is then rated medium.
                ("Cache-Control", "public, max-age=60"),
            ],
        )

    exchanges: list[Exchange] = []
    while wave := next_probes(target, exchanges):
        exchanges += [Exchange(p, reflect(p.origin)) for p in wave]
    quiet_url = "https://quiet.example.test/"
    quiet = Target(quiet_url, build_trust(quiet_url, patterns))
    quiet_exchanges = [Exchange(p, ProbeResponse(200, ())) for p in next_probes(quiet, [])]
    return [
        analyse(target, exchanges),
        analyse(quiet, quiet_exchanges),
        TargetReport("https://down.example.test/", "error", "timed out: no answer within 10 s"),
    ]


def test_sample_has_findings_and_an_error() -> None:
    reports = sample_reports()
    assert {f.id for f in reports[0].findings} == {"origin-reflected", "missing-vary-origin"}
    assert reports[1].findings == () and reports[2].status == "error"


def test_json_document_matches_its_schema() -> None:
    document = json.loads(render_json(sample_reports()))
    validate(document, JSON_SCHEMA)
    first = document["targets"][0]["findings"][0]
    assert first["evidence"]["request"]["headers"]["Origin"] == first["origin"]
    assert (
        first["evidence"]["response"]["headers"]["access-control-allow-origin"] == first["origin"]
    )


def test_json_schema_rejects_a_wrong_document() -> None:
    document = json.loads(render_json(sample_reports()))
    document["targets"][0]["findings"][0]["severity"] = "critical"
    with pytest.raises(jsonschema.ValidationError):
        validate(document, JSON_SCHEMA)


def test_jsonl_is_one_valid_target_per_line() -> None:
    lines = [jsonl_line(report) for report in sample_reports()]
    for line in lines:
        assert line.endswith("\n") and line.count("\n") == 1
        validate(json.loads(line), TARGET_SCHEMA)


def test_credentials_from_h_are_redacted_in_evidence() -> None:
    text = render_json(sample_reports())
    assert "s3cret" not in text
    headers = json.loads(text)["targets"][0]["findings"][0]["evidence"]["request"]["headers"]
    assert headers["Cookie"] == "<redacted>"


def test_sarif_matches_the_schema_with_one_rule_per_finding_id() -> None:
    document = json.loads(render_sarif(sample_reports()))
    validate(document, SARIF_SCHEMA)
    run = document["runs"][0]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert rules == list(AUDIT_IDS) and len(set(rules)) == len(rules)
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        (location,) = result["locations"]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == (
            "https://api.example.test/me"
        )
    assert {r["level"] for r in run["results"]} == {"error", "warning"}
    (notification,) = run["invocations"][0]["toolExecutionNotifications"]
    assert "down.example.test" in notification["message"]["text"]


def test_sarif_schema_rejects_an_unknown_property() -> None:
    document = json.loads(render_sarif(sample_reports()))
    document["runs"][0]["results"][0]["severity"] = "high"
    with pytest.raises(jsonschema.ValidationError):
        validate(document, SARIF_SCHEMA)


def test_table_groups_by_target_and_ends_with_a_summary() -> None:
    text = render_table(sample_reports())
    lines = text.splitlines()
    assert lines[0] == "https://api.example.test/me"
    assert lines[1].split()[:2] == ["HIGH", "origin-reflected"]
    assert "Access-Control-Allow-Credentials: true" in lines[1]
    assert "no finding" in text and "ERROR" in text
    assert lines[-1] == "3 targets audited (1 with errors); 2 findings: 1 high, 1 medium, 0 low"
    assert "\x1b[" not in text
    assert "\x1b[1;31mHIGH" in render_table(sample_reports(), colour=True)
