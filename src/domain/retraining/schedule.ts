/**
 * Retraining schedules in cron syntax (five fields, or six with seconds), evaluated in UTC so
 * every process of a cluster agrees on when a schedule fires. Parsing is cron-parser's.
 */
import { CronExpressionParser } from 'cron-parser';
import { invalid } from '../errors.js';

/** Checks a cron expression; VALIDATION_FAILED naming `field` with the parser's reason. */
export function parseCron(expression: unknown, field = 'cron'): string {
  if (typeof expression !== 'string' || expression.trim() === '' || expression.length > 200) {
    throw invalid(field, `${field} must be a cron expression of at most 200 characters, e.g. "0 3 * * *"`);
  }
  const fields = expression.trim().split(/\s+/).length;
  // cron-parser also reads nicknames and 7-field forms; a schedule stays portable with 5 or 6 fields.
  if (fields < 5 || fields > 6) throw invalid(field, `${field} must have 5 fields (minute hour day month weekday) or 6 (seconds first)`);
  try {
    CronExpressionParser.parse(expression, { tz: 'UTC', strict: false });
  } catch (error) {
    throw invalid(field, `${field} is not a valid cron expression: ${error instanceof Error ? error.message : String(error)}`);
  }
  return expression.trim();
}

/**
 * The latest time in (`after`, `upTo`] at which the schedule fires, or null when it does not
 * fire in that span. A tick passes the previous tick's time as `after`, so each firing is
 * seen by exactly one tick however far apart ticks are; firings missed while nothing ran
 * collapse into the latest one (one retrain, not a backlog).
 */
export function lastFiringIn(expression: string, after: number, upTo: number): number | null {
  if (upTo <= after) return null;
  // prev() is strictly before currentDate, so start just past `upTo` to include it.
  const cron = CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: new Date(upTo + 1) });
  const previous = cron.prev().getTime();
  return previous > after ? previous : null;
}
