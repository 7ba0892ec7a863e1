import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export interface Position {
  line: number;
  column: number;
}

/**
 * Where the node at `path` starts in the source; the nearest existing ancestor when the path does
 * not exist (a missing field points at the object that lacks it). With `key`, the position of the
 * last path element's key rather than its value (for unknown fields).
 */
export function locate(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  key = false,
): Position {
  let node: unknown = doc.contents;
  let found: Node | undefined = isNode(node) ? node : undefined;
  let parentKey: Node | undefined;
  let complete = true;
  for (let i = 0; i < path.length; i++) {
    const step = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
      if (!pair) {
        complete = false;
        break;
      }
      if (last && key && isNode(pair.key)) {
        found = pair.key;
        break;
      }
      node = pair.value;
      parentKey = isNode(pair.key) ? pair.key : parentKey;
      if (isNode(pair.value)) found = pair.value;
      else if (isNode(pair.key)) found = pair.key;
    } else if (isSeq(node) && typeof step === 'number') {
      node = node.items[step];
      if (!isNode(node)) {
        complete = false;
        break;
      }
      found = node;
      parentKey = undefined;
    } else {
      complete = false;
      break;
    }
  }
  // A missing field: point at the key that names the object lacking it.
  if (!complete && parentKey) found = parentKey;
  const offset = found?.range?.[0] ?? 0;
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && 'range' in v;
}
