"""Validates one message body (stdin) against its channel's payload in docs/asyncapi.yaml.

Usage: asyncapi_validate.py ASYNCAPI_YAML CHANNEL   e.g. examhall.outbound/payment.requested
Prints nothing and exits 0 when valid; prints each violation and exits 1 otherwise.
"""
import json
import sys

import jsonschema
import yaml

document = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
channel = sys.argv[2]
if channel not in document["channels"]:
    print(f"{channel}: no such channel")
    sys.exit(1)
pointer = "#/channels/" + channel.replace("~", "~0").replace("/", "~1") + "/subscribe/message/payload"
schema = dict(document, **{"$ref": pointer})
validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
errors = sorted(validator.iter_errors(json.load(sys.stdin)), key=lambda e: list(e.absolute_path))
for error in errors:
    print("/".join(str(p) for p in error.absolute_path) + ": " + error.message)
sys.exit(1 if errors else 0)
