import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';
import { ESLint } from 'eslint';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

// The same rule file `npm run lint` uses: a rule that stops firing here stops guarding src/.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const config = createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs')) as {
  forbidden: IForbiddenRuleType[];
  options: Record<string, unknown>;
};
const tsConfig = extractTSConfig(path.join(root, 'tsconfig.json'));

async function violations(baseDir: string): Promise<string[]> {
  const { tsConfig: _fileName, ...options } = config.options;
  const result = await cruise(
    ['src', 'web'],
    { ...options, baseDir, ruleSet: { forbidden: config.forbidden }, validate: true, tsConfig: { fileName: path.join(root, 'tsconfig.json') } },
    undefined,
    { tsConfig },
  );
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from}`).sort();
}

describe('architecture: dependency-cruiser boundary rules', () => {
  it('every rule fires on its deliberately wrong import in test/fixtures/boundaries, and nothing else is flagged', async () => {
    const found = await violations(path.join(root, 'test/fixtures/boundaries'));
    const expected = [
      ...['kysely', 'pg', 'better-sqlite3', 'bullmq', 'ioredis', 'fastify', 'fs', 'fs-promises'].map(
        (target) => `services-no-infrastructure: src/services/uses-${target}.ts`,
      ),
      'services-not-outward: src/services/uses-store.ts',
      'store-not-services: src/store/uses-service.ts',
      'adapter-not-adapter: src/store/uses-jobs.ts',
      'adapter-not-adapter: src/jobs/uses-store.ts',
      'adapters-do-not-import-each-other: src/store/uses-jobs.ts',
      'jobs-not-edges: src/jobs/uses-store.ts',
      'jobs-not-edges: src/jobs/uses-api.ts',
      'api-not-cli: src/api/uses-store.ts',
      'system-imports-only-domain: src/system/uses-service.ts',
      'pure-core-no-io: src/domain/uses-fs.ts',
      'domain-imports-only-domain: src/domain/uses-service.ts',
      'ml-imports-only-ml-and-domain: src/ml/uses-store.ts',
      'dialect-chosen-once: src/store/sql/uses-dialect.ts',
      'no-circular: src/services/cycle-a.ts',
      'web-is-a-client: web/src/uses-server-code.ts',
    ].sort();
    assert.deepEqual(found, expected);
    const proven = new Set(found.map((entry) => entry.split(':')[0]));
    assert.deepEqual(
      config.forbidden.map((rule) => rule.name).filter((name) => !proven.has(name ?? '')),
      [],
      'every rule in .dependency-cruiser.cjs has a fixture that breaks it',
    );
  });

  it('the real src/ breaks none of them', async () => {
    assert.deepEqual(await violations(root), []);
  });
});

describe('architecture: no branching on the SQL dialect outside src/store/sql/dialects', () => {
  // The same eslint.config.js `npm run lint` uses, on code placed where a store would be.
  const eslint = new ESLint({ cwd: root });
  const ruleHits = async (code: string, filePath: string) =>
    (await eslint.lintText(code, { filePath: path.join(root, filePath) }))[0]!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').length;

  it('refuses a store that tests which database it runs on, by comparison or by switch', async () => {
    const store = 'src/store/sql/sql-example-store.ts';
    assert.equal(await ruleHits("export const f = (d: { name: string }) => (d.name === 'postgres' ? 1 : 2);\n", store), 1);
    assert.equal(await ruleHits("export const f = (dialect: string) => 'sqlite' !== dialect;\n", store), 1);
    assert.equal(await ruleHits("export function f(d: string) {\n  switch (d) {\n    case 'postgres':\n      return 1;\n  }\n  return 2;\n}\n", store), 1);
  });

  it('allows the dialect files themselves, and other uses of the words', async () => {
    assert.equal(await ruleHits("export const f = (d: string) => d === 'postgres';\n", 'src/store/sql/dialects/example.ts'), 0);
    assert.equal(await ruleHits("export const names = ['sqlite', 'postgres'];\n", 'src/store/sql/sql-example-store.ts'), 0);
  });
});
