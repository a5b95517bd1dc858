import { randomBytes } from 'node:crypto';
import type { Clock, IdGenerator } from '../domain/ports/clock.js';

export const systemClock: Clock = { now: () => Date.now() };

/** Time-ordered ids: 9 base-36 chars of milliseconds, then 12 random hex chars. */
export const randomIds: IdGenerator = {
  next: () => Date.now().toString(36).padStart(9, '0') + randomBytes(6).toString('hex'),
};
