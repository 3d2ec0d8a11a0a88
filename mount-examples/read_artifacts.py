"""Read artifacts from a mounted store with nothing but open(): no SDK, no store-specific code.

Usage: python3 read_artifacts.py MOUNTPOINT
Sums the metrics of every run under MOUNTPOINT/runs and writes MOUNTPOINT/summary.json.
"""
import csv
import json
import os
import sys

mountpoint = sys.argv[1]
summary = {}
for run in sorted(os.listdir(os.path.join(mountpoint, "runs"))):
    with open(os.path.join(mountpoint, "runs", run, "metrics.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    summary[run] = {"epochs": len(rows), "final_loss": float(rows[-1]["loss"])}

# Writing is plain open() too. The file reaches the store when it is closed, and an upload that
# fails makes close() raise, so a `with` block never hides a lost write.
with open(os.path.join(mountpoint, "summary.json"), "w") as f:
    json.dump(summary, f, indent=2, sort_keys=True)
print(json.dumps(summary, sort_keys=True))
