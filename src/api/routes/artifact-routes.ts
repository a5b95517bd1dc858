/**
 * Run artifacts over HTTP. Uploads are raw `application/octet-stream` bodies streamed
 * straight into the content-addressed store (the JSON body limit does not apply; the
 * artifact limit does); downloads stream verified bytes with their sha256 in headers.
 * The display name travels in the query string and is validated; it is never a path.
 */
import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SHA256_DIGEST_INPUT_PATTERN, validateArtifactName, type RunArtifact } from '../../domain/artifacts.js';
import { invalid } from '../../domain/errors.js';
import type { ArtifactDownload } from '../../services/artifact-service.js';
import type { RouteModule } from '../app-deps.js';
import { ErrorBody } from '../http-errors.js';

const UPLOAD_CONTENT_TYPE = 'application/octet-stream';

const RunId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'Run id.' });
const ArtifactId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'Artifact id (from the list).' });
const Sha256 = Type.String({ pattern: SHA256_DIGEST_INPUT_PATTERN, description: 'Lower-case hex sha256 of the bytes, optionally prefixed with "sha256:".' });

export const ArtifactSchema = Type.Object({
  id: Type.String(),
  runId: Type.String(),
  name: Type.String({ description: 'Display name (metadata only; never a file system path).' }),
  size: Type.Number({ description: 'bytes' }),
  sha256: Type.String(),
  mediaType: Type.String(),
  createdAt: Type.Number({ description: 'ms since the epoch' }),
});

const SweepReport = Type.Object({
  deleted: Type.Array(Type.String(), { description: 'sha256 of every blob deleted' }),
  bytesFreed: Type.Number(),
  spared: Type.Number({ description: 'unreferenced blobs younger than the grace period, left for a later sweep' }),
  referenced: Type.Number({ description: 'stored blobs kept because a run artifact, a model version or a dataset version references them' }),
  temporariesRemoved: Type.Number(),
});

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

function view(artifact: RunArtifact) {
  return { ...artifact };
}

