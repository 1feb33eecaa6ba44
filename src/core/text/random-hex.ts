/**
 * `chars` random hex digits for names that must not collide (a temp file, a run id's suffix, a child marker),
 * not for secrets: Math.random, because node:crypto's randomBytes was the only reason the loop loaded
 * node:crypto before its first agent (~8 ms of start-up, issue 14).
 */
export function randomHex(chars: number): string {
  let out = '';
  while (out.length < chars) out += Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, '0');
  return out.slice(0, chars);
}
