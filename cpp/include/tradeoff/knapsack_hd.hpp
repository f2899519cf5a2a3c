// tradeoff/knapsack_hd.hpp: exact arithmetic shared by every knapsack backend (host and device).
//
// The exactness contract (see python/tradeoff/budgets.py): every input number is an exact
// binary rational. A float array of one instance is multiplied by 2^-s, s the exponent of the
// lowest set bit over its nonzero entries, which turns every entry into an exact integer; the
// capacity is floored in the same units, so that
//     sum_j w_j x_j <= C   <=>   sum_j W_j x_j <= floor(C 2^-s)     (W_j = w_j 2^-s integers).
// All state arithmetic then runs on integers (int64 where it provably fits, else __int128) and
// is exact; only bounds use doubles, with a safety slack.
#pragma once

#include "config.hpp"

namespace tradeoff {
namespace knap {

using i128 = __int128;

// Bits of a double: sign, 11-bit biased exponent, 52-bit fraction.
TRADEOFF_HD inline unsigned long long double_bits(double x) {
  union {
    double d;
    unsigned long long u;
  } b{};
  b.d = x;
  return b.u;
}

// The integer significand M and exponent e with |x| = M 2^e (M < 2^53), for finite x.
TRADEOFF_HD inline void decompose(double x, unsigned long long& M, int& e) {
  const unsigned long long bits = double_bits(x);
  const int biased = static_cast<int>((bits >> 52) & 0x7FF);
  const unsigned long long frac = bits & ((1ULL << 52) - 1);
  if (biased == 0) {  // zero or subnormal: |x| = frac 2^-1074
    M = frac;
    e = -1074;
  } else {
    M = frac | (1ULL << 52);
    e = biased - 1075;
  }
}

// For finite x != 0: the e with |x| = M 2^e and M odd (the exponent of the lowest set bit).
TRADEOFF_HD inline int lsb_exponent(double x) {
  unsigned long long M;
  int e;
  decompose(x, M, e);
  while ((M & 1ULL) == 0ULL) {  // at most 52 steps; M != 0 for x != 0
    M >>= 1;
    ++e;
  }
  return e;
}

// For finite x != 0: floor(log2 |x|) (the exponent of the highest set bit).
TRADEOFF_HD inline int msb_exponent(double x) {
  unsigned long long M;
  int e;
  decompose(x, M, e);
  while (M > 1ULL) {
    M >>= 1;
    ++e;
  }
  return e;
}

// |x| 2^-s as an integer of type I (int64_t or __int128), with x's sign. Preconditions: x finite,
// s <= lsb_exponent(x) (so the result is an integer), and the result fits in I.
template <class I>
TRADEOFF_HD inline I scaled_int(double x, int s) {
  if (x == 0.0) return I(0);
  unsigned long long M;
  int e;
  decompose(x, M, e);
  const int shift = e - s;  // >= -52: s <= lsb_exponent(x) <= e + 52
  I r;
  if (shift >= 0) {
    r = static_cast<I>(M) << shift;
  } else {
    r = static_cast<I>(M >> (-shift));  // the bits shifted out are zeros (precondition)
  }
  return x < 0.0 ? -r : r;
}

// floor(c 2^-s) for a finite c >= 0, as I, saturated at `cap` (the caller passes the total
// weight, or anything >= it, so a huge capacity becomes "everything fits").
template <class I>
TRADEOFF_HD inline I floor_scaled(double c, int s, I cap) {
  if (!(c > 0.0)) return I(0);
  if (c != c || c > 1.7976931348623157e308) return cap;  // NaN never arrives; +inf = unlimited
  unsigned long long M;
  int e;
  decompose(c, M, e);
  const int shift = e - s;
  if (shift >= 0) {
    // c 2^-s = M 2^shift: compare with cap before shifting (cap < 2^126 by contract)
    const int top = msb_exponent(c) - s;  // floor(log2(c 2^-s))
    if (top >= 126) return cap;
    const I r = static_cast<I>(M) << shift;
    return r < cap ? r : cap;
  }
  if (-shift >= 64) return I(0);
  const I r = static_cast<I>(M >> (-shift));
  return r < cap ? r : cap;
}

// floor(c 2^-s) for any finite c (negative too: a negative budget), as I, clamped to
// [-cap, cap]. +inf gives cap (unlimited), -inf gives -cap.
template <class I>
TRADEOFF_HD inline I floor_scaled_signed(double c, int s, I cap) {
  if (c >= 0.0) return floor_scaled<I>(c, s, cap);
  if (c < -1.7976931348623157e308) return -cap;
  // floor(-a) = -ceil(a) for a = |c| 2^-s > 0
  unsigned long long M;
  int e;
  decompose(c, M, e);
  const int shift = e - s;
  if (shift >= 0) {
    const int top = msb_exponent(c) - s;
    if (top >= 126) return -cap;
    const I r = static_cast<I>(M) << shift;
    return r < cap ? -r : -cap;
  }
  if (-shift >= 64) return I(-1);  // 0 < a < 1
  const unsigned long long q = M >> (-shift);
  const bool frac = (M & ((1ULL << (-shift)) - 1ULL)) != 0ULL;
  const I r = static_cast<I>(q) + (frac ? I(1) : I(0));
  return r < cap ? -r : -cap;
}

// The double with bits `u` (the inverse of double_bits).
TRADEOFF_HD inline double double_from_bits(unsigned long long u) {
  union {
    unsigned long long u;
    double d;
  } b{};
  b.u = u;
  return b.d;
}

// Position of the highest set bit of a nonzero unsigned 128-bit integer.
TRADEOFF_HD inline int msb_u128(unsigned __int128 m) {
  int p = 0;
  unsigned long long hi = static_cast<unsigned long long>(m >> 64);
  unsigned long long lo = static_cast<unsigned long long>(m);
  unsigned long long x = hi ? hi : lo;
  if (hi) p = 64;
  while (x > 1ULL) {
    x >>= 1;
    ++p;
  }
  return p;
}

// t 2^s correctly rounded to double (round to nearest, ties to even; +-inf past the largest
// double; subnormal results rounded once, at their own precision). t is any integer of type I
// (int64 or __int128, |t| < 2^127).
template <class I>
TRADEOFF_HD inline double to_double_scaled(I t, int s) {
  if (t == I(0)) return 0.0;
  const bool neg = t < I(0);
  const unsigned __int128 mag = neg ? static_cast<unsigned __int128>(-static_cast<__int128>(t))
                                    : static_cast<unsigned __int128>(static_cast<__int128>(t));
  const int p = msb_u128(mag);  // mag in [2^p, 2^(p+1))
  const int E = p + s;          // the value lies in [2^E, 2^(E+1))
  const unsigned long long sign = neg ? (1ULL << 63) : 0ULL;
  if (E > 1023) return double_from_bits(sign | (0x7FFULL << 52));
  // q: exponent of the last kept bit (normal: 52 bits below the leading one; subnormal: 2^-1074)
  const int q = (E - 52 > -1074) ? E - 52 : -1074;
  const int drop = q - s;  // low bits of mag to round away
  unsigned long long mant;
  if (drop <= 0) {
    mant = static_cast<unsigned long long>(mag) << (-drop);  // exact, < 2^53
  } else if (drop >= 128) {
    mant = 0ULL;  // mag < 2^127 <= half an ulp: rounds to zero
  } else {
    const unsigned __int128 one = 1;
    mant = static_cast<unsigned long long>(mag >> drop);
    const unsigned __int128 rem = mag & ((one << drop) - one);
    const unsigned __int128 half = one << (drop - 1);
    if (rem > half || (rem == half && (mant & 1ULL))) ++mant;
  }
  // mant 2^q with mant <= 2^53; renormalize a carry into the next binade
  int qq = q;
  if (mant == (1ULL << 53)) {
    mant >>= 1;
    ++qq;
  }
  if (mant == 0ULL) return double_from_bits(sign);
  if (mant >= (1ULL << 52)) {  // normal: biased exponent of the leading bit 2^(qq + 52)
    const int biased = qq + 52 + 1023;
    if (biased >= 0x7FF) return double_from_bits(sign | (0x7FFULL << 52));
    return double_from_bits(sign | (static_cast<unsigned long long>(biased) << 52) |
                            (mant & ((1ULL << 52) - 1ULL)));
  }
  return double_from_bits(sign | mant);  // subnormal (qq == -1074)
}

}  // namespace knap
}  // namespace tradeoff
