/** The red team's rules: campaigns and their scoring, the vulnerability ledger, and the retrain threshold. */
export * from './campaign.js';
export * from './scoring.js';
export * from './ledger.js';
export * from './vulnerabilities.js';
