/**
 * Datasets over HTTP: list and inspect immutable dataset versions, read their rows,
 * upload a JSONL or CSV file as a new version (streamed; a file with any bad row is
 * refused with 400 DATASET_INVALID listing the bad rows by line), and scan the fresh
 * data folders now.
 */
import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { DATASET_NAME_PATTERN, MAX_DATASET_NAME_LENGTH, isDatasetFormat, type DatasetFormat, type DatasetVersion } from '../../domain/datasets.js';
import { invalid, isWardenError } from '../../domain/errors.js';
import type { RouteModule } from '../app-deps.js';
import { ErrorBody } from '../http-errors.js';

/** Upload media types and the format each one means. */
const UPLOAD_TYPES: Readonly<Record<string, DatasetFormat>> = {
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/jsonlines': 'jsonl',
  'text/csv': 'csv',
};

const DatasetName = Type.String({ minLength: 1, maxLength: MAX_DATASET_NAME_LENGTH, pattern: DATASET_NAME_PATTERN.source, description: 'Dataset name.' });
const VersionNumber = Type.Integer({ minimum: 1, maximum: 999_999_999, description: 'Version number (1, 2, 3… per name).' });
// Spelled out (not mapped from DATASET_ORIGINS) so the static type stays a union; the route test checks they agree.
const Origin = Type.Union(
  [Type.Literal('fresh-file'), Type.Literal('builtin-corpus'), Type.Literal('vulnerability-corpus'), Type.Literal('merge'), Type.Literal('upload'), Type.Literal('feedback')],
  { description: 'Where the version came from.' },
);
export const ORIGIN_SCHEMA_VALUES: readonly string[] = Origin.anyOf.map((literal) => literal.const);

const SourceFile = Type.Object({
  name: Type.String(),
  sha256: Type.String({ description: 'sha256 of this file’s canonical rows' }),
  rows: Type.Integer(),
});

export const DatasetSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.Integer(),
  sha256: Type.String({ description: 'sha256 of the canonical content (`<label>\\t<JSON text>\\n` per row): the version’s identity' }),
  rows: Type.Integer(),
  positives: Type.Integer({ description: 'rows labelled 1 (spam, malicious)' }),
  negatives: Type.Integer({ description: 'rows labelled 0 (ham, benign)' }),
  bytes: Type.Integer({ description: 'size of the canonical content' }),
  origin: Origin,
  sourceFiles: Type.Array(SourceFile),
  parentDigests: Type.Array(Type.String()),
  description: Type.String(),
  createdAt: Type.Number({ description: 'ms since the epoch' }),
});

const Problem = Type.Object({
  file: Type.String(),
  line: Type.Integer({ description: '1-based line where the bad record starts (0: the whole file)' }),
  field: Type.String({ description: 'text, label, row, header, encoding or file' }),
  column: Type.Optional(Type.Integer({ description: 'CSV: 1-based column' })),
  message: Type.String(),
});

/** The error shape, plus the bad rows of a refused file. */
const DatasetInvalidBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      field: Type.Optional(Type.String()),
      details: Type.Optional(
        Type.Object({
          file: Type.String(),
          badRows: Type.Integer({ description: 'exact number of bad rows' }),
          truncated: Type.Boolean({ description: 'true when more bad rows exist than are listed' }),
          problems: Type.Array(Problem),
        }),
      ),
    }),
  },
  { description: 'Every 400 of this route; DATASET_INVALID carries `details` with the bad rows.' },
);

const FreshFile = Type.Object({ name: Type.String(), sha256: Type.String(), rows: Type.Integer(), isNew: Type.Boolean() });
const ScanReport = Type.Object({
  scannedAt: Type.Number(),
  models: Type.Array(
    Type.Object({
      model: Type.String(),
      files: Type.Array(FreshFile),
      pending: Type.Array(Type.String(), { description: 'files still being written; looked at again by the next scan' }),
      rejected: Type.Array(Type.Object({ file: Type.String(), movedTo: Type.String(), code: Type.String(), message: Type.String() })),
      dataset: Type.Optional(DatasetSchema),
      announced: Type.Boolean({ description: 'a new `<model>-fresh` version was registered and a fresh-data event published' }),
    }),
  ),
  ignoredFolders: Type.Array(Type.String()),
});

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

function view(dataset: DatasetVersion) {
  return { ...dataset, sourceFiles: [...dataset.sourceFiles], parentDigests: [...dataset.parentDigests] };
}

function uploadFormat(request: FastifyRequest, format: string | undefined): DatasetFormat {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const fromType = UPLOAD_TYPES[type];
  if (!fromType) {
    throw invalid('headers.content-type', `send the file as ${Object.keys(UPLOAD_TYPES).join(' or ')}, not "${type}"`);
  }
  if (format !== undefined && isDatasetFormat(format) && format !== fromType) {
    throw invalid('query.format', `format ${format} does not match content-type ${type}`);
  }
  return fromType;
}

