#!/usr/bin/env python3
"""Speed and memory of `medshield inspect` against baselines measured in the same run.

For each pinned real package it times, on one core:
  * `unzip -p APP > /dev/null`      (Info-ZIP inflating every entry: the baseline)
  * `medshield inspect --format json APP > /dev/null`  (full inspect: every entry inflated, signatures
    verified, every dex indexed and every method's instructions decoded)
  * androguard 4.1.4 `AnalyzeAPK(APP)` in a venv (skipped with --no-androguard)
and prints the ratios the scanner-engine issue sets as targets:
  inspect / unzip <= 0.75,  androguard / inspect >= 100,  peak RSS <= 2 x dex bytes + 64 MB;
and for the full `medshield scan` (rules, SDKs, call sites, strings) issue 3's targets:
  scan / unzip <= 1.0 on Yosemite.apk,  androguard / scan >= 75,  peak RSS <= 2 x dex bytes + 96 MB,
  `scan DIR` -j1 / -j2 >= 1.8 on 100 packages.
The load average is printed before and after: other work on the machine skews every ratio.

The packages are fetched by pinned version into bench/cache (PyPI sdists airtest==1.4.3 and
pocoui==1.0.94, npm appium-uiautomator2-server@10.6.6).

Usage: python3 bench/run.py [--runs N] [--no-androguard] [--binary PATH]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "cache"
VENV = ROOT / "bench" / "venv"
# Where `cargo build` (run from the repository root) puts the binary: CARGO_TARGET_DIR when set.
DEFAULT_BINARY = ROOT / (os.environ.get("CARGO_TARGET_DIR") or "target") / "release" / "medshield"

# (file name in the cache, how to fetch the archive, archive name, member path inside it)
PACKAGES = [
    ("Yosemite.apk", ["pip", "download", "--no-deps", "--no-binary", ":all:", "airtest==1.4.3", "-d", "."],
     "airtest-1.4.3.tar.gz", "airtest-1.4.3/airtest/core/android/static/apks/Yosemite.apk"),
    ("appium-uiautomator2-server-v10.6.6.apk", ["npm", "pack", "appium-uiautomator2-server@10.6.6", "--silent"],
     "appium-uiautomator2-server-10.6.6.tgz", "package/apks/appium-uiautomator2-server-v10.6.6.apk"),
    ("pocoservice-debug.apk", ["pip", "download", "--no-deps", "--no-binary", ":all:", "pocoui==1.0.94", "-d", "."],
     "pocoui-1.0.94.tar.gz", "pocoui-1.0.94/poco/drivers/android/lib/pocoservice-debug.apk"),
]


def fetch(name, command, archive, member):
    CACHE.mkdir(parents=True, exist_ok=True)
    target = CACHE / name
    if target.exists():
        return target
    if not (CACHE / archive).exists():
        subprocess.run(command, cwd=CACHE, check=True)
    with tarfile.open(CACHE / archive) as tar:
        src = tar.extractfile(member)
        if src is None:
            sys.exit(f"{member} not found in {archive}")
        target.write_bytes(src.read())
    return target


def run_once(argv, stdout=subprocess.DEVNULL):
    """Runs a command pinned to one CPU; returns (wall seconds, peak RSS in bytes)."""
    # stderr goes to a file, not a pipe: androguard logs megabytes there, and a full pipe that
    # nobody reads until the end would block it forever.
    with tempfile.TemporaryFile() as err_file:
        start = time.perf_counter()
        proc = subprocess.Popen(["taskset", "-c", "0"] + argv, stdout=stdout, stderr=err_file)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err_file.seek(0)
            err = err_file.read().decode(errors="replace")[-2000:]
            sys.exit(f"command failed: {' '.join(argv)}\n{err}")
    return elapsed, usage.ru_maxrss * 1024


def median_time(argv, runs):
    samples = [run_once(argv) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples)


def androguard_python():
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "androguard==4.1.4"], check=True)
    return python


def dex_bytes(apk):
    with zipfile.ZipFile(apk) as z:
        return sum(i.file_size for i in z.infolist() if i.filename.endswith(".dex"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--no-androguard", action="store_true")
    ap.add_argument("--binary", default=str(DEFAULT_BINARY))
    args = ap.parse_args()

    if not shutil.which("unzip") or not shutil.which("taskset"):
        sys.exit("needs unzip and taskset (apt-get install -y unzip util-linux)")
    if args.binary == str(DEFAULT_BINARY):
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "medshield"], cwd=ROOT, check=True)

    apks = [fetch(*p) for p in PACKAGES]
    python = None if args.no_androguard else androguard_python()
    print("load average (1/5/15 min) before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"{'package':42} {'MB':>5} {'unzip -p':>9} {'inspect':>9} {'ratio':>6} {'target':>7} "
          f"{'RSS MB':>7} {'RSS cap':>7} {'scan':>8} {'ratio':>6} {'RSS MB':>7} {'RSS cap':>7} "
          f"{'androguard':>10} {'inspect×':>9} {'scan×':>7}")
    failed = False
    for apk in apks:
        size_mb = apk.stat().st_size / 1e6
        unzip_s, _ = median_time(["sh", "-c", f"unzip -p '{apk}' > /dev/null"], args.runs)
        inspect_s, rss = median_time([args.binary, "inspect", "--format", "json", str(apk)], args.runs)
        cap = 2 * dex_bytes(apk) + 64 * 2**20
        ratio = inspect_s / unzip_s
        line = (f"{apk.name:42} {size_mb:5.1f} {unzip_s*1e3:7.0f}ms {inspect_s*1e3:7.0f}ms {ratio:6.2f} "
                f"{'ok' if ratio <= 0.75 else 'MISS':>7} {rss/2**20:7.1f} {cap/2**20:7.1f}")
        failed |= ratio > 0.75 or rss > cap
        # Full scan (issue 3): <= 1.0x unzip on Yosemite (the others are informative), RSS <= 2 x dex
        # + 96 MB, >= 75x faster than androguard.
        scan_s, scan_rss = median_time([args.binary, "scan", "--format", "json", "--date", "2026-11-25", str(apk)], args.runs)
        scan_cap = 2 * dex_bytes(apk) + 96 * 2**20
        line += f" {scan_s*1e3:6.0f}ms {scan_s/unzip_s:6.2f} {scan_rss/2**20:7.1f} {scan_cap/2**20:7.1f}"
        failed |= scan_rss > scan_cap or (apk.name == "Yosemite.apk" and scan_s > unzip_s)
        if python:
            code = f"from androguard.misc import AnalyzeAPK; AnalyzeAPK({str(apk)!r})"
            # One run: it takes tens of seconds and the ratio is two orders of magnitude.
            ag_s, _ = run_once([str(python), "-c", code])
            speedup = ag_s / inspect_s
            scan_speedup = ag_s / scan_s
            failed |= speedup < 100 or scan_speedup < 75
            line += f" {ag_s:9.1f}s {speedup:8.0f}x {scan_speedup:6.0f}x"
        print(line, flush=True)
    failed |= jobs_scaling(args.binary)
    print("load average (1/5/15 min) after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    sys.exit(1 if failed else 0)


def jobs_scaling(binary):
    """`scan DIR` over 100 packages with -j1 and -j2 (target: >= 1.8x on two cores). The packages are
    the 100 largest fixture APKs plus the three pinned ones, linked into a scratch folder."""
    fixtures = ROOT.parent / "shared" / "fixtures" / "apks"
    if not fixtures.is_dir():
        print("jobs scaling: NOT RUN (no ../shared/fixtures)")
        return False
    apks = sorted(fixtures.rglob("*.apk"), key=lambda p: p.stat().st_size, reverse=True)[:97]
    apks += [CACHE / p[0] for p in PACKAGES]
    work = Path(tempfile.mkdtemp(prefix="medshield-jobs-"))
    for i, apk in enumerate(apks):
        (work / f"{i:03d}.apk").symlink_to(apk.resolve())
    times = {}
    for jobs in (1, 2):
        argv = [binary, "scan", "--format", "json", "--date", "2026-11-25", "-j", str(jobs), str(work)]
        samples = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            samples.append(time.perf_counter() - start)
        times[jobs] = statistics.median(samples)
    shutil.rmtree(work)
    speedup = times[1] / times[2]
    print(f"scan of {len(apks)} packages: -j1 {times[1]:.2f}s, -j2 {times[2]:.2f}s, speed-up {speedup:.2f}x "
          f"({'ok' if speedup >= 1.8 else 'MISS'}, target >= 1.8x)")
    return speedup < 1.8


if __name__ == "__main__":
    main()
