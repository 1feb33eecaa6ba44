/**
 * When a codex usage or rate limit resets, from the message codex ended the turn with: its `error` and
 * `turn.failed` events carry only a message. The templates are codex 0.171's, pinned through the real binary by
 * test/e2e/codex-limits.test.ts:
 *
 *   "You’ve hit your usage limit. Try again at 2:09 AM."                 (same day, the codex process's local time)
 *   "You’ve hit your usage limit. Try again at Dec 5th, 2026 1:09 AM."   (another day)
 *   "You’ve hit your usage limit. … purchase more credits or try again at 2:09 AM."
 *   "rate limit exceeded: … Please try again in 1.5s."                   (the API's own text, passed through)
 *
 * codex prints minutes, cut down, so a parsed time gets the minute's remaining 60 s. "Try again later." (codex
 * ignores resets_in_seconds and Retry-After) has no time: the limit is then handled as before.
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const AT = /\btry again at (?:([A-Za-z]{3}) (\d{1,2})(?:st|nd|rd|th)?, (\d{4}) )?(\d{1,2}):(\d{2}) ?([AP]M)\b/i;
const IN = /\btry again in (\d+(?:\.\d+)?) ?(ms|s|m|h)\b/i;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The reset time (epoch ms) a codex failure message names, or undefined when it names none. */
export function codexLimitResetAt(message: string, nowMs: number): number | undefined {
  const inMatch = IN.exec(message);
  if (inMatch) return nowMs + Math.ceil(Number(inMatch[1]) * (UNIT_MS[inMatch[2]!.toLowerCase()] ?? 1000));
  const m = AT.exec(message);
  if (!m) return undefined;
  const [, mon, day, year, hh, mm, ampm] = m;
  const hour12 = Number(hh);
  const minute = Number(mm);
  if (hour12 < 1 || hour12 > 12 || minute > 59) return undefined;
  const hour = (hour12 % 12) + (ampm!.toUpperCase() === 'PM' ? 12 : 0);
  const now = new Date(nowMs);
  let at: Date;
  if (mon !== undefined) {
    const month = MONTHS.indexOf(mon.toLowerCase());
    if (month < 0) return undefined;
    at = new Date(Number(year), month, Number(day), hour, minute);
  } else {
    // A bare time is today's in codex's words; one long past means codex's "today" was yesterday here.
    at = new Date(now.getFullYear(), now.getMonth(), now.getDate(), hour, minute);
    if (at.getTime() < nowMs - 12 * 3_600_000) at = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, hour, minute);
  }
  return at.getTime() + 60_000;
}
