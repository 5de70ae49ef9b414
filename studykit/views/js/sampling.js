// studykit.maths.sampling's arithmetic on one row of logits, in the browser, so that a slider needs no kernel.
//
// The Python module is the source of truth; this file repeats its steps in the same order and the same
// float64 operations (numpy's pairwise sum, a stable order that puts lower token ids first among ties,
// top-p's candidate shortcut), so that probabilities agree to rounding and kept sets are identical
// (tests/e2e/test_explorer_parity.py checks both on the real model's logits). Filters that are off are
// `null`; temperature 0 means greedy (tied maxima share the mass), as in studykit.maths.sampling.

// numpy's pairwise summation (what `array.sum()` does along a contiguous row): same additions, same order.
export function pairwiseSum(values, start = 0, count = values.length - start) {
  if (count < 8) {
    let sum = 0.0;
    for (let i = 0; i < count; i++) sum += values[start + i];
    return sum;
  }
  if (count <= 128) {
    const r = new Float64Array(8);
    for (let j = 0; j < 8; j++) r[j] = values[start + j];
    let i = 8;
    for (; i < count - (count % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += values[start + i + j];
    }
    let sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < count; i++) sum += values[start + i];
    return sum;
  }
  let half = Math.floor(count / 2);
  half -= half % 8;
  return pairwiseSum(values, start, half) + pairwiseSum(values, start + half, count - half);
}

// Token ids sorted by logit, ascending, lower ids first among ties (numpy's stable argsort).
// Temperature never changes this order, so a row is sorted once.
export function ascendingOrder(logits) {
  const order = Array.from(logits.keys());
  order.sort((a, b) => logits[a] - logits[b] || a - b);
  return Uint32Array.from(order);
}

// logits / T as a new array (T = 0: 0.0 for the arg-max tokens, -inf for the rest).
export function applyTemperature(logits, temperature) {
  const scores = new Float64Array(logits.length);
  if (temperature === 0) {
    let max = -Infinity;
    for (const z of logits) if (z > max) max = z;
    for (let i = 0; i < logits.length; i++) scores[i] = logits[i] === max ? 0.0 : -Infinity;
    return scores;
  }
  for (let i = 0; i < logits.length; i++) scores[i] = logits[i] / temperature;
  return scores;
}

// softmax of scores that already hold -inf for removed tokens (sampling._softmax_rows).
export function softmaxScores(scores) {
  let max = -Infinity;
  for (const s of scores) if (s > max) max = s;
  const weights = new Float64Array(scores.length);
  // exp(-inf) is 0: skipping removed tokens changes no value, and exp is the slow part of a redraw.
  for (let i = 0; i < scores.length; i++) weights[i] = scores[i] === -Infinity ? 0.0 : Math.exp(scores[i] - max);
  const total = pairwiseSum(weights);
  for (let i = 0; i < weights.length; i++) weights[i] /= total;
  return weights;
}

export function softmax(logits, temperature = 1.0) {
  return softmaxScores(applyTemperature(logits, temperature));
}

// The k-th largest score, found along the ascending order (scores keep that order up to ties).
function kthLargest(scores, order, k) {
  return scores[order[order.length - k]];
}

// Each filter below removes tokens from `scores` in place (sets them to -inf), as sampling's _keep_* do.
export function keepTopK(scores, order, topK) {
  const k = Math.min(topK, scores.length);
  const kth = kthLargest(scores, order, k);
  for (let i = 0; i < scores.length; i++) if (scores[i] < kth) scores[i] = -Infinity;
  return scores;
}

// Dividing by T can make two neighbouring logits equal; numpy's stable sort then orders them by id.
// Returns the ascending order of `scores` (finite ones only), ties by id, from the logits' order.
function finiteAscending(scores, order) {
  let count = 0;
  const all = new Uint32Array(order.length);
  for (let i = 0; i < order.length; i++) if (scores[order[i]] > -Infinity) all[count++] = order[i];
  const finite = all.subarray(0, count);
  for (let start = 0; start < finite.length;) {
    let end = start + 1;
    while (end < finite.length && scores[finite[end]] === scores[finite[start]]) end++;
    if (end - start > 1) finite.subarray(start, end).sort(); // typed arrays sort numerically
    start = end;
  }
  return finite;
}

const TOP_P_CANDIDATE_COUNTS = [1024, 8192]; // sampling._TOP_P_CANDIDATE_COUNTS

