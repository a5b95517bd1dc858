import { Type, type TUnsafe } from '@sinclair/typebox';

/**
 * A string that must be one of `values` (an `as const` vocabulary from domain/).
 * Validates as a JSON-schema `enum`, so a bad value answers 400 "must be one of …".
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string; default?: T[number] } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}
