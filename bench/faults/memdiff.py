"""Read a probed soak's memory figures (``bench/faults/probe``): what grew, and where.

    python -m bench.faults.memdiff DIR [--from N] [--top 15]

Prints each process's samples (resident memory, Python blocks, SQLite's heap, glibc's heap
in use and free, the pools) and, when tracemalloc snapshots were taken, the lines whose
allocations grew most between snapshot N (default: the first) and the last.
"""

from __future__ import annotations

import argparse
import json
import tracemalloc
from pathlib import Path

MiB = 2**20


def _table(path: Path) -> None:
    print(f"\n== pid {path.stem}")
    print("   t  rss MiB  py blocks  sqlite MiB  malloc used/free MiB  mmap MiB  thr  pool")
    for line in path.read_text().splitlines():
        row = json.loads(line)
        pools = row.get("pools") or []
        pool = pools[0]["status"] if isinstance(pools, list) and pools else pools
        print(
            f"{row['t']:5.0f} {row['rss_kib'] / 1024:8.1f} {row['blocks']:10d} "
            f"{row.get('sqlite_mem', 0) / MiB:11.1f} "
            f"{row.get('malloc_used', 0) / MiB:10.1f}/{row.get('malloc_free', 0) / MiB:<9.1f} "
            f"{row.get('malloc_mmap', 0) / MiB:8.1f} {row['threads']:4d}  {pool}"
        )


def _diff(snaps: list[Path], first: int, top: int) -> None:
    if len(snaps) <= first:
        return
    old = tracemalloc.Snapshot.load(str(snaps[first]))
    new = tracemalloc.Snapshot.load(str(snaps[-1]))
    stats = new.compare_to(old, "lineno")
    total = sum(s.size_diff for s in stats)
    print(f"   tracemalloc {snaps[first].stem} -> {snaps[-1].stem}: {total / MiB:+.2f} MiB")
    for stat in stats[:top]:
        print(f"     {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d}  {stat.traceback}")


def main() -> None:
    """Tables and diffs for every process that wrote samples."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--from", dest="first", type=int, default=0)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    for path in sorted(args.dir.glob("*.jsonl")):
        if sum(1 for _ in path.open()) < 2:
            continue
        _table(path)
        _diff(sorted(args.dir.glob(f"{path.stem}-*.snap")), args.first, args.top)


if __name__ == "__main__":
    main()
