/** Progressive delivery's rules: deployment strategies as a state machine, guardrails, traffic splits and A/B statistics. */
export * from './rollout.js';
export * from './guardrails.js';
export * from './traffic.js';
