"""Print the ERROR/WARNING/CRITICAL lines of an Odoo log that the allow-list does not cover.

Usage: python scan_log.py ALLOWLIST LOGFILE

The allow-list holds one regular expression a line; each must be preceded by a
comment line that says why it is allowed. A log record's continuation lines (a
traceback) belong to the record above them and are printed with it.
"""

import re
import sys

RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) ")


def load_allowlist(path):
    patterns, reason = [], None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line.strip():
                reason = None
            elif line.startswith("#"):
                reason = line
            else:
                if not reason:
                    sys.exit(f"{path}: pattern {line!r} has no reason comment above it")
                patterns.append(re.compile(line))
    return patterns


def main(allow_path, log_path):
    allowed = load_allowlist(allow_path)
    bad = []
    current = None
    with open(log_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = RECORD.match(line)
            if m:
                current = None
                if m.group(1) in ("WARNING", "ERROR", "CRITICAL") and not any(p.search(line) for p in allowed):
                    current = [line.rstrip("\n")]
                    bad.append(current)
            elif current is not None and len(current) < 30:
                current.append(line.rstrip("\n"))
    for record in bad:
        print("\n".join(record))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
