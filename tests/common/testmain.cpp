// The main() of a test folder's executable (see testmain.h): argv[1] names the test class to run by
// its source's file name; the other arguments go to QTest as they would to a test of its own.

#include "testmain.h"

#include <QTest>
#include <QtGlobal>

#if defined(QT_WIDGETS_LIB)
#include <QApplication>
using TestApplication = QApplication;
#elif defined(QT_GUI_LIB)
#include <QGuiApplication>
using TestApplication = QGuiApplication;
#else
#include <QCoreApplication>
using TestApplication = QCoreApplication;
#endif

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace sockbench::test {

namespace {

std::map<std::string, TestFactory> &registry() {
    static std::map<std::string, TestFactory> tests;
    return tests;
}

} // namespace

TestRegistration::TestRegistration(const char *sourceFile, TestFactory make) {
    const char *slash = std::strrchr(sourceFile, '/');
    std::string name = slash ? slash + 1 : sourceFile;
    name = name.substr(0, name.rfind('.'));
    if (!registry().emplace(name, make).second) {
        std::fprintf(stderr, "two test classes are registered as %s\n", name.c_str());
        std::abort();
    }
}

} // namespace sockbench::test

int main(int argc, char **argv) {
    const auto &tests = sockbench::test::registry();
    const auto found = argc > 1 ? tests.find(argv[1]) : tests.end();
    if (found == tests.end()) {
        std::fprintf(stderr, "usage: %s TEST [QTest options]; the tests:\n", argv[0]);
        for (const auto &[name, make] : tests)
            std::fprintf(stderr, "  %s\n", name.c_str());
        return 2;
    }
    // The test sees its own name as the program, and the rest as its options.
    std::vector<char *> args(argv + 1, argv + argc);
    int count = int(args.size());
    TestApplication app(count, args.data());
#if defined(QT_WIDGETS_LIB) || defined(QT_GUI_LIB)
    app.setAttribute(Qt::AA_Use96Dpi, true); // as QTEST_MAIN does
#endif
    const std::unique_ptr<QObject> test = found->second();
    return QTest::qExec(test.get(), count, args.data());
}
