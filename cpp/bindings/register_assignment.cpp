// Linear assignment bindings: the batch driver of tradeoff/assignment.hpp.
//
//   lap_solve(cost, rows, cols, maximize)
//   -> (col_of_row, row_of_col, u, v, total, status)
//
// cost (B, n, m): C-contiguous float64 or float32, never modified; rows, cols (B,): C-contiguous
// int64 with 0 <= rows[b] <= n, 0 <= cols[b] <= m (instance b is cost[b, :rows[b], :cols[b]]).
// Returns col_of_row (B, n) int64, row_of_col (B, m) int64, u (B, n) float64, v (B, m) float64,
// total (B,) float64 and status (B,) int8 (0 solved, 1 no complete matching of the smaller
// side, 2 NaN or -inf after the maximize sign flip in the active block, 4 solved but the total
// or a potential overflowed to inf or NaN: costs near the largest double). Outside an
// instance's active block, and for an instance with status 1 or 2, the matching is -1, the
// potentials and the total 0. python/tradeoff/matching.py validates the data and documents the
// conventions;
// here every shape, dtype and size is checked again so that a direct call to _core raises
// ValueError instead of crashing. Data problems never raise: they are statuses.
//
// Threads: instances across threads (parallel_for), two small instances in flight per thread;
// one problem runs on the calling thread (see tradeoff/assignment.hpp).
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "common.hpp"
#include "tradeoff/assignment.hpp"

namespace tradeoff {
namespace bindings {

namespace {

std::string shape_of(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t k = 0; k < a.ndim(); ++k) {
    if (k) s += ", ";
    s += std::to_string(a.shape(k));
  }
  return s + (a.ndim() == 1 ? ",)" : ")");
}

index_t product(index_t x, index_t y, const char* what) {
  if (x > 0 && y > std::numeric_limits<index_t>::max() / x) {
    throw std::invalid_argument(std::string(what) + " is too large (size overflows 64 bits)");
  }
  return x * y;
}

// rows / cols: int64, C-contiguous, shape (B,), every entry in [0, limit].
const std::int64_t* sizes_arg(const py::array& a, index_t B, index_t limit, const char* name,
                              const char* dim) {
  if (a.ndim() != 1 || a.shape(0) != B) {
    throw std::invalid_argument(std::string(name) + " must have shape (" + std::to_string(B) +
                                ",); got " + shape_of(a) +
                                " (internal: call the public tradeoff functions)");
  }
  if (!a.dtype().is(py::dtype::of<std::int64_t>())) {
    throw std::invalid_argument(std::string(name) + " must be int64; got " +
                                std::string(py::str(a.dtype())));
  }
  if (!(a.flags() & py::array::c_style)) {
    throw std::invalid_argument(std::string(name) + " must be C-contiguous (internal)");
  }
  const auto* p = static_cast<const std::int64_t*>(a.data());
  for (index_t b = 0; b < B; ++b) {
    if (p[b] < 0 || p[b] > limit) {
      throw std::invalid_argument(std::string(name) + "[" + std::to_string(b) + "] = " +
                                  std::to_string(p[b]) + " is outside [0, " + dim + " = " +
                                  std::to_string(limit) + "]");
    }
  }
  return p;
}

template <class T>
py::tuple solve_typed(const py::array& cost_any, const std::int64_t* rows,
                      const std::int64_t* cols, bool maximize) {
  const index_t B = cost_any.shape(0), n = cost_any.shape(1), m = cost_any.shape(2);
  const T* cost = static_cast<const T*>(cost_any.data());
  py::array_t<std::int64_t> col_of_row({B, n}), row_of_col({B, m});
  py::array_t<double> u({B, n}), v({B, m}), total(B);
  py::array_t<std::int8_t> status(B);
  lap::BatchOut out{col_of_row.mutable_data(), row_of_col.mutable_data(), u.mutable_data(),
                    v.mutable_data(),          total.mutable_data(),
                    reinterpret_cast<signed char*>(status.mutable_data())};
  {
    py::gil_scoped_release release;
    lap::lap_solve<T>(cost, B, n, m, rows, cols, maximize, out);
  }
  return py::make_tuple(col_of_row, row_of_col, u, v, total, status);
}

// A NumPy array, else ValueError (pybind11's own TypeError would not say what is expected).
py::array as_array(const py::object& obj, const char* name) {
  if (!py::isinstance<py::array>(obj)) {
    throw std::invalid_argument(std::string(name) + " must be a numpy array; got " +
                                std::string(py::str(py::type::of(obj).attr("__name__"))));
  }
  return py::reinterpret_borrow<py::array>(obj);
}

py::tuple lap_solve(const py::object& cost_obj, const py::object& rows_obj,
                    const py::object& cols_obj, bool maximize) {
  const py::array cost = as_array(cost_obj, "cost");
  const py::array rows = as_array(rows_obj, "rows");
  const py::array cols = as_array(cols_obj, "cols");
  if (cost.ndim() != 3) {
    throw std::invalid_argument("cost must be a 3-D array (B, n, m); got shape " +
                                shape_of(cost) + " (internal: call the public tradeoff functions)");
  }
  if (!(cost.flags() & py::array::c_style)) {
    throw std::invalid_argument("cost must be C-contiguous (internal)");
  }
  const bool f64 = cost.dtype().is(py::dtype::of<double>());
  if (!f64 && !cost.dtype().is(py::dtype::of<float>())) {
    throw std::invalid_argument("cost must be float32 or float64; got " +
                                std::string(py::str(cost.dtype())));
  }
  const index_t B = cost.shape(0), n = cost.shape(1), m = cost.shape(2);
  // Every size the driver derives must fit: B n m entries (and their bytes), the outputs, the
  // per-worker scratch (a few padded rows, and one transposed copy of n m entries).
  const index_t entries = product(product(B, n, "the cost"), m, "the cost");
  product(entries, 8, "the cost");
  product(product(n + 16, m + 16, "the scratch"), 16, "the scratch");
  const std::int64_t* pr = sizes_arg(rows, B, n, "rows", "n");
  const std::int64_t* pc = sizes_arg(cols, B, m, "cols", "m");
  if (f64) return solve_typed<double>(cost, pr, pc, maximize);
  return solve_typed<float>(cost, pr, pc, maximize);
}

}  // namespace

void register_assignment(py::module_& m) {
  m.def("lap_solve", &lap_solve, py::arg("cost"), py::arg("rows"), py::arg("cols"), py::arg("maximize"),
        R"doc(lap_solve(cost, rows, cols, maximize) -> (col_of_row, row_of_col, u, v, total, status)

Linear assignment of a batch (the kernel behind tradeoff.assignment and
tradeoff.linear_assignment; call those). cost: (B, n, m) C-contiguous float64 or float32;
rows, cols: (B,) int64 with instance b = cost[b, :rows[b], :cols[b]]; maximize: bool.
Returns col_of_row (B, n) int64, row_of_col (B, m) int64, u (B, n) float64, v (B, m)
float64, total (B,) float64, status (B,) int8: 0 solved, 1 no complete matching of the
smaller side, 2 NaN or -inf (+inf when maximizing) in the active block. Outside an active
block, and for a status != 0, the matching is -1 and the potentials and total are 0.
Bit-identical to tradeoff._fallback.assignment.lap_solve. Raises ValueError for malformed
arguments only; releases the GIL and spreads instances over threads.)doc");
}

}  // namespace bindings
}  // namespace tradeoff
