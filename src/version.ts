import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The version in package.json. Read relative to this module, which sits one level below
 * the package root both as src/version.ts (tests, tsx) and as dist/version.js (the build).
 */
export function packageVersion(): string {
  const file = fileURLToPath(new URL('../package.json', import.meta.url));
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}
