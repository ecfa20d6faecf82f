// Profiles a child process that `node --cpu-prof` cannot reach (a bench's services):
//   MLC_CPU_PROF_DIR=/tmp/prof NODE_OPTIONS="--import=$PWD/tools/bench/scripts/cpu-prof-preload.mjs" npm run bench -- …
// Every node process started with it writes <dir>/<name>-<pid>.cpuprofile when it exits
// (the services exit on SIGTERM through their own handler); read it with scripts/cpu-profile-top.mjs.
import { Session } from 'node:inspector';
import { writeFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';

const dir = process.env.MLC_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  const name = basename(process.argv.find((a) => a.endsWith('main.ts') || a.endsWith('.ts')) ?? 'node', '.ts').replace(/\W+/g, '-');
  // The directory after services/ (`services/coupa-writer/src/main.ts`, relative or absolute).
  const service = process.argv.map((a) => /(?:^|\/)services\/([^/]+)\//.exec(a)?.[1]).find(Boolean) ?? name;
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${service}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  // The in-thread inspector session answers synchronously, so this works in 'exit'.
  process.once('exit', write);
}
