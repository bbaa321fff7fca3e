import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Root (or CAP_DAC_OVERRIDE) reads a mode-000 file anyway; found out by trying rather than by uid. */
export const chmodStopsReading = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-permission-probe-'));
  try {
    const path = join(dir, 'locked');
    writeFileSync(path, 'x');
    chmodSync(path, 0o000);
    readFileSync(path);
    return false;
  } catch {
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();
