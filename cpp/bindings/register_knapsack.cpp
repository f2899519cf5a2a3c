// Knapsack bindings: the batch drivers of tradeoff/knapsack.hpp and tradeoff/mckp.hpp.
//
//   knapsack_solve(values, weights, capacity, counts, max_states) -> (x, value, weight, status)
//   mckp_solve(values, weights, mask, budget, max_states) -> (choice, value, weight, status)
//
// The kernel interface of python/tradeoff/_fallback/knapsack.py (its docstring is the
// specification). values, weights: C-contiguous int64 or float64 arrays (each dtype independent),
// (B, n) or (B, g, k); capacity / budget (B,) of the weights' dtype (float64 +inf: unlimited);
// counts (B, n) int64 or None; mask (B, g, k) uint8 or bool or None; max_states >= 1. Results are
// allocated here, inputs never modified. Every shape, dtype and size is checked again so that a
// direct call to _core raises ValueError instead of crashing; data problems are statuses (0
// optimal, 1 max_states reached, 2 infeasible, 3 too wide for 125-bit arithmetic, 4 an int64
// total overflows), except NaN and infinities where the interface allows none, which raise
// ValueError naming the first one (the public functions reject them before calling here).
//
// Threads: instances across threads (parallel_for), thread-local workspaces reused across
// instances; the GIL is released while solving.
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "common.hpp"
#include "tradeoff/knapsack.hpp"
#include "tradeoff/mckp.hpp"

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

py::array as_array(const py::object& obj, const char* name) {
  if (!py::isinstance<py::array>(obj)) {
    throw std::invalid_argument(std::string(name) + " must be a numpy array; got " +
                                std::string(py::str(py::type::of(obj).attr("__name__"))));
  }
  return py::reinterpret_borrow<py::array>(obj);
}

bool is_i64(const py::array& a) { return a.dtype().is(py::dtype::of<std::int64_t>()); }
bool is_f64(const py::array& a) { return a.dtype().is(py::dtype::of<double>()); }

// A C-contiguous numeric array of ndim dimensions, int64 or float64; returns whether float64.
bool numbers_arg(const py::array& a, int ndim, const char* name, const char* dims) {
  if (a.ndim() != ndim) {
    throw std::invalid_argument(std::string(name) + " must be a " + std::to_string(ndim) +
                                "-D array " + dims + "; got shape " + shape_of(a) +
                                " (internal: call the public tradeoff functions)");
  }
  const bool f = is_f64(a);
  if (!f && !is_i64(a)) {
    throw std::invalid_argument(std::string(name) + " must be int64 or float64; got " +
                                std::string(py::str(a.dtype())));
  }
  if (!(a.flags() & py::array::c_style)) {
    throw std::invalid_argument(std::string(name) + " must be C-contiguous (internal)");
  }
  return f;
}

void same_shape(const py::array& a, const py::array& b, const char* an, const char* bn) {
  bool same = a.ndim() == b.ndim();
  for (py::ssize_t k = 0; same && k < a.ndim(); ++k) same = a.shape(k) == b.shape(k);
  if (!same) {
    throw std::invalid_argument(std::string(bn) + " must have the shape of " + an + " " +
                                shape_of(a) + "; got " + shape_of(b));
  }
}

// capacity / budget: (B,) of the weights' dtype, C-contiguous.
void limit_arg(const py::array& c, index_t B, bool f64, const char* name) {
  if (c.ndim() != 1 || c.shape(0) != B) {
    throw std::invalid_argument(std::string(name) + " must have shape (" + std::to_string(B) +
                                ",); got " + shape_of(c));
  }
  if (f64 ? !is_f64(c) : !is_i64(c)) {
    throw std::invalid_argument(std::string(name) + " must have the weights' dtype (" +
                                (f64 ? "float64" : "int64") + "); got " +
                                std::string(py::str(c.dtype())));
  }
  if (!(c.flags() & py::array::c_style)) {
    throw std::invalid_argument(std::string(name) + " must be C-contiguous (internal)");
  }
}

std::int64_t max_states_arg(const py::object& obj) {
  if (!py::isinstance<py::int_>(obj) || py::isinstance<py::bool_>(obj)) {
    throw std::invalid_argument("max_states must be an int >= 1; got " +
                                std::string(py::str(py::type::of(obj).attr("__name__"))));
  }
  // clamp huge Python ints (the limit is then never reached)
  const py::int_ big(std::numeric_limits<std::int64_t>::max());
  if (obj.attr("__ge__")(big).cast<bool>()) return std::numeric_limits<std::int64_t>::max();
  const std::int64_t m = obj.cast<std::int64_t>();
  if (m < 1) throw std::invalid_argument("max_states must be >= 1; got " + std::to_string(m));
  return m;
}

