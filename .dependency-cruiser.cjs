/**
 * Boundary rules from DESIGN.md: dependencies point inward only. Each rule is proven to
 * fire by test/architecture.test.ts against the wrong imports in test/fixtures/boundaries/.
 * Package paths match `(^|/)node_modules/` so they hold for a tree cruised from another base.
 */
const pureLayers = '^src/(domain|ml)/';
const infrastructurePackages = '(^|/)node_modules/(fastify|@fastify|kysely|better-sqlite3|pg|bullmq|ioredis)/';
module.exports = {
  forbidden: [
    {
      name: 'pure-core-no-io',
      comment: 'domain/ and ml/ are pure: no framework, database driver, queue, file system or process access.',
      severity: 'error',
      from: { path: pureLayers },
      to: {
        path: [
          '(^|/)node_modules/(fastify|@fastify|kysely|better-sqlite3|pg|bullmq|ioredis|commander|cli-table3)/',
          '^(node:)?(fs|fs/promises|child_process|net|http|https|os|worker_threads|cluster)$',
        ],
      },
    },
    {
      name: 'domain-imports-only-domain',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/domain/' },
    },
    {
      name: 'ml-imports-only-ml-and-domain',
      severity: 'error',
      from: { path: '^src/ml/' },
      to: { path: '^src/', pathNot: '^src/(ml|domain)/' },
    },
    {
      name: 'services-not-outward',
      comment: 'services use ports, never adapters or edges.',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: '^src/(api|cli|store|jobs|main|startup)' },
    },
    {
      name: 'services-no-infrastructure',
      comment: 'services/ holds use cases only: storage, queue, HTTP and the file system come through ports.',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: [infrastructurePackages, '^(node:)?(fs|fs/promises)$'] },
    },
    {
      name: 'store-not-services',
      comment: 'store/ adapters implement ports; they never call the use cases.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/services/' },
    },
    {
      name: 'adapter-not-adapter',
      comment: 'The queue adapters (jobs/) and the storage adapters (store/) never import each other; main wires them.',
      severity: 'error',
      from: { path: '^src/(store|jobs)/' },
      to: { path: '^src/(store|jobs)/', pathNot: '^src/$1/' },
    },
    {
      name: 'system-imports-only-domain',
      comment: 'system/ (clock, ids, digest, in-process events) is shared infrastructure below services: it may only use domain/.',
      severity: 'error',
      from: { path: '^src/system/' },
      to: { path: '^src/', pathNot: '^src/(system|domain)/' },
    },
    {
      name: 'adapters-do-not-import-each-other',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/(api|cli|jobs|main|startup)' },
    },
    {
      name: 'jobs-not-edges',
      severity: 'error',
      from: { path: '^src/jobs/' },
      to: { path: '^src/(api|cli|store|main|startup)' },
    },
    {
      name: 'api-not-cli',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { path: '^src/(cli|store|jobs|main|startup)' },
    },
    {
      name: 'dialect-chosen-once',
      comment: 'The URL picks the SQL dialect once, in store/sql/database.ts; stores ask the SqlDialect it carries, never a concrete one.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/store/sql/(database\\.ts$|dialects/)' },
      to: { path: '^src/store/sql/dialects/(sqlite|postgres)\\.ts$' },
    },
    {
      name: 'web-is-a-client',
      comment: 'The dashboard (web/) reaches the server over HTTP: from src/ it imports types only (erased from the bundle), never code.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^src/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // The dashboard's build output: one bundle, not source.
    exclude: { path: '^web/dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
