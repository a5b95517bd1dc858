import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { metricDirection, metricWinner, type MetricDirection } from '../../src/domain/evaluation/index.js';

describe('metricDirection', () => {
  const table: Array<[string, MetricDirection]> = [
    ['eval_accuracy', 'higher'],
    ['accuracy', 'higher'],
    ['val_precision', 'higher'],
    ['eval_recall', 'higher'],
    ['eval_f1', 'higher'],
    ['eval_roc_auc', 'higher'],
    ['val_roc_auc', 'higher'],
    ['eval_pr_auc', 'higher'],
    ['auc', 'higher'],
    ['eval_tp', 'higher'],
    ['eval_tn', 'higher'],
    ['eval_fpr', 'lower'],
    ['fnr', 'lower'],
    ['eval_fp', 'lower'],
    ['eval_fn', 'lower'],
    ['train_loss', 'lower'],
    ['val_loss', 'lower'],
    ['eval_log_loss', 'lower'],
    ['brier', 'lower'],
    ['EVAL_BRIER', 'lower'],
    ['error_rate', 'lower'],
    ['eval_docs_per_second', 'none'],
    ['eval_rows', 'none'],
    ['train_rows', 'none'],
    ['eval_threshold', 'none'],
    ['val_threshold', 'none'],
    ['latency_p99_ms', 'none'],
    ['train_seconds', 'none'],
    ['cpu_seconds', 'none'],
    ['peak_rss_bytes', 'none'],
    ['gpu_memory_mb', 'none'],
    ['loss_seconds', 'none'],
    ['my_custom_score', 'none'],
  ];
  for (const [key, expected] of table) {
    it(`${key}: ${expected}`, () => assert.equal(metricDirection(key), expected));
  }
});

describe('metricWinner', () => {
  it('higher-is-better, lower-is-better, ties, not-quality and missing sides', () => {
    assert.equal(metricWinner('eval_accuracy', 0.9, 0.95), 'b');
    assert.equal(metricWinner('eval_accuracy', 0.95, 0.9), 'a');
    assert.equal(metricWinner('eval_fp', 3, 5), 'a');
    assert.equal(metricWinner('eval_loss', 0.5, 0.2), 'b');
    assert.equal(metricWinner('eval_f1', 0.9, 0.9), 'tie');
    assert.equal(metricWinner('eval_docs_per_second', 100, 900), null);
    assert.equal(metricWinner('eval_rows', 100, 900), null);
    assert.equal(metricWinner('eval_f1', 0.9, null), null);
    assert.equal(metricWinner('eval_f1', Number.NaN, 0.5), null);
  });
});
