#!/usr/bin/env python3
"""End-to-end benchmark of the doppel CLI, with ratios taken in one run.

Generates a base (cached by rows and seed), then times `profile` and
`dedupe --exact` with one thread and with every core, recording wall time,
records per second and peak resident memory of each run, plus the
micro-benchmark results given with --micro. Writes JSON and a short
markdown summary.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time


def run(cmd, env=None):
    """Runs cmd; returns (wall seconds, peak RSS of that process in MiB, stdout)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        out.seek(0)
        err.seek(0)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            sys.exit(f"bench: {' '.join(cmd)} failed ({code}):\n{err.read().decode(errors='replace')}")
        return wall, usage.ru_maxrss / 1024.0, out.read().decode(errors="replace")


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--doppel", required=True)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--work", default="var/bench")
    ap.add_argument("--micro", nargs="*", default=[])
    ap.add_argument("--service", help="service_bench JSON output")
    ap.add_argument("--rapidfuzz", help="rapidfuzz_compare.py JSON output")
    ap.add_argument("--json", required=True)
    ap.add_argument("--markdown", required=True)
    a = ap.parse_args()

    base_dir = os.path.join(a.work, f"ru-{a.rows}")
    base = os.path.join(base_dir, "base.csv")
    if not os.path.exists(base):
        wall, _, _ = run([a.doppel, "gen", "--rows", str(a.rows), "--seed", "7", "--locale", "ru",
                          "--out", base_dir, "-q"])
        print(f"bench: generated {a.rows} rows in {wall:.1f} s", file=sys.stderr)
    size_mb = os.path.getsize(base) / 1e6
    cores = os.cpu_count() or 1
    info = json.loads(subprocess.run([a.doppel, "info", "--json"], stdout=subprocess.PIPE, text=True).stdout)

    e2e = []
    for threads in sorted({1, cores}):
        wall, rss, _ = run([a.doppel, "profile", base, "--json", "-q", "--threads", str(threads)])
        e2e.append({"job": "profile", "threads": threads, "seconds": wall, "records_per_second": a.rows / wall,
                    "mb_per_second": size_mb / wall, "peak_rss_mib": rss})
        print(f"bench: profile threads={threads} {wall:.2f} s", file=sys.stderr)
        out = os.path.join(a.work, f"dedupe-{threads}")
        wall, rss, _ = run([a.doppel, "dedupe", "--exact", base, "--out", out, "-q", "--threads", str(threads)])
        e2e.append({"job": "dedupe --exact", "threads": threads, "seconds": wall, "records_per_second": a.rows / wall,
                    "mb_per_second": size_mb / wall, "peak_rss_mib": rss})
        print(f"bench: dedupe threads={threads} {wall:.2f} s", file=sys.stderr)

    # Fuzzy dedupe (blocking, EM training, scoring, clustering), all cores,
    # on the reference kernels and on the SIMD ones: same clusters, two times.
    fuzzy = {}
    for backend in ("reference", "simd"):
        out = os.path.join(a.work, f"fuzzy-{backend}")
        wall, rss, _ = run([a.doppel, "dedupe", base, "--out", out, "-q"],
                           env=dict(os.environ, DOPPEL_BACKEND=backend))
        with open(os.path.join(out, "summary.json")) as f:
            fz = json.load(f)
        with open(os.path.join(out, "clusters.csv"), "rb") as f:
            fuzzy[backend] = f.read()
        e2e.append({"job": f"dedupe (fuzzy, {fz['backend']})", "threads": cores, "seconds": wall,
                    "records_per_second": a.rows / wall, "mb_per_second": size_mb / wall, "peak_rss_mib": rss,
                    "candidate_pairs": fz["candidate_pairs"], "match_seconds": fz["match_seconds"],
                    "read_normalize_seconds": fz["read_normalize_seconds"],
                    "pairs_per_second": fz["pairs_per_second"], "backend": backend,
                    "stage_seconds": fz.get("stage_seconds", {})})
        print(f"bench: fuzzy dedupe ({backend}) {wall:.2f} s", file=sys.stderr)
    same_clusters = fuzzy["reference"] == fuzzy["simd"]
    # SIMD fuzzy dedupe on one thread: each matching stage's time against
    # all cores (reading keeps its own thread either way).
    stages_one = None
    if cores > 1:
        out = os.path.join(a.work, "fuzzy-simd-1")
        wall, rss, _ = run([a.doppel, "dedupe", base, "--out", out, "-q", "--threads", "1"],
                           env=dict(os.environ, DOPPEL_BACKEND="simd"))
        with open(os.path.join(out, "summary.json")) as f:
            fz = json.load(f)
        e2e.append({"job": "dedupe (fuzzy, simd)", "threads": 1, "seconds": wall, "records_per_second": a.rows / wall,
                    "mb_per_second": size_mb / wall, "peak_rss_mib": rss, "candidate_pairs": fz["candidate_pairs"],
                    "match_seconds": fz["match_seconds"], "read_normalize_seconds": fz["read_normalize_seconds"],
                    "pairs_per_second": fz["pairs_per_second"], "stage_seconds": fz.get("stage_seconds", {})})
        stages_one = fz.get("stage_seconds", {})
        print(f"bench: fuzzy dedupe (simd, 1 thread) {wall:.2f} s", file=sys.stderr)
    # The same on SIMD with the candidate pairs held to 64 MiB of RAM, the
    # rest spilled to temporary files: same clusters, its time and memory.
    out = os.path.join(a.work, "fuzzy-spilled")
    wall, rss, _ = run([a.doppel, "dedupe", base, "--out", out, "-q", "--pair-memory", "64M"],
                       env=dict(os.environ, DOPPEL_BACKEND="simd"))
    with open(os.path.join(out, "summary.json")) as f:
        fz = json.load(f)
    with open(os.path.join(out, "clusters.csv"), "rb") as f:
        same_spilled = f.read() == fuzzy["simd"]
    e2e.append({"job": "dedupe (fuzzy, simd, --pair-memory 64M)", "threads": cores, "seconds": wall,
                "records_per_second": a.rows / wall, "mb_per_second": size_mb / wall, "peak_rss_mib": rss,
                "candidate_pairs": fz["candidate_pairs"], "match_seconds": fz["match_seconds"],
                "read_normalize_seconds": fz["read_normalize_seconds"], "pairs_per_second": fz["pairs_per_second"],
                "spilled_bytes": fz["spilled_bytes"], "same_clusters_as_in_memory": same_spilled})
    print(f"bench: fuzzy dedupe (simd, spilled) {wall:.2f} s", file=sys.stderr)
    ev = subprocess.run([a.doppel, "eval", "--json", "--truth", os.path.join(base_dir, "truth.csv"),
                         os.path.join(a.work, "fuzzy-simd", "clusters.csv")], stdout=subprocess.PIPE, text=True)
    fuzzy_eval = json.loads(ev.stdout) if ev.returncode == 0 else None

    micro = []
    for path in a.micro:
        with open(path) as f:
            for b in json.load(f).get("benchmarks", []):
                if b.get("error_occurred"):
                    continue
                micro.append({"name": b["name"], "label": b.get("label", ""),
                              "items_per_second": b.get("items_per_second"),
                              "bytes_per_second": b.get("bytes_per_second"),
                              "real_time_ns": b.get("real_time") if b.get("time_unit") == "ns" else None})

    service = None
    if a.service and os.path.exists(a.service):
        with open(a.service) as f:
            service = json.load(f)

    rapidfuzz = None
    if a.rapidfuzz and os.path.exists(a.rapidfuzz):
        with open(a.rapidfuzz) as f:
            rapidfuzz = json.load(f)

    result = {
        "service": service, "rapidfuzz": rapidfuzz, "fuzzy_same_clusters_reference_vs_simd": same_clusters,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": platform.node(), "cpu": cpu_name(), "cores": cores, "doppel": info,
        "rows": a.rows, "input_mb": size_mb, "end_to_end": e2e, "micro": micro, "fuzzy_eval": fuzzy_eval,
    }
    with open(a.json, "w") as f:
        json.dump(result, f, indent=2)

    def rate(job, threads):
        for r in e2e:
            if r["job"] == job and r["threads"] == threads:
                return r["records_per_second"]
        return None

    def micro_rate(name):
        for m in micro:
            if m["name"] == name:
                return m["items_per_second"]
        return None

    lines = [f"# Benchmark {result['date']} on {result['host']}", "",
             f"CPU: {result['cpu']} ({cores} cores); SIMD target {info.get('cpu_target')}; "
             f"GPU: {info.get('gpu') or 'none'}; backend {info.get('backend')}; "
             f"malloc {info.get('allocator', 'system')}", "",
             f"Input: {a.rows:,} generated Russian records, {size_mb:.0f} MB (`doppel gen --rows {a.rows} --seed 7`)", "",
             "| job | threads | seconds | records/s | MB/s | peak RSS MiB |", "|---|---|---|---|---|---|"]
    for r in e2e:
        lines.append(f"| {r['job']} | {r['threads']} | {r['seconds']:.2f} | {r['records_per_second']:,.0f} | "
                     f"{r['mb_per_second']:.1f} | {r['peak_rss_mib']:.0f} |")
    lines.append("")
    fz = {r["backend"]: r for r in e2e if "backend" in r}
    for r in fz.values():
        lines.append(f"- fuzzy dedupe on {r['job'].split(', ')[1][:-1]}: {r['candidate_pairs']:,} candidate pairs, "
                     f"read and normalize {r['read_normalize_seconds']:.1f} s, matching {r['match_seconds']:.1f} s "
                     f"({r['pairs_per_second']:,.0f} pairs/s blocked, compared, scored and clustered)")
    if len(fz) == 2:
        ref, simd = fz["reference"], fz["simd"]
        lines.append(f"- fuzzy dedupe, SIMD / reference kernels: {ref['seconds'] / simd['seconds']:.2f}x end to end, "
                     f"{ref['match_seconds'] / simd['match_seconds']:.2f}x on the matching stage; "
                     f"clusters {'identical' if same_clusters else 'DIFFERENT'}")
    spilled = [r for r in e2e if "spilled_bytes" in r]
    if spilled and "simd" in fz:
        sp, simd = spilled[0], fz["simd"]
        lines.append(f"- fuzzy dedupe with --pair-memory 64M: {sp['spilled_bytes'] / 2**20:,.0f} MiB spilled, "
                     f"{sp['seconds'] / simd['seconds']:.2f}x the in-memory run's time, peak RSS "
                     f"{sp['peak_rss_mib']:.0f} vs {simd['peak_rss_mib']:.0f} MiB; clusters "
                     f"{'identical' if sp['same_clusters_as_in_memory'] else 'DIFFERENT'}")
    if fuzzy_eval:
        pw = fuzzy_eval["pairwise"]
        lines.append(f"- fuzzy dedupe accuracy against the generator's truth: pairwise P {pw['precision']:.4f} "
                     f"R {pw['recall']:.4f} F1 {pw['f1']:.4f}")
    for job in ("profile", "dedupe --exact", "dedupe (fuzzy, simd)"):
        one, many = rate(job, 1), rate(job, cores)
        if job.startswith("dedupe (fuzzy") and "simd" in fz:
            many = fz["simd"]["records_per_second"]
        if one and many and cores > 1:
            lines.append(f"- {job}: {cores} threads / 1 thread = {many / one:.2f}x end to end")
    if stages_one and "simd" in fz:
        many_stages = fz["simd"].get("stage_seconds", {})
        parts = [f"{name} {stages_one[name] / many_stages[name]:.2f}x ({stages_one[name]:.2f} -> {many_stages[name]:.2f} s)"
                 for name in ("blocking", "comparisons", "training", "scoring") if many_stages.get(name)]
        lines.append(f"- fuzzy dedupe matching stages, {cores} threads / 1 thread: " + ", ".join(parts))
    one, two = micro_rate("BM_NormalizeThreads/1/real_time"), micro_rate("BM_NormalizeThreads/2/real_time")
    if one and two and cores > 1:
        lines.append(f"- normalize stage alone (batches already read, bm_core): 2 threads / 1 thread = {two / one:.2f}x "
                     f"({two:,.0f} vs {one:,.0f} records/s)")
    for kernel, arg in (("BM_HashStrings", "/12"), ("BM_HashStrings", "/24"), ("BM_JaroPairs", "/5/16/16/0"),
                        ("BM_JaroPairs", "/17/32/16/0"), ("BM_JaroPairs", "/5/16/21/1"), ("BM_MinHash", "/32"), ("BM_MinHash", "/128"),
                        ("BM_BlockPairs", "/4"), ("BM_BlockPairs", "/16")):
        ref, simd = micro_rate(f"{kernel}/reference{arg}"), micro_rate(f"{kernel}/simd{arg}")
        if ref and simd:
            lines.append(f"- {kernel}{arg}: SIMD / reference = {simd / ref:.2f}x ({simd:,.0f} vs {ref:,.0f} items/s, one thread)")
    if rapidfuzz and rapidfuzz.get("rapidfuzz"):
        rf = rapidfuzz["rapidfuzz"]
        one = rf["cpdist_workers_1"]["pairs_per_second"]
        for name, b in rapidfuzz["doppel"]["backends"].items():
            lines.append(f"- Jaro-Winkler on {rapidfuzz['pairs']:,} name-like pairs ({rapidfuzz['lengths'][0]}-"
                         f"{rapidfuzz['lengths'][1]} chars), Doppel {name} one thread {b['pairs_per_second']:,.0f} pairs/s "
                         f"= {b['pairs_per_second'] / one:.1f}x rapidfuzz {rf['version']} cpdist one thread ({one:,.0f}); "
                         f"same similarities: {b.get('same_similarities')}")
    # The same kernels capped to lesser targets (run.sh's DOPPEL_SIMD_TARGET
    # runs): one line per benchmark, every target's rate.
    for name in ("BM_JaroPairs/simd/5/16/16/0", "BM_MinHash/simd/32"):
        rates = [(m["label"], m["items_per_second"]) for m in micro if m["name"] == name and m["items_per_second"]]
        if len(rates) > 1:
            lines.append(f"- {name} by target, one thread: " +
                         ", ".join(f"{label} {rate:,.0f}" for label, rate in rates) + " items/s")
    for suffix, what in (("", "Russian numbers"), ("US", "North American numbers, --region US")):
        fast, slow = micro_rate("BM_PhoneFast" + suffix), micro_rate("BM_PhoneFullParse" + suffix)
        if fast and slow:
            lines.append(f"- phone normalization ({what}): fast path / libphonenumber full parse = "
                         f"{fast / slow:.2f}x ({fast:,.0f} vs {slow:,.0f} numbers/s)")
    if service:
        ing, lat = service["ingest_records_per_second"], service["get_entity"]
        lines += ["", f"doppeld, {service['rows']:,} generated records in requests of {service['batch']:,} "
                  f"({service['window']} in flight), synced writes:", "",
                  "| ingest path | records/s | vs direct |", "|---|---|---|",
                  f"| direct library call | {ing['direct']:,.0f} | 1.00x |",
                  f"| ZeroMQ tcp | {ing['tcp']:,.0f} | {service['tcp_over_direct']:.2f}x |",
                  f"| ZeroMQ ipc | {ing['ipc']:,.0f} | {service['ipc_over_direct']:.2f}x |", "",
                  f"get_entity with {lat['clients']} concurrent clients: {lat['per_second']:,.0f} calls/s, "
                  f"p50 {lat['p50_us']:.0f} us, p99 {lat['p99_us']:.0f} us, p99.9 {lat['p999_us']:.0f} us"]
    lines.append("")
    lines.append("| micro-benchmark | items/s | MB/s | label |")
    lines.append("|---|---|---|---|")
    for m in micro:
        ips = f"{m['items_per_second']:,.0f}" if m["items_per_second"] else "-"
        bps = f"{m['bytes_per_second'] / 1e6:,.0f}" if m["bytes_per_second"] else "-"
        lines.append(f"| {m['name']} | {ips} | {bps} | {m['label']} |")
    lines.append("")
    with open(a.markdown, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
