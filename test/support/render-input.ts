/**
 * Renders an EventBridge input transformer over an event the way EventBridge does for a plain-text
 * (non-JSON) InputTemplate: each `<name>` of InputPathsMap is replaced by the value its JSON path selects
 * (dot notation, as EventBridge supports it). A string goes in as is, a number or boolean as its text, an
 * object or array as JSON. A path the event lacks renders as an empty string: AWS does not document this
 * case, so the templates put every optional value at the end of its own labelled line, where an empty
 * value still reads well whatever EventBridge puts there.
 */
export function renderInputTransformer(transformer: { InputPathsMap?: Record<string, string>; InputTemplate: string }, event: unknown): string {
  const paths = transformer.InputPathsMap ?? {};
  return transformer.InputTemplate.replace(/<([A-Za-z0-9_-]+)>/g, (whole, name: string) => {
    if (!(name in paths)) return whole;
    const value = select(event, paths[name]);
    if (value === undefined || value === null) return '';
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  });
}

function select(event: unknown, path: string): unknown {
  if (!path.startsWith('$')) throw new Error(`not a JSON path: ${path}`);
  let current: any = event;
  for (const key of path.slice(2).split('.').filter((k) => k.length > 0)) {
    if (current === null || typeof current !== 'object' || !(key in current)) return undefined;
    current = current[key];
  }
  return current;
}
