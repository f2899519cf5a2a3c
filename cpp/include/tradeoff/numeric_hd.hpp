// tradeoff/numeric_hd.hpp: small numeric helpers shared by the host and device code.
#pragma once

#include "config.hpp"

namespace tradeoff {

// A compensated sum: the rounding error of every addition is kept (Knuth's branch-free
// TwoSum) and added back at the end, so the error of adding n terms stays near one rounding of
// the result instead of growing with n; hypervolumes of 1e6 points stay accurate to a few
// ulps. Branch-free rather than Neumaier's test on magnitudes: the same accuracy, and 20%
// faster in the 3-D contribution sweep, whose terms vary too much for the branch to be
// predicted. Needs IEEE arithmetic as written: never build with -ffast-math (it would
// reassociate the correction away).
struct CompensatedSum {
  double sum = 0.0;
  double comp = 0.0;  // the running low-order part lost by the additions to `sum`

  TRADEOFF_HD void add(double x) {
    const double t = sum + x;
    const double xt = t - sum;  // the part of x that reached t
    comp += (sum - (t - xt)) + (x - xt);
    sum = t;
  }
  // An infinite sum makes the correction NaN (inf - inf): the sum itself is then the answer.
  TRADEOFF_HD double value() const {
    const double v = sum + comp;
    return v == v ? v : sum;
  }
};

}  // namespace tradeoff
