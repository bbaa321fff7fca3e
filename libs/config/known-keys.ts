import { z } from 'zod';

/**
 * The keys the schema accepts for the mapping at `path` of `input`, so an "unknown key"
 * message can say what was expected. zod's unrecognized_keys issue names only the bad keys.
 * Check and channel unions are resolved by the `type` the user wrote.
 */
export function knownKeys(schema: z.ZodType, path: ReadonlyArray<PropertyKey>, input: unknown): string[] {
  let current = unwrap(schema, input);
  let value = input;
  for (const segment of path) {
    const next = child(current, segment);
    if (next === undefined) return [];
    value = isMapping(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[segment] : undefined;
    current = unwrap(next, value);
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

/** The key among `known` that `key` is most likely a typo of, if any is close enough. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= Math.max(1, Math.floor(candidate.length / 3)) && (best === undefined || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

function child(schema: z.ZodType, segment: PropertyKey): z.ZodType | undefined {
  if (schema instanceof z.ZodObject) return (schema.shape as Record<string, z.ZodType>)[String(segment)];
  if (schema instanceof z.ZodArray) return schema.element as z.ZodType;
  if (schema instanceof z.ZodRecord) return schema.valueType as z.ZodType;
  return undefined;
}

/**
 * Looks through optional and default wrappers, transforms and unions to the schema that applies. A plain
 * union (`tls: true | { verify, ca }`) applies its mapping branch to a mapping.
 */
function unwrap(schema: z.ZodType, value: unknown): z.ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodPrefault) current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodPipe) current = current.in as z.ZodType;
    else if (current instanceof z.ZodLazy) current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodDiscriminatedUnion) {
      const option = matchingOption(current, value);
      if (option === undefined) return current;
      current = option;
    } else if (current instanceof z.ZodUnion) {
      const option = isMapping(value) ? (current.options as z.ZodType[]).find((candidate) => unwrap(candidate, value) instanceof z.ZodObject) : undefined;
      if (option === undefined) return current;
      current = option;
    } else return current;
  }
}

function matchingOption(union: z.ZodDiscriminatedUnion, value: unknown): z.ZodType | undefined {
  const discriminator = union.def.discriminator;
  const given = isMapping(value) ? value[discriminator] : undefined;
  return (union.options as z.ZodType[]).find((option) => {
    const object = unwrap(option, value);
    const tag = object instanceof z.ZodObject ? (object.shape as Record<string, z.ZodType>)[discriminator] : undefined;
    return tag instanceof z.ZodLiteral && tag.values.has(given as never);
  });
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
