/**
 * Edit distance with insertions, deletions, substitutions and transpositions of neighbours, one
 * each (optimal string alignment): `emial` is one slip from `email`, as a typist would count it.
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, rows[i - 2]![j - 2]! + 1);
      row.push(distance);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/**
 * The known name a misspelt `word` most likely meant, or undefined when none is close. Case is
 * ignored when measuring (`emailaddress` → `emailAddress`); "close" allows about one slip per
 * three characters, so short unrelated names are not offered.
 */
export function didYouMean(word: string, known: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(word.toLowerCase(), name.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** `unknown key "x"`, with `(did you mean "y"?)` when a known key is close. */
export function unknownKeyMessage(key: string, known: readonly string[], noun = 'key'): string {
  const suggestion = didYouMean(key, known);
  return `unknown ${noun} "${key}"${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}`;
}
