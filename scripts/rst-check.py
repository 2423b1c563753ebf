#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Parses each reStructuredText file given with docutils; any warning or
error (a malformed table, a short title underline, a missing include) is
printed and makes the exit status 1."""
import io
import sys

import docutils.core


def main():
    bad = 0
    for path in sys.argv[1:]:
        with open(path) as f:
            src = f.read()
        err = io.StringIO()
        docutils.core.publish_doctree(
            src, source_path=path,
            settings_overrides={"report_level": 2, "halt_level": 5,
                                "warning_stream": err})
        if err.getvalue():
            print(err.getvalue(), end="")
            bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main())
