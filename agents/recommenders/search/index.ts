export { bm25Index, bm25Policy, bm25Scores, resultPage, type Bm25Index } from './bm25.ts'
export { bm25BprPolicy, type Bm25BprOptions } from './bm25-bpr.ts'
