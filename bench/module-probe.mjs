// Preloaded with `node --import` by bench/startup.mjs and test/e2e/start-up-modules.test.ts (never in timed runs):
// records every module the process loaded — ESM through a resolve hook, CommonJS through require.cache — into
// $GDNCTL_MODULE_PROBE_OUT at exit. With GDNCTL_MODULE_PROBE_SIGNAL (e.g. SIGUSR2) it also writes what was loaded
// so far when that signal arrives, to $GDNCTL_MODULE_PROBE_OUT.<n> (a fake agent sends it: "before the first agent").
import { createRequire, register } from 'node:module';
import { writeFileSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';

const seen = new Set();
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => seen.add(String(url)));
port1.unref();
register('./module-probe-hooks.mjs', { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
const snapshot = () => {
  for (const k of Object.keys(createRequire(import.meta.url).cache)) seen.add(k);
  return JSON.stringify([...seen].sort());
};
process.on('exit', () => writeFileSync(process.env.GDNCTL_MODULE_PROBE_OUT, snapshot()));
let snapshots = 0;
if (process.env.GDNCTL_MODULE_PROBE_SIGNAL) {
  process.on(process.env.GDNCTL_MODULE_PROBE_SIGNAL, () => writeFileSync(`${process.env.GDNCTL_MODULE_PROBE_OUT}.${++snapshots}`, snapshot()));
}
