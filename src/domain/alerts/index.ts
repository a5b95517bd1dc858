/** Alerting's rules: rules and signals, episodes (fire once, resolve with hysteresis, cooldown), silences and notifications. */
export * from './rules.js';
export * from './episodes.js';
export * from './silences.js';
export * from './notifications.js';
