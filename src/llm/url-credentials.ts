/**
 * Credentials written into a model server's URL (`http://apikey:sk-…@host/v1`). They are
 * cut out where the URL enters the platform, so the URL that is stored (runs.config,
 * llm_calls.endpoint), shown (reports, messages) and shipped to threads and workers never
 * carries them; the secret itself goes no further than this process's API key.
 */
export function splitUrlCredentials(url: string): { url: string; secret?: string } {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    // Not a URL (the settings schema says so); still never echo a userinfo part.
    return { url: url.replace(/\/\/[^@/]*@/, '//') }
  }
  if (!u.username && !u.password) return { url }
  const secret = decodeURIComponent(u.password || u.username)
  u.username = ''
  u.password = ''
  return { url: u.toString().replace(/\/$/, url.endsWith('/') ? '/' : ''), secret }
}

/** The URL without its credentials, for anything stored or shown. */
export function withoutCredentials(url: string): string {
  return splitUrlCredentials(url).url
}
