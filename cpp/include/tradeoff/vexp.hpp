// tradeoff/vexp.hpp: a vectorized exp for doubles (host only; the Sinkhorn CPU driver's engine).
//
// Algorithm (the classic Cody-Waite reduction, as in fdlibm and most vector math libraries):
//   x = k ln2 + r,  k = round(x / ln2),  |r| <= ln2/2 ~ 0.347
//   exp(x) = 2^k * exp(r)
// * k is rounded with the "shifter" trick: x * log2(e) + 1.5 * 2^52 puts round(x log2 e) in the
//   low mantissa bits of a double, so the integer k never needs a (non-vectorizable on SSE2/AVX2)
//   double -> int64 conversion;
// * r = (x - k ln2_hi) - k ln2_lo with ln2 split in two (ln2_hi has 11 trailing zero bits, so
//   k * ln2_hi is exact for |k| <= 2047);
// * exp(r) is the Taylor polynomial of degree 13 (truncation error r^14 / 14! < 5e-18 on
//   |r| <= ln2/2), evaluated by Horner; the last steps 1 + r (1 + r (...)) keep the rounding
//   error below one ulp;
// * 2^k is built directly in the exponent field: ((k + 1023) << 52), using the same low bits.
// * With 8 lanes (AVX-512) a 16-entry table of 2^(j/16), looked up by one permute, shrinks the
//   reduced argument to |r| <= ln2/32 and the polynomial to degree 7 (exp_reduced_table):
//   fewer multiply-adds, which bound the Sinkhorn log domain.
//
// Contract:
// * exp_reduced: the argument must already lie in [kLo, kHi] = [-708, 709] (then k is in
//   [-1021, 1023], so 2^k and the result are normal doubles: no denormal slow path, no overflow).
// * exp_masked: any argument <= kHi (including -inf); arguments below kLo give exactly 0
//   (a mask, no branch: the SIMD lanes never take a slow path, no denormal is produced).
//   Arguments above kHi are clamped to kHi, or with exp_masked<W, false> give garbage that the
//   caller discards (the Sinkhorn driver detects exponents above 700 and recomputes those rows
//   with a max shift). NaN gives NaN.
// * Measured accuracy (cpp/tests/test_sinkhorn.cpp, 1e6 random arguments in [-708, 709] and
//   the edges): relative error <= 2.22e-16 against glibc's std::exp (at most one ulp apart)
//   for every instruction set.
// * Measured speed here (in cache, one core): 0.4 ns per exp with AVX-512, 0.9 with AVX2,
//   3.6 with SSE2 (2 lanes, no FMA; the fallback for CPUs without AVX2).
//
// Vectors: GCC/Clang vector extensions of W doubles (2 = SSE2, the x86-64 baseline; 4 = AVX2;
// 8 = AVX-512). The helpers are always_inline templates with no target attribute; the Sinkhorn
// kernels that call them are stamped out once per instruction set with
// __attribute__((target(...))) and picked at run time (see isa() below), so a generic x86-64
// build still runs the AVX2 / AVX-512 code where the CPU has it. Vectors are passed by reference
// (passing 32/64-byte vectors by value changes the ABI between targets: -Wpsabi).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "config.hpp"

#if !(defined(__GNUC__) || defined(__clang__))
#error "tradeoff/vexp.hpp needs GCC or Clang vector extensions"
#endif

#define TRADEOFF_ALWAYS_INLINE inline __attribute__((always_inline))

