import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nvidiaSmiProbe, parseNvidiaSmi, parseNvidiaSmiGpus, ProcessResourceMeter, ProcessSampler } from '../../src/jobs/resource-meter.js';
import { validateResourceUsage } from '../../src/domain/tracking/run.js';

describe('ProcessResourceMeter', () => {
  it('parses nvidia-smi output: each GPU, memory summed over GPUs, utilisation averaged', () => {
    // What `nvidia-smi --query-gpu=index,name,memory.used,memory.total,utilization.gpu --format=csv,noheader,nounits`
    // prints on a two-GPU host (driver 535), trailing newline included.
    const output = '0, NVIDIA A100-SXM4-40GB, 1024, 40960, 50\n1, NVIDIA A100-SXM4-40GB, 2048, 40960, 100\n';
    const MiB = 1024 * 1024;
    assert.deepEqual(parseNvidiaSmiGpus(output), [
      { index: 0, name: 'NVIDIA A100-SXM4-40GB', memoryUsedBytes: 1024 * MiB, memoryTotalBytes: 40960 * MiB, utilizationRatio: 0.5 },
      { index: 1, name: 'NVIDIA A100-SXM4-40GB', memoryUsedBytes: 2048 * MiB, memoryTotalBytes: 40960 * MiB, utilizationRatio: 1 },
    ]);
    const sample = parseNvidiaSmi(output)!;
    assert.equal(sample.memoryMb, 3072);
    assert.equal(sample.utilizationPct, 75);
    assert.equal(sample.gpus?.length, 2);
    // A name with a comma, and a GPU whose utilisation the driver cannot give (MIG): left out, not read as idle.
    assert.deepEqual(parseNvidiaSmiGpus('0, Tesla T4, rev 2, 15, 15360, 0\n1, NVIDIA A100-SXM4-40GB MIG 1g.5gb, 3, 4864, [N/A]\n'), [
      { index: 0, name: 'Tesla T4, rev 2', memoryUsedBytes: 15 * MiB, memoryTotalBytes: 15360 * MiB, utilizationRatio: 0 },
    ]);
    assert.equal(parseNvidiaSmi(''), undefined);
    assert.equal(parseNvidiaSmi('No devices were found'), undefined);
    assert.equal(parseNvidiaSmi('NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver.'), undefined);
  });

  it('a sample hands its GPU readings on (none without nvidia-smi) and keeps the totals-only shape in the heartbeat', async () => {
    const seen: Array<readonly unknown[]> = [];
    const without = new ProcessSampler(nvidiaSmiProbe('warden-no-such-command-nvidia-smi'), { onGpuReadings: (readings) => seen.push(readings) });
    assert.equal((await without.sample()).gpu, null);
    without.close();
    const reading = '0, NVIDIA L4, 512, 23034, 7\n';
    const withGpu = new ProcessSampler(async () => parseNvidiaSmi(reading), { onGpuReadings: (readings) => seen.push(readings) });
    assert.deepEqual((await withGpu.sample()).gpu, { memoryMb: 512, utilizationPct: 7 });
    withGpu.close();
    assert.deepEqual(seen, [[], parseNvidiaSmiGpus(reading)]);
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
