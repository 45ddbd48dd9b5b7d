/** Word lists for the synthetic catalog and personas. */

export const CATEGORIES = [
  'drama', 'comedy', 'thriller', 'documentary', 'sci-fi', 'romance',
  'animation', 'horror', 'fantasy', 'crime', 'music', 'adventure',
] as const

export const TAGS = [
  'light', 'dark', 'romantic', 'funny', 'slow-paced', 'fast-paced', 'family', 'violent',
  'thoughtful', 'quirky', 'epic', 'intimate', 'classic', 'modern', 'true-story', 'surreal',
  'musical', 'suspenseful', 'heartwarming', 'satirical', 'visual', 'dialogue-driven',
  'feel-good', 'bleak', 'mysterious', 'action-packed', 'award-winning', 'indie', 'long',
  'short', 'foreign-language', 'cult', 'nostalgic', 'educational', 'spooky', 'sporty',
  'political', 'historical', 'futuristic', 'animated-style',
] as const

export const TITLE_ADJECTIVES = [
  'Silent', 'Golden', 'Broken', 'Hidden', 'Last', 'Crimson', 'Endless', 'Distant', 'Wild',
  'Quiet', 'Electric', 'Paper', 'Midnight', 'Northern', 'Little', 'Secret', 'Burning', 'Glass',
  'Lost', 'Second', 'Velvet', 'Iron', 'Summer', 'Winter', 'Hollow', 'Bright', 'Falling',
]

export const TITLE_NOUNS = [
  'Harbor', 'Garden', 'Signal', 'River', 'Empire', 'Letters', 'Orbit', 'Station', 'Dream',
  'Machine', 'Forest', 'Kingdom', 'Promise', 'Horizon', 'Bridge', 'Mirror', 'Voyage', 'City',
  'Frontier', 'Lantern', 'Island', 'Storm', 'Echo', 'Carnival', 'Archive', 'Tide', 'Crown',
]

export const FIRST_NAMES = [
  'Ada', 'Ben', 'Chen', 'Dana', 'Emil', 'Fatima', 'Goran', 'Hana', 'Ivan', 'Jaya', 'Kofi',
  'Lena', 'Mateo', 'Nia', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sami', 'Tomas', 'Uma', 'Vera',
  'Wei', 'Ximena', 'Yusuf', 'Zoe',
]
