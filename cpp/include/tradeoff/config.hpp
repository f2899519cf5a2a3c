// tradeoff/config.hpp: macros and index types shared by every algorithm header.
//
// TRADEOFF_HD marks a function that runs both on the host (g++) and on the device (nvcc):
// the algorithm bodies in *_hd.hpp carry it so that the CPU driver and the CUDA kernels call
// the same code. Under g++ it expands to nothing.
#pragma once

#if defined(__CUDACC_RTC__)
#include <cuda/std/cstdint>
#else
#include <cstdint>
#endif

#if defined(__CUDACC__)
#define TRADEOFF_HD __host__ __device__
#else
#define TRADEOFF_HD
#endif

namespace tradeoff {

using index_t = std::int64_t;  // sizes and offsets: always 64-bit
using rank_t = std::int32_t;   // Pareto ranks (the public dtype is int32)

// Rank given to points that a truncated ranking (max_rank / n_stop) left unranked.
// The Python layer re-exports it as tradeoff.UNRANKED.
constexpr rank_t kUnranked = 2147483647;

}  // namespace tradeoff
