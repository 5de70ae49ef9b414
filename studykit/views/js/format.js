// Python's number formatting, so that a readout in the browser reads digit for digit as studykit prints it.
//
// Python rounds the exact binary value of a float half to even (round(), "{:.2f}", "{:.3g}", "{:.2e}");
// JavaScript's toFixed and toPrecision round an exact tie up. Both work on the exact value, so only
// ties differ: here every rounding goes through the exact decimal digits and breaks ties to even.

// Round x to `places` decimal places (negative: to tens, hundreds, ...), half to even, as Python's
// round(x, places) does before it converts back to a float. Returns the decimal as a string.
export function roundHalfEven(x, places) {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  const [mantissa, exponent] = Math.abs(x).toExponential(100).split("e"); // 101 exact significant digits
  const digits = mantissa.replace(".", "");
  const keep = Number(exponent) + places + 1; // digits at or above 10^-places
  let kept = keep > 0 ? BigInt(digits.slice(0, keep)) : 0n;
  if (keep >= 0) {
    const rest = digits.slice(keep);
    const up = rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || kept % 2n === 1n));
    if (up) kept += 1n;
  }
  let text = kept.toString();
  if (places > 0) {
    text = text.padStart(places + 1, "0");
    text = `${text.slice(0, -places)}.${text.slice(-places)}`;
  } else if (kept !== 0n) {
    text += "0".repeat(-places);
  }
  return (x < 0 && /[1-9]/.test(text) ? "-" : "") + text;
}

// Python's round(x, places) for a float: the float nearest the rounded decimal.
export function pyRound(x, places) {
  return Number(roundHalfEven(x, places));
}

// f"{x:.{places}f}"
export function fixed(x, places) {
  const text = roundHalfEven(x, places);
  return places > 0 && !text.includes(".") ? `${text}.${"0".repeat(places)}` : text;
}

// Digits and decimal exponent of |x| rounded to `significant` digits, half to even.
function significand(x, significant) {
  const [mantissa, exponent] = Math.abs(x).toExponential(100).split("e");
  const digits = mantissa.replace(".", "");
  let kept = BigInt(digits.slice(0, significant));
  const rest = digits.slice(significant);
  if (rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || kept % 2n === 1n))) kept += 1n;
  let power = Number(exponent);
  let text = kept.toString();
  if (text.length > significant) { // 9.995 -> 10.0
    text = text.slice(0, significant);
    power += 1;
  }
  return [text, power];
}

// f"{x:.{places}e}"
export function exponential(x, places) {
  if (x === 0) return `${fixed(0, places)}e+00`;
  const [digits, power] = significand(x, places + 1);
  const mantissa = places > 0 ? `${digits[0]}.${digits.slice(1)}` : digits[0];
  const sign = power < 0 ? "-" : "+";
  return `${x < 0 ? "-" : ""}${mantissa}e${sign}${String(Math.abs(power)).padStart(2, "0")}`;
}

// f"{x:.{precision}g}" (and f"{x:g}" with precision 6)
export function general(x, precision = 6) {
  if (x === 0) return "0";
  if (Number.isInteger(x) && Math.abs(x) < 10 ** precision) return String(x);
  const [, power] = significand(x, precision);
  if (power < -4 || power >= precision) {
    return exponential(x, precision - 1).replace(/\.?0+e/, "e");
  }
  const text = fixed(x, precision - 1 - power);
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

// f"{n:,}" for an integer
export function grouped(n) {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

// plots._round_significant
function roundSignificant(x, digits) {
  if (x === 0 || !Number.isFinite(x)) return x;
  return pyRound(x, digits - 1 - Math.floor(Math.log10(Math.abs(x))));
}

// plots.format_share: a probability as a percentage with 3 significant digits.
export function formatShare(p) {
  const percent = roundSignificant(100 * p, 3);
  if (percent === 0) return "0%";
  if (percent >= 100) return "100%";
  if (percent < 0.01) return `${exponential(percent, 2).replace("e-0", "e-")}%`;
  const decimals = Math.max(0, 2 - Math.floor(Math.log10(percent)));
  return `${fixed(percent, decimals)}%`;
}

// plots.format_count: a count or an effective number with 3 significant digits.
export function formatCount(x) {
  const rounded = roundSignificant(x, 3);
  return Math.abs(rounded) >= 100 ? grouped(rounded) : general(rounded, 3);
}

// html.escape
export function escapeHtml(text, quote = true) {
  let out = String(text).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
  if (quote) out = out.replaceAll('"', "&quot;").replaceAll("'", "&#x27;");
  return out;
}
