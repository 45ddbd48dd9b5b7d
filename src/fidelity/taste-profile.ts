import type { Persona } from '../core/index.ts'

/** Facts from a user's training history that the profile text states. */
export interface TasteFacts {
  rated: number
  /** Titles rated highly, best and most recent first. */
  loved: string[]
  disliked: string[]
  /** Mean log relative popularity of what the user rated, minus the catalog's mean. */
  mainstream: number
  scaleMax: number
  dim: number
}

const list = (xs: readonly string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`)

/**
 * A short natural-language taste profile for the LLM path, built from the same facts
 * as the persona (never from held-out ratings): genres liked and avoided, how the user
 * uses the rating scale, how mainstream their picks are, and a few titles.
 *
 * @example
 * tasteProfile(persona, facts)
 * // "You have rated 93 films. You love Film-Noir, Crime and War; you tend to avoid Children and Musical. ..."
 */
export function tasteProfile(p: Persona, f: TasteFacts): string {
  const love = p.likes.filter((l) => l.weight >= 0.1).slice(0, 4).map((l) => l.tag)
  const avoid = p.dislikes.filter((d) => d.weight >= 0.1).slice(0, 3).map((d) => d.tag)
  const lines = [`You have rated ${f.rated} films.`]
  if (love.length) lines.push(`You love ${list(love)}${avoid.length ? `; you tend to avoid ${list(avoid)}` : ''}.`)
  else if (avoid.length) lines.push(`You tend to avoid ${list(avoid)}.`)
  const mean = p.rating.mean.toFixed(1)
  const spread = p.rating.spread < 0.7 ? 'you rarely stray far from it' : p.rating.spread > 1.05 ? 'you use the whole scale' : 'with a moderate spread'
  lines.push(`Your ratings average ${mean} out of ${f.scaleMax} (${spread}).`)
  lines.push(
    f.mainstream > 0.6
      ? 'You mostly watch popular, well-known films.'
      : f.mainstream < -0.3
        ? 'You often seek out lesser-known films.'
        : 'You mix well-known films with less famous ones.',
  )
  if (p.hardDislikes.length) lines.push(`You never watch ${list(p.hardDislikes)}.`)
  if (f.loved.length) lines.push(`Films you loved: ${f.loved.join('; ')}.`)
  if (f.disliked.length) lines.push(`Films you disliked: ${f.disliked.join('; ')}.`)
  return lines.join(' ')
}