namespace tradeoff {
namespace vexp {

constexpr double kLo = -708.0;  // exp(-708) = 3.3e-308 > DBL_MIN: the smallest exponent kept
constexpr double kHi = 709.0;   // exp(709) = 8.2e307 < DBL_MAX

// W doubles (d), W 64-bit unsigned integers (u, for the exponent bits), W floats (f).
template <int W>
struct Vec {
  typedef double d __attribute__((vector_size(8 * W)));
  typedef std::uint64_t u __attribute__((vector_size(8 * W)));
  typedef float f __attribute__((vector_size(4 * W)));
};

// Unaligned loads / stores (memcpy compiles to one vmovupd).
template <class V, class S>
TRADEOFF_ALWAYS_INLINE void load(V& v, const S* p) {
  std::memcpy(&v, p, sizeof v);
}
template <class V, class S>
TRADEOFF_ALWAYS_INLINE void store(S* p, const V& v) {
  std::memcpy(p, &v, sizeof v);
}

// Horizontal sum / max of the lanes.
template <int W>
TRADEOFF_ALWAYS_INLINE double hsum(const typename Vec<W>::d& v) {
  double s = 0.0;
  for (int k = 0; k < W; ++k) s += v[k];
  return s;
}
template <int W>
TRADEOFF_ALWAYS_INLINE double hmax(const typename Vec<W>::d& v) {
  double s = v[0];
  for (int k = 1; k < W; ++k) s = v[k] > s ? v[k] : s;
  return s;
}

// 2^(j/16) = kExp2Hi[j] (1 + kExp2Lo[j]) for j = 0..15 (hi rounded to double, lo relative).
constexpr double kExp2Hi[16] = {
    1.0,                1.0442737824274138, 1.0905077326652577, 1.1387886347566916,
    1.189207115002721,  1.241857812073484,  1.2968395546510096, 1.3542555469368927,
    1.4142135623730951, 1.4768261459394993, 1.5422108254079407, 1.6104903319492543,
    1.681792830507429,  1.7562521603732995, 1.8340080864093424, 1.9152065613971474};
constexpr double kExp2Lo[16] = {
    0.0,                    8.189317638195515e-17,  -2.7939114859515733e-17, 7.826573258636076e-17,
    3.3484623336251524e-17, 3.750854201303127e-17,  1.9572585293112036e-17,  5.68648095791174e-17,
    -6.835808657661922e-17, -2.3591094770850053e-17, 5.1548301170786783e-17, 1.5341410053603723e-17,
    4.875160526227062e-17,  1.685487290628973e-17,  1.790126907604513e-17,  -5.545065618639427e-17};

// The AVX-512 variant (8 lanes): a 16-entry table of 2^(j/16) held in two registers and looked
// up with one two-source permute (vpermt2pd, from __builtin_shuffle), so the reduced argument
// is 16 times smaller (|r| <= ln2/32) and a degree-7 Taylor polynomial suffices (truncation
// 1.2e-18). exp(x) = 2^k * T[j] * (1 + p(r)) with x = (16 k + j) ln2/16 + r; T = hi (1 + lo) is
// folded in as hi + hi * (p + lo + lo p) with one final rounding (about 0.5 ulp). Fewer
// multiply-adds than the degree-13 polynomial: the log domain is bound by them.
template <int W>
TRADEOFF_ALWAYS_INLINE void exp_reduced_table(const typename Vec<W>::d& x,
                                              typename Vec<W>::d& y) {
  static_assert(W == 8, "the table variant needs 8 lanes (one permute of 16 entries)");
  using V = typename Vec<W>::d;
  using U = typename Vec<W>::u;
  constexpr double k16Log2e = 23.083120654223414;              // 16 / ln2
  constexpr double kLn2Hi16 = 6.93147180369123816490e-01 / 16;  // 21 trailing zero bits
  constexpr double kLn2Lo16 = 1.1926343307941173e-11;           // ln2/16 - kLn2Hi16
  constexpr double kShifter = 0x1.8p52;
  V kd = x * k16Log2e + kShifter;
  const U bits = (U)kd;  // low mantissa bits = 2^51 + 16 k + j
  kd = kd - kShifter;
  V r = x - kd * kLn2Hi16;
  r = r - kd * kLn2Lo16;
  V hi0, hi1, lo0, lo1;
  load(hi0, kExp2Hi);
  load(hi1, kExp2Hi + 8);
  load(lo0, kExp2Lo);
  load(lo1, kExp2Lo + 8);
  const V thi = __builtin_shuffle(hi0, hi1, bits);  // lanes pick entry bits mod 16 = j
  const V tlo = __builtin_shuffle(lo0, lo1, bits);
  // p = exp(r) - 1 = r + r^2/2 + ... + r^7/7!
  V p = V{} + 1.9841269841269841253e-04;
  p = p * r + 1.3888888888888888889e-03;
  p = p * r + 8.3333333333333333333e-03;
  p = p * r + 4.1666666666666666667e-02;
  p = p * r + 1.6666666666666666667e-01;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r;
  const V q = (p + tlo) + tlo * p;
  const V t = thi * q + thi;
  // (2^51 + 16 k + j) >> 4 = 2^47 + k: << 52 keeps k mod 4096; + 1023 << 52 is the bias.
  const U e = ((bits >> 4) << 52) + static_cast<std::uint64_t>(1023) * (std::uint64_t(1) << 52);
  y = t * (V)e;
}

// y = exp(x) for x in [kLo, kHi] (see the header comment).
template <int W>
TRADEOFF_ALWAYS_INLINE void exp_reduced(const typename Vec<W>::d& x, typename Vec<W>::d& y) {
  if constexpr (W == 8) {
    exp_reduced_table<W>(x, y);
    return;
  }
  using V = typename Vec<W>::d;
  using U = typename Vec<W>::u;
  constexpr double kLog2e = 1.4426950408889634074;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 0x3fe62e42fee00000
  constexpr double kLn2Lo = 1.90821492927058770002e-10;  // ln2 - kLn2Hi
  constexpr double kShifter = 0x1.8p52;                  // 1.5 * 2^52
  V kd = x * kLog2e + kShifter;                          // round(x log2 e) + shifter
  const U bits = (U)kd;  // a vector cast reinterprets the bits: low mantissa bits = 2^51 + k
  kd = kd - kShifter;                                    // k as a double
  V r = x - kd * kLn2Hi;
  r = r - kd * kLn2Lo;
  // Taylor coefficients 1/13!, ..., 1/2!, 1, 1 (Horner).
  V p = V{} + 1.6059043836821614599e-10;
  p = p * r + 2.0876756987868098979e-09;
  p = p * r + 2.5052108385441718775e-08;
  p = p * r + 2.7557319223985890653e-07;
  p = p * r + 2.7557319223985890653e-06;
  p = p * r + 2.4801587301587301566e-05;
  p = p * r + 1.9841269841269841253e-04;
  p = p * r + 1.3888888888888888889e-03;
  p = p * r + 8.3333333333333333333e-03;
  p = p * r + 4.1666666666666666667e-02;
  p = p * r + 1.6666666666666666667e-01;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // (2^51 + k) << 52 keeps k mod 4096 in bits 52..63; adding 1023 << 52 gives the biased
  // exponent k + 1023 in [2, 2046] (the sign bit stays 0).
  const U e = (bits << 52) + static_cast<std::uint64_t>(1023) * (std::uint64_t(1) << 52);
  y = p * (V)e;
}

// y = exp(t) for t <= kHi (or -inf); exactly 0 where t < kLo. With kClampHigh = false the
// caller guarantees t <= kHi or discards the lanes above it (they hold garbage, possibly inf or
// NaN): the Sinkhorn sums detect exponents above 700 and recompute those rows.
template <int W, bool kClampHigh = true>
TRADEOFF_ALWAYS_INLINE void exp_masked(const typename Vec<W>::d& t, typename Vec<W>::d& y) {
  using V = typename Vec<W>::d;
  const V lo = V{} + kLo, hi = V{} + kHi;
  // No clamp from below: lanes under kLo (-inf included) compute garbage (a wrapped exponent,
  // possibly NaN, never a trap) that the mask below replaces by 0.
  V x = t;
  if constexpr (kClampHigh) x = x > hi ? hi : x;
  V e;
  exp_reduced<W>(x, e);
  y = t < lo ? V{} : e;
}

// y[i] = exp(x[i]) for i < n, with x clamped to at most kHi and exactly 0 below kLo.
template <int W>
TRADEOFF_ALWAYS_INLINE void exp_array_impl(const double* x, double* y, index_t n) {
  using V = typename Vec<W>::d;
  index_t i = 0;
  for (; i + W <= n; i += W) {
    V t, e;
    load(t, x + i);
    exp_masked<W>(t, e);
    store(y + i, e);
  }
  if (i < n) {
    double buf[W];
    for (int k = 0; k < W; ++k) buf[k] = i + k < n ? x[i + k] : 0.0;
    V t, e;
    load(t, buf);
    exp_masked<W>(t, e);
    store(buf, e);
    for (index_t k = 0; i + k < n; ++k) y[i + k] = buf[k];
  }
}

// Instruction sets the kernels are stamped out for.
enum class Isa : int { sse2 = 0, avx2 = 1, avx512 = 2 };

#if defined(__x86_64__)
inline bool cpu_has(Isa isa) {
  __builtin_cpu_init();
  switch (isa) {
    case Isa::sse2:
      return true;
    case Isa::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::avx512:
      return __builtin_cpu_supports("avx512f") != 0;
  }
  return false;
}
#define TRADEOFF_VEXP_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define TRADEOFF_VEXP_TARGET_AVX512 __attribute__((target("avx512f")))
#else
inline bool cpu_has(Isa isa) { return isa == Isa::sse2; }
#define TRADEOFF_VEXP_TARGET_AVX2
#define TRADEOFF_VEXP_TARGET_AVX512
#endif

// The best instruction set of this CPU, decided once. TRADEOFF_SIMD=sse2|avx2|avx512 caps it
// (for tests and for comparing the paths); a value the CPU lacks falls back to the best it has.
inline Isa isa() {
  static const Isa best = [] {
    Isa cap = Isa::avx512;
    if (const char* env = std::getenv("TRADEOFF_SIMD")) {
      if (std::strcmp(env, "sse2") == 0) cap = Isa::sse2;
      if (std::strcmp(env, "avx2") == 0) cap = Isa::avx2;
    }
    for (int k = int(cap); k > 0; --k) {
      if (cpu_has(Isa(k))) return Isa(k);
    }
    return Isa::sse2;
  }();
  return best;
}

inline void exp_array_sse2(const double* x, double* y, index_t n) { exp_array_impl<2>(x, y, n); }
TRADEOFF_VEXP_TARGET_AVX2 inline void exp_array_avx2(const double* x, double* y, index_t n) {
  exp_array_impl<4>(x, y, n);
}
TRADEOFF_VEXP_TARGET_AVX512 inline void exp_array_avx512(const double* x, double* y, index_t n) {
  exp_array_impl<8>(x, y, n);
}

// y[i] = exp(x[i]) (x <= kHi, exactly 0 below kLo) with the given (or the best) instruction set.
inline void exp_array(const double* x, double* y, index_t n, Isa use) {
  if (use == Isa::avx512 && cpu_has(Isa::avx512)) return exp_array_avx512(x, y, n);
  if (use != Isa::sse2 && cpu_has(Isa::avx2)) return exp_array_avx2(x, y, n);
  exp_array_sse2(x, y, n);
}
inline void exp_array(const double* x, double* y, index_t n) { exp_array(x, y, n, isa()); }

}  // namespace vexp
}  // namespace tradeoff
