/**
 * What Security Hub accepts of a finding's text (ASFF): its limits, and helpers that keep every field within
 * them. Pure: no I/O, no clock, no SDK.
 */

/** ASFF limits (Security Hub user guide, "ASFF required attributes" and the `Other`/`ProductFields` pages). */
export const LIMITS = {
  ID: 512,
  GENERATOR_ID: 512,
  TITLE: 256,
  DESCRIPTION: 1024,
  MAX_RESOURCES: 32,
  PRODUCT_FIELDS: 50,
  PRODUCT_FIELD_KEY: 128,
  PRODUCT_FIELD_VALUE: 2048,
  OTHER_FIELDS: 50,
  /** "fewer than 128 characters" */
  OTHER_KEY: 127,
  /** "fewer than 1,024 characters" */
  OTHER_VALUE: 1023,
} as const;

/**
 * Trims and shortens `value` to at most `max` UTF-16 code units, ending with an ellipsis when cut, and never
 * splitting a surrogate pair (half an emoji is invalid Unicode and can make the whole finding invalid).
 */
export function truncate(value: string, max: number): string {
  const clean = value.trim();
  if (clean.length <= max) return clean;
  let cut = max - 1; // one unit for the ellipsis
  const last = clean.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1; // a high surrogate whose pair would be cut off
  return `${clean.slice(0, cut).trimEnd()}…`;
}

/**
 * Removes every empty or whitespace-only string, empty object and empty array, recursively: Security Hub
 * rejects a whole finding for a single blank string.
 */
export function dropBlank(value: unknown): unknown {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (Array.isArray(value)) {
    const items = value.map(dropBlank).filter((v) => v !== undefined);
    return items.length === 0 ? undefined : items;
  }
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const kept = dropBlank(v);
      if (kept !== undefined && k.trim() !== '') out[k] = kept;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value;
}

export function boundedMap(fields: Record<string, string | undefined>, maxEntries: number, maxKey: number, maxValue: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined || v.trim() === '' || Object.keys(out).length >= maxEntries) continue;
    out[truncate(k, maxKey)] = truncate(v, maxValue);
  }
  return out;
}

export function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
