/**
 * The public surface is what docs/api.md lists: every entry point exports exactly the names
 * documented under its heading (values and types alike), so an export cannot be added, renamed
 * or dropped without the page saying so.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/** Entry point (package subpath) -> its source file. */
const entries: Record<string, string> = {
  'rnn-anomaly': 'src/index.ts',
  'rnn-anomaly/engine': 'src/engine/index.ts',
  'rnn-anomaly/eval': 'src/eval/index.ts',
  'rnn-anomaly/report': 'src/report/index.ts',
};

/** The most runtime values the main entry may export: it is for applications, not plumbing. */
const MAIN_ENTRY_VALUE_LIMIT = 50;

function documentedNames(): Map<string, string[]> {
  const page = readFileSync(join(root, 'docs', 'api.md'), 'utf8');
  const byEntry = new Map<string, string[]>();
  let current: string[] | undefined;
  // Names are the bullets that open with a backticked name, and every backticked name in the
  // paragraphs of a "### Types" subsection (types listed compactly).
  let inTypeList = false;
  for (const line of page.split('\n')) {
    const heading = /^## (rnn-anomaly\S*)\s*$/.exec(line);
    if (heading) {
      current = [];
      inTypeList = false;
      byEntry.set(heading[1] as string, current);
      continue;
    }
    if (line.startsWith('## ')) current = undefined;
    if (line.startsWith('### ')) {
      inTypeList = line.startsWith('### Types');
      continue;
    }
    if (!current) continue;
    const bullet = /^- `([A-Za-z_$][\w$]*)`/.exec(line);
    if (bullet) current.push(bullet[1] as string);
    else if (inTypeList) for (const [, name] of line.matchAll(/`([A-Za-z_$][\w$]*)`/g)) current.push(name as string);
  }
  return byEntry;
}

function exportedNames(): Map<string, { all: string[]; values: string[] }> {
  const files = Object.values(entries).map((f) => join(root, f));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const result = new Map<string, { all: string[]; values: string[] }>();
  for (const [entry, file] of Object.entries(entries)) {
    const source = program.getSourceFile(join(root, file));
    if (!source) throw new Error(`${file} is missing`);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`${file} exports nothing`);
    const symbols = checker.getExportsOfModule(moduleSymbol);
    const values = symbols.filter((s) => {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      return (target.flags & ts.SymbolFlags.Value) !== 0;
    });
    result.set(entry, { all: symbols.map((s) => s.name).sort(), values: values.map((s) => s.name).sort() });
  }
  return result;
}

describe('public API', () => {
  const documented = documentedNames();
  const exported = exportedNames();

  it('documents every entry point and nothing else', () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(entries).sort());
  });

  it.each(Object.keys(entries))('%s exports exactly the names docs/api.md lists', (entry) => {
    const names = exported.get(entry)?.all ?? [];
    const listed = [...(documented.get(entry) ?? [])].sort();
    expect(new Set(listed).size, `${entry}: a name is listed twice`).toBe(listed.length);
    expect({
      undocumented: names.filter((n) => !listed.includes(n)),
      missing: listed.filter((n) => !names.includes(n)),
    }).toEqual({ undocumented: [], missing: [] });
  });

  it(`keeps the main entry to at most ${MAIN_ENTRY_VALUE_LIMIT} runtime values`, () => {
    expect(exported.get('rnn-anomaly')?.values.length).toBeLessThanOrEqual(MAIN_ENTRY_VALUE_LIMIT);
  });

  it.each(Object.entries(entries))(
    '%s loads, and every documented value is defined at run time',
    async (entry, file) => {
      const module = (await import(join(root, file))) as Record<string, unknown>;
      for (const name of exported.get(entry)?.values ?? []) expect(module[name], `${entry}: ${name}`).toBeDefined();
    },
  );
});
