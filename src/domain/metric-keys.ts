/**
 * Metric keys: one rule for what a run logs (tracking), what a version records (registry),
 * the metric an auto-stage policy reads and the metric a version search names — so a metric
 * a training run logs can always be registered, staged on and searched. Run params and tags
 * share it. Every column holding a key is `text` on SQLite and PostgreSQL alike (no length
 * bound in the store), so the limit is the more permissive of the two that were in use
 * (MLflow's 250).
 */
export const MAX_METRIC_KEY_LENGTH = 250;

/** The characters of a key, as a regex source fragment (for patterns that embed a key). */
export const METRIC_KEY_CHARS = '[A-Za-z0-9_.\\-/]';

export const METRIC_KEY_PATTERN = new RegExp(`^${METRIC_KEY_CHARS}{1,${MAX_METRIC_KEY_LENGTH}}$`);

/** The rule in words, for error messages. */
export const METRIC_KEY_RULE = `1-${MAX_METRIC_KEY_LENGTH} letters, digits or _ . - /`;

export function isMetricKey(value: unknown): value is string {
  return typeof value === 'string' && METRIC_KEY_PATTERN.test(value);
}
