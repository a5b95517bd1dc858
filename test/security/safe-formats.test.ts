/**
 * Safe formats only: nothing in Warden deserialises code. Models, datasets and
 * artifacts are data (JSON, text, raw bytes verified by sha256); no source file may
 * evaluate strings, build functions from text, run code in a VM, or use a
 * deserialiser that can instantiate arbitrary objects. ESLint bans eval/new Function
 * too; this guard also covers the module-level escape hatches ESLint does not see.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

const FORBIDDEN: ReadonlyArray<readonly [RegExp, string]> = [
  [/(^|[^.\w])eval\s*\(/, 'eval()'],
  [/\bnew\s+Function\s*\(/, 'new Function()'],
  [/\bFunction\s*\(\s*['"`]/, 'Function("…")'],
  [/\bset(?:Timeout|Interval)\s*\(\s*['"`]/, 'setTimeout/setInterval with a string'],
  [/from\s+['"](?:node:)?vm['"]|require\(\s*['"](?:node:)?vm['"]\s*\)/, 'the vm module'],
  [/\bv8\.deserialize\b|from\s+['"](?:node:)?v8['"]/, 'v8 (de)serialisation'],
  [/['"](?:node-serialize|serialize-javascript|funcster|cryo|pickle|pickleparser|jsonpickle)['"]/, 'a code-capable deserialiser'],
  [/\bimport\s*\(\s*[^'"`\s)]/, 'import() of a computed specifier'],
];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|js|mjs|cjs)$/.test(entry.name) ? [full] : [];
  });
}

/** The code without comments and string contents, so documentation that names eval does not trip it. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

describe('safe formats only', () => {
  it('finds the source tree', () => {
    assert.ok(sourceFiles(SRC).length > 10);
  });

  it('no source file evaluates code or uses a code-capable deserialiser', () => {
    const offences: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const text = code(fs.readFileSync(file, 'utf8'));
      for (const [pattern, what] of FORBIDDEN) {
        if (pattern.test(text)) offences.push(`${path.relative(SRC, file)}: ${what}`);
      }
    }
    assert.deepEqual(offences, []);
  });

  it('the guard catches what it claims to', () => {
    const samples = ['const x = eval("1")', 'new Function("return 1")', "import vm from 'node:vm'", 'await import(userPath)', "import s from 'node-serialize'", "setTimeout('alert(1)', 1)"];
    for (const sample of samples) assert.ok(FORBIDDEN.some(([pattern]) => pattern.test(code(sample))), sample);
    assert.equal(FORBIDDEN.some(([pattern]) => pattern.test(code('// we never eval(input)\nconst evaluate = (x: number) => x;'))), false);
  });
});
