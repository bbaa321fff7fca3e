/** Where in the YAML text a problem is: the line of the node its path names. */
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
import { parsePath, type ConfigProblem } from './errors.js';

export interface ParsedYaml {
  doc: Document;
  lines: LineCounter;
  /** Syntax errors, each with its line; the document is unusable when there are any. */
  problems: ConfigProblem[];
}

export function parseYaml(text: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  const problems = doc.errors.map((err) => ({
    path: '',
    message: `not valid YAML: ${err.message.split('\n')[0]}`,
    // linePos is only filled in with prettyErrors, which also rewrites the message; the offset is always there.
    line: lines.linePos(err.pos[0]).line,
  }));
  return { doc, lines, problems };
}

/** `problems` with the line of each one's path, where the document has a node for it. */
export function withLines({ doc, lines }: ParsedYaml, problems: ConfigProblem[]): ConfigProblem[] {
  return problems.map((problem) => {
    if (problem.line !== undefined) return problem;
    const offset = nodeOffset(doc, parsePath(problem.path));
    return offset === undefined ? problem : { ...problem, line: lines.linePos(offset).line };
  });
}

/**
 * Where the node at `segments` starts. A missing key ("url is required") or a defaulted value
 * has no node of its own, so the nearest enclosing node that exists (the check) gives the line.
 */
function nodeOffset(doc: Document, segments: Array<string | number>): number | undefined {
  for (let depth = segments.length; depth >= 0; depth -= 1) {
    const node = depth === 0 ? doc.contents : doc.getIn(segments.slice(0, depth), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return undefined;
}
