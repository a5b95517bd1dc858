/** Retraining: trigger signals, the policy, evidence, cron schedules and the arbitration into one decision. */
export * from './policy.js';
export * from './evidence.js';
export * from './schedule.js';
export * from './arbitration.js';
export * from './decisions.js';
export * from './promotion.js';
