// cuda/device.cu: what the _cuda module knows about the machine: device count, runtime and
// driver versions, the architectures this build holds device code for, and a probe that a
// given device can run our kernels.
//
// CPU twin: none (the CPU side reports its build facts from cpp/bindings/module.cpp).
// Used by cuda/bindings_cuda.cpp (device_count, runtime_version, ... in tradeoff._cuda) and
// through it by python/tradeoff/_gpu.py (available(), unavailable_reason()).
//
// Nothing here throws: these run at import time and in tradeoff.show_config(), including on
// machines with no driver at all. The CUDA runtime is linked statically and libcuda is loaded
// by the runtime on first use, so without a driver cudaGetDeviceCount returns
// cudaErrorInsufficientDriver (or cudaErrorNoDevice) and we report 0 devices.
#include <cuda_runtime.h>

#include <cstdio>
#include <string>

#include "launchers.hpp"

// Stringify __CUDA_ARCH_LIST__ (e.g. 750,800,900: a comma list, hence the variadic macro).
#define TRADEOFF_STRINGIFY_IMPL(...) #__VA_ARGS__
#define TRADEOFF_STRINGIFY(...) TRADEOFF_STRINGIFY_IMPL(__VA_ARGS__)

namespace tradeoff {
namespace cuda {

namespace {

// An empty kernel compiled for the same architectures as cuda/pareto.cu: when the runtime finds
// no image of it for a device, it finds none of the Pareto kernels either.
__global__ void probe_kernel() {}

// Query errors are not sticky, but they stay in cudaGetLastError until read: clear them so that
// the next launcher's launch check does not report a stale "insufficient driver".
void clear_error() { (void)cudaGetLastError(); }

std::string describe(cudaError_t err) {
  return std::string(cudaGetErrorString(err)) + " (" + cudaGetErrorName(err) + ")";
}

}  // namespace

int device_count() noexcept {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    clear_error();
    return 0;
  }
  return count;
}

std::string device_count_error() noexcept {
  try {
    int count = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    if (err == cudaSuccess) return "";
    clear_error();
    return describe(err);
  } catch (...) {
    return "unknown error";
  }
}

int runtime_version() noexcept {
  int version = 0;
  if (cudaRuntimeGetVersion(&version) != cudaSuccess) {
    clear_error();
    return 0;
  }
  return version;
}

int driver_version() noexcept {
  int version = 0;
  if (cudaDriverGetVersion(&version) != cudaSuccess) {
    clear_error();
    return 0;
  }
  return version;
}

std::string compiled_arch_list() noexcept {
#if defined(__CUDA_ARCH_LIST__)
  try {
    return TRADEOFF_STRINGIFY(__CUDA_ARCH_LIST__);
  } catch (...) {
    return "";
  }
#else
  return "";
#endif
}

std::string device_name(int device) noexcept {
  try {
    cudaDeviceProp prop;
    const cudaError_t err = cudaGetDeviceProperties(&prop, device);
    if (err != cudaSuccess) {
      clear_error();
      return "";
    }
    return std::string(prop.name) + " (compute capability " + std::to_string(prop.major) + "." +
           std::to_string(prop.minor) + ")";
  } catch (...) {
    return "";
  }
}

std::string probe_device(int device) noexcept {
  try {
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
      clear_error();
      return "no usable CUDA device: " + describe(err);
    }
    if (device < 0 || device >= count) {
      return "device " + std::to_string(device) + " does not exist (" + std::to_string(count) +
             " visible)";
    }
    err = cudaSetDevice(device);
    if (err != cudaSuccess) {
      clear_error();
      return "cudaSetDevice(" + std::to_string(device) + ") failed: " + describe(err);
    }
    cudaFuncAttributes attr;
    err = cudaFuncGetAttributes(&attr, probe_kernel);
    if (err != cudaSuccess) {
      clear_error();
      return "tradeoff._cuda holds no kernel image for device " + std::to_string(device) + " " +
             device_name(device) + "; it was built for CUDA architectures " +
             compiled_arch_list() + ": " + describe(err) +
             ". Rebuild with TRADEOFF_CUDA_ARCHITECTURES set to include it.";
    }
    return "";
  } catch (...) {
    return "unknown error while probing the device";
  }
}

}  // namespace cuda
}  // namespace tradeoff