// ValueError naming the first NaN or infinity of an instance that reported kBadData.
[[noreturn]] void bad_data(const py::array& values, const py::array& weights,
                           const py::array& limit, const char* limit_name, index_t b) {
  const double* pl = is_f64(limit) ? static_cast<const double*>(limit.data()) : nullptr;
  if (pl && !std::isfinite(pl[b]) && !(pl[b] > 0)) {
    throw std::invalid_argument(std::string(limit_name) + "[" + std::to_string(b) + "] = " +
                                std::to_string(pl[b]) + " is not a number >= 0 (or +inf)");
  }
  const index_t per = values.size() / std::max<index_t>(1, values.shape(0));
  for (int which = 0; which < 2; ++which) {
    const py::array& a = which == 0 ? values : weights;
    if (!is_f64(a)) continue;
    const double* p = static_cast<const double*>(a.data()) + b * per;
    for (index_t t = 0; t < per; ++t) {
      if (!std::isfinite(p[t])) {
        throw std::invalid_argument(std::string(which == 0 ? "values" : "weights") +
                                    " must be finite; instance " + std::to_string(b) +
                                    ", flat index " + std::to_string(t) + " is " +
                                    std::to_string(p[t]));
      }
    }
  }
  throw std::invalid_argument("invalid knapsack data in instance " + std::to_string(b));
}

py::tuple knapsack_solve(const py::object& values_obj, const py::object& weights_obj,
                         const py::object& capacity_obj, const py::object& counts_obj,
                         const py::object& max_states_obj) {
  const py::array values = as_array(values_obj, "values");
  const py::array weights = as_array(weights_obj, "weights");
  const py::array capacity = as_array(capacity_obj, "capacity");
  const bool vf = numbers_arg(values, 2, "values", "(B, n)");
  const bool wf = numbers_arg(weights, 2, "weights", "(B, n)");
  same_shape(values, weights, "values", "weights");
  const index_t B = values.shape(0), n = values.shape(1);
  limit_arg(capacity, B, wf, "capacity");
  const std::int64_t* counts = nullptr;
  py::array cnt;
  if (!counts_obj.is_none()) {
    cnt = as_array(counts_obj, "counts");
    if (cnt.ndim() != 2 || !is_i64(cnt) || !(cnt.flags() & py::array::c_style)) {
      throw std::invalid_argument("counts must be a C-contiguous int64 (B, n) array or None; got " +
                                  std::string(py::str(cnt.dtype())) + " " + shape_of(cnt));
    }
    same_shape(values, cnt, "values", "counts");
    counts = static_cast<const std::int64_t*>(cnt.data());
  }
  const std::int64_t max_states = max_states_arg(max_states_obj);
  // sizes: B n entries of 8 bytes; items are numbered with 32 bits (bounded: up to 63 binary
  // parts per item)
  product(product(B, n, "values"), 8, "values");
  const index_t item_limit = counts ? (index_t(1) << 32) / 64 : (index_t(1) << 32) - 1;
  if (n > item_limit) {
    throw std::invalid_argument("too many items per instance: n = " + std::to_string(n) +
                                " (at most " + std::to_string(item_limit) + ")");
  }
  py::array x = counts ? py::array(py::array_t<std::int64_t>({B, n}))
                       : py::array(py::array_t<std::uint8_t>({B, n}));
  py::array value = vf ? py::array(py::array_t<double>(B)) : py::array(py::array_t<std::int64_t>(B));
  py::array weight =
      wf ? py::array(py::array_t<double>(B)) : py::array(py::array_t<std::int64_t>(B));
  py::array_t<std::int8_t> status(B);
  knap::KnapsackArgs a;
  a.B = B;
  a.n = n;
  a.values = values.data();
  a.values_f64 = vf;
  a.weights = weights.data();
  a.weights_f64 = wf;
  a.capacity = capacity.data();
  a.counts = counts;
  a.max_states = max_states;
  if (counts) {
    a.xb = static_cast<std::int64_t*>(x.mutable_data());
  } else {
    a.x01 = static_cast<std::uint8_t*>(x.mutable_data());
  }
  a.value = value.mutable_data();
  a.weight = weight.mutable_data();
  a.status = reinterpret_cast<signed char*>(status.mutable_data());
  {
    py::gil_scoped_release release;
    knap::knapsack_batch(a);
  }
  const std::int8_t* st = status.data();
  for (index_t b = 0; b < B; ++b) {
    if (st[b] == knap::kBadData) bad_data(values, weights, capacity, "capacity", b);
  }
  return py::make_tuple(x, value, weight, status);
}

