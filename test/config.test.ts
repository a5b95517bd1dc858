import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.js';

describe('config', () => {
  it('WARDEN_LOG_FORMAT: auto is pretty on a terminal and JSON elsewhere; pretty and json are kept; anything else names the variable', () => {
    assert.equal(loadConfig({}, '/tmp', true).logFormat, 'pretty');
    assert.equal(loadConfig({}, '/tmp', false).logFormat, 'json');
    assert.equal(loadConfig({ WARDEN_LOG_FORMAT: 'auto' }, '/tmp', true).logFormat, 'pretty');
    assert.equal(loadConfig({ WARDEN_LOG_FORMAT: 'json' }, '/tmp', true).logFormat, 'json');
    assert.equal(loadConfig({ WARDEN_LOG_FORMAT: 'pretty' }, '/tmp', false).logFormat, 'pretty');
    assert.throws(() => loadConfig({ WARDEN_LOG_FORMAT: 'yaml' }, '/tmp', true), (error: unknown) => error instanceof ConfigError && error.variable === 'WARDEN_LOG_FORMAT');
  });
});
