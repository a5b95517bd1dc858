/**
 * Request validation with one rule per part of the request. A JSON body is typed data: it is
 * never coerced (`true` is not 1, `"0x1"` and `[0.95]` are not numbers, `123` is not a name)
 * and an unknown field is refused, not dropped, so a client's mistake is a 400 naming the
 * field instead of a request that quietly did something else. Query strings and path
 * parameters are text, so numbers are still parsed from them, but an unknown parameter is
 * refused there too (Fastify's default would drop it: `?cursor=…` on a route that pages with
 * `pageToken` would quietly answer the first page again).
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

type ValidatorFactory = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']>;

/** The AJV options that differ for bodies (the rest, e.g. defaults and formats, are Fastify's). */
export const BODY_AJV_OPTIONS = { coerceTypes: false, removeAdditional: false } as const;
/** Query strings and path parameters: read as text (coerced), never pruned. */
export const TEXT_AJV_OPTIONS = { removeAdditional: false } as const;

/** `schemaController.compilersFactory.buildValidator`: strict for bodies, strict but coerced for text. */
export function partAwareValidator(): ValidatorFactory {
  // Two pools: each keeps its own AJV instance per set of shared schemas.
  const strict = AjvCompiler();
  const lenient = AjvCompiler();
  return (externalSchemas, options) => {
    // Fastify passes its `ajv` server option ({customOptions, plugins}); the JTD variant of the type is never used here.
    const ajv = (options ?? {}) as { customOptions?: Record<string, unknown>; plugins?: unknown[] };
    const forBodies = strict(externalSchemas, { ...ajv, customOptions: { ...ajv.customOptions, ...BODY_AJV_OPTIONS } } as Parameters<typeof strict>[1]);
    const forText = lenient(externalSchemas, { ...ajv, customOptions: { ...ajv.customOptions, ...TEXT_AJV_OPTIONS } } as Parameters<typeof lenient>[1]);
    return (route) => (route.httpPart === 'body' ? forBodies(route) : forText(route));
  };
}

const NO_QUERY = { type: 'object', properties: {}, additionalProperties: false } as const;

/**
 * An onRoute hook for the API's routes: a route that declares no query string takes none, and a
 * declared one is closed unless it says otherwise, so a misspelt parameter is a 400 naming it on
 * every route, including ones added later that forget to say so.
 */
export function closeQueryStrings(route: { schema?: { querystring?: unknown } }): void {
  const query = route.schema?.querystring as { additionalProperties?: unknown } | undefined;
  if (query === undefined) route.schema = { ...route.schema, querystring: NO_QUERY };
  else if (query.additionalProperties === undefined) route.schema = { ...route.schema, querystring: { ...query, additionalProperties: false } };
}
