/** The registry's rules: names, stages and their legal moves, semver, auto-stage policy, lineage, search, compare. */
export * from './vocabulary.js';
export * from './entities.js';
export * from './names.js';
export * from './semver.js';
export * from './auto-stage.js';
export * from './transitions.js';
export * from './lineage.js';
export * from './version-filter.js';
export * from './compare.js';
export * from './robustness-gate.js';
