// The prediction writer thread's entry when Warden runs from its TypeScript sources (tsx,
// tests): a worker thread does not inherit the parent's loader, so it registers tsx first.
// Both specifiers are literals: nothing here is computed or evaluated.
import { register } from 'tsx/esm/api';

register();
await import('./sqlite-prediction-writer-worker.ts');
