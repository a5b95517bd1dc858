import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nvidiaSmiProbe, parseNvidiaSmi, ProcessResourceMeter } from '../../src/jobs/resource-meter.js';
import { validateResourceUsage } from '../../src/domain/tracking/run.js';

describe('ProcessResourceMeter', () => {
  it('parses nvidia-smi output: memory summed over GPUs, utilisation averaged', () => {
    assert.deepEqual(parseNvidiaSmi('1024, 50\n2048, 100\n'), { memoryMb: 3072, utilizationPct: 75 });
    assert.equal(parseNvidiaSmi(''), undefined);
    assert.equal(parseNvidiaSmi('No devices were found'), undefined);
  });

  it('without nvidia-smi it measures CPU, RSS and wall time and leaves the GPU out', async () => {
    const probe = nvidiaSmiProbe('warden-no-such-command-nvidia-smi');
    assert.equal(await probe(), undefined);
    const measurement = new ProcessResourceMeter({ sampleIntervalMs: 5, gpuProbe: probe }).start();
    const buffers: Buffer[] = [];
    const start = process.cpuUsage();
    while (process.cpuUsage(start).user < 20_000) buffers.push(Buffer.alloc(64 * 1024, 1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const usage = await measurement.stop();
    assert.deepEqual(await measurement.stop(), usage);
    assert.ok(usage.cpuSeconds >= 0.02);
    assert.ok(usage.wallSeconds >= 0.02 && usage.wallSeconds < 30);
    assert.ok(usage.peakRssBytes >= process.memoryUsage.rss() / 2);
    assert.equal('gpuMemoryMb' in usage, false);
    assert.deepEqual(validateResourceUsage(usage), usage);
    assert.ok(buffers.length > 0);
  });

  it('a GPU probe that throws is treated as no GPU', async () => {
    const usage = await new ProcessResourceMeter({ gpuProbe: () => Promise.reject(new Error('driver crashed')) }).start().stop();
    assert.equal(usage.gpuUtilizationPct, undefined);
  });
});
