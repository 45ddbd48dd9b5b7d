/** A read-only list of ids: a plain array or a typed-array view. */
export type IdList = ArrayLike<number> & Iterable<number>

/** One user's interaction in a round, as the policy learns from it. */
export interface Interaction {
  agent: number
  slate: IdList
  clicks: IdList
  ratings: IdList
  /** Items added to the cart (a subset of clicks) and ordered (a subset of carts); empty off e-commerce catalogs. */
  carts?: IdList
  orders?: IdList
  /** The search query of this request, when the user searched (see the search scenario). */
  query?: string
}
