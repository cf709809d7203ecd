// Gemini's per-day quotas reset at midnight Pacific time (PROTOCOLS.md §2).
const pacificParts = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Los_Angeles',
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

function pacificWallClock(epochMs: number): { year: number; month: number; day: number; offsetMs: number } {
  const parts: Record<string, number> = {};
  for (const part of pacificParts.formatToParts(epochMs)) parts[part.type] = Number(part.value);
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  const wallAsUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  return { year, month, day, offsetMs: wallAsUtc - Math.floor(epochMs / 1000) * 1000 };
}

/** The first instant after `nowMs` at which the date in America/Los_Angeles changes. */
export function nextPacificMidnight(nowMs: number): number {
  const today = pacificWallClock(nowMs);
  const midnightWall = Date.UTC(today.year, today.month - 1, today.day + 1);
  // A daylight-saving switch between now and midnight changes the offset: re-read it there.
  const guess = midnightWall - today.offsetMs;
  return midnightWall - pacificWallClock(guess).offsetMs;
}