/** Dataset versions, uploads and the fresh-data scan. */
export const datasetRoutes: RouteModule = (app, deps) => {
  const datasets = deps.services.datasets;

  // Passes the raw request stream through: the reader streams it line by line.
  app.addContentTypeParser(Object.keys(UPLOAD_TYPES), (_request, payload, done) => done(null, payload));

  app.get(
    '/datasets',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'List dataset names with their version count and newest version',
        tags: ['datasets'],
        response: {
          200: Type.Object({ datasets: Type.Array(Type.Object({ name: Type.String(), versions: Type.Integer(), latest: DatasetSchema })) }),
          ...errors,
        },
      },
    },
    async () => ({ datasets: (await datasets.summaries()).map((s) => ({ name: s.name, versions: s.versions, latest: view(s.latest) })) }),
  );

  app.get(
    '/datasets/:name/versions',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'List the versions of a dataset, newest first',
        tags: ['datasets'],
        params: Type.Object({ name: DatasetName }),
        querystring: Type.Object({
          origin: Type.Optional(Origin),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
        }),
        response: { 200: Type.Object({ versions: Type.Array(DatasetSchema) }), ...errors },
      },
    },
    async (request) => {
      const { origin, limit, offset } = request.query;
      const versions = await datasets.list({ name: request.params.name, ...(origin ? { origin } : {}), limit: limit ?? 100, offset: offset ?? 0 });
      return { versions: versions.map(view) };
    },
  );

  app.get(
    '/datasets/:name/versions/:version',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Get one dataset version',
        tags: ['datasets'],
        params: Type.Object({ name: DatasetName, version: VersionNumber }),
        response: { 200: DatasetSchema, ...errors },
      },
    },
    async (request) => view(await datasets.get(request.params.name, request.params.version)),
  );

  app.get(
    '/datasets/:name/versions/:version/rows',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Read rows of a dataset version, exactly as versioned (verified against its sha256)',
        tags: ['datasets'],
        params: Type.Object({ name: DatasetName, version: VersionNumber }),
        querystring: Type.Object({
          offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        }),
        response: {
          200: Type.Object({
            total: Type.Integer(),
            offset: Type.Integer(),
            rows: Type.Array(Type.Object({ text: Type.String(), label: Type.Union([Type.Literal(0), Type.Literal(1)]) })),
          }),
          ...errors,
          422: ErrorBody,
        },
      },
    },
    async (request) => {
      const offset = request.query.offset ?? 0;
      const rows = await datasets.readRows(request.params.name, request.params.version);
      return { total: rows.length, offset, rows: rows.slice(offset, offset + (request.query.limit ?? 100)) };
    },
  );

  app.post(
    '/datasets',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Upload a JSONL or CSV file as a new dataset version (streamed, all or nothing)',
        description:
          'Body: the file, with `content-type: application/x-ndjson` (one `{"text": …, "label": …}` per line) or `text/csv` ' +
          '(header naming `text` and `label`; RFC 4180 quoting, newlines inside quotes allowed). Labels: 1/0, true/false, ' +
          'spam/ham, malicious/benign, positive/negative. Any bad row refuses the whole file with 400 DATASET_INVALID, ' +
          '`details.problems` listing each bad row by line (and CSV column). The same content as an existing version of ' +
          'the name returns that version with 200 and `created: false`.',
        tags: ['datasets'],
        querystring: Type.Object({
          name: DatasetName,
          fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Original file name, shown in reports.' })),
          format: Type.Optional(Type.Union([Type.Literal('jsonl'), Type.Literal('csv')])),
          description: Type.Optional(Type.String({ maxLength: 1000 })),
        }),
        response: {
          200: Type.Object({ dataset: DatasetSchema, created: Type.Boolean() }),
          201: Type.Object({ dataset: DatasetSchema, created: Type.Boolean() }),
          400: DatasetInvalidBody,
          401: ErrorBody,
          403: ErrorBody,
          413: ErrorBody,
        },
      },
      onRequest: async (request) => {
        // Before any body parser runs: a JSON parser must not get to read a JSONL upload.
        uploadFormat(request, undefined);
      },
      onSend: async (request, reply) => {
        // Refused before the body was read to the end: do not read the rest of it.
        if (!request.raw.complete) void reply.header('connection', 'close');
      },
    },
    async (request, reply) => {
      const format = uploadFormat(request, request.query.format);
      const body = request.body;
      if (!(body instanceof Readable)) throw invalid('body', 'send the dataset file as the request body');
      try {
        const result = await datasets.importStream(body.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>, {
          name: request.query.name,
          format,
          ...(request.query.fileName ? { fileName: request.query.fileName } : {}),
          ...(request.query.description ? { description: request.query.description } : {}),
        });
        return reply.code(result.created ? 201 : 200).send({ dataset: view(result.dataset), created: result.created });
      } catch (error) {
        if (isWardenError(error) && error.code === 'DATASET_INVALID') {
          const details = error.details as { file: string; badRows: number; truncated: boolean; problems: unknown[] } | undefined;
          return reply.code(400).send({
            error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}), ...(details ? { details } : {}) },
          } as never);
        }
        throw error;
      }
    },
  );

  app.post(
    '/data/scan',
    {
      // It moves files in the operator's data folders (to rejected/) and starts platform retrains.
      config: { role: 'admin' },
      schema: {
        summary: 'Scan the fresh data folders now',
        description:
          'Looks at every `data/fresh/<model>/` folder: complete `.jsonl`/`.csv` files are validated; invalid ones are moved to ' +
          '`data/rejected/<model>/` with a `.reason.json`; when a file holds content never versioned for the model, all valid ' +
          'waiting files become a new version of `<model>-fresh` and a fresh-data event starts retraining. Files move to ' +
          '`data/used/<model>/` only after that training succeeds.',
        tags: ['datasets'],
        response: { 200: ScanReport, ...errors },
      },
    },
    async () => {
      const report = await deps.services.freshData.scanFresh();
      return {
        ...report,
        models: report.models.map((m) => ({
          model: m.model,
          files: [...m.files],
          pending: [...m.pending],
          rejected: [...m.rejected],
          announced: m.announced,
          ...(m.dataset ? { dataset: view(m.dataset) } : {}),
        })),
        ignoredFolders: [...report.ignoredFolders],
      };
    },
  );
};
