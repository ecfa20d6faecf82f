// The bench's load generator, in its own thread (see startLoadWorker): runs each job it is sent.
import { parentPort } from 'node:worker_threads';
import { runLoad, type LoadJob } from './load.js';

parentPort!.on('message', (job: LoadJob) => {
  runLoad(job).then(
    (result) => parentPort!.postMessage({ ok: true, result }),
    (error: unknown) => parentPort!.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
