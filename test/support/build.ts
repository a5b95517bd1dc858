/**
 * The project as the README's set-up leaves it, in a temp folder: package.json, bin/ and
 * dist/ compiled from src/ by tsconfig.build.json (the `npm run build` that `npm ci` runs),
 * node_modules linked, and no src/ — so what runs there is the compiled JavaScript, never a
 * TypeScript loader. Built once per test process (type-checking is lint's job: --noCheck).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { tempDir } from './stores.js';
// @ts-expect-error -- a plain .mjs script shared with bin/warden.js, without type declarations
import { distState } from '../../scripts/dist-state.mjs';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface BuiltCheckout {
  /** The temp project root: `npm start` and `npx warden` run here. */
  readonly root: string;
  /** root/bin/warden.js */
  readonly bin: string;
  remove(): void;
}

let building: Promise<BuiltCheckout> | undefined;

export function builtCheckout(): Promise<BuiltCheckout> {
  building ??= (async () => {
    const temp = tempDir('warden-build-');
    const root = temp.dir;
    const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await promisify(execFile)(process.execPath, [tsc, '-p', path.join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', path.join(root, 'dist'), '--noCheck']);
    fs.copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(root, 'package.json'));
    for (const file of ['bin/warden.js', 'scripts/dist-state.mjs', 'scripts/prepare.mjs']) {
      fs.mkdirSync(path.join(root, path.dirname(file)), { recursive: true });
      fs.copyFileSync(path.join(REPO_ROOT, file), path.join(root, file));
    }
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'));
    return { root, bin: path.join(root, 'bin', 'warden.js'), remove: temp.remove };
  })();
  return building;
}

/**
 * The compiled `warden` bin for tests that only run it: this checkout's own when its dist/ is
 * fresh (built after every change to src/, as `npm ci` leaves it), else a built checkout's.
 */
export async function wardenBin(): Promise<string> {
  if ((distState(REPO_ROOT) as string) === 'fresh') return path.join(REPO_ROOT, 'bin', 'warden.js');
  return (await builtCheckout()).bin;
}
