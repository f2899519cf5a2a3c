// Hypervolume bindings: batch drivers over tradeoff/hypervolume.hpp (threads across problems,
// and across candidates for improvements). Inputs are C-contiguous float64 arrays prepared by
// python/tradeoff/hv.py: points (B, n, m) in minimization form, ref (B, m),
// candidates (B, k, m).
#include <memory>
#include <string>
#include <stdexcept>
#include <vector>

#include "common.hpp"
#include "tradeoff/hypervolume.hpp"
#include "tradeoff/parallel.hpp"

namespace tradeoff {
namespace bindings {

namespace {

// The kernels need at least one objective and int32-indexable point counts (the Python layer
// guarantees both; direct calls to _core get an error instead of a crash).
void require_sizes(index_t n, index_t m) {
  if (m < 1 || m > (index_t(1) << 15)) {
    throw std::invalid_argument("points must have 1 to 32768 objectives (last axis); got " +
                                std::to_string(m));
  }
  if (n > index_t(2147483646)) {
    throw std::invalid_argument("at most 2147483646 points per problem; got " + std::to_string(n));
  }
}

void require_ref(const carray<double>& ref, index_t b, index_t m) {
  require_ndim(ref, 2, "ref");
  if (ref.shape(0) != b || ref.shape(1) != m) {
    throw std::invalid_argument("ref must have shape (B, m) matching points (internal)");
  }
}

py::array_t<double> volume_batch(const carray<double>& points, const carray<double>& ref) {
  require_ndim(points, 3, "points");
  const index_t b = points.shape(0), n = points.shape(1);
  require_sizes(n, points.shape(2));
  const int m = static_cast<int>(points.shape(2));
  require_ref(ref, b, m);
  py::array_t<double> out(b);
  const double* src = points.data();
  const double* r = ref.data();
  double* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    parallel_for(b, [&](index_t i) { dst[i] = hv::volume(src + i * n * m, n, m, r + i * m); });
  }
  return out;
}

py::array_t<double> contributions_batch(const carray<double>& points, const carray<double>& ref) {
  require_ndim(points, 3, "points");
  const index_t b = points.shape(0), n = points.shape(1);
  require_sizes(n, points.shape(2));
  const int m = static_cast<int>(points.shape(2));
  require_ref(ref, b, m);
  py::array_t<double> out({b, n});
  const double* src = points.data();
  const double* r = ref.data();
  double* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    parallel_for(b, [&](index_t i) {
      hv::contributions(src + i * n * m, n, m, r + i * m, dst + i * n);
    });
  }
  return out;
}

py::array_t<double> improvement_batch(const carray<double>& points, const carray<double>& candidates,
                                      const carray<double>& ref) {
  require_ndim(points, 3, "points");
  require_ndim(candidates, 3, "candidates");
  const index_t b = points.shape(0), n = points.shape(1), k = candidates.shape(1);
  require_sizes(n, points.shape(2));
  const int m = static_cast<int>(points.shape(2));
  if (candidates.shape(0) != b || candidates.shape(2) != m) {
    throw std::invalid_argument("candidates must have shape (B, k, m) matching points (internal)");
  }
  require_ref(ref, b, m);
  py::array_t<double> out({b, k});
  const double* src = points.data();
  const double* cand = candidates.data();
  const double* r = ref.data();
  double* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    std::vector<std::unique_ptr<hv::Improvement>> sets(static_cast<size_t>(b));
    parallel_for(b, [&](index_t i) {
      sets[size_t(i)] = std::make_unique<hv::Improvement>(src + i * n * m, n, m, r + i * m);
    });
    parallel_for(b * k, [&](index_t t) {
      const index_t i = t / k;
      dst[t] = sets[size_t(i)]->of(cand + t * m);
    });
  }
  return out;
}

}  // namespace

void register_hypervolume(py::module_& m) {
  m.def("hypervolume", &volume_batch, py::arg("points").noconvert(), py::arg("ref").noconvert());
  m.def("hv_contributions", &contributions_batch, py::arg("points").noconvert(),
        py::arg("ref").noconvert());
  m.def("hv_improvement", &improvement_batch, py::arg("points").noconvert(),
        py::arg("candidates").noconvert(), py::arg("ref").noconvert());
}

}  // namespace bindings
}  // namespace tradeoff
