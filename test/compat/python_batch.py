"""Run many `eastern` (Python 5.x) command lines in one interpreter.

The compatibility test has a hundred command lines to compare; starting Python
and scanning its entry points costs ~0.3 s each, so they run here through the
same entry point the `eastern` script calls (eastern.cli:cli), with stdout and
stderr captured per job and the exit code taken from SystemExit, as the real
process would report it.

stdin: one JSON object per line {"id", "cwd", "argv"}; stdout: one JSON object per
line {"id", "code", "stdout", "stderr"}.
"""
import io
import json
import os
import sys
import traceback


def run_job(cli, job):
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="replace")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="replace")
    saved = sys.stdout, sys.stderr
    code = 0
    try:
        os.chdir(job["cwd"])
        sys.stdout, sys.stderr = out, err
        try:
            cli.main(args=job["argv"], prog_name="eastern", standalone_mode=True)
        except SystemExit as e:
            if e.code is None:
                code = 0
            elif isinstance(e.code, int):
                code = e.code
            else:
                print(e.code, file=sys.stderr)
                code = 1
        except BaseException:  # an uncaught exception ends the real process with 1
            traceback.print_exc()
            code = 1
    finally:
        sys.stdout, sys.stderr = saved
    out.flush()
    err.flush()
    return {
        "id": job["id"],
        "code": code,
        "stdout": out.buffer.getvalue().decode("utf-8", "replace"),
        "stderr": err.buffer.getvalue().decode("utf-8", "replace"),
    }


def main():
    from eastern.cli import cli

    for line in sys.stdin:
        if not line.strip():
            continue
        result = run_job(cli, json.loads(line))
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
