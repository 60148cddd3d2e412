"""Does PyYAML (the one installed with the Python eastern) read each document?

stdin: one JSON string per line (a YAML stream); stdout: one JSON line per input,
{"ok": true} or {"ok": false, "error": "<first line of PyYAML's message>"}.
"""
import json
import sys

import yaml


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        text = json.loads(line)
        try:
            list(yaml.safe_load_all(text))
            result = {"ok": True}
        except yaml.YAMLError as e:
            result = {"ok": False, "error": str(e).split("\n")[0]}
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
