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

/**
 * Renders an input transformer whose InputTemplate is JSON, the way "Amazon EventBridge input transformation"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html) documents it:
 * - a placeholder outside the template's strings becomes the value's JSON ("Simple JSON": `"instance": <instance>`
 *   gives `"instance": "i-0123456789"`; an object or array goes in as JSON, as `<aws.events.event>` does);
 * - a placeholder inside a string gets the value as is: "EventBridge doesn't escape values extracted by Input
 *   Path, when populating the Input Template" (Common issues), so a value with a double quote breaks the JSON;
 * - a path the event lacks "isn't created and won't appear in the output": an empty string in either place.
 * The result is the text EventBridge sends; the caller parses it to find out whether it is still JSON.
 */
export function renderJsonInputTransformer(transformer: { InputPathsMap?: Record<string, string>; InputTemplate: string }, event: unknown): string {
  const paths = transformer.InputPathsMap ?? {};
  const t = transformer.InputTemplate;
  let out = '';
  let inString = false;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (inString && c === '\\') {
      out += t.slice(i, i + 2);
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
    const m = c === '<' ? /^<([A-Za-z0-9_-]+)>/.exec(t.slice(i)) : null;
    if (m === null || !(m[1] in paths)) {
      out += c;
      continue;
    }
    const value = select(event, paths[m[1]]);
    if (value === undefined) out += '';
    else if (inString) out += typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
    else out += JSON.stringify(value);
    i += m[0].length - 1;
  }
  return out;
}
