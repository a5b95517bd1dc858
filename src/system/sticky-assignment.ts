import { createHmac, randomBytes } from 'node:crypto';
import { unitFromDigest } from '../domain/deployments/traffic.js';

/** A fresh secret key for a deployment's sticky assignment (256 random bits, hex). */
export function newAssignmentKey(): string {
  return randomBytes(32).toString('hex');
}

/**
 * Where in [0, 1) a subject falls for a deployment: HMAC-SHA256 of the subject under the
 * deployment's secret key, so every process puts one subject in the same arm, and a client
 * cannot pick subjects to land in the arm it wants without the key.
 */
export function subjectUnit(key: string, subject: string): number {
  return unitFromDigest(createHmac('sha256', key).update(subject).digest());
}
