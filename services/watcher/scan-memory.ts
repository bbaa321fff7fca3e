import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Full garbage collections while a watch takes its first look at a tree. chokidar's initial
 * scan lstats every entry, a few hundred at a time per folder, and V8 (whose heap may grow to
 * about a quarter of the machine's memory) lets that short-lived garbage pile up: a tree of
 * 100,000 files peaked at 420 MB resident for a live heap of 30 MB, and the memory came back
 * to the system late or never. Collecting every half second during the scan keeps it at about
 * 185 MB afterwards and near 300 MB at its peak, with the scan no slower (docs/BENCHMARKS.md,
 * bench:watch tree); once no scan runs, V8 is left alone.
 */
export const SCAN_GC_EVERY_MS = 500;

let collect: (() => void) | undefined;
let scans = 0;
let timer: NodeJS.Timeout | undefined;

function collector(): () => void {
  if (collect === undefined) {
    // The flag makes `gc` exist in contexts created after it is set; this process's own global stays as it was.
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  return collect;
}

/** Collects garbage every SCAN_GC_EVERY_MS until `scan` settles (shared by every scan running at once). */
export function collectGarbageDuring(scan: Promise<unknown>): void {
  scans += 1;
  const gc = collector();
  timer ??= setInterval(gc, SCAN_GC_EVERY_MS);
  timer.unref();
  void scan.finally(() => {
    scans -= 1;
    if (scans > 0) return;
    clearInterval(timer);
    timer = undefined;
  }).catch(() => undefined);
}
