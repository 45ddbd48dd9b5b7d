/**
 * The data a simulation is made of: items, personas, agent state, slates and the
 * per-step outcome. All of it is plain, structured-cloneable data so it crosses
 * worker threads, BullMQ jobs and SQLite without custom codecs.
 */

/** Dimensions of the latent taste space shared by items and personas. */
export const LATENT_DIM = 16

/** One recommendable item. `id` is its index in the catalog. */
export interface Item {
  id: number
  title: string
  description: string
  category: string
  /** Attribute tags, e.g. `['light', 'romantic']`. */
  tags: string[]
  price: number
  /** Intrinsic quality in [0, 1]. */
  quality: number
  /** Prior popularity share in (0, 1]; long-tailed across the catalog. */
  popularity: number
  year?: number
  /** Latent vector (length LATENT_DIM). */
  vector: number[]
}

/** A catalog: the items plus indexes the hot path needs. */
export interface Catalog {
  items: Item[]
  categories: string[]
  tags: string[]
}

/** The AILO activity orientation. */
export type ActivityType = 'efficiency' | 'detail' | 'exploration'

/** How a persona writes (AILO's linguistic traits). */
export interface LinguisticStyle {
  informationDensity: 'low' | 'medium' | 'high'
  expressionStyle: 'direct' | 'descriptive' | 'questioning'
  tone: 'friendly' | 'neutral' | 'blunt'
}

/** A weighted attribute preference. */
export interface TagWeight {
  tag: string
  weight: number
}

/**
 * A conditional-logit choice among a slate plus an outside option (not clicking, value 0).
 * The logit of the item at position j is
 *
 *   z_j = utility·u + (popularity + popularityByConformity·(conformity − ½))·lp
 *         + activity·(activity − ½) + familiarity·familiar + bias − positionBias·log2(1 + j)
 *
 * with u the persona's hidden utility of the item and lp its log relative popularity
 * (log(popularity·N)). `utility` is the inverse temperature: how strongly choices follow
 * the hidden taste; `bias` is the value of an item of average popularity and zero
 * utility against not clicking. For data-driven scenarios every weight but the position
 * bias is fitted on the training log (src/fidelity/choice-fit.ts); rating logs carry no
 * positions, so `positionBias` keeps its default.
 */
export interface ChoiceParams {
  utility: number
  popularity: number
  popularityByConformity: number
  activity: number
  familiarity: number
  bias: number
  positionBias: number
  /**
   * The value of not clicking: the log-sum-exp of this user's logits over every item it has
   * not consumed. Not clicking is choosing something off the slate, so the slate's share of
   * the user's whole choice set is its chance of a click. Absent: 0.
   */
  outside?: number
  /** Weight of the item's co-consumption affinity to what the user consumed last (`near`). */
  recentTaste?: number
  /**
   * Items others consumed together with this user's latest ones ("who watched what you
   * watched last also watched"): ids ascending, affinities aligned; any other item has 0.
   */
  near?: { items: number[]; scores: number[] }
  /** Weight of how much an item was being watched in the year before the user's time (`trending`). */
  trendTaste?: number
  /**
   * The items most watched in the year before this user's time: ids ascending, each with its
   * log relative popularity then above that of an item nobody watched; any other item has 0.
   */
  trending?: { items: number[]; scores: number[] }
  /**
   * Standard deviation of a rating around the expected one (the rating model's error on
   * ratings it did not see, fitted); absent: 0.35.
   */
  ratingNoise?: number
}

/**
 * A simulated user's fixed description. Everything but `hidden` may appear in a
 * prompt; `hidden` is the ground truth that only the simulator and the metrics see.
 */
export interface Persona {
  id: number
  name: string
  activityType: ActivityType
  likes: TagWeight[]
  dislikes: TagWeight[]
  /** Attributes this user never wants (a click on one is a consistency violation). */
  hardDislikes: string[]
  favouriteCategories: string[]
  linguistic: LinguisticStyle
  /** Expectation level in [0, 1]: how good a slate must look to satisfy. */
  expectation: number
  /** Tolerance in [0, 1] for fatigue plus disappointment before leaving a session. */
  patience: number
  /** Fatigue added per slate seen. */
  fatigueRate: number
  /** Agent4Rec traits, each in [0, 1]. */
  traits: { activity: number; conformity: number; diversity: number }
  /** How this user uses the 1–5 scale. */
  rating: { mean: number; spread: number }
  /** How this user chooses among a slate (fitted on data for data-driven scenarios); absent: AILO's own perception. */
  choice?: ChoiceParams
  hidden: {
    taste: number[]
    /** Weight of item quality in the true utility. */
    qualityWeight: number
    /** Weight of price (negative: price-averse). */
    priceWeight: number
    /** Scenario-specific ground truth (e.g. a target item and its facets); its shape belongs to the scenario. */
    target?: unknown
  }
}

/** What a policy sees of a user: no hidden fields. */
export interface UserView {
  id: number
  /** Recently consumed items, newest last. */
  history: readonly number[]
  /** What the user said in its last step (commands, complaints, replies). */
  utterances: readonly Utterance[]
  /** The policy's own memory of this user from the last round (see Recommendation). */
  memory?: unknown
  /** The user's friends on the platform, when the scenario has a social graph (docs/social.md). */
  friends?: readonly number[]
  /** This round's search request and its preference anchors, when the user searched (docs/search.md). */
  search?: SearchView
  /** Which trial of a multi-trial episode the user is in (agents that restart failed episodes; see AgentDef.trial). */
  trial?: TrialView
}

/** How a trial of a multi-trial episode ended. */
export type TrialEnding = 'passed' | 'gave-up' | 'left-unsatisfied' | 'out-of-turns'

/**
 * A multi-trial episode as the policy sees it: the same user and hidden target, restarted
 * after a failed trial (RetroAct). A policy that supports reflection writes a lesson from
 * the failed trial when `index` moves on, and carries it into the next trial.
 */
export interface TrialView {
  /** 0 for the first trial. */
  index: number
  /** Trials this episode may have. */
  of: number
  /** How the previous trial ended (absent in the first). */
  previous?: { ending: TrialEnding; reward: number; rounds: number }
}

/** One utterance an agent said. */
export interface Utterance {
  kind: 'complaint' | 'request' | 'praise' | 'command' | 'reply' | 'answer'
  text: string
}

/** What a searching user asks this round. */
export interface SearchRequest {
  query: string
  /** Does it rewrite the user's previous query after a bad result page. */
  reformulation: boolean
  /**
   * What the user privately wants (its shape belongs to the agent): handed back to its step
   * in `StepContext.search`, never shown to the policy, never logged.
   */
  intent?: unknown
}

/**
 * OnePiece's preference anchors for a query: the items most ordered, clicked and shown for
 * it, best first, counted over rounds strictly before the current one (daily snapshots).
 */
export interface Anchors {
  purchased: number[]
  clicked: number[]
  impressed: number[]
}

/** What a policy sees of a search request: the query and its anchors. */
export interface SearchView {
  query: string
  reformulation: boolean
  anchors: Anchors
}
