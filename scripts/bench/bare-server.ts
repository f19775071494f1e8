// The baseline of the /health case: a bare Fastify with one route answering the same JSON as our /health, and
// nothing else (no logger, hooks, plugins or schemas). Started in its own process like the server under test.
import Fastify from 'fastify';

const app = Fastify();
app.get('/health', async () => ({ status: 'ok', app: 'RunCrew', env: 'staging' }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