/** An HTTP header-safe `Content-Disposition` for a display name: its last segment, RFC 6266/5987. */
export function contentDisposition(name: string | undefined, sha256: string): string {
  const base = name?.split('/').pop() || sha256;
  const ascii = base.replace(/[^A-Za-z0-9._ -]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(base)}`;
}

/** The request body as a stream that stops being read, without destroying the socket, when the consumer stops. */
function bodyOf(request: FastifyRequest): AsyncIterable<Uint8Array> {
  const body = request.body;
  if (!(body instanceof Readable)) throw invalid('headers.content-type', `send the artifact bytes as ${UPLOAD_CONTENT_TYPE}`);
  // Left undestroyed so a refusal (size limit, bad digest) can still answer 413/400; the
  // connection is closed after that answer (see onSend below).
  return body.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>;
}

function declaredSize(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  if (header === undefined) return undefined;
  if (!/^\d{1,16}$/.test(header)) throw invalid('headers.content-length', 'content-length must be a whole number of bytes');
  return Number(header);
}

function sendBlob(reply: FastifyReply, download: ArtifactDownload): FastifyReply {
  const digestBase64 = Buffer.from(download.sha256, 'hex').toString('base64');
  return reply
    .code(200)
    .header('content-type', download.mediaType)
    .header('content-length', String(download.size))
    .header('x-content-sha256', download.sha256)
    .header('digest', `sha-256=${digestBase64}`)
    .header('repr-digest', `sha-256=:${digestBase64}:`)
    .header('etag', `"${download.sha256}"`)
    .header('content-disposition', contentDisposition(download.name, download.sha256))
    // Artifacts are data, never pages of this origin: no sniffing, no scripts if a browser opens one.
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .send(Readable.from(download.stream, { objectMode: false }));
}

/** Artifacts of runs, by-digest downloads and garbage collection. */
export const artifactRoutes: RouteModule = (app, deps) => {
  const artifacts = deps.services.artifacts;

  // Passes the raw request stream through unread: no buffering, no JSON body limit.
  app.addContentTypeParser(UPLOAD_CONTENT_TYPE, (_request, payload, done) => done(null, payload));

  app.post(
    '/runs/:id/artifacts',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Upload an artifact to a run (raw bytes, streamed)',
        description:
          `Send the bytes as the body with \`content-type: ${UPLOAD_CONTENT_TYPE}\`. The name is a display name only ` +
          '(no `..`, absolute paths, backslashes, control characters, percent-encoding, schemes, `#`, `?`). ' +
          'Optional `x-content-sha256` header: the upload is refused unless the bytes hash to it.',
        tags: ['artifacts'],
        params: Type.Object({ id: RunId }),
        querystring: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 4096, description: 'Display name, e.g. `eval/report.json`.' }),
          mediaType: Type.Optional(Type.String({ maxLength: 255, description: 'Media type; guessed from the name when absent.' })),
        }),
        headers: Type.Object({ 'x-content-sha256': Type.Optional(Sha256) }),
        response: { 201: ArtifactSchema, ...errors, 409: ErrorBody, 413: ErrorBody },
      },
      onRequest: async (request) => {
        const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
        if (type !== UPLOAD_CONTENT_TYPE) {
          throw invalid('headers.content-type', `send the artifact bytes as ${UPLOAD_CONTENT_TYPE}, not "${type ?? ''}"`);
        }
      },
      onSend: async (request, reply) => {
        // An upload refused before its body was read to the end: do not read the rest of it.
        if (!request.raw.complete) void reply.header('connection', 'close');
      },
    },
    async (request, reply) => {
      const name = validateArtifactName(request.query.name, 'query.name');
      const artifact = await artifacts.upload(
        request.params.id,
        {
          name,
          mediaType: request.query.mediaType,
          sha256: request.headers['x-content-sha256'],
          declaredSize: declaredSize(request),
        },
        bodyOf(request),
      );
      return reply.code(201).send(view(artifact));
    },
  );

  app.get(
    '/runs/:id/artifacts',
    {
      config: { role: 'viewer' },
      schema: {
        summary: "List a run's artifacts",
        tags: ['artifacts'],
        params: Type.Object({ id: RunId }),
        response: { 200: Type.Object({ artifacts: Type.Array(ArtifactSchema) }), ...errors },
      },
    },
    async (request) => ({ artifacts: (await artifacts.list(request.params.id)).map(view) }),
  );

  app.get(
    '/runs/:id/artifacts/:artifactId',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Download an artifact (verified against its sha256 before the first byte)',
        description: 'Headers: `content-length`, `x-content-sha256` (hex), `digest: sha-256=<base64>`. A blob whose bytes no longer match is refused with 422 ARTIFACT_TAMPERED.',
        tags: ['artifacts'],
        params: Type.Object({ id: RunId, artifactId: ArtifactId }),
        response: { ...errors, 422: ErrorBody },
      },
    },
    async (request, reply) => sendBlob(reply, await artifacts.download(request.params.id, request.params.artifactId)),
  );

  app.delete(
    '/runs/:id/artifacts/:artifactId',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Delete an artifact record (its blob goes at the next garbage collection if nothing else references it)',
        tags: ['artifacts'],
        params: Type.Object({ id: RunId, artifactId: ArtifactId }),
        response: { 200: ArtifactSchema, ...errors },
      },
    },
    async (request) => view(await artifacts.delete(request.params.id, request.params.artifactId)),
  );

  app.post(
    '/runs/:id/artifacts/:artifactId/register',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Register a model version from a run artifact',
        description:
          "The new version's artifact digest is the artifact's sha256 and its source run is the run; loading the model later " +
          'verifies the bytes against that digest. The other fields are those of `POST /models/:name/versions`.',
        tags: ['artifacts', 'registry'],
        params: Type.Object({ id: RunId, artifactId: ArtifactId }),
        body: Type.Object(
          {
            model: Type.String({ minLength: 1, maxLength: 64, description: 'Registered model name.' }),
            description: Type.Optional(Type.String({ maxLength: 10_000 })),
            metrics: Type.Optional(Type.Record(Type.String(), Type.Number())),
            tags: Type.Optional(Type.Record(Type.String(), Type.String())),
            parent: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.String({ minLength: 1, maxLength: 64 })])),
            recipeFingerprint: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            datasetDigests: Type.Optional(Type.Array(Sha256, { maxItems: 100 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            model: Type.String(),
            version: Type.Integer(),
            semver: Type.String(),
            stage: Type.String(),
            sourceRunId: Type.String(),
            artifactDigest: Type.String(),
          }),
          ...errors,
          409: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const artifact = await artifacts.resolve(request.params.id, request.params.artifactId);
      const { model, ...fields } = request.body;
      const registered = await deps.services.registry.registerVersion(
        model,
        { ...fields, sourceRunId: artifact.runId, artifactDigest: artifact.sha256 },
        { name: request.actor, ...(request.principal ? { role: request.principal.role } : {}) },
      );
      const version = registered.version;
      return reply.code(201).send({
        model,
        version: version.number,
        semver: version.semver,
        stage: version.stage,
        sourceRunId: artifact.runId,
        artifactDigest: artifact.sha256,
      });
    },
  );

  app.get(
    '/artifacts/:sha256',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Download a blob by its sha256 (only digests a run artifact, a model version or a dataset version references)',
        tags: ['artifacts'],
        params: Type.Object({ sha256: Sha256 }),
        response: { ...errors, 422: ErrorBody },
      },
    },
    async (request, reply) => sendBlob(reply, await artifacts.downloadByDigest(request.params.sha256)),
  );

  app.post(
    '/admin/gc',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Garbage-collect artifact blobs nothing references',
        tags: ['artifacts'],
        response: { 200: SweepReport, ...errors },
      },
    },
    async () => {
      const report = await artifacts.sweep();
      return { ...report, deleted: [...report.deleted] };
    },
  );

};
