// A minimal test harness for the C++ host tests (no external dependency).
// TEST(name) { CHECK(cond); CHECK_EQ(a, b); } ; main() runs every registered test and prints
// "N passed, N failed"; the exit code is non-zero when anything failed.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace tt {

struct Registry {
  std::vector<std::pair<std::string, std::function<void()>>> tests;
  int failures_in_current = 0;
  static Registry& get() {
    static Registry r;
    return r;
  }
};

struct Register {
  Register(const char* name, std::function<void()> fn) {
    Registry::get().tests.emplace_back(name, std::move(fn));
  }
};

inline void fail(const char* file, int line, const std::string& what) {
  std::printf("  FAILED %s:%d: %s\n", file, line, what.c_str());
  ++Registry::get().failures_in_current;
}

}  // namespace tt

#define TT_CAT2(a, b) a##b
#define TT_CAT(a, b) TT_CAT2(a, b)
#define TEST(name)                                                     \
  static void name();                                                  \
  static tt::Register TT_CAT(tt_register_, name)(#name, &name);        \
  static void name()
#define CHECK(cond)                                 \
  do {                                              \
    if (!(cond)) tt::fail(__FILE__, __LINE__, #cond); \
  } while (0)
#define CHECK_EQ(a, b)                                                                  \
  do {                                                                                  \
    auto tt_a = (a);                                                                    \
    auto tt_b = (b);                                                                    \
    if (!(tt_a == tt_b))                                                                \
      tt::fail(__FILE__, __LINE__, std::string(#a " == " #b " (") + std::to_string(tt_a) + \
                                       " vs " + std::to_string(tt_b) + ")");             \
  } while (0)