// `probs` is softmaxScores(scores), when the caller has it already.
export function keepTopP(scores, order, topP, probs = softmaxScores(scores)) {
  const ascending = finiteAscending(scores, order);
  const keep = new Uint8Array(scores.length);
  const limit = 1 - topP;
  // Mark as kept the tokens of ascending[from:] whose tail mass (below them) stays above 1 - top_p.
  const keepFrom = (from, massBelow) => {
    let cumulative = 0.0;
    for (let i = from; i < ascending.length; i++) {
      cumulative += probs[ascending[i]];
      if (!(massBelow + cumulative <= limit) || i === ascending.length - 1) keep[ascending[i]] = 1;
    }
  };
  let done = false;
  for (const count of TOP_P_CANDIDATE_COUNTS) {
    if (count * 4 > ascending.length) break;
    // Candidates: every token scoring at least the count-th highest score, ties included.
    const threshold = scores[ascending[ascending.length - count]];
    const below = new Float64Array(ascending.length);
    let belowCount = 0;
    for (let id = 0; id < scores.length; id++) {
      if (scores[id] > -Infinity && scores[id] < threshold) below[belowCount++] = probs[id];
    }
    const tailMass = pairwiseSum(below, 0, belowCount);
    if (tailMass <= limit) {
      keepFrom(belowCount, tailMass);
      done = true;
      break;
    }
  }
  if (!done) keepFrom(0, 0.0);
  for (let i = 0; i < scores.length; i++) if (!keep[i]) scores[i] = -Infinity;
  return scores;
}

export function keepMinP(scores, minP, probs = softmaxScores(scores)) {
  let max = 0;
  for (const p of probs) if (p > max) max = p;
  const threshold = minP * max;
  for (let i = 0; i < scores.length; i++) if (probs[i] < threshold) scores[i] = -Infinity;
  return scores;
}

// The scores after temperature and each filter, one array per step (sampling.warp's intermediate
// results, in generate()'s order): stages = [after temperature, after top-k, after top-p, after min-p].
// A filter that is off leaves the previous step's array. probsOf(stage) is its softmax, computed once
// per distinct array (the filters and the chart need the same few).
export function warpStages(logits, order, {temperature = 1.0, topK = null, topP = null, minP = null} = {}) {
  const stages = [applyTemperature(logits, temperature)];
  const computed = new Map();
  const probsOf = (scores) => {
    if (!computed.has(scores)) computed.set(scores, softmaxScores(scores));
    return computed.get(scores);
  };
  const step = (on, filter) => {
    const previous = stages.at(-1);
    stages.push(on ? filter(previous.slice(), () => probsOf(previous)) : previous);
  };
  step(topK !== null, (s) => keepTopK(s, order, topK));
  step(topP !== null && topP < 1.0, (s, probs) => keepTopP(s, order, topP, probs())); // 1.0 keeps all, as generate()
  step(minP !== null, (s, probs) => keepMinP(s, minP, probs()));
  return { stages, probsOf };
}

export function warp(logits, order, settings) {
  return warpStages(logits, order, settings).stages.at(-1);
}

// Shannon entropy in nats with 0 log 0 = 0 (sampling.entropy).
export function entropy(probs) {
  const terms = new Float64Array(probs.length);
  for (let i = 0; i < probs.length; i++) if (probs[i] > 0) terms[i] = probs[i] * Math.log(probs[i]);
  return -pairwiseSum(terms) + 0.0;
}

// Shares of the given stalls, then the rest of the market (plots.market_shares).
export function marketShares(probs, stallIds) {
  const shown = Float64Array.from(stallIds, (id) => probs[id]);
  return [...shown, Math.max(0.0, 1.0 - pairwiseSum(shown))];
}

// For each uniform u in [0, 1), the first token whose cumulative mass exceeds u (sampling._inverse_cdf).
export function inverseCdf(probs, uniforms) {
  const cdf = new Float64Array(probs.length);
  let total = 0.0;
  for (let i = 0; i < probs.length; i++) cdf[i] = total += probs[i];
  for (let i = 0; i < cdf.length; i++) cdf[i] /= total;
  return uniforms.map((u) => {
    let lo = 0, hi = cdf.length; // first index with cdf > u (searchsorted side="right")
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] > u) hi = mid; else lo = mid + 1;
    }
    return lo;
  });
}

// Uniform floats in [0, 1) from a small seeded generator (sfc32): shoppers, not cryptography.
export function uniformStream(seed) {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next();
  return () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992; // 53 random bits
}
