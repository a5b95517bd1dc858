/**
 * Monitoring statistics, pure and fast: reference profiles, drift tests with effect sizes,
 * stream anomaly detectors and live performance with confidence intervals. The monitoring
 * service feeds them counts and typed arrays and stores what they return.
 */
export * from './profile.js';
export * from './distributions.js';
export * from './drift.js';
export * from './anomaly.js';
export * from './performance.js';
export * from './policy.js';
