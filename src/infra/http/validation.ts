// Request validation: query strings, params and headers arrive as text and are coerced to their
// declared types; JSON bodies are checked strictly (a string is never taken for a number).
import Ajv, { type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const common: Options = { allErrors: false, useDefaults: true, removeAdditional: true, strict: false };

function makeAjv(options: Options) {
  const ajv = new Ajv.default({ ...common, ...options });
  addFormats.default(ajv);
  // ajv-formats' uuid also takes a "urn:uuid:" prefix, which PostgreSQL's uuid type refuses.
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  return ajv;
}

const coercing = makeAjv({ coerceTypes: 'array' });
const strict = makeAjv({ coerceTypes: false });

interface Visit {
  value: unknown;
  key: string;
  parent?: Visit;
}

function pointer(v: Visit): string {
  const keys: string[] = [];
  for (let at: Visit | undefined = v; at?.parent; at = at.parent) keys.push(`/${at.key}`);
  return keys.reverse().join('');
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Makes the request's strings storable, walking iteratively (a body may nest thousands of levels deep). PostgreSQL
 * text and jsonb cannot hold a NUL character and no field of ours means one: the path of the first is returned, to
 * refuse the request. A lone UTF-16 surrogate (half an emoji, from a string cut in the wrong place) has no UTF-8
 * form: it becomes U+FFFD, as the driver writes it into text columns anyway (jsonb would refuse the request).
 */
function unstorableAt(root: unknown): string | undefined {
  if (typeof root === 'string') return root.includes('\u0000') ? '' : undefined;
  const stack: Visit[] = [{ value: root, key: '' }];
  for (let v = stack.pop(); v; v = stack.pop()) {
    if (typeof v.value !== 'object' || v.value === null) continue;
    const holder = v.value as Record<string, unknown>;
    for (const [key, value] of Object.entries(holder)) {
      if (key.includes('\u0000')) return pointer(v);
      if (typeof value !== 'string') {
        stack.push({ value, key, parent: v });
        continue;
      }
      if (value.includes('\u0000')) return pointer({ value, key, parent: v });
      const wellFormed = value.replace(LONE_SURROGATE, '\ufffd');
      if (wellFormed !== value) holder[key] = wellFormed;
    }
  }
  return undefined;
}

/** The schema's validation, then unstorableAt's: a NUL character is refused with the usual 422. */
function refusingUnstorable(validate: ValidateFunction): ValidateFunction {
  const wrapped = ((data: unknown, context?: Parameters<ValidateFunction>[1]) => {
    const ok = validate(data, context);
    wrapped.errors = validate.errors;
    const at = ok ? unstorableAt(data) : undefined;
    if (at === undefined) return ok;
    wrapped.errors = [{ instancePath: at, schemaPath: '', keyword: 'nul', params: {}, message: 'must not contain NUL characters' }];
    return false;
  }) as ValidateFunction;
  // Fastify passes the parent object to validators that have one, so that coercion can replace a root value.
  return Object.assign(wrapped, { schemaEnv: validate.schemaEnv, errors: null });
}

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  refusingUnstorable((httpPart === 'body' ? strict : coercing).compile(schema));
