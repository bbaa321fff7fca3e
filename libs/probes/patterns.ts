import { RE2JS } from 're2js';

/**
 * Regular expressions from the configuration run with RE2 (re2js): matching is linear in
 * the input, so no pattern (`(a+)+$`) and no response can hang a worker. The configuration
 * is validated with the same engine, so a pattern that reaches a probe compiles.
 */
const compiled = new Map<string, RE2JS>();
const CACHE_LIMIT = 256;

function compile(source: string): RE2JS {
  let pattern = compiled.get(source);
  if (pattern === undefined) {
    pattern = RE2JS.compile(source);
    if (compiled.size >= CACHE_LIMIT) compiled.delete(compiled.keys().next().value!);
    compiled.set(source, pattern);
  }
  return pattern;
}

/** Whether `source` matches anywhere in `text`. */
export function patternFound(source: string, text: string): boolean {
  return compile(source).test(text);
}
