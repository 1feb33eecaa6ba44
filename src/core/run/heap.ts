import { setFlagsFromString } from 'node:v8';

/**
 * A loop runs for hours in one process, and V8's defaults size its heap for throughput. Measured by
 * bench:flatness (docs/performance.md): the young generation doubles each time the bytes that survived
 * scavenges since the last growth exceed its size, up to 16 MiB per semi-space, which every long run reaches
 * whatever one iteration allocates; and the old generation's limit grows so that promoted garbage piles up to
 * tens of MiB before a full collection. The young generation is held at its start size, and V8's
 * optimize-for-size heuristics (smaller heap growing factors) keep the old one near its live size. Set at run
 * time, so no launcher needs a flag; both are read when V8 next resizes the heap.
 */
export function holdHeapSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--optimize-for-size');
}
