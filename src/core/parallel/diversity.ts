/**
 * Diversity between the K candidates of a round (pure): each gets a distinct direction, so K agents do not
 * make the same change. A direction is the slot's pinned --candidate-directive, else an idea the previous
 * round left (its next hypotheses, then the changes its agents considered and did not choose), else a family
 * of changes of its own. Every candidate is told what the others explore and what the last round found.
 */
import { renderPrompt, listPlaceholders } from '../prompt-template.js';

/** What one candidate of a finished round left for the next one (kept in state.json, so a resume has it). */
export interface Explored {
  slot: number;
  iteration: number;
  /** record.json's status: promoted, kept-within-noise, regression-reverted, … */
  status: string;
  /** The change it made (its report's `chosen.change`), when it reported one. */
  change?: string | undefined;
  reflexion?: string | undefined;
  nextHypothesis?: string | undefined;
  /** Changes it considered and did not choose. */
  considered?: string[] | undefined;
  /** It won the round: its change is on the loop's branch. */
  promoted?: boolean | undefined;
}

/** Used when neither a pin nor the previous round gives a slot its direction. */
const FAMILIES = [
  'the largest hotspot first, with the most direct fix',
  'memory layout and data movement (fewer copies, better locality, fusion)',
  'parallelism and overlap (more work in flight, less waiting)',
  'an algorithmic change (less work, not faster work)',
  'configuration and compiler settings (flags, block sizes, precision where allowed)',
  'overheads around the hot path (launches, synchronisation, Python or host-side work)',
  'a small, low-risk cleanup of the hot path that makes the next change easier',
  'the second-largest hotspot, which the others are unlikely to touch',
];

const oneLine = (s: string, max = 160): string => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/** Directions for slots 1…k, distinct while the pool allows. */
export function directions(k: number, pinned: readonly string[], previous: readonly Explored[]): string[] {
  const pool: string[] = [];
  const add = (s: string | undefined): void => {
    const t = s === undefined ? '' : oneLine(s);
    if (t !== '' && !pool.includes(t)) pool.push(t);
  };
  for (const e of previous) add(e.nextHypothesis);
  for (const e of previous) for (const c of e.considered ?? []) if (c !== e.change) add(c);
  for (const f of FAMILIES) add(f);
  const out: string[] = [];
  for (let slot = 1; slot <= k; slot++) {
    const pin = pinned[slot - 1];
    if (pin !== undefined && pin.trim() !== '') {
      out.push(oneLine(pin, 400));
      continue;
    }
    const next = pool.find((p) => !out.includes(p) && !pinned.includes(p)) ?? FAMILIES[(slot - 1) % FAMILIES.length]!;
    out.push(next);
  }
  return out;
}

export interface SlotText {
  /** {{CANDIDATE}}: who this candidate is and its direction. */
  candidate: string;
  /** {{CANDIDATES}}: what the others explore this round and what the last round found. */
  candidates: string;
}

export function slotTexts(round: number, k: number, dirs: readonly string[], previous: readonly Explored[]): SlotText[] {
  const last = previous.length === 0
    ? ''
    : ` Last round: ${previous.map((e) => `candidate ${e.slot}${e.change ? ` tried "${oneLine(e.change, 100)}"` : ''} → ${e.status}${e.promoted ? ' (now the champion)' : e.promoted === false && e.status === 'promoted' ? ' against the champion, but another finalist was chosen (explored)' : ''}${e.reflexion ? `; reflexion: ${oneLine(e.reflexion, 120)}` : ''}`).join('; ')}.`;
  return dirs.map((dir, i) => {
    const others = dirs.map((d, j) => (j === i ? undefined : `candidate ${j + 1}: ${d}`)).filter((x): x is string => x !== undefined);
    return {
      candidate: `you are candidate ${i + 1} of ${k} in round ${round}; your direction: ${dir}`,
      candidates: `the others are exploring: ${others.join('; ')}. Make a change of a different kind from theirs.${last}`,
    };
  });
}

/** `{{` inside a filled value would be read as a placeholder by the loop's own render pass. */
const inert = (s: string): string => s.replace(/\{\{/g, '{ {').replace(/\}\}/g, '} }');

/**
 * The candidate's template and directives: {{CANDIDATE}} and {{CANDIDATES}} filled where the template names
 * them (the other placeholders are left for the loop's prompt phase), else one directive saying the same.
 */
export function candidatePrompt(template: string, directives: readonly string[], t: SlotText): { template: string; directives: string[] } {
  const names = new Set(listPlaceholders(template).map((u) => u.name));
  if (!names.has('CANDIDATE') && !names.has('CANDIDATES')) {
    return { template, directives: [...directives, `Parallel candidates: ${t.candidate}. ${t.candidates.charAt(0).toUpperCase()}${t.candidates.slice(1)}`] };
  }
  // Fill only ours: every other known placeholder is written back as itself for the prompt phase.
  const keep = Object.fromEntries([...names].filter((n) => n !== 'CANDIDATE' && n !== 'CANDIDATES').map((n) => [n, `{{${n}}}`]));
  const filled = renderPrompt(template, { ...keep, CANDIDATE: inert(t.candidate), CANDIDATES: inert(t.candidates) });
  return { template: filled, directives: [...directives] };
}
