#pragma once

// One executable per test folder (tests_core, tests_ui, ...) holds every test class of the folder,
// and each class stays its own ctest entry and its own process: `tests_core tst_journal [QTest
// options]` runs TestJournal alone. One executable instead of one per class spares the build a
// moc pass, a link and a precompiled-header check per class, which were most of CI's build time.
//
// A test source ends with SOCKBENCH_TEST_MAIN(TestClass) where it had QTEST_MAIN: the class is
// registered under the source's file name (tst_journal), which is what the command line names. The
// registration is named after the class, so that sources compiled in one unity batch do not clash.

#include <QObject>

#include <memory>

namespace sockbench::test {

using TestFactory = std::unique_ptr<QObject> (*)();

/// Registers a test class under the base name of `sourceFile` (without its extension).
struct TestRegistration {
    TestRegistration(const char *sourceFile, TestFactory make);
};

} // namespace sockbench::test

#define SOCKBENCH_TEST_MAIN(TestClass)                                                                       \
    static const ::sockbench::test::TestRegistration sockbenchTestRegistration##TestClass(                   \
        __FILE__, []() -> std::unique_ptr<QObject> { return std::make_unique<TestClass>(); });
