/**
 * PrometheusMetrics' GPU gauges: one series per GPU from an nvidia-smi reading, gone when a
 * reading has no GPU. (The serving counters are checked through GET /metrics in
 * predict-routes.test.ts, which also shows this host, without nvidia-smi, has no GPU series.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PrometheusMetrics } from '../../src/api/metrics.js';
import { parseNvidiaSmiGpus } from '../../src/jobs/resource-meter.js';

describe('PrometheusMetrics GPU gauges', () => {
  it('exports each GPU of a reading by index and name, and drops them when a reading has none', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    assert.doesNotMatch(await metrics.render(), /warden_gpu_/, 'no reading yet: no GPU series, not zeros');

    metrics.gpuReadings(parseNvidiaSmiGpus('0, NVIDIA A100-SXM4-40GB, 1024, 40960, 37\n1, NVIDIA A100-SXM4-40GB, 0, 40960, 0\n'));
    const text = await metrics.render();
    assert.match(text, /^warden_gpu_memory_used_bytes\{gpu="0",name="NVIDIA A100-SXM4-40GB"\} 1073741824$/m);
    assert.match(text, /^warden_gpu_memory_total_bytes\{gpu="1",name="NVIDIA A100-SXM4-40GB"\} 42949672960$/m);
    assert.match(text, /^warden_gpu_utilization_ratio\{gpu="0",name="NVIDIA A100-SXM4-40GB"\} 0.37$/m);
    assert.match(text, /^warden_gpu_utilization_ratio\{gpu="1",name="NVIDIA A100-SXM4-40GB"\} 0$/m);

    // One GPU left: the other's series goes rather than keeping its last values.
    metrics.gpuReadings(parseNvidiaSmiGpus('1, NVIDIA A100-SXM4-40GB, 2048, 40960, 90\n'));
    const one = await metrics.render();
    assert.doesNotMatch(one, /gpu="0"/);
    assert.match(one, /^warden_gpu_utilization_ratio\{gpu="1",name="NVIDIA A100-SXM4-40GB"\} 0.9$/m);

    metrics.gpuReadings([]);
    assert.doesNotMatch(await metrics.render(), /warden_gpu_/);
    metrics.gpuReadings(parseNvidiaSmiGpus('0, NVIDIA L4, 1, 23034, 5\n'));
    assert.match(await metrics.render(), /^warden_gpu_memory_used_bytes\{gpu="0",name="NVIDIA L4"\} 1048576$/m, 'registered again when readings come back');
  });
});
