#!/usr/bin/python3
"""Incremental fuzzy matching through doppeld, scored against the truth.

Trains a model with `doppel dedupe` on one generated base (seed 43, no
labels), starts doppeld with it on an empty database, streams a second base
(seed 42) through `doppel ingest --server` in requests of --batch records,
then asks the server for every record's entity (following merges) and scores
those clusters with `doppel eval`. Prints one JSON object.

    bench/incremental.py --build build --rows 20000   (Debian python3 with
    python3-zmq and python3-msgpack, as scripts/install-deps.sh installs)
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "service", "python"))
from doppel_client import Client  # noqa: E402


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, **kw).stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--work", default="var/bench/incremental")
    a = ap.parse_args()
    doppel = os.path.join(a.build, "service", "doppel")
    doppeld = os.path.join(a.build, "service", "doppeld")
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    train, base = os.path.join(a.work, "train"), os.path.join(a.work, "base")
    run([doppel, "gen", "-q", "--rows", str(a.rows), "--seed", "43", "--out", train])
    run([doppel, "gen", "-q", "--rows", str(a.rows), "--seed", "42", "--out", base])
    run([doppel, "dedupe", "-q", os.path.join(train, "base.csv"), "--out", os.path.join(train, "dd")])

    endpoint_file = os.path.join(a.work, "endpoint")
    server = subprocess.Popen([doppeld, "--db", os.path.join(a.work, "db"), "--listen", "tcp://127.0.0.1:*",
                               "--endpoint-file", endpoint_file, "--model", os.path.join(train, "dd", "model.json")],
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(500):
            if os.path.exists(endpoint_file):
                break
            time.sleep(0.02)
        endpoint = open(endpoint_file).read().strip()
        t0 = time.monotonic()
        run([doppel, "ingest", "-q", "--server", endpoint, "--batch", str(a.batch), os.path.join(base, "base.csv")])
        ingest_s = time.monotonic() - t0

        clusters = os.path.join(a.work, "clusters.csv")
        final = {}
        with Client(endpoint) as c, open(os.path.join(base, "base.csv"), newline="", encoding="utf-8") as f, \
                open(clusters, "w", newline="") as out:
            rows = csv.reader(f, delimiter=";")
            next(rows)
            w = csv.writer(out)
            w.writerow(["record_id", "entity_id"])
            for row in rows:
                entity = c.get_record(row[0])["entity"]
                if entity not in final:
                    final[entity] = c.get_entity(entity)["id"]
                w.writerow([row[0], final[entity]])
    finally:
        server.terminate()
        server.wait()
    ev = json.loads(run([doppel, "eval", "--json", "--truth", os.path.join(base, "truth.csv"), clusters]))
    print(json.dumps({"rows": a.rows, "batch": a.batch, "ingest_seconds": round(ingest_s, 2),
                      "ingest_records_per_second": round(a.rows / ingest_s),
                      "pairwise": ev["pairwise"], "bcubed": ev["bcubed"]}, indent=1))


if __name__ == "__main__":
    main()
