"""JSON schemas for the audit's output (JSON, JSON Lines, SARIF) and the validator.

No installed package ships the SARIF 2.1.0 schema and there is no network here, so
`SARIF_SCHEMA` is a compact subset of the OASIS schema (sarif-schema-2.1.0.json, draft-07)
covering every object corsguard writes, with the same required properties, enums and
``additionalProperties: false`` as the full schema, so unknown or misspelt properties fail.
"""

from __future__ import annotations

from typing import Any

import jsonschema

from corsguard.audit.model import MAX_REQUESTS
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
