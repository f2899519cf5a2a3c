// Helpers shared by the register_*.cpp files of the _core module.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <stdexcept>
#include <string>

#include "tradeoff/config.hpp"

namespace tradeoff {
namespace bindings {

namespace py = pybind11;

// Arrays the Python layer hands over: C-contiguous, already of the right dtype (the public
// functions in python/tradeoff validate and cast once; noconvert() keeps it that way).
template <class T>
using carray = py::array_t<T, py::array::c_style>;

inline void require_ndim(const py::array& a, int ndim, const char* name) {
  if (a.ndim() != ndim) {
    throw std::invalid_argument(std::string(name) + " must be " + std::to_string(ndim) +
                                "-D here; got " + std::to_string(a.ndim()) +
                                "-D (internal: call the public tradeoff functions)");
  }
}

}  // namespace bindings
}  // namespace tradeoff
