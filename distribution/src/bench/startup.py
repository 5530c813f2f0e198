#!/usr/bin/env python3
"""Start-up times of the anytls4j launcher, several variants side by side (bench.sh's startup section).

For each case a fresh process is launched and timed:
  - a serving case (client, server, run) from the launch to the moment every one of its ports is in LISTEN state
    (read from /proc/net/tcp and tcp6 every 5 ms: nothing connects to the process), then it is stopped (SIGTERM);
  - an exiting case (check, -h) from the launch to its exit (its status must be 0).
Variants are run alternately (variant 1 case 1, variant 2 case 1, ..., then the next repetition), so that a change in
the machine's load touches them all alike; the table gives the median and the spread of each.

usage: startup.py OUT_DIR REPS CASES_FILE VARIANT...
  CASES_FILE  lines "name|ports (comma-separated, empty for an exiting command)|arguments of bin/anytls4j"
  VARIANT     "name|distribution directory|JAVA_OPTS[|JAVA_HOME]" (no JAVA_HOME: the environment's)
Prints a markdown table; each run is appended as a JSON line to OUT_DIR/startup.jsonl.
"""
import json
import os
import signal
import statistics
import subprocess
import sys
import time

POLL_S = 0.005
TIMEOUT_S = 120


def listening_ports():
    ports = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == "0A":  # TCP_LISTEN
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        except FileNotFoundError:
            pass
    return ports


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return None


def run_once(out_dir, variant, case, rep):
    vname, dist, java_opts, java_home = variant
    cname, ports, args = case
    env = dict(os.environ, JAVA_OPTS=java_opts)
    if java_home:
        env["JAVA_HOME"] = java_home
    log_path = os.path.join(out_dir, "startup-%s-%s-%d.log" % (vname, cname, rep))
    with open(log_path, "wb") as log:
        start = time.monotonic()
        proc = subprocess.Popen([os.path.join(dist, "bin", "anytls4j")] + args.split(), stdout=log, stderr=log,
                                env=env, start_new_session=True)
        rss = None
        if ports:
            while True:
                if ports <= listening_ports():
                    elapsed = time.monotonic() - start
                    rss = rss_kib(proc.pid)
                    break
                if proc.poll() is not None:
                    raise SystemExit("startup: %s %s exited with %d before listening on %s (see %s)"
                                     % (vname, cname, proc.returncode, sorted(ports), log_path))
                if time.monotonic() - start > TIMEOUT_S:
                    proc.kill()
                    raise SystemExit("startup: %s %s not listening after %d s (see %s)"
                                     % (vname, cname, TIMEOUT_S, log_path))
                time.sleep(POLL_S)
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        else:
            code = proc.wait(TIMEOUT_S)
            elapsed = time.monotonic() - start
            if code != 0:
                raise SystemExit("startup: %s %s exited with %d (see %s)" % (vname, cname, code, log_path))
    return elapsed, rss


def main():
    out_dir, reps, cases_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    cases = []
    for line in open(cases_file):
        line = line.strip()
        if line and not line.startswith("#"):
            name, ports, args = line.split("|", 2)
            cases.append((name, {int(p) for p in ports.split(",") if p}, args))
    variants = [tuple((v.split("|", 3) + [""])[:4]) for v in sys.argv[4:]]
    busy = set().union(*(c[1] for c in cases)) & listening_ports()
    if busy:
        raise SystemExit("startup: ports %s are already in use; free them or leave those cases out" % sorted(busy))
    times = {}
    with open(os.path.join(out_dir, "startup.jsonl"), "a") as results:
        for rep in range(reps):
            for case in cases:
                for variant in variants:
                    elapsed, rss = run_once(out_dir, variant, case, rep)
                    times.setdefault((case[0], variant[0]), []).append((elapsed, rss))
                    results.write(json.dumps({"case": case[0], "variant": variant[0], "rep": rep,
                                              "seconds": round(elapsed, 4), "rss_kib": rss}) + "\n")
                    results.flush()
    names = [v[0] for v in variants]
    print("| case | " + " | ".join("%s: median s (min-max)" % n for n in names)
          + "".join(" | %s / %s" % (n, names[0]) for n in names[1:]) + " |")
    print("|---|" + "---|" * (2 * len(names) - 1))
    for case in cases:
        meds = []
        cells = []
        for n in names:
            ts = [t for t, _ in times[(case[0], n)]]
            meds.append(statistics.median(ts))
            cells.append("%.2f (%.2f-%.2f)" % (meds[-1], min(ts), max(ts)))
        ratios = ["%.2f" % (m / meds[0]) for m in meds[1:]]
        print("| %s | %s |" % (case[0], " | ".join(cells + ratios)))
    rss_rows = [(case[0], [statistics.median(r for _, r in times[(case[0], n)] if r) for n in names])
                for case in cases if case[1]]
    if rss_rows:
        print()
        print("| case: RSS when listening, MiB (median) | " + " | ".join(names) + " |")
        print("|---|" + "---|" * len(names))
        for cname, rss in rss_rows:
            print("| %s | %s |" % (cname, " | ".join("%.0f" % (r / 1024) for r in rss)))


if __name__ == "__main__":
    main()
