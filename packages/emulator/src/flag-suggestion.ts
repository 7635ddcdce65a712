// Edit distance (insertions, deletions, substitutions), to name the flag a typo meant.
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The known flag closest to `flag` (both without their leading dashes), when it is close
 * enough to be a typo of it: `prot` → `port`, `rootkey` → `root-key`. A flag that resembles
 * none gets no suggestion, since a far-fetched one misleads more than it helps.
 */
export function nearestFlag(flag: string, known: readonly string[]): string | undefined {
  const wanted = flag.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = distance(wanted, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(flag.length / 4)) ? best : undefined;
}

/**
 * Adds "did you mean --<flag>?" to `node:util` parseArgs's unknown-option message
 * (`Unknown option '--prot'`), or returns the message as it is.
 */
export function withSuggestion(message: string, known: readonly string[]): string {
  const unknown = /^Unknown option '--([^'=]+)'/.exec(message)?.[1];
  if (unknown === undefined) return message;
  const suggestion = nearestFlag(unknown, known);
  return suggestion === undefined ? message : `${message}; did you mean --${suggestion}?`;
}
