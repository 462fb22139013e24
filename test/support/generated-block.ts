/**
 * README tables that the tests produce rather than a person types: a suite computes its rows, renders them as
 * Markdown, and `expectGeneratedBlock` compares them with the block between
 * `<!-- generated:<name> -->` and `<!-- /generated:<name> -->` in README.md. A stale table fails the suite;
 * `UPDATE_README=1 npx jest <suite>` rewrites the block from the run (then review and commit the diff).
 */
import * as fs from 'fs';
import * as path from 'path';

export const README = path.join(__dirname, '..', '..', 'README.md');

/** A Markdown table of `rows` under `header` (cells have their `|` escaped). */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

function bounds(readme: string, name: string): { start: number; end: number } {
  const open = `<!-- generated:${name} -->`;
  const close = `<!-- /generated:${name} -->`;
  const start = readme.indexOf(open);
  const end = readme.indexOf(close);
  if (start < 0 || end < start) throw new Error(`README.md has no block ${open} ... ${close}: add the two markers where the block belongs, then run with UPDATE_README=1`);
  return { start: start + open.length, end };
}

/** The README's block `name` becomes `markdown` (for scripts such as the benchmark, which assert nothing). */
export function writeGeneratedBlock(name: string, markdown: string): void {
  const readme = fs.readFileSync(README, 'utf8');
  const { start, end } = bounds(readme, name);
  fs.writeFileSync(README, `${readme.slice(0, start)}\n${markdown.trim()}\n${readme.slice(end)}`);
}

/** The README's block `name` equals `markdown` (or, with UPDATE_README=1, becomes it). */
export function expectGeneratedBlock(name: string, markdown: string): void {
  if (process.env.UPDATE_README === '1') {
    writeGeneratedBlock(name, markdown);
    return;
  }
  const readme = fs.readFileSync(README, 'utf8');
  const { start, end } = bounds(readme, name);
  expect(readme.slice(start, end)).toEqual(`\n${markdown.trim()}\n`);
}
