/**
 * bull-board at /admin/queues: the operator's view of every pipeline queue (jobs, failures,
 * retries), behind an admin token. A browser cannot send a bearer header when it navigates, so
 * HTTP Basic auth is taken too (any user name, the admin token as the password): the browser
 * asks once and sends it with every page, asset and API call under the prefix.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { QUEUE_PREFIX } from '../../libs/queues/index.js';
import { pipelineQueues } from '../../libs/self-monitoring/queue-depths.js';
import type { Access } from './auth.js';
import type { ApiContext } from './context.js';
import { ApiError } from './route.js';

export const QUEUE_BOARD_PATH = '/admin/queues';

/** `Basic base64(user:token)` read as `Bearer token`; any other header as it is. */
export function asBearer(authorization: string | undefined): string | undefined {
  const match = authorization === undefined ? null : /^Basic[ ]+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (!match) return authorization;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : `Bearer ${decoded.slice(colon + 1)}`;
}

export function registerQueueBoard(app: FastifyInstance, ctx: ApiContext, authorizeRequest: (request: { headers: { authorization?: string | undefined } }, access: Access) => string | undefined): void {
  const handles = new Map<string, Queue>();
  const serverAdapter = new FastifyAdapter();
  const board = createBullBoard({ queues: [], serverAdapter });
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  let shown = '';
  // The configuration may add or drop a region: the board follows on the next request.
  const followQueues = (): void => {
    const names = pipelineQueues(ctx.config().checks);
    if (names.join('\n') === shown) return;
    shown = names.join('\n');
    board.replaceQueues(names.map((name) => {
      let queue = handles.get(name);
      if (!queue) {
        queue = new Queue(name, { connection: ctx.redis, prefix: QUEUE_PREFIX, skipMetasUpdate: true });
        queue.on('error', () => undefined);
        handles.set(name, queue);
      }
      return new BullMQAdapter(queue);
    }));
  };
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      authorizeRequest({ headers: { authorization: asBearer(request.headers.authorization) } }, 'admin');
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.status === 401) void reply.header('www-authenticate', 'Basic realm="Vigil queues", charset="UTF-8"');
      return reply.code(err.status).send({ code: err.code, message: `${err.message}; in a browser, give any user name and an admin token as the password` });
    }
    followQueues();
    return undefined;
  };
  void app.register(async (scope) => {
    scope.addHook('onRequest', guard);
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
  });
  app.addHook('onClose', async () => {
    await Promise.all([...handles.values()].map((queue) => queue.close()));
  });
}
