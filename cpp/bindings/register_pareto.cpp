// Pareto ranking bindings: batch drivers over tradeoff/pareto.hpp (threads across problems).
// Inputs are (B, n, m) C-contiguous float32/float64 arrays prepared by python/tradeoff/pareto.py.
#include <cstdint>

#include "common.hpp"
#include "tradeoff/parallel.hpp"
#include "tradeoff/pareto.hpp"

namespace tradeoff {
namespace bindings {

namespace {

template <class T>
py::array_t<rank_t> rank_batch(const carray<T>& points) {
  require_ndim(points, 3, "points");
  const index_t b = points.shape(0), n = points.shape(1);
  const int m = static_cast<int>(points.shape(2));
  py::array_t<rank_t> out({b, n});
  const T* src = points.data();
  rank_t* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    parallel_for(b, [&](index_t i) { pareto::rank(src + i * n * m, n, m, dst + i * n); });
  }
  return out;
}

template <class T>
py::array_t<bool> nondominated_batch(const carray<T>& points) {
  require_ndim(points, 3, "points");
  const index_t b = points.shape(0), n = points.shape(1);
  const int m = static_cast<int>(points.shape(2));
  py::array_t<bool> out({b, n});
  const T* src = points.data();
  auto* dst = reinterpret_cast<std::uint8_t*>(out.mutable_data());
  {
    py::gil_scoped_release release;
    parallel_for(b, [&](index_t i) { pareto::nondominated(src + i * n * m, n, m, dst + i * n); });
  }
  return out;
}

template <class T>
py::array_t<T> crowding_batch(const carray<T>& points, const carray<rank_t>& ranks) {
  require_ndim(points, 3, "points");
  require_ndim(ranks, 2, "ranks");
  const index_t b = points.shape(0), n = points.shape(1);
  const int m = static_cast<int>(points.shape(2));
  if (ranks.shape(0) != b || ranks.shape(1) != n) {
    throw std::invalid_argument("ranks must have shape (B, n) matching points (internal)");
  }
  py::array_t<T> out({b, n});
  const T* src = points.data();
  const rank_t* rk = ranks.data();
  T* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    parallel_for(b, [&](index_t i) {
      pareto::crowding(src + i * n * m, n, m, rk + i * n, dst + i * n);
    });
  }
  return out;
}

}  // namespace

void register_pareto(py::module_& m) {
  // Tests only: shrink the divide and conquer's leaves so small inputs run every split.
  m.def(
      "_pareto_leaf_sizes",
      [](size_t brute_a, size_t brute_b) {
        auto& sizes = pareto::detail::leaf_sizes();
        auto old = py::make_tuple(sizes.brute_a, sizes.brute_b);
        sizes.brute_a = brute_a;
        sizes.brute_b = brute_b;
        return old;
      },
      py::arg("brute_a"), py::arg("brute_b"));
  m.def("pareto_rank", &rank_batch<double>, py::arg("points").noconvert());
  m.def("pareto_rank", &rank_batch<float>, py::arg("points").noconvert());
  m.def("nondominated", &nondominated_batch<double>, py::arg("points").noconvert());
  m.def("nondominated", &nondominated_batch<float>, py::arg("points").noconvert());
  m.def("crowding_distance", &crowding_batch<double>, py::arg("points").noconvert(),
        py::arg("ranks").noconvert());
  m.def("crowding_distance", &crowding_batch<float>, py::arg("points").noconvert(),
        py::arg("ranks").noconvert());
}

}  // namespace bindings
}  // namespace tradeoff
