import fs from 'node:fs';
import type { LocalArtifactStore } from '../../src/store/artifacts/local-artifact-store.js';

/** Flips one byte in the middle of a stored blob, in place (same inode, like a disk or an attacker would). */
export function corruptLocalBlob(store: LocalArtifactStore, digest: string): void {
  const file = store.blobPath(digest);
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r+');
  try {
    const position = Math.floor(size / 2);
    const byte = Buffer.alloc(1);
    fs.readSync(fd, byte, 0, 1, position);
    byte[0] = (byte[0] as number) ^ 0x01;
    fs.writeSync(fd, byte, 0, 1, position);
  } finally {
    fs.closeSync(fd);
  }
}
