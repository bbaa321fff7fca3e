/** InfluxDB line protocol, written by hand because it is four escaping rules and a join. */

export type FieldValue = string | number | boolean | { int: number };

export interface Point {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, FieldValue | undefined>;
  /** Epoch milliseconds; written with precision=ms. */
  timestampMs: number;
}

const escapeKey = (text: string) => text.replace(/[,= \\]/g, (c) => `\\${c}`).replace(/\n/g, '\\n');
const escapeMeasurement = (text: string) => text.replace(/[, \\]/g, (c) => `\\${c}`).replace(/\n/g, '\\n');
const escapeString = (text: string) => `"${text.replace(/["\\]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;

function formatField(value: FieldValue): string {
  if (typeof value === 'object') return `${Math.trunc(value.int)}i`;
  if (typeof value === 'string') return escapeString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return Number.isFinite(value) ? String(value) : '0';
}

/** Tags are sorted (InfluxDB's fastest path); empty tag values are left out (InfluxDB rejects them). */
export function toLine(point: Point): string {
  const tags = Object.keys(point.tags).sort()
    .filter((key) => point.tags[key] !== '')
    .map((key) => `,${escapeKey(key)}=${escapeKey(point.tags[key]!)}`).join('');
  const fields = Object.entries(point.fields)
    .filter((entry): entry is [string, FieldValue] => entry[1] !== undefined)
    .map(([key, value]) => `${escapeKey(key)}=${formatField(value)}`).join(',');
  return `${escapeMeasurement(point.measurement)}${tags} ${fields} ${Math.trunc(point.timestampMs)}`;
}
