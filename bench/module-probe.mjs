// Preloaded with `node --import` by bench/startup.mjs (never in timed runs): records every module the process
// loaded — ESM through a resolve hook, CommonJS through require.cache — into $GDNCTL_MODULE_PROBE_OUT at exit.
import { createRequire, register } from 'node:module';
import { writeFileSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';

const seen = new Set();
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => seen.add(String(url)));
port1.unref();
register('./module-probe-hooks.mjs', { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
process.on('exit', () => {
  for (const k of Object.keys(createRequire(import.meta.url).cache)) seen.add(k);
  writeFileSync(process.env.GDNCTL_MODULE_PROBE_OUT, JSON.stringify([...seen].sort()));
});
