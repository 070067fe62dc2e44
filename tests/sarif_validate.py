"""Validates SARIF documents against a JSON schema, formats included (uri, date-time).

    python sarif_validate.py SCHEMA FILE...

Prints each error (the document, the JSON path, the message) and exits 1 when any document is
invalid; exits 0 when all are valid. Used by tests/integration/sarif.rs with the venv of
scripts/test.sh (jsonschema, rfc3986-validator).
"""

import json
import sys

import jsonschema


def main(argv):
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    # Without rfc3986-validator, "uri" would not be checked at all.
    if "uri" not in validator.format_checker.checkers:
        print("the uri format cannot be checked (rfc3986-validator missing)")
        return 2
    bad = 0
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            bad += 1
            where = "/".join(str(p) for p in err.absolute_path)
            print(f"{path}: /{where}: {err.message}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
