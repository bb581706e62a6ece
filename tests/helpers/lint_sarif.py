"""The SARIF schema subset lint's output is validated against, and a real format checker.

No copy of the official SARIF 2.1.0 JSON schema is installed here (none of the
site-packages ship one) and the web is out of reach, so SARIF_SUBSET transcribes the
parts of the official schema (sarif-schema-2.1.0.json, OASIS) that this output uses: the same
property names, required properties, enums, minimums and additionalProperties=false where the
official schema has them.
"""

from __future__ import annotations

import jsonschema

_MESSAGE = {
    "type": "object",
    "properties": {"text": {"type": "string"}, "markdown": {"type": "string"}},
    "required": ["text"],
}
_PROPERTY_BAG = {"type": "object", "additionalProperties": True}
SARIF_SUBSET = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"enum": ["2.1.0"]},
        "runs": {"type": ["array", "null"], "items": {"$ref": "#/definitions/run"}},
    },
    "definitions": {
        "run": {
            "type": "object",
            "additionalProperties": False,
            "required": ["tool"],
            "properties": {
                "tool": {"$ref": "#/definitions/tool"},
                "results": {"type": ["array", "null"], "items": {"$ref": "#/definitions/result"}},
                "invocations": {"type": "array", "items": {"$ref": "#/definitions/invocation"}},
            },
        },
        "tool": {
            "type": "object",
            "additionalProperties": False,
            "required": ["driver"],
            "properties": {"driver": {"$ref": "#/definitions/toolComponent"}},
        },
        "toolComponent": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "version": {"type": "string"},
                "informationUri": {"type": "string", "format": "uri"},
                "rules": {
                    "type": "array",
                    "uniqueItems": True,
                    "items": {"$ref": "#/definitions/reportingDescriptor"},
                },
            },
        },
        "reportingDescriptor": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id"],
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "shortDescription": _MESSAGE,
                "fullDescription": _MESSAGE,
                "help": _MESSAGE,
                "defaultConfiguration": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"level": {"enum": ["none", "note", "warning", "error"]}},
                },
                "properties": _PROPERTY_BAG,
            },
        },
        "result": {
            "type": "object",
            "additionalProperties": False,
            "required": ["message"],
            "properties": {
                "ruleId": {"type": "string"},
                "ruleIndex": {"type": "integer", "minimum": -1},
                "level": {"enum": ["none", "note", "warning", "error"]},
                "message": _MESSAGE,
                "locations": {"type": "array", "items": {"$ref": "#/definitions/location"}},
                "properties": _PROPERTY_BAG,
            },
        },
        "location": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"physicalLocation": {"$ref": "#/definitions/physicalLocation"}},
        },
        "physicalLocation": {
            "type": "object",
            "additionalProperties": False,
            "anyOf": [{"required": ["address"]}, {"required": ["artifactLocation"]}],
            "properties": {
                "address": {"type": "object"},
                "artifactLocation": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"uri": {"type": "string", "format": "uri-reference"}},
                },
                "region": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "startLine": {"type": "integer", "minimum": 1},
                        "startColumn": {"type": "integer", "minimum": 1},
                        "endLine": {"type": "integer", "minimum": 1},
                        "endColumn": {"type": "integer", "minimum": 1},
                    },
                },
            },
        },
        "invocation": {
            "type": "object",
            "additionalProperties": False,
            "required": ["executionSuccessful"],
            "properties": {
                "executionSuccessful": {"type": "boolean"},
                "toolExecutionNotifications": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["message"],
                        "properties": {
                            "message": _MESSAGE,
                            "level": {"enum": ["none", "note", "warning", "error"]},
                            "locations": {
                                "type": "array",
                                "items": {"$ref": "#/definitions/location"},
                            },
                        },
                    },
                },
            },
        },
    },
}

# jsonschema checks "uri" and "uri-reference" only with rfc3987 or rfc3986-validator
# installed (the test extra has rfc3986-validator); without one, every string passes.
FORMATS = jsonschema.FormatChecker()
