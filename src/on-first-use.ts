/**
 * A value loaded on first use and kept for the isolate's life, one load shared by concurrent callers:
 * the lazy route groups, the OAuth client, the SQL driver. A failed load (a module that could not be
 * fetched, say) is forgotten, so the next call tries again rather than failing forever.
 */
export function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | null = null;
  return () => {
    if (loading) return loading;
    const attempt = load();
    loading = attempt;
    attempt.catch(() => {
      if (loading === attempt) loading = null;
    });
    return attempt;
  };
}
