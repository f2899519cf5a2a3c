// tradeoff/ordering.hpp: the ordering tools the CPU kernels share (host only).
//
//   order_key(v), from_order_key(k)   unsigned keys whose order is the order of the floats
//   radix_sort_pairs(a, tmp, count)   stable LSD radix sort of (key, index) pairs
//   RankSet                           integers in [0, n) with insert, erase, predecessor and
//                                     successor in O(log_64 n) word operations
//
// Used by pareto.hpp (sorting rows), hv/low.hpp (the 3-D sweep's staircase), hv/contrib3d.hpp
// and hv/hv4d.hpp (ranking coordinates, locating points among the present ones).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace tradeoff {

// Unsigned keys whose order is the floating-point order (-0.0 and +0.0 get the same key).
inline std::uint64_t order_key(double v) {
  v = v + 0.0;  // -0.0 + 0.0 == +0.0
  std::uint64_t u;
  std::memcpy(&u, &v, sizeof u);
  return (u >> 63) ? ~u : (u | (std::uint64_t(1) << 63));
}
inline std::uint32_t order_key(float v) {
  v = v + 0.0f;
  std::uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  return (u >> 31) ? ~u : (u | (std::uint32_t(1) << 31));
}
// The double a key came from (-0.0 comes back as +0.0).
inline double from_order_key(std::uint64_t k) {
  const std::uint64_t u = (k >> 63) ? (k & ~(std::uint64_t(1) << 63)) : ~k;
  double v;
  std::memcpy(&v, &u, sizeof v);
  return v;
}

// Stable sort of (key, index) pairs by key: LSD radix sort with kBits-bit digits, all
// histograms in one pass, digits every key shares skipped. `tmp` and `count` are scratch
// (kept by the caller between calls); C is the counter type (wide enough for a.size()).
template <int kBits, class I, class C>
void radix_sort_pairs_bits(std::vector<std::pair<std::uint64_t, I>>& a,
                           std::vector<std::pair<std::uint64_t, I>>& tmp, std::vector<C>& count) {
  constexpr int kPasses = (64 + kBits - 1) / kBits;
  constexpr std::size_t kBuckets = std::size_t(1) << kBits;
  const std::size_t n = a.size();
  if (n == 0) return;
  count.assign(kBuckets * kPasses, C(0));
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t k = a[i].first;
    for (int d = 0; d < kPasses; ++d) ++count[d * kBuckets + ((k >> (d * kBits)) & (kBuckets - 1))];
  }
  tmp.resize(n);
  for (int d = 0; d < kPasses; ++d) {
    C* c = &count[d * kBuckets];
    const int shift = d * kBits;
    if (std::size_t(c[(a[0].first >> shift) & (kBuckets - 1)]) == n) continue;  // one digit
    C sum = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      const C t = c[b];
      c[b] = sum;
      sum += t;
    }
    for (std::size_t i = 0; i < n; ++i) tmp[c[(a[i].first >> shift) & (kBuckets - 1)]++] = a[i];
    a.swap(tmp);
  }
}

// The same, with 8-bit digits below `wide_from` pairs (their histograms stay in L1) and
// 11-bit digits from there on (fewer passes).
template <class I, class C>
void radix_sort_pairs(std::vector<std::pair<std::uint64_t, I>>& a,
                      std::vector<std::pair<std::uint64_t, I>>& tmp, std::vector<C>& count,
                      std::size_t wide_from) {
  if (a.size() < wide_from) {
    radix_sort_pairs_bits<8>(a, tmp, count);
  } else {
    radix_sort_pairs_bits<11>(a, tmp, count);
  }
}

// A set of integers in [0, n) as a tree of 64-bit words: level 0 holds one bit per integer,
// bit b of word w at level l + 1 says whether word 64 w + b of level l is non-empty. Every
// operation touches one word per level (ceil(log_64 n) levels, at most 11).
class RankSet {
 public:
  RankSet() = default;
  explicit RankSet(std::size_t n) { reset(n); }

  // Makes the set empty over [0, n), reusing the words already allocated.
  void reset(std::size_t n) {
    levels_ = 0;
    std::size_t total = 0, size = n;
    do {
      size = (size + 63) / 64;
      offset_[levels_++] = total;
      total += size;
    } while (size > 1);
    words_.assign(total, 0);
  }

  void insert(std::size_t i) {
    for (int l = 0; l < levels_; ++l, i >>= 6) {
      std::uint64_t& w = words_[offset_[l] + (i >> 6)];
      const bool was_empty = w == 0;
      w |= std::uint64_t(1) << (i & 63);
      if (!was_empty) return;
    }
  }

  void erase(std::size_t i) {
    for (int l = 0; l < levels_; ++l, i >>= 6) {
      std::uint64_t& w = words_[offset_[l] + (i >> 6)];
      w &= ~(std::uint64_t(1) << (i & 63));
      if (w != 0) return;
    }
  }

  // Largest member < i, or -1.
  std::int64_t pred(std::size_t i) const {
    for (int l = 0; l < levels_; ++l, i >>= 6) {
      const std::uint64_t w = words_[offset_[l] + (i >> 6)] & ((std::uint64_t(1) << (i & 63)) - 1);
      if (w != 0) {  // descend along the rightmost members
        std::size_t j = (i >> 6) * 64 + top_bit(w);
        for (int d = l - 1; d >= 0; --d) j = j * 64 + top_bit(words_[offset_[d] + j]);
        return std::int64_t(j);
      }
    }
    return -1;
  }

  // Smallest member > i, or -1.
  std::int64_t succ(std::size_t i) const {
    for (int l = 0; l < levels_; ++l, i >>= 6) {
      const std::size_t bit = i & 63;
      const std::uint64_t w =
          bit == 63 ? 0 : words_[offset_[l] + (i >> 6)] & (~std::uint64_t(0) << (bit + 1));
      if (w != 0) {  // descend along the leftmost members
        std::size_t j = (i >> 6) * 64 + std::size_t(__builtin_ctzll(w));
        for (int d = l - 1; d >= 0; --d) j = j * 64 + std::size_t(__builtin_ctzll(words_[offset_[d] + j]));
        return std::int64_t(j);
      }
    }
    return -1;
  }

 private:
  static std::size_t top_bit(std::uint64_t w) { return std::size_t(63 - __builtin_clzll(w)); }

  std::vector<std::uint64_t> words_;
  std::size_t offset_[12] = {};
  int levels_ = 0;
};

}  // namespace tradeoff
