import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ROLES, isRole, roleAllows, validateRole, validateTokenName } from '../../src/domain/auth.js';
import { WardenError } from '../../src/domain/errors.js';

describe('roleAllows', () => {
  it('orders roles viewer < editor < admin', () => {
    const expected: Record<string, boolean> = {
      'viewer>viewer': true,
      'viewer>editor': false,
      'viewer>admin': false,
      'editor>viewer': true,
      'editor>editor': true,
      'editor>admin': false,
      'admin>viewer': true,
      'admin>editor': true,
      'admin>admin': true,
    };
    for (const role of ROLES) {
      for (const required of ROLES) assert.equal(roleAllows(role, required), expected[`${role}>${required}`], `${role} calling a ${required} route`);
    }
  });
});

describe('token input validation', () => {
  it('accepts the three roles and nothing else', () => {
    for (const role of ROLES) assert.equal(validateRole(role), role);
    for (const bad of ['Admin', 'root', '', null, 3, undefined]) {
      assert.equal(isRole(bad), false);
      assert.throws(() => validateRole(bad), (e: unknown) => e instanceof WardenError && e.code === 'VALIDATION_FAILED' && e.field === 'role');
    }
  });

  it('accepts plain names and rejects empty, long or odd ones, naming the field', () => {
    for (const name of ['ci', 'alice@example.com', 'retrain-bot_2', 'A.b']) assert.equal(validateTokenName(name), name);
    for (const bad of ['', ' ci', '-x', 'a b', 'x'.repeat(65), 'a/b', '<script>', 42, null]) {
      assert.throws(() => validateTokenName(bad), (e: unknown) => e instanceof WardenError && e.field === 'name', String(bad));
    }
  });
});
