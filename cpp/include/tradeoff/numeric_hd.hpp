// tradeoff/numeric_hd.hpp: small numeric helpers shared by the host and device code.
#pragma once

#include "config.hpp"

namespace tradeoff {

// Neumaier's compensated sum (an improved Kahan sum): the error of adding n terms stays near
// one rounding of the result instead of growing with n, which keeps hypervolumes of 1e6
// points accurate to a few ulps. Needs IEEE arithmetic as written: never build with
// -ffast-math (it would reassociate the correction away).
struct CompensatedSum {
  double sum = 0.0;
  double comp = 0.0;  // the running low-order part lost by the additions to `sum`

  TRADEOFF_HD void add(double x) {
    const double t = sum + x;
    const double abs_sum = sum < 0 ? -sum : sum;
    const double abs_x = x < 0 ? -x : x;
    if (abs_sum >= abs_x) {
      comp += (sum - t) + x;
    } else {
      comp += (x - t) + sum;
    }
    sum = t;
  }
  // An infinite sum makes the correction NaN (inf - inf): the sum itself is then the answer.
  TRADEOFF_HD double value() const {
    const double v = sum + comp;
    return v == v ? v : sum;
  }
};

}  // namespace tradeoff
