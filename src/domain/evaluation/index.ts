/** Evaluation rules shared by every comparison: metric directions and paired statistics. */
export * from './metric-direction.js';
export * from './paired.js';
