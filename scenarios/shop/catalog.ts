import { generateCatalog, rngFor, type Catalog } from '../../src/core/index.ts'

/** The vocabulary of the synthetic shop: categories, attribute tags, product nouns and brands. */
export const SHOP = {
  categories: ['electronics', 'home', 'kitchen', 'fashion', 'beauty', 'sports', 'toys', 'books', 'garden', 'pets', 'office', 'outdoor'],
  tags: [
    'wireless', 'waterproof', 'organic', 'compact', 'premium', 'budget', 'eco-friendly', 'handmade', 'vintage', 'minimalist',
    'colorful', 'durable', 'lightweight', 'ergonomic', 'smart', 'cotton', 'leather', 'wooden', 'stainless', 'kids', 'travel',
    'portable', 'rechargeable', 'scented', 'classic', 'modern', 'foldable', 'heavy-duty', 'quiet', 'recycled', 'luxury', 'vegan',
  ],
  nouns: {
    electronics: ['headphones', 'speaker', 'charger', 'keyboard', 'mouse', 'camera', 'tablet'],
    home: ['lamp', 'blanket', 'cushion', 'rug', 'curtain', 'clock', 'vase'],
    kitchen: ['kettle', 'pan', 'knife set', 'blender', 'mug', 'toaster', 'cutting board'],
    fashion: ['jacket', 'sneakers', 'scarf', 'backpack', 'dress', 'jeans', 'watch'],
    beauty: ['serum', 'shampoo', 'lipstick', 'face cream', 'perfume', 'hair dryer', 'soap'],
    sports: ['yoga mat', 'dumbbells', 'running shoes', 'water bottle', 'tennis racket', 'bike helmet', 'jump rope'],
    toys: ['puzzle', 'building blocks', 'plush bear', 'board game', 'toy car', 'kite', 'doll'],
    books: ['cookbook', 'novel', 'travel guide', 'notebook', 'comic', 'atlas', 'journal'],
    garden: ['planter', 'hose', 'pruner', 'seed kit', 'watering can', 'bird feeder', 'lantern'],
    pets: ['dog bed', 'cat toy', 'leash', 'pet bowl', 'scratching post', 'pet carrier', 'treats'],
    office: ['desk lamp', 'office chair', 'planner', 'pen set', 'monitor stand', 'desk organizer', 'stapler'],
    outdoor: ['tent', 'sleeping bag', 'camping stove', 'hiking poles', 'cooler', 'hammock', 'headlamp'],
  } as Record<string, string[]>,
  brands: ['Nordwell', 'Aurelo', 'Kestra', 'Lumio', 'Brava', 'Tidewell', 'Orvik', 'Pellion', 'Quanta', 'Solvie', 'Veltro', 'Zephra', 'Myrtle', 'Fjordly', 'Camber', 'Halden'],
}

/**
 * A seeded shop catalog: the synthetic catalog's structure (latent vectors from category
 * and attribute tags, quality, prices, long-tailed popularity) with product titles,
 * "<Brand> <attribute> <product>", a brand per item drawn from a few per category, so a
 * query can name a brand, an attribute or a product.
 */
export function generateShopCatalog(opts: { seed: number; size: number }): Catalog {
  const catalog = generateCatalog({ seed: opts.seed, size: opts.size, categories: SHOP.categories, tags: SHOP.tags })
  const rng = rngFor(opts.seed, 'shop-titles')
  for (const it of catalog.items) {
    const ci = SHOP.categories.indexOf(it.category)
    // Each category sells four brands (overlapping with its neighbours'): brands mean something.
    const brand = SHOP.brands[(ci + rng.int(4)) % SHOP.brands.length]!
    const noun = rng.pick(SHOP.nouns[it.category]!)
    const attribute = it.tags[0]!
    it.title = `${brand} ${attribute} ${noun}`
    it.description = `A ${it.tags.join(', ')} ${noun} by ${brand} (${it.category}).`
  }
  return catalog
}
