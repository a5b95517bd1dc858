/**
 * Process heartbeats on the real platform (SQLite with the in-process queue, PostgreSQL with
 * Redis): two processes on one store — the test's platform and a peer API process — each
 * report their resources, so GET /monitoring and GET /monitoring/:model answered by either one
 * list both, the answering one marked `self`; a process that stops drops out at once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Platform } from '../../src/main.js';
import { PLATFORM_MODES, openModePlatform, openPeerPlatform, type TestPlatform } from '../support/platform.js';

type Json = Record<string, unknown>;
interface ProcessJson {
  id: string;
  self: boolean;
  host: string;
  pid: number;
  roles: string[];
  startedAt: number;
  expiresAt: number;
  resources: { pid: number; cpuCores: number; rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; eventLoopLagMs: { mean: number; p99: number; max: number }; gpu: unknown; sampledAt: number };
}

for (const mode of PLATFORM_MODES) {
  describe(`process heartbeats on ${mode.name}`, () => {
    let platform: TestPlatform;
    let peer: Platform | undefined;
    let viewer: { authorization: string };

    before(async () => {
      platform = await openModePlatform(mode);
      viewer = await platform.auth('viewer');
      // A snapshot to read: a tick over a model without traffic stores an empty one.
      await platform.services.monitoring.monitorModel('quiet-model');
    });
    after(async () => {
      await peer?.close();
      await platform.close();
    });

    const processesOf = async (app: Platform['app'], url: string): Promise<ProcessJson[]> => {
      const res = await app.inject({ method: 'GET', url, headers: viewer });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as Json).processes as ProcessJson[];
    };

    it('lists every live process with its resources from whichever process answers, and drops one that stops', async () => {
      peer = await openPeerPlatform(platform, { WARDEN_ROLES: 'api' });
      for (const url of ['/monitoring', '/monitoring/quiet-model']) {
        const fromFirst = await processesOf(platform.app, url);
        const fromPeer = await processesOf(peer.app, url);
        assert.equal(fromFirst.length, 2, JSON.stringify(fromFirst));
        assert.deepEqual(
          fromFirst.map((p) => p.id),
          fromPeer.map((p) => p.id),
          'both processes read the same table',
        );
        // Each answer marks a different process as itself, and the roles tell them apart.
        const selfFirst = fromFirst.find((p) => p.self)!;
        const selfPeer = fromPeer.find((p) => p.self)!;
        assert.notEqual(selfFirst.id, selfPeer.id);
        assert.deepEqual(selfFirst.roles, ['api', 'worker']);
        assert.deepEqual(selfPeer.roles, ['api']);
        for (const p of fromFirst) {
          assert.equal(p.pid, process.pid);
          assert.ok(p.host.length > 0);
          assert.ok(p.resources.rssBytes > 0 && p.resources.heapUsedBytes > 0 && p.resources.heapTotalBytes >= p.resources.heapUsedBytes, JSON.stringify(p.resources));
          assert.ok(p.resources.cpuCores >= 0 && Number.isFinite(p.resources.eventLoopLagMs.p99));
          assert.ok(p.expiresAt > Date.now() && p.expiresAt <= Date.now() + 30_000);
          assert.ok(p.startedAt <= p.resources.sampledAt);
        }
      }
      const peerId = (await processesOf(peer.app, '/monitoring')).find((p) => p.self)!.id;
      await peer.close();
      peer = undefined;
      const left = await processesOf(platform.app, '/monitoring');
      assert.deepEqual(
        left.map((p) => p.self),
        [true],
      );
      assert.ok(!left.some((p) => p.id === peerId));
    });
  });
}
