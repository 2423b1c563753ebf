#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turns kunit.py's JSON into one 'name passed failed skipped' line per suite.

Every suite defined in the given test sources must appear in the JSON: a suite
that never reported (the kernel crashed, hung or did not boot) is one failure,
so a broken run can never look like a clean one.
"""
import json
import re
import sys


def leaves(group):
    """Every test case under a group, parameterised cases one by one."""
    for sub in group.get("sub_groups", []):
        yield from leaves(sub)
    yield from group.get("test_cases", [])


def count(root, out):
    for suite in root.get("sub_groups", []):
        tally = out.setdefault(suite["name"], [0, 0, 0])
        for case in leaves(suite):
            status = case["status"]
            tally[0 if status == "PASS" else 2 if status == "SKIP" else 1] += 1


def main():
    arch, json_path, sources = sys.argv[1], sys.argv[2], sys.argv[3:]
    expected = []
    for path in sources:
        text = open(path, encoding="utf-8").read()
        for block in re.findall(r"struct kunit_suite \w+ = \{(.*?)\};", text, re.S):
            name = re.search(r'\.name\s*=\s*"([^"]+)"', block)
            if name:
                expected.append(name.group(1))
    if not expected:
        sys.exit("kunit-results: no suite found in the test sources")

    tallies = {}
    try:
        with open(json_path, encoding="utf-8") as f:
            count(json.load(f), tallies)
    except (OSError, ValueError) as err:
        print(f"kunit-results: {arch}: no usable results ({err})", file=sys.stderr)

    for name in expected:
        passed, failed, skipped = tallies.get(name, (0, 1, 0))
        if name not in tallies:
            print(f"kunit-results: {arch}: suite {name} never reported", file=sys.stderr)
        print(f"kunit-{arch}:{name} {passed} {failed} {skipped}")


if __name__ == "__main__":
    main()
