/** Evaluation rules shared by every comparison: metric directions, paired statistics, compared rows. */
export * from './metric-direction.js';
export * from './paired.js';
export * from './comparison.js';
