#!/usr/bin/env python3
"""Runs a program of the fault build once per allocation it makes, with that
allocation failing (DE_FAULT_ALLOC=n, see tests/fault/alloc.c), and checks that
every run ends cleanly. Prints one TAP line.

  sweep.py NAME INPUT_FILE PROG_PATH [ARGS...]

A run is clean when it does not crash or trip a sanitizer (exit 86 or a
signal), writes only whole JSON lines, says why on stderr when it fails, and,
when it exits 0, writes as many records as the run without faults.
The environment variable DEAL_ENRICH_DB, when set, is replaced per run by a
fresh directory, so that each run starts from the same empty db.
"""
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile


def run(prog, args, data, env, n, tmp):
    env = dict(env)
    db = os.path.join(tmp, "db-%d" % n)
    shutil.rmtree(db, ignore_errors=True)
    env["DEAL_ENRICH_DB"] = db
    if n:
        env["DE_FAULT_ALLOC"] = str(n)
    else:
        env["DE_FAULT_COUNT_FILE"] = os.path.join(tmp, "count")
    p = subprocess.run([prog] + args, input=data, capture_output=True, env=env, timeout=120)
    shutil.rmtree(db, ignore_errors=True)
    return p


def whole_json_lines(out):
    if not out:
        return True
    if not out.endswith(b"\n"):
        return False
    try:
        for line in out.splitlines():
            json.loads(line)
    except ValueError:
        return False
    return True


def main():
    name, input_file, prog, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    data = open(input_file, "rb").read()
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        good = run(prog, args, data, env, 0, tmp)
        if good.returncode != 0:
            print("not ok - %s: the run without faults exits %d: %s"
                  % (name, good.returncode, good.stderr[:300].decode(errors="replace")))
            return 1
        total = int(open(os.path.join(tmp, "count")).read())
        good_lines = good.stdout.count(b"\n")
        problems, failed = [], 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            runs = pool.map(lambda n: (n, run(prog, args, data, env, n, tmp)), range(1, total + 1))
            for n, p in runs:
                rc = p.returncode
                err = p.stderr.decode(errors="replace")
                if rc == 86 or rc < 0 or rc >= 128:
                    lines = [l for l in err.splitlines() if "ERROR" in l or "runtime error" in l
                             or l.strip().startswith("#")]
                    problems.append("n=%d: crash (exit %d) %s" % (n, rc, " | ".join(lines[:4])))
                elif not whole_json_lines(p.stdout):
                    problems.append("n=%d: a half-written or invalid line" % n)
                elif rc == 0 and p.stdout.count(b"\n") != good_lines:
                    problems.append("n=%d: exit 0 but %d records, not %d"
                                    % (n, p.stdout.count(b"\n"), good_lines))
                elif rc != 0 and not err.strip():
                    problems.append("n=%d: exit %d without a message" % (n, rc))
                elif rc != 0:
                    failed += 1
    if problems:
        print("not ok - %s: %d faults injected, %d problems" % (name, total, len(problems)))
        for p in problems[:5]:
            print("#   " + p)
        return 1
    print("ok - %s: %d allocation faults injected, %d clean failures, 0 crashes, 0 records lost"
          % (name, total, failed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
