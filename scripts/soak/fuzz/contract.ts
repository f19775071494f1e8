// What every response must honour: a status the operation declares, a content type it declares for that status,
// a body that validates against the declared schema (ajv, formats included), the one error shape for errors, and
// never a 5xx, except 502/503 from routes that call an external provider (counted apart).
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Operation } from './requests.js';
import type { Schema } from './values.js';

export interface Response {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

/** Routes that reach an external provider (OAuth, Strava, weather): they may answer 502/503 when it is down. */
const PROVIDER_ROUTES = /^\/api\/v1\/(auth\/login|strava\/|weather\/)/;

export class Contract {
  private readonly ajv = new Ajv.default({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(doc: Schema) {
    addFormats.default(this.ajv);
    this.ajv.addFormat('binary', true);
    this.ajv.addSchema({ $id: 'doc', components: doc.components });
  }

  private validator(key: string, schema: Schema): ValidateFunction {
    let v = this.validators.get(key);
    if (!v) {
      v = this.ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')) as Schema);
      this.validators.set(key, v);
    }
    return v;
  }

  /** Whether a 502/503 of this operation is a provider outage (allowed) rather than a failure. */
  static providerOutage(op: Operation, status: number): boolean {
    return (status === 502 || status === 503) && PROVIDER_ROUTES.test(op.path);
  }

  /** What is wrong with the response, or undefined. */
  check(op: Operation, res: Response): string | undefined {
    const status = res.statusCode;
    if (status >= 500 && !Contract.providerOutage(op, status)) return `server error ${status}: ${res.body.slice(0, 300)}`;
    const declared = (op.spec.responses?.[String(status)] ?? op.spec.responses?.default) as Schema | undefined;
    if (!declared) return `status ${status} is not declared (declared: ${Object.keys(op.spec.responses ?? {}).join(', ')}): ${res.body.slice(0, 300)}`;
    const contentType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
    const content = (declared.content ?? {}) as Record<string, { schema?: Schema }>;
    if (Object.keys(content).length === 0) return res.body.length > 0 ? `status ${status} declares no body but got ${contentType}: ${res.body.slice(0, 200)}` : undefined;
    const media = content[contentType];
    if (!media) return `content type '${contentType}' is not declared for ${status} (declared: ${Object.keys(content).join(', ')})`;
    if (!contentType.endsWith('json')) return undefined;
    let body: unknown;
    try {
      body = JSON.parse(res.body);
    } catch {
      return `status ${status}: the body is not JSON: ${res.body.slice(0, 200)}`;
    }
    if (status >= 400) {
      const keys = body && typeof body === 'object' ? Object.keys(body).sort().join(',') : typeof body;
      if (keys !== 'code,detail,message') return `status ${status}: error body is not {code, message, detail}: ${res.body.slice(0, 300)}`;
    }
    if (!media.schema) return undefined;
    const validate = this.validator(`${op.method} ${op.path} ${status} ${contentType}`, media.schema);
    if (validate(body)) return undefined;
    return `status ${status}: body does not match its schema: ${this.ajv.errorsText(validate.errors)}; body ${res.body.slice(0, 300)}`;
  }
}
