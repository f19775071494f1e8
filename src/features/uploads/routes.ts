// POST /uploads/avatar (API.md §13, DECISIONS M4): multipart field `file`, at most MAX_UPLOAD_SIZE_MB MiB.
import multipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { AppError } from '../../infra/errors.js';
import { validatorCompiler } from '../../infra/http/validation.js';
import { AvatarUploadBody, AvatarUploaded } from './schemas.js';
import { replaceAvatar } from './service.js';

const MiB = 1024 * 1024;
const error = Type.Ref('ErrorBody');

// The multipart stream is read by the handler, not parsed into request.body, so the body schema only documents it.
const skipBodyValidation: FastifySchemaCompiler<object> = (route) =>
  route.httpPart === 'body' ? () => true : validatorCompiler(route);

// Shaped like a schema failure so the client gets the usual 422 VALIDATION_ERROR body.
function missingFile(): Error {
  return Object.assign(new Error("must have required property 'file'"), {
    validationContext: 'body',
    validation: [{ instancePath: '', keyword: 'required', params: { missingProperty: 'file' }, message: 'field required' }],
  });
}

async function readFilePart(request: FastifyRequest, maxMiB: number): Promise<Buffer> {
  let part: MultipartFile | undefined;
  try {
    part = await request.file();
    if (!part || part.fieldname !== 'file') throw missingFile();
    return await part.toBuffer();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError(413, 'UPLOAD_TOO_LARGE', `The file is larger than ${maxMiB} MiB`);
    if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') {
      throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data with the image in the field "file"');
    }
    throw err;
  }
}

export const uploadRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const maxMiB = app.deps.config.MAX_UPLOAD_SIZE_MB;
  // Scoped to this plugin: only the upload routes accept multipart bodies.
  await app.register(multipart, { limits: { fileSize: maxMiB * MiB, files: 1, fields: 5, fieldSize: 1024, parts: 6 } });

  app.post(
    '/avatar',
    {
      validatorCompiler: skipBodyValidation,
      schema: {
        tags: ['uploads'],
        summary: "Upload the caller's avatar",
        description:
          'JPEG, PNG or WebP, decided from the bytes (the declared type is ignored, so `image/jpg` works). The image ' +
          'is re-encoded as a JPEG of at most 512x512 without metadata, becomes the profile avatar_url, and the ' +
          'previous avatar file is deleted. HEIC is refused (400, as the app expects for a wrong type).',
        consumes: ['multipart/form-data'],
        body: AvatarUploadBody,
        response: { 200: AvatarUploaded, 400: error, 413: error, 415: error, 422: error },
      },
    },
    async (request) => {
      const upload = await readFilePart(request, maxMiB);
      const url = await replaceAvatar(app.deps, request.log, request.userId, upload);
      return { url };
    },
  );
};
