// /imports routes (API.md §12): upload an activity file (GPX, TCX, FIT), follow its import, list, delete. Every
// route needs a bearer token and acts only on the caller's own imports: anyone else's are reported missing (404).
import multipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { AppError } from '../../infra/errors.js';
import { dropRestOfBody, refuseDeclaredOversize } from '../../infra/http/uploads.js';
import { validatorCompiler } from '../../infra/http/validation.js';
import { ImportAccepted, ImportDetail, ImportListQuery, ImportPage, ImportParams, ImportUploadBody } from './schemas.js';
import * as service from './service.js';

const MiB = 1024 * 1024;
const tags = ['imports'];
const error = Type.Ref('ErrorBody');

// The multipart stream is read by the handler, not parsed into request.body, so the body schema only documents it.
const skipBodyValidation: FastifySchemaCompiler<object> = (route) =>
  route.httpPart === 'body' ? () => true : validatorCompiler(route);

const malformed = () => new AppError(400, 'INVALID_MULTIPART', 'The multipart/form-data body is malformed');

// Shaped like a schema failure so the client gets the usual 422 VALIDATION_ERROR body.
function missingFile(): Error {
  return Object.assign(new Error("must have required property 'file'"), {
    validationContext: 'body',
    validation: [{ instancePath: '', keyword: 'required', params: { missingProperty: 'file' }, message: 'field required' }],
  });
}

async function filePart(request: FastifyRequest): Promise<MultipartFile> {
  try {
    const part = await request.file();
    if (!part || part.fieldname !== 'file') throw missingFile();
    return part;
  } catch (err) {
    if ((err as { code?: string }).code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') {
      throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data with the activity file in the field "file"');
    }
    // The multipart parser's own errors ("Boundary not found"...) carry no status: the body is malformed.
    if (err instanceof Error && !('statusCode' in err) && !('validation' in err)) throw malformed();
    throw err;
  }
}

/** Registered with the prefix /imports. */
export const importsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps } = app;
  const maxMiB = deps.config.IMPORT_MAX_UPLOAD_MB;
  // Scoped to this plugin: only the upload route accepts multipart bodies. The file is streamed, never buffered.
  await app.register(multipart, { limits: { fileSize: maxMiB * MiB, files: 1, fields: 5, fieldSize: 1024, parts: 6 } });

  app.post(
    '/upload',
    {
      // A body declared larger than the cap is refused before it is read (see src/infra/http/uploads.ts).
      onRequest: refuseDeclaredOversize(maxMiB),
      onResponse: dropRestOfBody,
      validatorCompiler: skipBodyValidation,
      schema: {
        tags,
        summary: 'Upload a GPX, TCX or FIT activity file',
        description:
          `The kind is decided from the bytes (XML root element gpx or TrainingCenterDatabase, or the FIT header), not ` +
          `from the file name: a wrong extension is corrected, a file that is none of the three is refused (400). At ` +
          `most IMPORT_MAX_UPLOAD_MB MiB (413). The file becomes a run in the background: poll GET /imports/{id}. ` +
          `Uploading the same bytes again answers (201) with the existing import instead of importing twice; a failed ` +
          `import of the same bytes is tried again.`,
        consumes: ['multipart/form-data'],
        body: ImportUploadBody,
        response: { 201: ImportAccepted, 400: error, 413: error, 415: error, 422: error },
      },
    },
    async (request, reply) => {
      const part = await filePart(request);
      // A body that breaks off inside the file fails the file stream while the service reads it.
      let broken = false;
      part.file.once('error', () => (broken = true));
      try {
        return reply.status(201).send(await service.uploadImport(deps, request.log, request.userId, part, maxMiB));
      } catch (err) {
        throw broken || part.file.errored ? malformed() : err;
      }
    },
  );

  app.get(
    '/:import_id',
    {
      schema: {
        tags,
        summary: 'One of my imports',
        params: ImportParams,
        response: { 200: ImportDetail, 404: error, 422: error },
      },
    },
    async (request) => service.getImport(deps.db, request.userId, request.params.import_id),
  );

  // Declared with the trailing slash the app uses (API.md §0.1); the router also answers without it.
  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'My imports, newest first',
        querystring: ImportListQuery,
        response: { 200: ImportPage, 422: error },
      },
    },
    async (request) => service.listImports(deps.db, request.userId, request.query),
  );

  app.delete(
    '/:import_id',
    {
      schema: {
        tags,
        summary: 'Delete one of my imports with its run and file',
        description: 'The run goes through the usual run deletion: totals, rankings and course statistics are recomputed.',
        params: ImportParams,
        response: { 204: Type.Null({ description: 'Deleted' }), 404: error, 422: error },
      },
    },
    async (request, reply) => {
      await service.deleteImport(deps, request.log, request.userId, request.params.import_id);
      return reply.status(204).send(null);
    },
  );
};
