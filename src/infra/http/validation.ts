// Request validation: query strings, params and headers arrive as text and are coerced to their
// declared types; JSON bodies are checked strictly (a string is never taken for a number).
import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const common: Options = { allErrors: false, useDefaults: true, removeAdditional: true, strict: false };

function makeAjv(options: Options) {
  const ajv = new Ajv.default({ ...common, ...options });
  addFormats.default(ajv);
  return ajv;
}

const coercing = makeAjv({ coerceTypes: 'array' });
const strict = makeAjv({ coerceTypes: false });

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema);
