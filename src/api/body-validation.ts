/**
 * Request validation with one rule per part of the request. A JSON body is typed data: it is
 * never coerced (`true` is not 1, `"0x1"` and `[0.95]` are not numbers, `123` is not a name)
 * and an unknown field is refused, not dropped, so a client's mistake is a 400 naming the
 * field instead of a request that quietly did something else. Query strings and path
 * parameters are text, so they keep Fastify's defaults (numbers parsed from text).
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

type ValidatorFactory = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']>;

/** The AJV options that differ for bodies (the rest, e.g. defaults and formats, are Fastify's). */
export const BODY_AJV_OPTIONS = { coerceTypes: false, removeAdditional: false } as const;

/** `schemaController.compilersFactory.buildValidator`: strict for bodies, Fastify's defaults elsewhere. */
export function partAwareValidator(): ValidatorFactory {
  // Two pools: each keeps its own AJV instance per set of shared schemas.
  const strict = AjvCompiler();
  const lenient = AjvCompiler();
  return (externalSchemas, options) => {
    // Fastify passes its `ajv` server option ({customOptions, plugins}); the JTD variant of the type is never used here.
    const ajv = (options ?? {}) as { customOptions?: Record<string, unknown>; plugins?: unknown[] };
    const forBodies = strict(externalSchemas, { ...ajv, customOptions: { ...ajv.customOptions, ...BODY_AJV_OPTIONS } } as Parameters<typeof strict>[1]);
    const forText = lenient(externalSchemas, { ...ajv, customOptions: { ...ajv.customOptions } } as Parameters<typeof lenient>[1]);
    return (route) => (route.httpPart === 'body' ? forBodies(route) : forText(route));
  };
}
