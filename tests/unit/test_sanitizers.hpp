// Which sanitizer this test binary is built with. gcc defines __SANITIZE_ADDRESS__ and
// __SANITIZE_THREAD__; clang 14 (the fuzz and ASan tree) answers only through __has_feature.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define SLUICE_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLUICE_TEST_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define SLUICE_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SLUICE_TEST_TSAN 1
#endif
#endif