py::tuple mckp_solve(const py::object& values_obj, const py::object& weights_obj,
                     const py::object& mask_obj, const py::object& budget_obj,
                     const py::object& max_states_obj) {
  const py::array values = as_array(values_obj, "values");
  const py::array weights = as_array(weights_obj, "weights");
  const py::array budget = as_array(budget_obj, "budget");
  const bool vf = numbers_arg(values, 3, "values", "(B, g, k)");
  const bool wf = numbers_arg(weights, 3, "weights", "(B, g, k)");
  same_shape(values, weights, "values", "weights");
  const index_t B = values.shape(0), g = values.shape(1), k = values.shape(2);
  limit_arg(budget, B, wf, "budget");
  const std::uint8_t* mask = nullptr;
  py::array msk;
  if (!mask_obj.is_none()) {
    msk = as_array(mask_obj, "mask");
    const bool ok_dtype = msk.dtype().is(py::dtype::of<std::uint8_t>()) ||
                          msk.dtype().is(py::dtype::of<bool>());
    if (msk.ndim() != 3 || !ok_dtype || !(msk.flags() & py::array::c_style)) {
      throw std::invalid_argument("mask must be a C-contiguous uint8 or bool (B, g, k) array or "
                                  "None; got " + std::string(py::str(msk.dtype())) + " " +
                                  shape_of(msk));
    }
    same_shape(values, msk, "values", "mask");
    mask = static_cast<const std::uint8_t*>(msk.data());
  }
  const std::int64_t max_states = max_states_arg(max_states_obj);
  product(product(product(B, g, "values"), k, "values"), 8, "values");
  if (product(g, k, "values") >= (index_t(1) << 32)) {
    throw std::invalid_argument("too many options per instance: g * k = " +
                                std::to_string(g * k) + " (at most 2^32 - 1)");
  }
  py::array_t<std::int64_t> choice({B, g});
  py::array value = vf ? py::array(py::array_t<double>(B)) : py::array(py::array_t<std::int64_t>(B));
  py::array weight =
      wf ? py::array(py::array_t<double>(B)) : py::array(py::array_t<std::int64_t>(B));
  py::array_t<std::int8_t> status(B);
  knap::MckpArgs a;
  a.B = B;
  a.g = g;
  a.k = k;
  a.values = values.data();
  a.values_f64 = vf;
  a.weights = weights.data();
  a.weights_f64 = wf;
  a.mask = mask;
  a.budget = budget.data();
  a.max_states = max_states;
  a.choice = choice.mutable_data();
  a.value = value.mutable_data();
  a.weight = weight.mutable_data();
  a.status = reinterpret_cast<signed char*>(status.mutable_data());
  {
    py::gil_scoped_release release;
    knap::mckp_batch(a);
  }
  const std::int8_t* st = status.data();
  for (index_t b = 0; b < B; ++b) {
    if (st[b] == knap::kBadData) bad_data(values, weights, budget, "budget", b);
  }
  return py::make_tuple(choice, value, weight, status);
}

}  // namespace

void register_knapsack(py::module_& m) {
  m.def("knapsack_solve", &knapsack_solve, py::arg("values"), py::arg("weights"),
        py::arg("capacity"), py::arg("counts"), py::arg("max_states"),
        R"doc(knapsack_solve(values, weights, capacity, counts, max_states) -> (x, value, weight, status)

0/1 (counts None) or bounded knapsack of every instance of a batch (the kernel behind
tradeoff.knapsack; call that). values, weights: (B, n) C-contiguous int64 or float64 (each
dtype independent); capacity: (B,) of the weights' dtype (float64 +inf: unlimited); counts:
(B, n) int64 or None; max_states: int >= 1, the states stored per instance.
Returns x (B, n) uint8 (0/1) or int64 (bounded), value (B,) and weight (B,) (int64 for
integer input, else float64: the exact totals correctly rounded), status (B,) int8: 0 optimal,
1 max_states reached (x is the best solution found, feasible), 3 needs more than 125 bits (x
zeros), 4 an int64 total overflows (x is the optimum, the total is written as 0).
Same interface and optimal values as tradeoff._fallback.knapsack.knapsack_solve. Raises
ValueError for malformed arguments and for NaN / infinite data; releases the GIL and spreads
instances over threads.)doc");
  m.def("mckp_solve", &mckp_solve, py::arg("values"), py::arg("weights"), py::arg("mask"),
        py::arg("budget"), py::arg("max_states"),
        R"doc(mckp_solve(values, weights, mask, budget, max_states) -> (choice, value, weight, status)

Multiple-choice knapsack of every instance of a batch (the kernel behind tradeoff.mckp; call
that). values, weights: (B, g, k) C-contiguous int64 or float64 (each dtype independent); mask:
(B, g, k) uint8 or bool (nonzero = the option exists) or None; budget: (B,) of the weights'
dtype (float64 +inf: unlimited); max_states: int >= 1.
Returns choice (B, g) int64 (the option per group; -1 everywhere for status 2 or 3), value and
weight (B,) as for knapsack_solve, status (B,) int8: 0 optimal, 1 max_states reached, 2
infeasible (a group without an option, or the lightest options exceed the budget), 3 too wide,
4 an int64 total overflows.
Same interface and optimal values as tradeoff._fallback.knapsack.mckp_solve. Raises
ValueError for malformed arguments and for NaN / infinite data; releases the GIL and spreads
instances over threads.)doc");
}

}  // namespace bindings
}  // namespace tradeoff
