// Runs every TEST registered by the cpp/tests/*.cpp files.
#include "test_main.hpp"

int main() {
  int passed = 0, failed = 0;
  for (auto& [name, fn] : tt::Registry::get().tests) {
    tt::Registry::get().failures_in_current = 0;
    fn();
    if (tt::Registry::get().failures_in_current == 0) {
      ++passed;
    } else {
      ++failed;
      std::printf("test %s failed\n", name.c_str());
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
